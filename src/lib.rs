//! gilcheck: machine-checked answers to what the CPython GIL and asyncio really guarantee.
//!
//! The crate is nine layers, each a folder; a layer uses only the layers above it in this
//! list (a test, `tests/layers.rs`, keeps it so), and data flows down the list:
//!
//! | layer | turns | into |
//! |---|---|---|
//! | [`input`] | the user's scenario and claim files | typed values, or located errors |
//! | [`cpython`] | a scenario under one CPython | a model: states and the transitions CPython allows |
//! | [`python`] | a Python program (`app.py`) | its scenario, each step naming its source line, and the questions to ask of it |
//! | [`evidence`] | a path of the model | text, graphs and timelines for people |
//! | [`check`] | a claim on one model | a verdict row with its counterexample |
//! | [`fuzz`] | a universal claim | verdicts over generated programs, failures shrunk |
//! | [`suite`] | every claim on every scenario | ordered rows, series, the reports folder |
//! | [`conform`] | a scenario and the real CPythons | recorded traces checked against the model |
//! | [`cli`] | the command line | exit status, tables, JSON |
//!
//! The path of one scenario: `models/gil/two-cpu-threads.toml` is read by
//! `input/scenario/parse.rs` and a claim on it by `input/claim/file.rs` (its check by
//! `input/claim/lang.rs`); `cpython/program.rs` compiles the scenario for CPython 3.11 and
//! `cpython/model.rs` (with `gil.rs` and `asyncio.rs`) makes its transitions; `check/atoms.rs`
//! binds `always running_python <= 1` to it, `check/search.rs` explores every state and
//! `check/job.rs` judges the result, asking `evidence/` to draw any counterexample;
//! `suite/mod.rs` runs it beside the other jobs and `suite/report.rs` writes
//! `reports/claims/<id>.md`; `cli/check.rs` prints the table and sets the exit status.
//!
//! Start reading at `cpython/gil.rs`: it is the GIL, rule by rule, with CPython's sources.

pub mod check;
pub mod cli;
pub mod conform;
pub mod cpython;
pub mod evidence;
pub mod fuzz;
pub mod input;
pub mod python;
pub mod suite;
