pub mod asyncio;
pub mod gil;
pub mod model;
pub mod program;
pub mod state;
