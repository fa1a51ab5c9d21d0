pub mod describe;
pub mod graph;
pub mod timeline;
