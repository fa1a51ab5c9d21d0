//! Scenarios (`models/**/*.toml`, SPEC §2): a small Python program, abstracted, plus the
//! CPython it runs on. This module holds the scenario's types; [`step`] is the step language,
//! [`parse`] reads and validates a file, [`print`] writes one back. It knows nothing of the
//! model: [`crate::cpython::program`] compiles a scenario for it.

mod load;
pub mod parse;
mod print;
mod raw;
mod source_file;
pub mod step;
mod uses;

use std::path::PathBuf;

pub use load::load_scenarios;
pub use parse::parse_scenario;

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
    /// `lst.append(v)` or `d[k] = v` on shared object X: one C call that updates X (its size,
    /// `X += 1`) with no switch point inside.
    Append(String),
    /// `lock L`, or `lock L timeout N`: `if L.acquire(timeout=N):` around the section up to
    /// the matching `unlock L`, which is skipped when the acquire gives up.
    Lock(String, Option<u8>),
    Unlock(String),
    AwaitSleep(Duration),
    AwaitIo(Duration),
    AwaitCoro,
    /// `await to_thread STEP`: STEP is a blocking step (never an await).
    AwaitToThread(Box<Step>),
    /// `await to_thread J` / `await run_in_executor J`: J names a `[[jobs]]` entry, a job of
    /// several blocking steps run on an executor worker.
    AwaitJob {
        job: String,
        call: JobCall,
    },
    AwaitLock(String),
    /// `release L` in a task: `asyncio.Lock.release` (in a thread it is [`Step::SemRelease`]).
    Release(String),
    AwaitTask(String),
    /// `await wait_for T N`: `asyncio.wait_for(T, N)`; a `TimeoutError` is caught and the task
    /// goes on.
    AwaitWaitFor(String, u8),
    /// `await timeout N STEP`: `async with asyncio.timeout(N):` around one awaiting step
    /// (3.11+); a `TimeoutError` is caught and the task goes on.
    AwaitTimeout(u8, Box<Step>),
    /// `cancel T` in a task: `T.cancel()`.
    Cancel(String),
    /// `threading.Event` `set`, `clear`, `wait`. A waiting step's `Option<u8>` is its
    /// `timeout N` in ticks: it gives up after N ticks (`queue.Empty`/`queue.Full` caught).
    EventSet(String),
    EventClear(String),
    EventWait(String, Option<u8>),
    /// `threading.Semaphore` `acquire` / `release` (`release S` in a thread).
    Acquire(String, Option<u8>),
    SemRelease(String),
    /// `threading.Condition` `wait`, `notify`, `notify_all` of a `[conditions]` entry.
    CondWait(String),
    CondNotify(String),
    CondNotifyAll(String),
    /// `queue.Queue` `put` / `get` (blocking).
    Put(String, Option<u8>),
    Get(String, Option<u8>),
    /// `asyncio.Event`: `await event.wait E`, and `event.set E` / `event.clear E` in a task on
    /// an event that no thread uses (the parser resolves the spelling by use).
    AwaitEventWait(String),
    AsyncEventSet(String),
    AsyncEventClear(String),
    /// `asyncio.Semaphore`: `await acquire S`, and `release S` in a task on such a semaphore.
    AwaitAcquire(String),
    AsyncSemRelease(String),
    /// `asyncio.Queue`: `await queue.put Q` / `await queue.get Q`.
    AwaitPut(String),
    AwaitGet(String),
}

/// How a task hands a job to the loop's default executor: both submit it to the same
/// `ThreadPoolExecutor` (`Lib/asyncio/threads.py: to_thread` calls `run_in_executor(None, …)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobCall {
    ToThread,
    RunInExecutor,
}

/// A `[[jobs]]` entry: blocking steps that a task offloads to an executor worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    pub name: String,
    pub steps: Vec<Step>,
}

/// Which kind of `threading` object a step names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncUse {
    Event,
    Semaphore,
    Queue,
    AsyncEvent,
    AsyncSemaphore,
    AsyncQueue,
}

impl SyncUse {
    /// The class, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SyncUse::Event => "a threading.Event",
            SyncUse::Semaphore => "a threading.Semaphore",
            SyncUse::Queue => "a queue.Queue",
            SyncUse::AsyncEvent => "an asyncio.Event",
            SyncUse::AsyncSemaphore => "an asyncio.Semaphore",
            SyncUse::AsyncQueue => "an asyncio.Queue",
        }
    }
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
    /// `[queues]`: each declared queue's `maxsize` (0: unbounded, the default); whether it is a
    /// `queue.Queue` or an `asyncio.Queue` follows from the steps that use it.
    pub queues: Vec<(String, u8)>,
    /// `[semaphores]`: each declared semaphore's starting value (default 1), `threading` or
    /// `asyncio` by use.
    pub semaphores: Vec<(String, u8)>,
    /// `[[jobs]]`, in file order.
    pub jobs: Vec<JobSpec>,
    /// `[conditions]`: each `threading.Condition` with the `threading.Lock` it is made on.
    pub conditions: Vec<(String, String)>,
    /// Where each step comes from, for a scenario extracted from a Python file: per thread,
    /// task and job name, one label per step (`app.py:23 time.sleep(2) in handler()`).
    /// Empty for a scenario file.
    pub origins: std::collections::BTreeMap<String, Vec<String>>,
}

// ---------------------------------------------------------------------------------------------
// Limits. The model keeps threads, tasks, variables and locks in fixed-size arrays, so a
// scenario that needs more is refused here, with a message, rather than deep inside the model.
// ---------------------------------------------------------------------------------------------

/// Threads after `count` expansion (executor workers are the model's and not counted).
pub const MAX_THREADS: u32 = 8;
/// Tasks after `count` expansion, over all loops.
pub const MAX_TASKS: u32 = 8;
/// Threads running an event loop.
pub const MAX_LOOPS: usize = 4;
/// Shared variables, `[vars]` and used ones together.
pub const MAX_VARS: usize = 8;
/// Distinct `threading.Lock`s, and separately distinct `asyncio.Lock`s.
pub const MAX_LOCKS: usize = 4;
/// `threading.Event`s, `threading.Semaphore`s and `queue.Queue`s together.
pub const MAX_SYNCS: usize = 4;
/// `[conditions]` entries.
pub const MAX_CONDS: usize = 4;
/// `[[jobs]]` entries.
pub const MAX_JOBS: usize = 8;
/// Steps of one thread's or task's program (`await to_thread STEP` is one step).
pub const MAX_STEPS: usize = 32;
/// The largest duration, in ticks.
pub const MAX_DURATION: u32 = 255;
/// The largest value a shared variable holds: it is one byte.
pub const MAX_VALUE: u32 = 255;
/// The latest horizon of ticks mode.
pub const MAX_HORIZON: u32 = 1000;
/// The most CPUs.
pub const MAX_CORES: u32 = 64;
/// The largest `switch_interval` and `check_interval`.
pub const MAX_INTERVAL: u32 = 255;
/// The longest thread, task, variable or lock name (copy names included): every message,
/// state line and report quotes names, and none needs more.
pub const MAX_NAME_CHARS: usize = 64;
/// The longest scenario name: with a claim id, a variant and a suffix, a report's file names
/// stay within the 255 bytes file systems allow.
pub const MAX_SCENARIO_NAME_CHARS: usize = 200;
/// The longest step text: the longest valid step (`await to_thread incr_call NAME`) is far
/// shorter, and a bound keeps messages that quote a step short.
pub const MAX_STEP_CHARS: usize = 200;

// ---------------------------------------------------------------------------------------------
// Versions (SPEC §7)
// ---------------------------------------------------------------------------------------------

/// Every `python` a scenario or a claim's variant may name, oldest first, free-threaded last.
pub const PYTHON_VERSIONS: [&str; 16] = [
    "2.7", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.13t",
    "3.14t",
];

/// The GIL and the switch points of a CPython version (SPEC §7 "Versions"); None if unknown.
///
/// 3.10 moved the eval-breaker check to calls, function entry and loop back-edges (gh-18334);
/// the `t` builds are free-threaded (PEP 703).
pub fn python_rules(version: &str) -> Option<(GilKind, SwitchPoints)> {
    match version {
        "2.7" => Some((GilKind::Old, SwitchPoints::Bytecode)),
        "3.2" | "3.3" | "3.4" | "3.5" | "3.6" | "3.7" | "3.8" | "3.9" => Some((GilKind::New, SwitchPoints::Bytecode)),
        "3.10" | "3.11" | "3.12" | "3.13" | "3.14" => Some((GilKind::New, SwitchPoints::Calls)),
        "3.13t" | "3.14t" => Some((GilKind::None, SwitchPoints::Calls)),
        _ => None,
    }
}

/// A `python` of [`PYTHON_VERSIONS`] as (major, minor), for rules that change at a version:
/// `"3.13t"` is (3, 13).
pub fn python_version(python: &str) -> (u32, u32) {
    let (major, minor) = python.trim_end_matches('t').split_once('.').unwrap_or((python, "0"));
    (major.parse().unwrap_or(0), minor.parse().unwrap_or(0))
}

impl Default for Runtime {
    /// SPEC §2's defaults: CPython 3.11, untimed.
    fn default() -> Self {
        Runtime {
            python: "3.11".to_string(),
            gil: GilKind::New,
            gil_explicit: false,
            switch_points: SwitchPoints::Calls,
            switch_points_explicit: false,
            switch_interval: 5,
            check_interval: 1,
            cores: 2,
            time: TimeMode::Untimed,
            horizon: 60,
        }
    }
}

impl Runtime {
    /// The same runtime under another CPython (a claim's variant): what the file wrote
    /// explicitly stays, the rest follows `version`. None if `version` is unknown.
    pub fn with_python(&self, version: &str) -> Option<Runtime> {
        let (gil, switch_points) = python_rules(version)?;
        Some(Runtime {
            python: version.to_string(),
            gil: if self.gil_explicit { self.gil } else { gil },
            switch_points: if self.switch_points_explicit { self.switch_points } else { switch_points },
            ..self.clone()
        })
    }
}

/// File spellings of the keyword-valued `[runtime]` fields: one table for parsing and printing.
const GIL_NAMES: &[(&str, GilKind)] = &[("new", GilKind::New), ("old", GilKind::Old), ("none", GilKind::None)];
const SWITCH_POINT_NAMES: &[(&str, SwitchPoints)] =
    &[("bytecode", SwitchPoints::Bytecode), ("calls", SwitchPoints::Calls)];
const TIME_NAMES: &[(&str, TimeMode)] = &[("untimed", TimeMode::Untimed), ("ticks", TimeMode::Ticks)];

/// `"a", "b", "c"`: the accepted spellings, as an error message lists them.
fn quoted_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// The file spelling of `value` in one of the keyword tables above.
fn keyword<T: PartialEq>(table: &[(&'static str, T)], value: T) -> &'static str {
    table.iter().find(|(_, v)| *v == value).map_or("?", |(name, _)| name)
}

impl Scenario {
    /// The threads one by one, copies expanded and named as claims name them.
    pub fn expanded_threads(&self) -> Vec<(String, &ThreadSpec)> {
        let copies = expand(&self.threads, |t| (&t.name, t.count));
        copies.into_iter().map(|(n, i)| (n, &self.threads[i])).collect()
    }

    /// The tasks one by one, copies expanded and named as claims name them.
    pub fn expanded_tasks(&self) -> Vec<(String, &TaskSpec)> {
        let copies = expand(&self.tasks, |t| (&t.name, t.count));
        copies.into_iter().map(|(n, i)| (n, &self.tasks[i])).collect()
    }
}

/// Every copy of `entries` by name, with the index of its entry, in order.
fn expand<T>(entries: &[T], name_count: impl Fn(&T) -> (&str, u32)) -> Vec<(String, usize)> {
    let copies = entries.iter().enumerate().flat_map(|(i, entry)| {
        let (name, count) = name_count(entry);
        copy_names(name, count).into_iter().map(move |n| (n, i))
    });
    copies.collect()
}

/// The names of an entry's copies: `worker0`, `worker1`, … or the plain name when count is 1.
fn copy_names(name: &str, count: u32) -> Vec<String> {
    if count == 1 {
        vec![name.to_string()]
    } else {
        (0..count).map(|i| format!("{name}{i}")).collect()
    }
}

#[cfg(test)]
mod tests;
