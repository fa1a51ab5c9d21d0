//! Layer 2, what CPython does. A scenario is compiled ([`program`]) into the static half of
//! a model; [`state`] is its dynamic half; one module per mechanism says how a state changes:
//! [`gil`] (the new GIL, the old tick-based one, none), [`asyncio`] (the event loop, its
//! timers, selector and default executor), [`sync`] (`threading`'s events, semaphores and
//! queues), [`aio_sync`] (asyncio's); [`model`] interleaves them under the clock as a
//! stateright `Model`.
//!
//! May use: [`crate::input`]. Knows nothing of claims, verdicts or text for people: every
//! rule cites the CPython source it follows, and a change here changes what is explored.

pub mod aio_sync;
pub mod asyncio;
pub mod cancel;
pub mod clock;
pub mod encoding;
pub mod gil;
pub mod give_up;
pub mod holders;
pub mod model;
pub mod program;
pub mod state;
pub mod symmetry;
pub mod sync;
pub mod timeouts;
