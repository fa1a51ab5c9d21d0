//! What the extractor finds in a Python file: its threads, tasks and executor jobs, each step
//! with the source line it came from, and the shared objects they use. [`Extracted::to_toml`]
//! writes it as a scenario file whose comments name those lines.

use std::fmt::Write as _;

use crate::input::scenario::Step;

/// Iterations of a plain Python loop per millisecond: about 100 ns each for a short body
/// (`total += i * i` runs 300,000 times in 25–30 ms on CPython 3.11 here).
pub(super) const ITERATIONS_PER_TICK: u64 = 10_000;
/// Loops up to this many iterations are unrolled whole.
pub(super) const UNROLL: u32 = 4;
/// Where a step or an actor comes from in the user's file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub line: usize,
    pub col: usize,
    /// The source line, trimmed and shortened.
    pub code: String,
    /// The function it is in (`<module>` for top-level code).
    pub func: String,
}

impl Origin {
    /// `app.py:23 time.sleep(2) in handler()`: how a trace names the user's code.
    pub fn label(&self, file: &str) -> String {
        let func = if self.func == "<module>" { "the module".to_owned() } else { format!("{}()", self.func) };
        format!("{file}:{} {} in {func}", self.line, self.code)
    }
}

/// A step with its origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub step: Step,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    /// A `threading.Thread`, a `ThreadPoolExecutor` worker, or the main thread's own work.
    Thread,
    /// An asyncio task on the loop of `asyncio.run`.
    Task,
    /// Blocking work a task hands to the loop's executor (`to_thread`, `run_in_executor`).
    Job,
}

/// A thread, a task or a job of the extracted program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub name: String,
    pub count: u32,
    /// `while True:` around the whole body.
    pub repeat: bool,
    pub steps: Vec<Placed>,
    /// Where it is created (`threading.Thread(…)`, `create_task(…)`, `asyncio.run(…)`).
    pub origin: Origin,
    /// A `daemon=True` thread: the program ends without waiting for it.
    pub daemon: bool,
    /// A task that stands for a future `gather` waits on (`run_in_executor`'s): not a task of
    /// the program, so no question asks whether it is late.
    pub future: bool,
}

/// A note for the user: something modelled approximately, or not at all, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub line: usize,
    pub col: usize,
    pub text: String,
}

/// Shared objects, by the global name the program gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shared {
    /// Integer globals and shared lists/dicts (their size), with starting values.
    pub vars: Vec<(String, i64)>,
    /// `queue.Queue(maxsize)` and `asyncio.Queue(maxsize)`.
    pub queues: Vec<(String, u8)>,
    /// `threading.Semaphore(n)` and `asyncio.Semaphore(n)`.
    pub semaphores: Vec<(String, u8)>,
}

/// The whole extracted program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// The file's name as traces quote it (`app.py`).
    pub file: String,
    /// The scenario's name (the file's stem).
    pub name: String,
    pub python: String,
    pub actors: Vec<Actor>,
    /// The thread running the event loop of `asyncio.run`, if there is one.
    pub loop_thread: Option<Origin>,
    pub shared: Shared,
    pub notes: Vec<Note>,
    /// Milliseconds a tick stands for: 1, or more when the program sleeps for long.
    pub ms_per_tick: u32,
    pub defaults: super::calls::Defaults,
}

/// The name of the thread that runs the event loop of `asyncio.run`.
pub const LOOP_THREAD: &str = "loop";
/// The name of the main thread's own work beside the threads it started.
pub const MAIN_THREAD: &str = "main";

impl Extracted {
    pub fn of_kind(&self, kind: ActorKind) -> impl Iterator<Item = &Actor> {
        self.actors.iter().filter(move |a| a.kind == kind)
    }

    /// How durations were chosen: the tick's length and the defaults used.
    pub fn durations(&self) -> String {
        let d = &self.defaults;
        format!(
            "1 tick = {} ms. Calls of unknown length: io {}, c_nogil {}, c_call {}. A plain Python loop: 1 tick per {} \
             iterations (compute {} when its count is unknown). A loop with steps: unrolled up to {} iterations, else {}.",
            self.ms_per_tick,
            d.io,
            d.c_nogil,
            d.c_call,
            ITERATIONS_PER_TICK * self.ms_per_tick as u64,
            d.compute,
            UNROLL,
            d.loop_bound
        )
    }

    /// The scenario file, each thread, task, job and step commented with its source line.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Extracted by gilcheck from {}.", self.file);
        let _ = writeln!(out, "# {}", self.durations());
        for note in &self.notes {
            let _ = writeln!(out, "# note: {}:{}:{}: {}", self.file, note.line, note.col, note.text);
        }
        let _ = writeln!(out, "name = {}", quote(&self.name));
        let _ = writeln!(out, "title = {}", quote(&format!("extracted from {}", self.file)));
        let _ = writeln!(out, "\n[runtime]\npython = {}", quote(&self.python));
        let set: Vec<&(String, i64)> = self.shared.vars.iter().filter(|(_, v)| *v != 0).collect();
        if !set.is_empty() {
            out.push_str("\n[vars]\n");
            for (name, value) in set {
                let _ = writeln!(out, "{name} = {value}");
            }
        }
        if !self.shared.queues.is_empty() {
            out.push_str("\n[queues]\n");
            for (name, maxsize) in &self.shared.queues {
                let _ = writeln!(out, "{name} = {{ maxsize = {maxsize} }}");
            }
        }
        if !self.shared.semaphores.is_empty() {
            out.push_str("\n[semaphores]\n");
            for (name, value) in &self.shared.semaphores {
                let _ = writeln!(out, "{name} = {value}");
            }
        }
        if let Some(origin) = &self.loop_thread {
            let tasks: Vec<String> = self.of_kind(ActorKind::Task).map(|t| quote(&t.name)).collect();
            let _ = writeln!(out, "\n[[threads]]  # {}", origin.label(&self.file));
            let _ = writeln!(out, "name = {}\nloop = [{}]", quote(LOOP_THREAD), tasks.join(", "));
        }
        for (kind, table) in [(ActorKind::Thread, "threads"), (ActorKind::Task, "tasks"), (ActorKind::Job, "jobs")] {
            for actor in self.of_kind(kind) {
                let _ = writeln!(out, "\n[[{table}]]  # {}", actor.origin.label(&self.file));
                let _ = writeln!(out, "name = {}", quote(&actor.name));
                if actor.count > 1 {
                    let _ = writeln!(out, "count = {}", actor.count);
                }
                if actor.repeat {
                    out.push_str("repeat = true\n");
                }
                out.push_str("steps = [\n");
                for placed in &actor.steps {
                    let step = quote(&placed.step.to_string());
                    let _ = writeln!(out, "  {step},{}# {}", pad(&step), placed.origin.label(&self.file));
                }
                out.push_str("]\n");
            }
        }
        out
    }
}

/// A TOML basic string.
pub fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Spaces that line the comments up after a step.
fn pad(step: &str) -> String {
    " ".repeat(34usize.saturating_sub(step.chars().count()).max(1))
}
