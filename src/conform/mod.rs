//! Layer 7, conformance (SPEC §9): the models against the real CPythons they describe. A
//! scenario becomes a real Python program ([`python`]) run on each interpreter found
//! ([`interpreters`]); each run records a [`trace`], and [`membership`] decides whether some
//! path of the model for that version shows the same events, in the same order, with the same
//! final values. [`run`] ties them together, [`realise`] runs counterexamples for real,
//! [`timing`] sets ticks-mode predictions against measured times, [`generated`] runs
//! generated programs, [`experiments`] reruns the experiments claims name as evidence, and
//! [`report`] writes what was found.
//!
//! May use: [`crate::suite`], [`crate::fuzz`], [`crate::check`], [`crate::evidence`],
//! [`crate::cpython`], [`crate::input`]. Its reports depend on the machine, so they are kept
//! apart from `check`'s byte-identical ones.

pub mod experiments;
pub mod generated;
pub mod interpreters;
pub mod membership;
pub mod python;
pub mod realise;
pub mod report;
pub mod run;
pub mod timing;
pub mod trace;
