//! gilcheck: machine-checked answers to what the CPython GIL and asyncio really guarantee.

pub mod claim;
pub mod error;
pub mod scenario;
pub mod asyncio;
pub mod gil;
pub mod model;
pub mod program;
pub mod state;
pub mod atoms;
pub mod checker;
pub mod run;
pub mod cli;
pub mod report;
