pub mod generate;
pub mod universal;
