pub mod atoms;
pub mod ends;
pub mod explorable;
pub mod job;
pub mod liveness;
pub mod resources;
pub mod search;
