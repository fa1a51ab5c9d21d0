//! gilcheck: machine-checked answers to what the CPython GIL and asyncio really guarantee.

pub mod check;
pub mod cli;
pub mod cpython;
pub mod evidence;
pub mod fuzz;
pub mod input;
pub mod suite;
