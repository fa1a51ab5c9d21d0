//! What a run may spend: the state and time budget of each search (a search that reaches it
//! stops cleanly and says so), and the worker threads of the whole run.

use std::fmt;
use std::time::Duration;

use rayon::prelude::*;

/// The command line's state budget when none is given: a search this large takes seconds
/// and well under a few GiB; a larger one says so instead of filling the machine's memory.
pub const DEFAULT_MAX_STATES: usize = 10_000_000;

/// Limits that end a search early (the verdict is then unknown).
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    pub max_states: Option<usize>,
    pub timeout: Option<Duration>,
}

/// Why a search stopped before exploring every state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    MaxStates(usize),
    Timeout(Duration),
}

impl fmt::Display for Stop {
    /// What a budget that ended a search says, in every report and note.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::MaxStates(n) => write!(f, "stopped at the state budget ({n} states, --max-states)"),
            Stop::Timeout(d) => write!(f, "stopped at the time budget ({} s, --timeout)", d.as_secs()),
        }
    }
}

/// `f` of every item on `threads` worker threads; results in the items' order, whatever
/// finishes first.
pub fn in_parallel<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    match rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build() {
        Ok(pool) => pool.install(|| items.par_iter().map(f).collect()),
        // No threads to be had: one after the other on this one.
        Err(_) => items.iter().map(f).collect(),
    }
}
