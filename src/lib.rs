//! gilcheck: machine-checked answers to what the CPython GIL and asyncio really guarantee.

pub mod asyncio;
pub mod atoms;
pub mod checker;
pub mod claim;
pub mod cli;
pub mod ends;
pub mod error;
pub mod fuzz;
pub mod generate;
pub mod gil;
pub mod graph;
pub mod liveness;
pub mod model;
pub mod program;
pub mod report;
pub mod run;
pub mod scenario;
pub mod state;
pub mod timeline;
