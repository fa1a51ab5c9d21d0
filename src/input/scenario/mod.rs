//! Scenario files (`models/**/*.toml`): a small Python program, abstracted, plus the CPython
//! it runs on. This module parses and validates them; it knows nothing of the model.
//!
//! The file format is SPEC §2. Every error carries `path:line:col`.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::input::located::InputError;

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

// ---------------------------------------------------------------------------------------------
// Steps: syntax
// ---------------------------------------------------------------------------------------------

/// The blocking steps of SPEC §2, as error messages list them.
const BLOCKING_FORMS: &[&str] = &[
    "compute N",
    "c_call N",
    "c_nogil N",
    "io N",
    "time.sleep N",
    "read X",
    "write X V",
    "incr X",
    "incr_call X",
    "lock L",
    "unlock L",
];
/// The awaiting steps of SPEC §2, allowed in tasks only.
const AWAITING_FORMS: &[&str] = &[
    "await asyncio.sleep N",
    "await io N",
    "await coro",
    "await to_thread STEP",
    "await lock L",
    "release L",
    "await task T",
];

impl fmt::Display for Duration {
    /// `N`, or `a..b` for a range: the file syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}..{}", self.lo, self.hi)
        }
    }
}

impl fmt::Display for WriteValue {
    /// `7`, `local`, `local+1` or `local-2`: the file syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WriteValue::Const(v) => write!(f, "{v}"),
            WriteValue::LocalPlus(0) => f.write_str("local"),
            WriteValue::LocalPlus(k) if k > 0 => write!(f, "local+{k}"),
            WriteValue::LocalPlus(k) => write!(f, "local-{}", k.unsigned_abs()),
        }
    }
}

impl fmt::Display for Step {
    /// The step as a scenario file writes it, so that parsing it back gives the same step.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Compute(d) => write!(f, "compute {d}"),
            Step::CCall(d) => write!(f, "c_call {d}"),
            Step::CNoGil(d) => write!(f, "c_nogil {d}"),
            Step::Io(d) => write!(f, "io {d}"),
            Step::Sleep(d) => write!(f, "time.sleep {d}"),
            Step::Read(x) => write!(f, "read {x}"),
            Step::Write(x, v) => write!(f, "write {x} {v}"),
            Step::Incr(x) => write!(f, "incr {x}"),
            Step::IncrCall(x) => write!(f, "incr_call {x}"),
            Step::Lock(l) => write!(f, "lock {l}"),
            Step::Unlock(l) => write!(f, "unlock {l}"),
            Step::AwaitSleep(d) => write!(f, "await asyncio.sleep {d}"),
            Step::AwaitIo(d) => write!(f, "await io {d}"),
            Step::AwaitCoro => f.write_str("await coro"),
            Step::AwaitToThread(step) => write!(f, "await to_thread {step}"),
            Step::AwaitLock(l) => write!(f, "await lock {l}"),
            Step::Release(l) => write!(f, "release {l}"),
            Step::AwaitTask(t) => write!(f, "await task {t}"),
        }
    }
}

impl std::str::FromStr for Step {
    /// What is wrong and what was expected, without a location.
    type Err = String;

    /// Parses one step as a file writes it: words separated by one or more spaces.
    fn from_str(text: &str) -> Result<Step, String> {
        let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
        StepText { text }.any(&words)
    }
}

impl Step {
    /// Allowed in tasks only: the awaits, and `release` of an `asyncio.Lock`.
    pub fn is_awaiting(&self) -> bool {
        matches!(
            self,
            Step::AwaitSleep(_)
                | Step::AwaitIo(_)
                | Step::AwaitCoro
                | Step::AwaitToThread(_)
                | Step::AwaitLock(_)
                | Step::Release(_)
                | Step::AwaitTask(_)
        )
    }

    /// Lets the clock move: the step lasts at least one tick whatever its range picks.
    pub fn takes_ticks(&self) -> bool {
        match self {
            Step::Compute(d)
            | Step::CCall(d)
            | Step::CNoGil(d)
            | Step::Io(d)
            | Step::Sleep(d)
            | Step::AwaitSleep(d)
            | Step::AwaitIo(d) => d.lo > 0,
            Step::AwaitToThread(step) => step.takes_ticks(),
            _ => false,
        }
    }

    /// The shared variable the step reads or writes (on a worker thread for `await to_thread`).
    pub fn variable(&self) -> Option<&str> {
        match self.leaf() {
            Step::Read(x) | Step::Write(x, _) | Step::Incr(x) | Step::IncrCall(x) => Some(x),
            _ => None,
        }
    }

    /// The step that really runs: the blocking step of an `await to_thread`, else itself.
    fn leaf(&self) -> &Step {
        match self {
            Step::AwaitToThread(step) => step,
            step => step,
        }
    }

    /// The lock the step takes or gives back, with its kind.
    fn lock_use(&self) -> Option<(&str, LockKind, LockOp)> {
        match self.leaf() {
            Step::Lock(l) => Some((l, LockKind::Threading, LockOp::Acquire)),
            Step::Unlock(l) => Some((l, LockKind::Threading, LockOp::Release)),
            Step::AwaitLock(l) => Some((l, LockKind::Asyncio, LockOp::Acquire)),
            Step::Release(l) => Some((l, LockKind::Asyncio, LockOp::Release)),
            _ => None,
        }
    }
}

/// `threading.Lock` and `asyncio.Lock` behave differently, so one name is one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LockKind {
    Threading,
    Asyncio,
}

impl LockKind {
    fn describe(self) -> &'static str {
        match self {
            LockKind::Threading => "a threading.Lock (lock/unlock)",
            LockKind::Asyncio => "an asyncio.Lock (await lock/release)",
        }
    }

    /// The step that takes a lock of this kind, for messages.
    fn acquire_verb(self) -> &'static str {
        match self {
            LockKind::Threading => "lock",
            LockKind::Asyncio => "await lock",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LockOp {
    Acquire,
    Release,
}

/// The text of one step being parsed: every error message quotes it whole.
struct StepText<'a> {
    text: &'a str,
}

impl StepText<'_> {
    fn error(&self, what: impl fmt::Display, expected: impl fmt::Display) -> String {
        format!("{what} in step `{}`; expected {expected}", self.text)
    }

    fn unknown(&self) -> String {
        let forms: Vec<&str> = BLOCKING_FORMS.iter().chain(AWAITING_FORMS).copied().collect();
        format!("unknown step `{}`; expected one of: {}", self.text, forms.join(", "))
    }

    /// Any step of SPEC §2.
    fn any(&self, words: &[&str]) -> Result<Step, String> {
        match words.split_first() {
            Some((&"await", rest)) => self.awaiting(rest),
            Some((&"release", args)) => Ok(Step::Release(self.name("release L", args)?)),
            _ => self.blocking(words)?.ok_or_else(|| self.unknown()),
        }
    }

    /// A blocking step, or None when the first word is no blocking verb.
    fn blocking(&self, words: &[&str]) -> Result<Option<Step>, String> {
        let Some((&verb, args)) = words.split_first() else {
            return Ok(None);
        };
        let step = match verb {
            "compute" => Step::Compute(self.duration("compute N", args, 1)?),
            "c_call" => Step::CCall(self.duration("c_call N", args, 1)?),
            "c_nogil" => Step::CNoGil(self.duration("c_nogil N", args, 1)?),
            "io" => Step::Io(self.duration("io N", args, 1)?),
            "time.sleep" => Step::Sleep(self.duration("time.sleep N", args, 1)?),
            "read" => Step::Read(self.name("read X", args)?),
            "write" => self.write(args)?,
            "incr" => Step::Incr(self.name("incr X", args)?),
            "incr_call" => Step::IncrCall(self.name("incr_call X", args)?),
            "lock" => Step::Lock(self.name("lock L", args)?),
            "unlock" => Step::Unlock(self.name("unlock L", args)?),
            _ => return Ok(None),
        };
        Ok(Some(step))
    }

    /// The words after `await`.
    fn awaiting(&self, words: &[&str]) -> Result<Step, String> {
        let Some((&what, args)) = words.split_first() else {
            return Err(self.unknown());
        };
        Ok(match what {
            "asyncio.sleep" => Step::AwaitSleep(self.duration("await asyncio.sleep N", args, 0)?),
            "io" => Step::AwaitIo(self.duration("await io N", args, 1)?),
            "coro" => {
                let [] = self.args("await coro", args)?;
                Step::AwaitCoro
            }
            "to_thread" => self.to_thread(args)?,
            "lock" => Step::AwaitLock(self.name("await lock L", args)?),
            "task" => Step::AwaitTask(self.name("await task T", args)?),
            _ => return Err(self.unknown()),
        })
    }

    /// `await to_thread STEP`: the executor runs blocking code only (never an await).
    fn to_thread(&self, words: &[&str]) -> Result<Step, String> {
        match self.blocking(words)? {
            Some(step) => Ok(Step::AwaitToThread(Box::new(step))),
            None if words.is_empty() => Err(self.error(
                "missing step after `await to_thread`",
                format!("a blocking step: {}", BLOCKING_FORMS.join(", ")),
            )),
            None => Err(self.error(
                format!("`{}` cannot run in `await to_thread`", words.join(" ")),
                format!("a blocking step: {}", BLOCKING_FORMS.join(", ")),
            )),
        }
    }

    /// Exactly the N arguments of `form` (e.g. "write X V").
    fn args<'w, const N: usize>(&self, form: &str, args: &[&'w str]) -> Result<[&'w str; N], String> {
        <[&str; N]>::try_from(args).map_err(|_| {
            let what = args.get(N).map_or("missing argument".to_string(), |w| format!("unexpected `{w}`"));
            self.error(what, format_args!("`{form}`"))
        })
    }

    /// The one argument of `form`, a name.
    fn name(&self, form: &str, args: &[&str]) -> Result<String, String> {
        let [word] = self.args(form, args)?;
        self.identifier(word)
    }

    fn identifier(&self, word: &str) -> Result<String, String> {
        if is_identifier(word) {
            Ok(word.to_string())
        } else {
            Err(self.error(format_args!("bad name `{word}`"), IDENTIFIER))
        }
    }

    /// The one argument of `form`, a duration of at least `min` ticks.
    fn duration(&self, form: &str, args: &[&str], min: u32) -> Result<Duration, String> {
        let [word] = self.args(form, args)?;
        let (lo, hi) = word.split_once("..").unwrap_or((word, word));
        let (Some(lo), Some(hi)) = (parse_uint(lo), parse_uint(hi)) else {
            return Err(
                self.error(format_args!("bad duration `{word}`"), "whole ticks N, or a range a..b (both included)")
            );
        };
        if lo > hi {
            return Err(self.error(format_args!("empty range `{word}`"), "a..b with a <= b"));
        }
        if hi > u64::from(MAX_DURATION) {
            return Err(
                self.error(format_args!("duration `{word}` is too long"), format_args!("at most {MAX_DURATION} ticks"))
            );
        }
        if lo < u64::from(min) {
            return Err(self.error(
                format_args!("zero-tick duration `{word}`"),
                "at least 1 tick (a blocking step takes time; only `await asyncio.sleep` may take 0)",
            ));
        }
        // Both fit: hi <= MAX_DURATION.
        Ok(Duration { lo: lo as u32, hi: hi as u32 })
    }

    /// `write X V`.
    fn write(&self, args: &[&str]) -> Result<Step, String> {
        let [var, value] = self.args("write X V", args)?;
        let var = self.identifier(var)?;
        let value = self.write_value(value)?;
        Ok(Step::Write(var, value))
    }

    /// `V` of `write X V`: a byte, `local`, `local+K` or `local-K`.
    fn write_value(&self, word: &str) -> Result<WriteValue, String> {
        let (magnitude, make): (&str, fn(i64) -> WriteValue) = if word == "local" {
            ("0", WriteValue::LocalPlus)
        } else if let Some(k) = word.strip_prefix("local+") {
            (k, WriteValue::LocalPlus)
        } else if let Some(k) = word.strip_prefix("local-") {
            (k, |k| WriteValue::LocalPlus(-k))
        } else {
            (word, WriteValue::Const)
        };
        match parse_uint(magnitude) {
            Some(k) if k <= u64::from(MAX_VALUE) => Ok(make(k as i64)),
            Some(_) => Err(self.error(
                format_args!("value `{word}` does not fit a shared variable"),
                format_args!("0 to {MAX_VALUE} (shared variables are one byte)"),
            )),
            None => Err(self.error(
                format_args!("bad value `{word}`"),
                format_args!("an integer 0 to {MAX_VALUE}, `local`, `local+K` or `local-K`"),
            )),
        }
    }
}

/// What a name must look like, for messages.
const IDENTIFIER: &str = "an identifier: a letter or `_`, then letters, digits or `_`";

fn is_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A whole number written with ASCII digits only (no sign); `u64::MAX` when it overflows.
fn parse_uint(word: &str) -> Option<u64> {
    let digits = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| word.parse().unwrap_or(u64::MAX))
}

// ---------------------------------------------------------------------------------------------
// The file as TOML gives it, with the spans errors point at
// ---------------------------------------------------------------------------------------------

/// A list of strings with the location of the list and of each string.
type SpannedList = Spanned<Vec<Spanned<String>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    name: Option<Spanned<String>>,
    title: Option<String>,
    runtime: Option<RawRuntime>,
    #[serde(default)]
    threads: Vec<RawThread>,
    #[serde(default)]
    tasks: Vec<RawTask>,
    vars: Option<RawVars>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuntime {
    python: Option<Spanned<String>>,
    gil: Option<Spanned<String>>,
    switch_points: Option<Spanned<String>>,
    switch_interval: Option<Spanned<i64>>,
    check_interval: Option<Spanned<i64>>,
    cores: Option<Spanned<i64>>,
    time: Option<Spanned<String>>,
    horizon: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThread {
    name: Spanned<String>,
    count: Option<Spanned<i64>>,
    repeat: Option<Spanned<bool>>,
    steps: Option<SpannedList>,
    #[serde(rename = "loop")]
    tasks: Option<SpannedList>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    name: Spanned<String>,
    count: Option<Spanned<i64>>,
    repeat: Option<Spanned<bool>>,
    steps: SpannedList,
}

/// `[vars]` in file order (a map type would lose it), each key and value located.
struct RawVars(Vec<(Spanned<String>, Spanned<i64>)>);

impl<'de> Deserialize<'de> for RawVars {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = RawVars;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of variable names and integer starting values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawVars, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawVars(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// The steps of a thread or a task entry, with their locations.
fn raw_steps(list: Option<&SpannedList>) -> &[Spanned<String>] {
    list.map_or(&[], |l| l.get_ref().as_slice())
}

// ---------------------------------------------------------------------------------------------
// Locating errors
// ---------------------------------------------------------------------------------------------

/// The file being read: turns spans into `path:line:col` errors.
#[derive(Clone, Copy)]
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    /// An error at a byte offset (moved back to a character boundary, so it never panics).
    fn error(&self, offset: usize, message: impl Into<String>) -> InputError {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        InputError::at_offset(self.path, self.text, offset, message)
    }

    /// An error at a value: a string's first character inside its quotes, else its start.
    fn at(&self, span: Range<usize>, message: impl Into<String>) -> InputError {
        let rest = self.text.get(span.start..).unwrap_or("");
        let quote = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
            3
        } else if rest.starts_with('"') || rest.starts_with('\'') {
            1
        } else {
            0
        };
        self.error(span.start + quote, message)
    }

    /// TOML's own error (syntax, unknown key, wrong type) in our `what; expected` form.
    fn toml_error(&self, error: &toml::de::Error) -> InputError {
        let message = (error.message().trim()).replace('\n', "; ").replace("expected i64", "expected an integer");
        let message = if message.starts_with("missing field") {
            format!("{message}; expected it in this table")
        } else if message.contains("expected") {
            message.replacen(", expected", "; expected", 1)
        } else {
            format!("{message}; expected valid TOML (https://toml.io)")
        };
        self.error(error.span().map_or(0, |s| s.start), message)
    }

    /// An integer field from `lo` to `hi`.
    fn int_in(&self, value: &Spanned<i64>, key: &str, lo: u32, hi: u32) -> Result<u32, InputError> {
        let v = *value.get_ref();
        match u32::try_from(v) {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ => {
                Err(self
                    .at(value.span(), format!("{key} = {v} is out of range; expected an integer from {lo} to {hi}")))
            }
        }
    }

    /// A keyword-valued field, e.g. `time = "ticks"`.
    fn choice<T: Copy>(&self, value: &Spanned<String>, key: &str, table: &[(&str, T)]) -> Result<T, InputError> {
        let found = table.iter().find(|(name, _)| name == value.get_ref());
        found.map(|&(_, v)| v).ok_or_else(|| {
            let names = quoted_names(table.iter().map(|&(name, _)| name));
            let message = format!("unknown {key} `{}`; expected one of {names}", value.get_ref());
            self.at(value.span(), message)
        })
    }

    /// A thread, task or variable name.
    fn identifier(&self, name: &Spanned<String>, what: &str) -> Result<String, InputError> {
        if is_identifier(name.get_ref()) {
            Ok(name.get_ref().clone())
        } else {
            Err(self.at(name.span(), format!("bad {what} name `{}`; expected {IDENTIFIER}", name.get_ref())))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing one file: each entry on its own first
// ---------------------------------------------------------------------------------------------

/// Who runs a program: only tasks may await.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Thread,
    Task,
}

impl Source<'_> {
    fn runtime(&self, raw: &RawRuntime) -> Result<Runtime, InputError> {
        let python = match &raw.python {
            Some(p) if python_rules(p.get_ref()).is_some() => p.get_ref().clone(),
            Some(p) => {
                let message = format!(
                    "unknown python version `{}`; expected one of {}",
                    p.get_ref(),
                    quoted_names(PYTHON_VERSIONS.iter().copied())
                );
                return Err(self.at(p.span(), message));
            }
            None => Runtime::default().python,
        };
        let version = Runtime::default().with_python(&python).unwrap_or_default();
        Ok(Runtime {
            gil: self.choice_or(raw.gil.as_ref(), "gil", GIL_NAMES, version.gil)?,
            gil_explicit: raw.gil.is_some(),
            switch_points: self.choice_or(
                raw.switch_points.as_ref(),
                "switch_points",
                SWITCH_POINT_NAMES,
                version.switch_points,
            )?,
            switch_points_explicit: raw.switch_points.is_some(),
            switch_interval: self.int_or(
                raw.switch_interval.as_ref(),
                "switch_interval",
                MAX_INTERVAL,
                version.switch_interval,
            )?,
            check_interval: self.int_or(
                raw.check_interval.as_ref(),
                "check_interval",
                MAX_INTERVAL,
                version.check_interval,
            )?,
            cores: self.int_or(raw.cores.as_ref(), "cores", MAX_CORES, version.cores)?,
            time: self.choice_or(raw.time.as_ref(), "time", TIME_NAMES, version.time)?,
            horizon: self.int_or(raw.horizon.as_ref(), "horizon", MAX_HORIZON, version.horizon)?,
            python,
        })
    }

    /// An optional keyword field, or its default.
    fn choice_or<T: Copy>(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
        table: &[(&str, T)],
        default: T,
    ) -> Result<T, InputError> {
        value.map_or(Ok(default), |v| self.choice(v, key, table))
    }

    /// An optional positive integer field up to `hi`, or its default.
    fn int_or(&self, value: Option<&Spanned<i64>>, key: &str, hi: u32, default: u32) -> Result<u32, InputError> {
        value.map_or(Ok(default), |v| self.int_in(v, key, 1, hi))
    }

    fn count(&self, count: Option<&Spanned<i64>>) -> Result<u32, InputError> {
        self.int_or(count, "count", MAX_THREADS.min(MAX_TASKS), 1)
    }

    fn thread(&self, raw: &RawThread, time: TimeMode) -> Result<ThreadSpec, InputError> {
        let name = self.identifier(&raw.name, "thread")?;
        let count = self.count(raw.count.as_ref())?;
        let body = match (&raw.steps, &raw.tasks) {
            (Some(steps), None) => ThreadBody::Steps(self.program(steps, Owner::Thread, raw.repeat.as_ref(), time)?),
            (None, Some(tasks)) => {
                self.loop_thread(raw)?;
                ThreadBody::Loop(tasks.get_ref().iter().map(|t| t.get_ref().clone()).collect())
            }
            (Some(_), Some(tasks)) => {
                let message = format!(
                    "thread `{name}` has both `steps` and `loop`; expected one of them (a loop's code is its tasks)"
                );
                return Err(self.at(tasks.span(), message));
            }
            (None, None) => {
                let message = format!(
                    "thread `{name}` has neither `steps` nor `loop`; expected `steps = [...]` or `loop = [task names]`"
                );
                return Err(self.at(raw.name.span(), message));
            }
        };
        Ok(ThreadSpec { name, count, repeat: is_true(raw.repeat.as_ref()), body })
    }

    /// A loop thread runs its own tasks once: copies would put a task on two loops, and
    /// `repeat` belongs on the tasks.
    fn loop_thread(&self, raw: &RawThread) -> Result<(), InputError> {
        if let Some(count) = raw.count.as_ref().filter(|c| *c.get_ref() != 1) {
            let message =
                "count on a loop thread; expected count = 1 (each task runs on one loop: write one thread per loop)";
            return Err(self.at(count.span(), message));
        }
        if let Some(repeat) = raw.repeat.as_ref().filter(|r| *r.get_ref()) {
            let message =
                "repeat = true on a loop thread; expected it on the tasks (a loop runs until its tasks are done)";
            return Err(self.at(repeat.span(), message));
        }
        Ok(())
    }

    fn task(&self, raw: &RawTask, time: TimeMode) -> Result<TaskSpec, InputError> {
        Ok(TaskSpec {
            name: self.identifier(&raw.name, "task")?,
            count: self.count(raw.count.as_ref())?,
            repeat: is_true(raw.repeat.as_ref()),
            steps: self.program(&raw.steps, Owner::Task, raw.repeat.as_ref(), time)?,
        })
    }

    /// The steps of one thread or task, checked on their own.
    fn program(
        &self,
        list: &SpannedList,
        owner: Owner,
        repeat: Option<&Spanned<bool>>,
        time: TimeMode,
    ) -> Result<Vec<Step>, InputError> {
        let raw = list.get_ref();
        if let Some(extra) = raw.get(MAX_STEPS) {
            let message = format!("too many steps; expected at most {MAX_STEPS} in one program");
            return Err(self.at(extra.span(), message));
        }
        let steps = raw.iter().map(|s| self.step(s, owner)).collect::<Result<Vec<_>, _>>()?;
        self.lock_pairs(&steps, raw)?;
        if let Some(repeat) = repeat.filter(|r| *r.get_ref()) {
            self.repeat_body(&steps, repeat, time)?;
        }
        Ok(steps)
    }

    fn step(&self, raw: &Spanned<String>, owner: Owner) -> Result<Step, InputError> {
        let step: Step = raw.get_ref().parse().map_err(|message: String| self.at(raw.span(), message))?;
        if owner == Owner::Thread && step.is_awaiting() {
            let message = format!(
                "`{}` is an awaiting step, and a thread cannot await; expected a blocking step ({}), or move it to a [[tasks]] entry",
                raw.get_ref(),
                BLOCKING_FORMS.join(", ")
            );
            return Err(self.at(raw.span(), message));
        }
        Ok(step)
    }

    /// A program gives back only locks it holds at that point (CPython raises RuntimeError on
    /// releasing an unlocked lock; a model of it would have nothing to release).
    fn lock_pairs(&self, steps: &[Step], raw: &[Spanned<String>]) -> Result<(), InputError> {
        let mut held: Vec<(&str, LockKind)> = Vec::new();
        for (step, raw) in steps.iter().zip(raw) {
            let Some((lock, kind, op)) = step.lock_use() else {
                continue;
            };
            match (op, held.iter().position(|&h| h == (lock, kind))) {
                (LockOp::Acquire, _) => held.push((lock, kind)),
                (LockOp::Release, Some(i)) => {
                    held.remove(i);
                }
                (LockOp::Release, None) => {
                    let message = format!(
                        "`{}` gives back `{lock}`, which this program does not hold here; expected a `{} {lock}` earlier in the same program",
                        raw.get_ref(),
                        kind.acquire_verb()
                    );
                    return Err(self.at(raw.span(), message));
                }
            }
        }
        Ok(())
    }

    /// A `repeat` body must do something, and in ticks mode take time: a body that takes no
    /// tick would run forever at one instant, and the clock would never pass.
    fn repeat_body(&self, steps: &[Step], repeat: &Spanned<bool>, time: TimeMode) -> Result<(), InputError> {
        if steps.is_empty() {
            return Err(self.at(repeat.span(), "repeat = true with no steps; expected at least one step to repeat"));
        }
        if time == TimeMode::Ticks && !steps.iter().any(Step::takes_ticks) {
            let message = "repeat = true but no step takes a tick, so time would never pass; expected a step that lasts at least 1 tick (compute, c_call, c_nogil, io, time.sleep, await asyncio.sleep N > 0, await io, await to_thread of one)";
            return Err(self.at(repeat.span(), message));
        }
        Ok(())
    }
}

fn is_true(flag: Option<&Spanned<bool>>) -> bool {
    flag.is_some_and(|f| *f.get_ref())
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

// ---------------------------------------------------------------------------------------------
// Parsing one file: what the entries say of each other
// ---------------------------------------------------------------------------------------------

/// The parsed entries beside their raw forms, for checks across entries.
struct Entries<'a> {
    src: Source<'a>,
    raw: &'a RawFile,
    threads: &'a [ThreadSpec],
    tasks: &'a [TaskSpec],
}

impl Entries<'_> {
    /// Every thread and task entry: its kind, name (located) and count, threads first.
    fn named(&self) -> Vec<(&'static str, &Spanned<String>, u32)> {
        let threads = self.raw.threads.iter().zip(self.threads).map(|(r, t)| ("thread", &r.name, t.count));
        let tasks = self.raw.tasks.iter().zip(self.tasks).map(|(r, t)| ("task", &r.name, t.count));
        threads.chain(tasks).collect()
    }

    /// Every step of every program in order (threads in file order, then tasks), located.
    fn steps(&self) -> Vec<(&Step, &Spanned<String>)> {
        let threads = self.raw.threads.iter().zip(self.threads).flat_map(|(r, t)| {
            let steps: &[Step] = match &t.body {
                ThreadBody::Steps(steps) => steps,
                ThreadBody::Loop(_) => &[],
            };
            steps.iter().zip(raw_steps(r.steps.as_ref()))
        });
        let tasks = self.raw.tasks.iter().zip(self.tasks).flat_map(|(r, t)| t.steps.iter().zip(r.steps.get_ref()));
        threads.chain(tasks).collect()
    }

    /// Names are unique over threads and tasks, counting copies: claims name them all.
    fn unique_names(&self) -> Result<(), InputError> {
        let mut taken: HashMap<String, String> = HashMap::new();
        for (kind, name, count) in self.named() {
            let owner = match count {
                1 => format!("{kind} `{}`", name.get_ref()),
                _ => format!("{kind} `{}` (count {count})", name.get_ref()),
            };
            let mut names = copy_names(name.get_ref(), count);
            if count != 1 {
                names.insert(0, name.get_ref().clone());
            }
            for n in names {
                if let Some(first) = taken.get(&n) {
                    let message = format!(
                        "duplicate name `{n}`: {first} has it already; expected unique thread and task names (an entry with count N also takes NAME0 … NAME(N-1))"
                    );
                    return Err(self.src.at(name.span(), message));
                }
                taken.insert(n, owner.clone());
            }
        }
        Ok(())
    }

    /// The model's fixed-size arrays: threads, tasks (copies counted) and loops.
    fn sizes(&self) -> Result<(), InputError> {
        let mut totals = [("thread", 0, MAX_THREADS), ("task", 0, MAX_TASKS)];
        for (kind, name, count) in self.named() {
            let Some((_, total, max)) = totals.iter_mut().find(|(k, _, _)| *k == kind) else {
                continue;
            };
            *total += count;
            if *total > *max {
                let message =
                    format!("too many {kind}s: this entry makes {total}; expected at most {max}, copies counted");
                return Err(self.src.at(name.span(), message));
            }
        }
        if let Some(extra) = self.raw.threads.iter().filter_map(|t| t.tasks.as_ref()).nth(MAX_LOOPS) {
            let message = format!("too many event loops; expected at most {MAX_LOOPS} loop threads");
            return Err(self.src.at(extra.span(), message));
        }
        Ok(())
    }

    /// Each task runs on exactly one loop: for each task entry, the index of its loop thread.
    fn loops(&self) -> Result<Vec<usize>, InputError> {
        let mut loop_of: Vec<Option<usize>> = vec![None; self.tasks.len()];
        for (t, raw) in self.raw.threads.iter().enumerate() {
            for entry in raw_steps(raw.tasks.as_ref()) {
                let Some(k) = self.tasks.iter().position(|task| task.name == *entry.get_ref()) else {
                    let message = format!(
                        "unknown task `{}` in `loop`; expected the name of a [[tasks]] entry{}",
                        entry.get_ref(),
                        self.task_names_hint()
                    );
                    return Err(self.src.at(entry.span(), message));
                };
                if let Some(other) = loop_of[k] {
                    let message = format!(
                        "task `{}` is already on the loop of thread `{}`; expected each task on one loop, once",
                        entry.get_ref(),
                        self.threads[other].name
                    );
                    return Err(self.src.at(entry.span(), message));
                }
                loop_of[k] = Some(t);
            }
        }
        let placed = loop_of.iter().zip(&self.raw.tasks).map(|(l, raw)| {
            l.ok_or_else(|| {
                let message = format!(
                    "task `{}` runs on no loop; expected its name in some thread's `loop = [...]`",
                    raw.name.get_ref()
                );
                self.src.at(raw.name.span(), message)
            })
        });
        placed.collect()
    }

    fn task_names_hint(&self) -> String {
        let names: Vec<&str> = self.tasks.iter().map(|t| t.name.as_str()).collect();
        if names.is_empty() {
            " (there are none)".to_string()
        } else {
            format!(": {}", names.join(", "))
        }
    }

    /// `await task T` names another task of the same loop (asyncio refuses a task of another
    /// loop, and a task awaiting itself never ends). T is a copy name when T's entry has copies.
    fn awaited_tasks(&self, loop_of: &[usize]) -> Result<(), InputError> {
        let copies = expand(self.tasks, |t| (&t.name, t.count));
        for (k, (task, raw)) in self.tasks.iter().zip(&self.raw.tasks).enumerate() {
            for (step, raw_step) in task.steps.iter().zip(raw.steps.get_ref()) {
                let Step::AwaitTask(target) = step else {
                    continue;
                };
                let problem = match copies.iter().find(|(n, _)| n == target) {
                    None => {
                        let names: Vec<&str> = copies.iter().map(|(n, _)| n.as_str()).collect();
                        format!("`await task {target}` names no task; expected one of: {}", names.join(", "))
                    }
                    Some(&(_, j)) if j == k => {
                        format!("task `{}` would await itself; expected another task", task.name)
                    }
                    Some(&(_, j)) if loop_of[j] != loop_of[k] => format!(
                        "task `{target}` runs on the loop of thread `{}`, not on this task's loop; expected a task of the same loop",
                        self.threads[loop_of[j]].name
                    ),
                    Some(_) => continue,
                };
                return Err(self.src.at(raw_step.span(), problem));
            }
        }
        Ok(())
    }

    /// Shared variables, `[vars]` first in file order, then the others in order of first use;
    /// checks locks on the way (one kind per name, and the array sizes).
    fn shared(&self) -> Result<Vec<(String, i64)>, InputError> {
        let mut vars = self.declared_vars()?;
        let mut locks: Vec<(&str, LockKind)> = Vec::new();
        for (step, raw) in self.steps() {
            if let Some(x) = step.variable().filter(|x| !vars.iter().any(|(v, _)| v == x)) {
                if vars.len() == MAX_VARS {
                    let message = format!("`{x}` is one shared variable too many; expected at most {MAX_VARS}");
                    return Err(self.src.at(raw.span(), message));
                }
                vars.push((x.to_string(), 0));
            }
            if let Some((lock, kind, _)) = step.lock_use() {
                self.add_lock(&mut locks, lock, kind, raw)?;
            }
        }
        Ok(vars)
    }

    fn add_lock<'s>(
        &self,
        locks: &mut Vec<(&'s str, LockKind)>,
        lock: &'s str,
        kind: LockKind,
        raw: &Spanned<String>,
    ) -> Result<(), InputError> {
        let message = match locks.iter().find(|(l, _)| *l == lock) {
            Some(&(_, k)) if k == kind => return Ok(()),
            Some(&(_, k)) => format!(
                "`{lock}` is used here as {} but earlier as {}; expected one kind per lock name",
                kind.describe(),
                k.describe()
            ),
            None if locks.iter().filter(|(_, k)| *k == kind).count() < MAX_LOCKS => {
                locks.push((lock, kind));
                return Ok(());
            }
            None => format!("`{lock}` is one lock too many; expected at most {MAX_LOCKS} of {}", kind.describe()),
        };
        Err(self.src.at(raw.span(), message))
    }

    /// The `[vars]` table: names and one-byte starting values.
    fn declared_vars(&self) -> Result<Vec<(String, i64)>, InputError> {
        let entries = self.raw.vars.as_ref().map_or(&[][..], |v| v.0.as_slice());
        if let Some((extra, _)) = entries.get(MAX_VARS) {
            let message = format!("too many shared variables; expected at most {MAX_VARS}");
            return Err(self.src.at(extra.span(), message));
        }
        let var = |(name, value): &(Spanned<String>, Spanned<i64>)| {
            let name = self.src.identifier(name, "variable")?;
            let value = self.src.int_in(value, &name, 0, MAX_VALUE)?;
            Ok((name, i64::from(value)))
        };
        entries.iter().map(var).collect()
    }
}

/// Parses and validates one scenario file (SPEC §2). `default_name` is used when the file sets
/// no `name`; `title` defaults to the name.
pub fn parse_scenario(path: &Path, source: &str, default_name: &str) -> Result<Scenario, InputError> {
    let src = Source { path, text: source };
    let raw: RawFile = toml::from_str(source).map_err(|e| src.toml_error(&e))?;
    let name = match &raw.name {
        Some(n) if n.get_ref().trim().is_empty() => {
            return Err(src.at(n.span(), "empty scenario name; expected a name such as \"asyncio/blocking-sleep\""))
        }
        Some(n) => n.get_ref().clone(),
        None => default_name.to_string(),
    };
    let runtime = src.runtime(raw.runtime.as_ref().unwrap_or(&RawRuntime::default()))?;
    let threads = raw.threads.iter().map(|t| src.thread(t, runtime.time)).collect::<Result<Vec<_>, _>>()?;
    let tasks = raw.tasks.iter().map(|t| src.task(t, runtime.time)).collect::<Result<Vec<_>, _>>()?;
    let entries = Entries { src, raw: &raw, threads: &threads, tasks: &tasks };
    entries.unique_names()?;
    entries.sizes()?;
    let loop_of = entries.loops()?;
    entries.awaited_tasks(&loop_of)?;
    let vars = entries.shared()?;
    if threads.is_empty() {
        return Err(src.error(0, "no threads; expected at least one [[threads]] entry"));
    }
    Ok(Scenario {
        title: raw.title.clone().unwrap_or_else(|| name.clone()),
        name,
        path: path.to_path_buf(),
        runtime,
        threads,
        tasks,
        vars,
    })
}

// ---------------------------------------------------------------------------------------------
// Loading folders of scenarios
// ---------------------------------------------------------------------------------------------

/// Loads every scenario of `dirs`: each a folder (its `*.toml` files, recursively, sorted by
/// path, named by their path under it) or one file (named by its stem). Names must be unique.
pub fn load_scenarios(dirs: &[PathBuf]) -> Result<Vec<Scenario>, InputError> {
    let mut scenarios: Vec<Scenario> = Vec::new();
    for (path, default_name) in scenario_files(dirs)? {
        let source = std::fs::read_to_string(&path).map_err(|e| io_error(&path, &e))?;
        let scenario = parse_scenario(&path, &source, &default_name)?;
        if let Some(first) = scenarios.iter().find(|s| s.name == scenario.name) {
            let src = Source { path: &path, text: &source };
            let message = format!(
                "duplicate scenario name `{}`: {} has it already; expected unique names (set `name` to rename one)",
                scenario.name,
                first.path.display()
            );
            return Err(src.error(name_key_offset(&source).unwrap_or(0), message));
        }
        scenarios.push(scenario);
    }
    Ok(scenarios)
}

/// Where the top-level `name` key is written, if it is.
fn name_key_offset(source: &str) -> Option<usize> {
    let keys: std::collections::BTreeMap<Spanned<String>, serde::de::IgnoredAny> = toml::from_str(source).ok()?;
    keys.keys().find(|k| k.get_ref() == "name").map(|k| k.span().start)
}

fn io_error(path: &Path, error: &std::io::Error) -> InputError {
    InputError::new(path, 1, 1, format!("cannot read: {error}; expected a readable scenario file or folder"))
}

/// Every scenario file of `roots` with its default name, in load order.
fn scenario_files(roots: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, InputError> {
    let mut found = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|e| io_error(root, &e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            let mut seen = Vec::new();
            toml_files_below(root, &mut files, &mut seen)?;
            files.sort();
            found.extend(files.into_iter().map(|f| {
                let name = relative_name(root, &f);
                (f, name)
            }));
        } else {
            let stem = root.file_stem().map_or(String::new(), |s| s.to_string_lossy().into_owned());
            found.push((root.clone(), stem));
        }
    }
    Ok(found)
}

/// Collects `*.toml` files under `dir`; `seen` holds the folders visited, so that a symbolic
/// link loop cannot make the search run forever.
fn toml_files_below(dir: &Path, files: &mut Vec<PathBuf>, seen: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let real = std::fs::canonicalize(dir).map_err(|e| io_error(dir, &e))?;
    if seen.contains(&real) {
        return Ok(());
    }
    seen.push(real);
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))? {
        let path = entry.map_err(|e| io_error(dir, &e))?.path();
        if path.is_dir() {
            toml_files_below(&path, files, seen)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    Ok(())
}

/// `root/gil/convoy.toml` → `gil/convoy`, with `/` on every platform.
fn relative_name(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file).with_extension("");
    let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

// ---------------------------------------------------------------------------------------------
// Helpers for the model, and printing back
// ---------------------------------------------------------------------------------------------

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

    /// A scenario file that parses back to this scenario (its `path` aside). Every field is
    /// written out; `gil` and `switch_points` only when the file had them, so that a claim's
    /// variants still pick them from the version.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_toml(&mut out);
        out
    }

    fn write_toml(&self, out: &mut String) -> fmt::Result {
        writeln!(out, "name = {}", quoted(&self.name))?;
        writeln!(out, "title = {}", quoted(&self.title))?;
        let r = &self.runtime;
        writeln!(out, "\n[runtime]\npython = {}", quoted(&r.python))?;
        if r.gil_explicit {
            writeln!(out, "gil = \"{}\"", keyword(GIL_NAMES, r.gil))?;
        }
        if r.switch_points_explicit {
            writeln!(out, "switch_points = \"{}\"", keyword(SWITCH_POINT_NAMES, r.switch_points))?;
        }
        writeln!(out, "switch_interval = {}\ncheck_interval = {}", r.switch_interval, r.check_interval)?;
        writeln!(out, "cores = {}\ntime = \"{}\"\nhorizon = {}", r.cores, keyword(TIME_NAMES, r.time), r.horizon)?;
        for t in &self.threads {
            writeln!(out, "\n[[threads]]\nname = {}\ncount = {}\nrepeat = {}", quoted(&t.name), t.count, t.repeat)?;
            match &t.body {
                ThreadBody::Steps(steps) => writeln!(out, "steps = {}", list(steps))?,
                ThreadBody::Loop(tasks) => writeln!(out, "loop = {}", list(tasks))?,
            }
        }
        for t in &self.tasks {
            writeln!(out, "\n[[tasks]]\nname = {}\ncount = {}\nrepeat = {}", quoted(&t.name), t.count, t.repeat)?;
            writeln!(out, "steps = {}", list(&t.steps))?;
        }
        if !self.vars.is_empty() {
            writeln!(out, "\n[vars]")?;
            for (name, value) in &self.vars {
                writeln!(out, "{} = {value}", quoted(name))?;
            }
        }
        Ok(())
    }
}

/// A TOML string literal, escaped as TOML needs.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML array of the items' file syntax.
fn list<T: fmt::Display>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().map(|i| quoted(&i.to_string())).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(text: &str) -> Step {
        match text.parse() {
            Ok(step) => step,
            Err(e) => panic!("`{text}` should parse: {e}"),
        }
    }

    fn step_error(text: &str) -> String {
        match text.parse::<Step>() {
            Ok(step) => panic!("`{text}` should not parse, got {step:?}"),
            Err(e) => e,
        }
    }

    fn d(lo: u32, hi: u32) -> Duration {
        Duration { lo, hi }
    }

    #[test]
    fn every_step_kind_parses_and_prints_back() {
        let cases = [
            ("compute 3", Step::Compute(d(3, 3))),
            ("c_call 1..4", Step::CCall(d(1, 4))),
            ("c_nogil 2", Step::CNoGil(d(2, 2))),
            ("io 255", Step::Io(d(255, 255))),
            ("time.sleep 20", Step::Sleep(d(20, 20))),
            ("read x", Step::Read("x".into())),
            ("write x 7", Step::Write("x".into(), WriteValue::Const(7))),
            ("write x local", Step::Write("x".into(), WriteValue::LocalPlus(0))),
            ("write x local+1", Step::Write("x".into(), WriteValue::LocalPlus(1))),
            ("write _y2 local-2", Step::Write("_y2".into(), WriteValue::LocalPlus(-2))),
            ("incr counter", Step::Incr("counter".into())),
            ("incr_call counter", Step::IncrCall("counter".into())),
            ("lock L", Step::Lock("L".into())),
            ("unlock L", Step::Unlock("L".into())),
            ("await asyncio.sleep 0", Step::AwaitSleep(d(0, 0))),
            ("await asyncio.sleep 0..2", Step::AwaitSleep(d(0, 2))),
            ("await io 2", Step::AwaitIo(d(2, 2))),
            ("await coro", Step::AwaitCoro),
            ("await to_thread time.sleep 20", Step::AwaitToThread(Box::new(Step::Sleep(d(20, 20))))),
            ("await to_thread incr x", Step::AwaitToThread(Box::new(Step::Incr("x".into())))),
            ("await lock A", Step::AwaitLock("A".into())),
            ("release A", Step::Release("A".into())),
            ("await task t1", Step::AwaitTask("t1".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(step(text), expected, "{text}");
            assert_eq!(expected.to_string(), text);
        }
    }

    #[test]
    fn spaces_between_words_may_repeat() {
        assert_eq!(step("  await   to_thread  compute   1..2 "), step("await to_thread compute 1..2"));
    }

    #[test]
    fn durations_print_as_written() {
        assert_eq!(d(3, 3).to_string(), "3");
        assert_eq!(d(0, 5).to_string(), "0..5");
        assert_eq!(step("compute 4..4"), Step::Compute(d(4, 4)));
    }

    #[test]
    fn bad_steps_say_what_was_expected() {
        assert!(step_error("compte 3").starts_with("unknown step `compte 3`; expected one of: compute N,"));
        assert_eq!(step_error("compute 0"), "zero-tick duration `0` in step `compute 0`; expected at least 1 tick (a blocking step takes time; only `await asyncio.sleep` may take 0)");
        assert_eq!(step_error("io 5..2"), "empty range `5..2` in step `io 5..2`; expected a..b with a <= b");
        assert_eq!(
            step_error("compute 256"),
            "duration `256` is too long in step `compute 256`; expected at most 255 ticks"
        );
        assert_eq!(step_error("compute"), "missing argument in step `compute`; expected `compute N`");
        assert_eq!(step_error("read x y"), "unexpected `y` in step `read x y`; expected `read X`");
        assert_eq!(step_error("await coro now"), "unexpected `now` in step `await coro now`; expected `await coro`");
        assert!(step_error("await to_thread await io 1")
            .starts_with("`await io 1` cannot run in `await to_thread` in step"));
        assert!(step_error("await to_thread").contains("a blocking step: compute N"));
        assert!(step_error("write x -1").starts_with("bad value `-1`"));
        assert!(step_error("write x 256").starts_with("value `256` does not fit"));
        assert!(step_error("write x local+999").starts_with("value `local+999` does not fit"));
        assert!(step_error("read 1x").starts_with("bad name `1x`"));
        for bad in [
            "",
            "await",
            "await sleep 1",
            "compute -1",
            "compute 1.5",
            "compute 1..",
            "compute ..2",
            "io 99999999999999999999999",
        ] {
            step_error(bad);
        }
    }

    #[test]
    fn steps_know_their_nature() {
        assert!(step("await to_thread compute 1").takes_ticks());
        assert!(!step("await to_thread read x").takes_ticks());
        assert!(!step("await asyncio.sleep 0..3").takes_ticks());
        assert!(step("await asyncio.sleep 1..3").takes_ticks());
        assert!(step("release L").is_awaiting());
        assert!(!step("unlock L").is_awaiting());
        assert_eq!(step("await to_thread write v local").variable(), Some("v"));
    }

    #[test]
    fn versions_pick_gil_and_switch_points() {
        use GilKind::*;
        use SwitchPoints::*;
        assert_eq!(python_rules("2.7"), Some((Old, Bytecode)));
        assert_eq!(python_rules("3.2"), Some((New, Bytecode)));
        assert_eq!(python_rules("3.9"), Some((New, Bytecode)));
        assert_eq!(python_rules("3.10"), Some((New, Calls)));
        assert_eq!(python_rules("3.14"), Some((New, Calls)));
        assert_eq!(python_rules("3.13t"), Some((None, Calls)));
        assert_eq!(python_rules("3.14t"), Some((None, Calls)));
        for bad in ["3.1", "3.15", "3.12t", "3.010", "2.6", "", "3"] {
            assert_eq!(python_rules(bad), Option::None, "{bad}");
        }
        assert!(PYTHON_VERSIONS.iter().all(|v| python_rules(v).is_some()));
    }

    #[test]
    fn with_python_keeps_what_the_file_wrote() {
        let base = Runtime::default();
        let old = base.with_python("2.7").expect("known version");
        assert_eq!((old.python.as_str(), old.gil, old.switch_points), ("2.7", GilKind::Old, SwitchPoints::Bytecode));
        let pinned = Runtime { gil: GilKind::New, gil_explicit: true, ..base.clone() };
        let free = pinned.with_python("3.13t").expect("known version");
        assert_eq!((free.gil, free.switch_points), (GilKind::New, SwitchPoints::Calls));
        assert_eq!(base.with_python("4.0"), Option::None);
    }

    #[test]
    fn copy_names_keep_a_single_entry_plain() {
        assert_eq!(copy_names("w", 1), ["w"]);
        assert_eq!(copy_names("w", 3), ["w0", "w1", "w2"]);
    }
}
