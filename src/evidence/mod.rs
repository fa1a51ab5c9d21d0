pub mod graph;
pub mod timeline;
