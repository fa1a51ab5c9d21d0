//! gilcheck: machine-checked answers to what the CPython GIL and asyncio really guarantee.

pub mod claim;
pub mod error;
pub mod scenario;
