//! Scenario files (`models/**/*.toml`): a small Python program, abstracted, plus the CPython
//! it runs on. This module parses and validates them; it knows nothing of the model.
//!
//! The file format is SPEC §2. Every error carries `path:line:col`.

use std::path::{Path, PathBuf};

use crate::error::InputError;

/// Which global interpreter lock the modelled CPython has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GilKind {
    /// The tick-based lock of CPython 2.7 (`Python/ceval.c`, `sys.setcheckinterval`).
    Old,
    /// The switch-interval lock of CPython 3.2+ (`Python/ceval_gil.c`).
    New,
    /// Free-threaded CPython (PEP 703): no GIL at all.
    None,
}

/// Where the interpreter checks its eval breaker (and so where a thread can lose the GIL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SwitchPoints {
    /// CPython <= 3.9: nearly every bytecode instruction.
    Bytecode,
    /// CPython 3.10+: calls, function entry and loop back-edges only.
    Calls,
}

/// How time passes in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeMode {
    /// No clock: any enabled event may come next (covers every real timing).
    Untimed,
    /// A global clock of whole ticks; durations count.
    Ticks,
}

/// The `[runtime]` table, with the version's defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runtime {
    /// The CPython modelled, as written: "2.7", "3.2" … "3.14", "3.13t", "3.14t".
    pub python: String,
    pub gil: GilKind,
    /// `gil` was written in the file: it stays whatever `python` a claim's variant picks.
    pub gil_explicit: bool,
    pub switch_points: SwitchPoints,
    /// `switch_points` was written in the file.
    pub switch_points_explicit: bool,
    pub switch_interval: u32,
    pub check_interval: u32,
    pub cores: u32,
    pub time: TimeMode,
    pub horizon: u32,
}

/// A duration in ticks: `N`, or `a..b` for any duration from a to b.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    pub lo: u32,
    pub hi: u32,
}

/// The value a `write` stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WriteValue {
    /// An integer constant.
    Const(i64),
    /// The thread's local register plus a constant (`local`, `local+1`, `local-2`).
    LocalPlus(i64),
}

/// One step of a thread's or a task's program (SPEC §2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Compute(Duration),
    CCall(Duration),
    CNoGil(Duration),
    Io(Duration),
    Sleep(Duration),
    Read(String),
    Write(String, WriteValue),
    Incr(String),
    IncrCall(String),
    Lock(String),
    Unlock(String),
    AwaitSleep(Duration),
    AwaitIo(Duration),
    AwaitCoro,
    /// `await to_thread STEP`: STEP is a blocking step (never an await).
    AwaitToThread(Box<Step>),
    AwaitLock(String),
    Release(String),
    AwaitTask(String),
}

/// What a `[[threads]]` entry runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadBody {
    Steps(Vec<Step>),
    /// An asyncio event loop running these tasks (names from `[[tasks]]`), created in this order.
    Loop(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadSpec {
    pub name: String,
    pub count: u32,
    pub repeat: bool,
    pub body: ThreadBody,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSpec {
    pub name: String,
    pub count: u32,
    pub repeat: bool,
    pub steps: Vec<Step>,
}

/// A parsed and validated scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Unique name: the `name` field, or the path under the models folder without `.toml`.
    pub name: String,
    pub title: String,
    /// The file it came from (empty when built in memory).
    pub path: PathBuf,
    pub runtime: Runtime,
    pub threads: Vec<ThreadSpec>,
    pub tasks: Vec<TaskSpec>,
    /// Shared variables in order of first use (`[vars]` entries first), with starting values.
    pub vars: Vec<(String, i64)>,
}
