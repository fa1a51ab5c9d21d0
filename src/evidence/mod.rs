//! Layer 3, how a path of the model reads for people: each action and state in Python's
//! vocabulary ([`describe`]), counterexample and state graphs as DOT and SVG ([`graph`],
//! [`trace_graph`]), GIL timelines ([`timeline`]) and charts of measured values ([`chart`]) as
//! SVG.
//!
//! May use: [`crate::cpython`], [`crate::input`]. Only reads the model: nothing here changes
//! what is explored or decides a verdict.

pub mod chart;
pub mod describe;
pub mod graph;
pub mod markers;
pub mod timeline;
pub mod trace_graph;
