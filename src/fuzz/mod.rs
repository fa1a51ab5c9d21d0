//! Layer 5, universal claims: proptest strategies that generate scenarios ([`generate`]),
//! and the claim checked on each program, with the failures shrunk ([`universal`]).
//!
//! May use: [`crate::check`] and the layers below. Knows nothing of the suite it runs in or
//! of the reports folder.

pub mod generate;
pub mod universal;
