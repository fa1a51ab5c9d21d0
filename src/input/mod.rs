pub mod claim;
pub mod located;
pub mod scenario;
