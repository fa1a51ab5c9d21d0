//! The `for_all` table of a universal claim: the family of generated programs it quantifies
//! over, and how a claim file's table is read. [`crate::fuzz::generate`] draws the programs.

use toml::Spanned;

use super::file::ClaimFile;
use super::{AtomKind, Check};
use crate::input::located::{did_you_mean, InputError, Node};
use crate::input::scenario::{MAX_CORES, MAX_DURATION, MAX_HORIZON, MAX_LOOPS, MAX_TASKS, MAX_THREADS};

/// The step kinds a `for_all` table may allow (`kinds`), in the order shrinking prefers them.
/// `lock` is a `lock L … unlock L` section, `await lock` an `await lock A … release A` section.
/// The first [`DEFAULT_KINDS`] are drawn when a table names no `kinds`; the waiting
/// primitives after them only when named, so that a claim written before they existed keeps
/// the programs (and the verdict) it had.
/// `semaphore` is an `acquire S … release S` section of a `threading.Semaphore`, `await
/// semaphore` one of an `asyncio.Semaphore`; `event` is a `threading.Event` set or wait,
/// `queue` a `queue.Queue` put or get, `cancel` a task cancelling a task of its loop,
/// `timeout` a `queue.Queue` get or `threading.Event` wait with `timeout N`, `await wait_for`
/// an `asyncio.wait_for` of an earlier task.
pub const STEP_KINDS: [&str; 24] = [
    "compute",
    "c_call",
    "c_nogil",
    "io",
    "time.sleep",
    "read",
    "write",
    "incr",
    "incr_call",
    "append",
    "lock",
    "await coro",
    "await asyncio.sleep",
    "await io",
    "await to_thread",
    "await lock",
    "await task",
    // Drawn only when named:
    "semaphore",
    "await semaphore",
    "event",
    "queue",
    "cancel",
    "timeout",
    "await wait_for",
];

/// How many of [`STEP_KINDS`] a table without `kinds` draws.
pub const DEFAULT_KINDS: usize = 17;

/// The programs a universal claim quantifies over: its `for_all` table (README "Universal
/// claims"). Ranges are `(min, max)`, both included; `crate::fuzz::generate` draws programs from them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForAll {
    /// Plain threads (`[[threads]]` entries with `steps`).
    pub threads: (u32, u32),
    /// Threads running an asyncio event loop.
    pub loops: (u32, u32),
    /// Tasks on each loop.
    pub tasks: (u32, u32),
    /// Steps of each program.
    pub steps: (u32, u32),
    /// Ticks of each step that lasts (`compute N`, `io N`, …).
    pub ticks: (u32, u32),
    /// `count` of each thread and task entry (identical copies).
    pub count: (u32, u32),
    /// CPUs.
    pub cores: (u32, u32),
    /// The step kinds programs may use, by name (`STEP_KINDS`).
    pub kinds: Vec<String>,
    /// Shared variables and locks may be used (`false` drops their steps from `kinds`).
    pub shared_vars: bool,
    /// A lock or semaphore section may hold a section of another one (`false`: one at a time).
    pub nested_locks: bool,
    /// Programs may be `repeat = true` (`while True:`).
    pub repeat: bool,
    /// The scenarios' `time`: true for `"ticks"`.
    pub ticks_mode: bool,
    /// The scenarios' horizon (ticks mode).
    pub horizon: u32,
    /// Programs `gilcheck check` generates per variant.
    pub cases: u32,
    /// The family of programs.
    pub shape: Shape,
    /// `shape = "blocking-call"`: the blocking call's duration `{D}`.
    pub block: (u32, u32),
    /// Besides `check`: every run stops in the same state (shared variables, progress and
    /// `done` of every thread and task), whatever the schedule.
    pub same_end: bool,
}

/// Families of generated programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Any program within the bounds.
    Any,
    /// A loop whose first task `blocker` makes a blocking call of `{D}` ticks as its step
    /// `{K}` (after `{K} - 1` steps that do not suspend), while the task created next,
    /// `ticker`, is ready; anything else within the bounds beside them.
    BlockingCall,
}

impl Shape {
    /// The shape's name in claim files.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Any => "any",
            Shape::BlockingCall => "blocking-call",
        }
    }

    /// The parameters a check may name as `{NAME}`.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Shape::Any => &[],
            Shape::BlockingCall => &["D", "K"],
        }
    }
}

impl ForAll {
    /// The bounds in words, for reports: `1-2 threads, 0-1 loops of 1-2 tasks, …`.
    pub fn describe(&self) -> String {
        let r = |(a, b): (u32, u32)| if a == b { a.to_string() } else { format!("{a}-{b}") };
        let mut parts = Vec::new();
        match self.shape {
            Shape::Any => parts.push(format!(
                "{} plain threads, {} event loops of {} tasks",
                r(self.threads),
                r(self.loops),
                r(self.tasks)
            )),
            Shape::BlockingCall => parts.push(format!(
                "shape blocking-call (a blocking call of {{D}} = {} ticks), {} other tasks, {} plain threads",
                r(self.block),
                r(self.tasks),
                r(self.threads)
            )),
        }
        parts.push(format!("{} steps per program, each lasting {} ticks", r(self.steps), r(self.ticks)));
        if self.count != (1, 1) {
            parts.push(format!("{} copies", r(self.count)));
        }
        if self.cores != (2, 2) {
            parts.push(format!("{} cores", r(self.cores)));
        }
        let all = STEP_KINDS[..DEFAULT_KINDS].iter().all(|k| self.kinds.iter().any(|x| x == k))
            && self.kinds.len() == DEFAULT_KINDS;
        if !all {
            parts.push(format!("steps of kinds {}", self.kinds.join(", ")));
        }
        if !self.shared_vars {
            parts.push("no shared variables or locks".into());
        }
        if self.repeat {
            parts.push("`repeat` allowed".into());
        }
        parts.push(if self.ticks_mode { format!("ticks (horizon {})", self.horizon) } else { "untimed".into() });
        parts.push(format!("{} programs per variant", self.cases));
        if self.same_end {
            parts.push("and every run must end in the same state".into());
        }
        parts.join("; ")
    }
}

impl Default for ForAll {
    fn default() -> Self {
        ForAll {
            threads: (1, 2),
            loops: (0, 1),
            tasks: (1, 2),
            steps: (1, 3),
            ticks: (1, 2),
            count: (1, 1),
            cores: (2, 2),
            kinds: STEP_KINDS[..DEFAULT_KINDS].iter().map(|k| k.to_string()).collect(),
            shared_vars: true,
            nested_locks: true,
            repeat: false,
            ticks_mode: false,
            horizon: 15,
            cases: 100,
            shape: Shape::Any,
            block: (2, 6),
            same_end: false,
        }
    }
}

/// `text` with every `{NAME}` replaced by `value(NAME)`; an error names a `{…}` that `value`
/// does not know (byte offset and message).
pub fn substitute(text: &str, value: impl Fn(&str) -> Option<i64>) -> Result<String, (usize, String)> {
    let mut out = String::new();
    let mut rest = text;
    let mut at = 0;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            return Err((at + open, "this `{` is never closed; expected `{NAME}`".into()));
        };
        let name = &rest[open + 1..open + close];
        match value(name) {
            Some(v) => out.push_str(&v.to_string()),
            None => return Err((at + open, format!("unknown parameter `{{{name}}}`"))),
        }
        at += open + close + 1;
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Names, queries and printing of the AST
// ---------------------------------------------------------------------------------------------

const FOR_ALL_KEYS: [&str; 17] = [
    "threads",
    "loops",
    "tasks",
    "steps",
    "ticks",
    "count",
    "cores",
    "kinds",
    "shared_vars",
    "nested_locks",
    "repeat",
    "time",
    "horizon",
    "cases",
    "shape",
    "block",
    "same_end",
];

/// Items of one generated program (a lock section counts once).
const FOR_ALL_MAX_STEPS: u32 = 8;
/// Programs per variant, at most.
const FOR_ALL_MAX_CASES: u32 = 1_000_000;

impl ClaimFile<'_> {
    /// The `for_all` table of a universal claim.
    pub(super) fn for_all(&self, node: &Spanned<Node>) -> Result<ForAll, InputError> {
        let Node::Table(entries) = node.get_ref() else {
            return Err(self.error(
                &node.span(),
                format!(
                    "`for_all` is {}; expected a table such as `for_all = {{ threads = [1, 3], steps = [1, 3] }}`",
                    node.get_ref().describe()
                ),
            ));
        };
        let mut f = ForAll::default();
        for (key, value) in entries {
            let k = key.get_ref().as_str();
            match k {
                "threads" => f.threads = self.range(value, k, 0, MAX_THREADS)?,
                "loops" => f.loops = self.range(value, k, 0, MAX_LOOPS as u32)?,
                "tasks" => f.tasks = self.range(value, k, 0, MAX_TASKS)?,
                "steps" => f.steps = self.range(value, k, 1, FOR_ALL_MAX_STEPS)?,
                "ticks" => f.ticks = self.range(value, k, 1, MAX_DURATION)?,
                "count" => f.count = self.range(value, k, 1, MAX_THREADS)?,
                "cores" => f.cores = self.range(value, k, 1, MAX_CORES)?,
                "block" => f.block = self.range(value, k, 1, MAX_DURATION)?,
                "horizon" => f.horizon = self.range(value, k, 1, MAX_HORIZON)?.0,
                "cases" => f.cases = self.range(value, k, 1, FOR_ALL_MAX_CASES)?.0,
                "shared_vars" => f.shared_vars = self.boolean(value, k)?,
                "nested_locks" => f.nested_locks = self.boolean(value, k)?,
                "repeat" => f.repeat = self.boolean(value, k)?,
                "same_end" => f.same_end = self.boolean(value, k)?,
                "time" => f.ticks_mode = self.word(value, k, &["untimed", "ticks"])? == "ticks",
                "shape" => {
                    let shapes = [Shape::Any, Shape::BlockingCall];
                    let name = self.word(value, k, &shapes.map(Shape::name))?;
                    f.shape = shapes.into_iter().find(|s| s.name() == name).unwrap_or(Shape::Any);
                }
                "kinds" => {
                    let kinds = self.strings(value, k)?;
                    for (kind, span) in &kinds {
                        if !STEP_KINDS.contains(kind) {
                            return Err(self.error(
                                span,
                                format!(
                                    "unknown step kind `{kind}`; expected one of: {}{}",
                                    STEP_KINDS.join(", "),
                                    did_you_mean(kind, &STEP_KINDS)
                                ),
                            ));
                        }
                    }
                    f.kinds = kinds.into_iter().map(|(k, _)| k.to_owned()).collect();
                }
                _ => {
                    return Err(self.error(
                        &key.span(),
                        format!(
                            "unknown key `{k}` in `for_all`; expected one of: {}{}",
                            FOR_ALL_KEYS.join(", "),
                            did_you_mean(k, &FOR_ALL_KEYS)
                        ),
                    ))
                }
            }
        }
        let whole = node.span();
        if f.threads.0 + f.loops.0 == 0 && f.shape == Shape::Any {
            return Err(self.error(
                &whole,
                "`threads` and `loops` may both be 0, and a program needs a thread; expected `threads = [1, …]` or `loops = [1, …]`",
            ));
        }
        let loops = if f.shape == Shape::BlockingCall { 1 } else { f.loops.1 };
        let threads = f.threads.1 * f.count.1 + loops;
        let tasks = loops * f.tasks.1 * f.count.1 + if f.shape == Shape::BlockingCall { 2 } else { 0 };
        if threads > MAX_THREADS || tasks > MAX_TASKS {
            return Err(self.error(
                &whole,
                format!(
                    "`for_all` allows programs of up to {threads} threads and {tasks} tasks, copies counted; expected at most {} and {}",
                    MAX_THREADS,
                    MAX_TASKS
                ),
            ));
        }
        Ok(f)
    }

    /// A universal claim's check is a safety check or `sometimes`, and reads the clock only on
    /// programs with one.
    pub(super) fn universal_check(&self, node: &Spanned<Node>, check: &Check, f: &ForAll) -> Result<(), InputError> {
        if check.is_quantitative() || check.is_liveness() {
            return Err(self.error(
                &node.span(),
                format!(
                    "a universal claim's check cannot be `{}`; expected `always`, `never` or `sometimes`",
                    check.keyword()
                ),
            ));
        }
        let clock = check
            .atoms()
            .into_iter()
            .find(|a| matches!(a.kind, AtomKind::Now | AtomKind::Lateness | AtomKind::GilWait));
        if let (Some(atom), false) = (clock, f.ticks_mode) {
            return Err(self.error(
                &node.span(),
                format!("`{}` needs a clock; expected `time = \"ticks\"` in `for_all`", atom.kind.name()),
            ));
        }
        Ok(())
    }
}
