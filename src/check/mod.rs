//! Layer 4, one claim on one scenario under one CPython: bind the claim's atoms to the model
//! ([`atoms`]), explore it breadth-first ([`search`]) or as a graph under fairness
//! ([`liveness`]), compare where runs end ([`ends`]), and turn what was found into a verdict
//! row with its counterexample ([`job`]), within a budget ([`resources`]). [`explorable`]
//! offers the same bound model to stateright's own checker and Explorer.
//!
//! May use: [`crate::evidence`], [`crate::cpython`], [`crate::input`]. Knows nothing of
//! generated programs, of other jobs, or of the reports folder.

pub mod atoms;
pub mod deadlock;
pub mod ends;
pub mod explorable;
pub mod fusion;
pub mod job;
pub mod liveness;
pub mod packing;
pub mod resources;
pub mod search;
pub mod structure;
pub mod tree;
pub mod visited;
