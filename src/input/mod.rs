pub mod claim;
pub mod files;
pub mod located;
pub mod scenario;
