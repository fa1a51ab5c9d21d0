pub mod atoms;
pub mod ends;
pub mod job;
pub mod liveness;
pub mod search;
