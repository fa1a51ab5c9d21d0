//! Layer 4, one claim on one scenario under one CPython: bind the claim's atoms to the model
//! ([`atoms`]), observe the goal on every state ([`explore`]) of a breadth-first walk
//! ([`search`]: visited fingerprints in [`visited`], queued states [`packing`], paths in
//! [`tree`], forced chains fused by [`fusion`]) or explore it as a graph under fairness
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
pub mod explore;
pub mod fusion;
pub mod job;
mod level;
pub mod liveness;
pub mod merge;
pub mod packing;
pub mod resources;
pub mod search;
pub mod structure;
pub mod tree;
pub mod visited;
