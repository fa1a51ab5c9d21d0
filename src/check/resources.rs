//! What a run may spend: one [`Budget`] that every search obeys (states, its own time, the
//! whole run's time, its share of memory, and an interrupt), and the worker threads of the
//! whole run. A search that reaches a limit stops cleanly, says which ([`Stop`]), and its
//! verdict is unknown.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

/// The command line's state budget when none is given: a search this large takes seconds
/// and well under a few GiB; a larger one says so instead of filling the machine's memory.
pub const DEFAULT_MAX_STATES: usize = 10_000_000;

/// The share of the machine's memory a run takes when `--max-memory` is not given.
pub const DEFAULT_MEMORY_FRACTION: f64 = 0.5;

/// How many states a search explores between two looks at its budget.
pub const POLL_EVERY: usize = 4096;

/// Limits that end a search early (the verdict is then unknown), and how it searches.
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    pub max_states: Option<usize>,
    /// Seconds for each search (`--search-timeout`).
    pub timeout: Option<Duration>,
    /// When the whole run must end (`--timeout`): every search still running stops there.
    pub deadline: Option<Instant>,
    /// Bytes one search may hold (its share of `--max-memory`), as the search estimates them.
    pub max_memory: Option<usize>,
    /// Cores a search may use for its levels.
    pub cores: Cores,
    /// Fuse chains of forced steps that the check does not observe ([`crate::check::fusion`],
    /// `--fuse`): fewer states stored and counted, the same verdicts, values and
    /// counterexample lengths.
    pub fuse: bool,
}

/// How many cores one search expands its levels on. Its results are the same whatever it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cores {
    /// The whole run's cores (`--threads`): a search takes those the searches running beside
    /// it leave idle.
    Shared(usize),
    /// This many, whatever else runs (benchmarks, tests).
    Fixed(usize),
    /// This many, with levels cut into parts of this many states (tests: small models with
    /// many parts).
    Split(usize, usize),
}

impl Default for Cores {
    fn default() -> Self {
        Cores::Shared(1)
    }
}

/// States of a level expanded as one piece of work: enough to make handing it to a core
/// cheap, few enough that a level has parts for every core.
pub const PART_STATES: usize = 2048;

/// Searches running now in this process, so that a search can take the cores the others
/// leave idle.
static SEARCHING: AtomicUsize = AtomicUsize::new(0);

/// Counts a search among those running while it lives.
pub struct Searching;

impl Searching {
    pub fn start() -> Searching {
        SEARCHING.fetch_add(1, Ordering::Relaxed);
        Searching
    }
}

impl Drop for Searching {
    fn drop(&mut self) {
        SEARCHING.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Cores {
    /// Cores for the next piece of work of a search.
    pub fn now(self) -> usize {
        match self {
            Cores::Shared(n) => (n / SEARCHING.load(Ordering::Relaxed).max(1)).max(1),
            Cores::Fixed(n) | Cores::Split(n, _) => n.max(1),
        }
    }

    /// States in one part of a level, the unit of work of a core.
    pub fn part_states(self) -> usize {
        match self {
            Cores::Split(_, part) => part.max(1),
            _ => PART_STATES,
        }
    }
}

/// Why a search stopped before exploring every state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    MaxStates(usize),
    Timeout(Duration),
    /// The run's `--timeout` passed (seconds of the whole run).
    Deadline(u64),
    /// The search's estimate of its memory reached its share (bytes).
    Memory(usize),
    /// SIGINT or SIGTERM: the run is ending.
    Interrupted,
}

impl fmt::Display for Stop {
    /// What a budget that ended a search says, in every report and note.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::MaxStates(n) => write!(f, "stopped at the state budget ({n} states, --max-states)"),
            Stop::Timeout(d) => {
                write!(f, "stopped at the time budget of a search ({} s, --search-timeout)", d.as_secs_f64())
            }
            Stop::Deadline(s) => write!(f, "stopped at the run's time budget ({s} s, --timeout)"),
            Stop::Memory(b) => {
                write!(f, "stopped at the memory budget ({} MiB for this search, --max-memory)", b >> 20)
            }
            Stop::Interrupted => write!(f, "stopped: the run was interrupted"),
        }
    }
}

/// A search's view of its budget, from its start.
#[derive(Clone, Copy, Debug)]
pub struct Meter {
    budget: Budget,
    start: Instant,
    run_seconds: u64,
}

impl Budget {
    /// Starts the clock of one search.
    pub fn start(self) -> Meter {
        let start = Instant::now();
        let run_seconds = self.deadline.map_or(0, |d| d.saturating_duration_since(start).as_secs());
        Meter { budget: self, start, run_seconds }
    }

    /// The same budget with its memory divided among `searches` running at once.
    pub fn shared_by(self, searches: usize) -> Budget {
        Budget { max_memory: self.max_memory.map(|m| m / searches.max(1)), ..self }
    }
}

impl Meter {
    /// Whether the search must stop now, holding about `bytes` bytes.
    /// Cheap enough to call every [`POLL_EVERY`] states.
    pub fn poll(&self, bytes: usize) -> Option<Stop> {
        if interrupted().is_some() {
            return Some(Stop::Interrupted);
        }
        if let Some(limit) = self.budget.timeout.filter(|l| self.start.elapsed() >= *l) {
            return Some(Stop::Timeout(limit));
        }
        if self.budget.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(Stop::Deadline(self.run_seconds));
        }
        match self.budget.max_memory {
            Some(limit) if bytes >= limit => Some(Stop::Memory(limit)),
            _ => None,
        }
    }

    pub fn max_states(&self) -> usize {
        self.budget.max_states.unwrap_or(usize::MAX)
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

/// The signal that interrupts the run (0: none), stored by the signal handler itself.
pub static INTERRUPTED: AtomicUsize = AtomicUsize::new(0);

/// The signal that interrupted the run, if one did.
pub fn interrupted() -> Option<i32> {
    match INTERRUPTED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s as i32),
    }
}

/// The machine's memory in bytes (Linux: `MemTotal` of `/proc/meminfo`), if known.
pub fn machine_memory() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The memory a run takes when `--max-memory` is not given: [`DEFAULT_MEMORY_FRACTION`] of
/// the machine's.
pub fn default_memory() -> Option<usize> {
    machine_memory().map(|m| (m as f64 * DEFAULT_MEMORY_FRACTION) as usize)
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
