//! Layer 1, the user's files → typed values. Scenarios ([`scenario`]) and claims ([`claim`])
//! are read through one located TOML tree ([`located`]), so that every error is
//! `path:line:col: what is wrong; what was expected`; [`files`] finds and reads them, and
//! [`diagnostic`] shows an error with the line it points at.
//!
//! May use: nothing else of the crate. Knows nothing of models, searches or reports: a value
//! that leaves this layer is valid, and nothing above it reports a location in a user's file
//! except through [`located::InputError`].

pub mod claim;
pub mod diagnostic;
pub mod files;
pub mod located;
pub mod scenario;
