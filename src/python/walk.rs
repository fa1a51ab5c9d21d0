//! The extractor's walk over a Python file: the module's globals and functions, then the entry
//! code, statement by statement, each turned into steps with its source line. Threads are
//! followed into their `target`, tasks into their coroutine, calls into the functions of the
//! file; what cannot be followed becomes a located [`Note`], never a silent drop.
//!
//! Asyncio's forms (`await`, tasks, executors) are in [`super::aio`].

use std::collections::{BTreeMap, HashMap, HashSet};

use tree_sitter::Node;

use super::calls::Mapping;
use super::program::{Actor, ActorKind, Extracted, Note, Origin, Placed, UNROLL};
use super::syntax::{children, is_async, PyFile};
use crate::input::scenario::Step;

/// What a module-level name is.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Global {
    /// `x = 0`: a shared integer.
    Int(i64),
    /// `items = []` / `{}`: a shared list or dict; its size is its value.
    Collection,
    /// A constant list or tuple of literals: only its length matters (loop counts).
    Constant(usize),
    ThreadLock,
    AsyncLock,
    Event,
    AsyncEvent,
    Semaphore(u8),
    AsyncSemaphore(u8),
    Queue(u8),
    AsyncQueue(u8),
}

/// What a local name holds, as far as the extractor follows it.
#[derive(Clone, Debug)]
pub(super) enum Binding<'t> {
    /// Threads (indices into the actors), not yet started or started.
    Threads(Vec<usize>),
    /// Task names (each copy of a `count` task by its own name).
    Tasks(Vec<String>),
    /// A `ThreadPoolExecutor` (index into the pools).
    Pool(usize),
    /// The running event loop (`asyncio.get_running_loop()`).
    Loop,
    /// A `TaskGroup`: the tasks it made, awaited when its block ends.
    TaskGroup(Vec<String>),
    /// `local = x (+ k)`: a read of shared `x`.
    Read(String, i64),
    /// A constant: an integer, or a sequence's length.
    Int(i64),
    Len(usize),
    /// Coroutine objects of a file function, not yet awaited: the call, and how many
    /// (`[fetch(u) for u in URLS]`).
    Coroutine(Node<'t>, u32),
}

/// The function being walked.
pub(super) struct Frame<'t> {
    pub func: String,
    pub is_async: bool,
    /// Names declared `global` here.
    pub globals: HashSet<String>,
    pub bindings: HashMap<String, Binding<'t>>,
}

impl Frame<'_> {
    pub fn new<'t>(func: &str, is_async: bool) -> Frame<'t> {
        Frame { func: func.to_owned(), is_async, globals: HashSet::new(), bindings: HashMap::new() }
    }
}

/// A `ThreadPoolExecutor` block: its size and the jobs submitted, run by its workers when the
/// block ends.
pub(super) struct Pool {
    pub max_workers: u32,
    pub jobs: Vec<(String, Vec<Placed>, Origin)>,
    pub done: bool,
}

pub(super) struct Walker<'t> {
    pub file: &'t PyFile<'t>,
    pub mapping: &'t Mapping,
    /// Imported names: `sleep` → `time.sleep`, `np` → `numpy`.
    pub aliases: HashMap<String, String>,
    pub globals: BTreeMap<String, Global>,
    pub functions: HashMap<String, Node<'t>>,
    /// `# gilcheck: …` comments by line.
    pub annotations: HashMap<usize, Option<Vec<Step>>>,
    /// `# gilcheck: loop N` comments by line.
    pub loop_bounds: HashMap<usize, u32>,
    pub out: Extracted,
    /// Per actor: started (threads), joined.
    pub started: Vec<(bool, bool)>,
    pub pools: Vec<Pool>,
    /// Names taken by threads, tasks and jobs.
    pub names: HashSet<String>,
    /// Functions being walked, innermost last: a call back into one is recursion.
    pub stack: Vec<String>,
    /// Above 0 while a thread's, task's or job's body is walked (not the main thread's code).
    pub actor_depth: usize,
    /// Threads, tasks and jobs made, started, joined or submitted so far: a loop whose body
    /// changes it is unrolled even when it has no steps of its own.
    pub effects: usize,
    /// The node of the note on the main thread's serial code, given once.
    pub serial_note: Option<usize>,
}

/// Deepest chain of calls followed into the file's functions.
const MAX_DEPTH: usize = 12;

impl<'t> Walker<'t> {
    pub fn note(&mut self, node: Node, text: impl Into<String>) {
        let (line, col) = self.file.line_col(node);
        let note = Note { line, col, text: text.into() };
        if !self.out.notes.contains(&note) {
            self.out.notes.push(note);
        }
    }

    pub fn origin(&self, frame: &Frame<'t>, node: Node) -> Origin {
        let (line, col) = self.file.line_col(node);
        Origin { line, col, code: self.file.snippet(node), func: frame.func.clone() }
    }

    /// Adds a step. In the main thread's own code (outside every thread, task and job) a step
    /// counts only while another thread runs beside it: before the first start and after the
    /// last join it cannot race with anything, and is left out with a note.
    pub fn place(&mut self, frame: &Frame<'t>, node: Node, step: Step, out: &mut Vec<Placed>) {
        if self.actor_depth == 0 && !self.threads_live() {
            if self.serial_note.is_none() {
                self.serial_note = Some(node.id());
                self.note(node, "runs while no other thread or task does (before the first start or after the joins): not modelled, it cannot race");
            }
            return;
        }
        out.push(Placed { step, origin: self.origin(frame, node) });
    }

    /// Whether a thread the main thread started is running (started, not joined), or a pool
    /// block with jobs is open.
    pub fn threads_live(&self) -> bool {
        let threads =
            self.started.iter().zip(&self.out.actors).any(|((s, j), a)| a.kind == ActorKind::Thread && *s && !*j);
        threads || self.pools.iter().any(|p| !p.done && !p.jobs.is_empty())
    }

    /// Ticks for `seconds`: at least 1 (0 only where `zero` allows it), at most 255.
    pub fn ticks(&self, seconds: f64, zero: bool) -> u32 {
        if seconds <= 0.0 {
            return if zero { 0 } else { 1 };
        }
        let ticks = (seconds * 1000.0 / self.out.ms_per_tick as f64).ceil();
        ticks.clamp(1.0, 255.0) as u32
    }

    // -----------------------------------------------------------------------------------------
    // Names and constants
    // -----------------------------------------------------------------------------------------

    /// A call's function as a dotted name, its first part resolved through the imports.
    pub fn resolve(&self, node: Node) -> Option<String> {
        let dotted = self.file.dotted(node)?;
        let (head, rest) = dotted.split_once('.').map_or((dotted.as_str(), None), |(h, r)| (h, Some(r)));
        let head = self.aliases.get(head).cloned().unwrap_or_else(|| head.to_owned());
        Some(match rest {
            Some(rest) => format!("{head}.{rest}"),
            None => head,
        })
    }

    /// The value of a constant expression: an integer (`3`, `10**6`, `N`), a sequence's
    /// length (`range(5)`, `URLS`, `[1, 2]`).
    pub fn constant(&self, frame: &Frame<'t>, node: Node) -> Option<Binding<'t>> {
        let text = self.file.text(node);
        match node.kind() {
            "integer" => text.replace('_', "").parse().ok().map(Binding::Int),
            "list" | "tuple" => Some(Binding::Len(children(node).len())),
            "parenthesized_expression" => self.constant(frame, *children(node).first()?),
            "unary_operator" => match self.constant(frame, node.child_by_field_name("argument")?)? {
                Binding::Int(n) if text.starts_with('-') => Some(Binding::Int(-n)),
                b => Some(b),
            },
            "binary_operator" => {
                let int = |n: Option<Node>| match n.and_then(|n| self.constant(frame, n)) {
                    Some(Binding::Int(v)) => Some(v),
                    _ => None,
                };
                let (a, b) = (int(node.child_by_field_name("left"))?, int(node.child_by_field_name("right"))?);
                let op = node.child_by_field_name("operator").map(|o| self.file.text(o))?;
                match op {
                    "+" => a.checked_add(b),
                    "-" => a.checked_sub(b),
                    "*" => a.checked_mul(b),
                    "**" => u32::try_from(b).ok().and_then(|b| a.checked_pow(b)),
                    "//" if b != 0 => Some(a / b),
                    _ => None,
                }
                .map(Binding::Int)
            }
            "identifier" => match frame.bindings.get(text) {
                Some(b @ (Binding::Int(_) | Binding::Len(_))) => Some(b.clone()),
                _ => match self.globals.get(text) {
                    Some(Global::Constant(n)) => Some(Binding::Len(*n)),
                    Some(Global::Int(v)) if !frame.globals.contains(text) => Some(Binding::Int(*v)),
                    _ => None,
                },
            },
            "call" => {
                let name = self.resolve(node.child_by_field_name("function")?)?;
                let args = self.args(node);
                match (name.as_str(), args.as_slice()) {
                    ("range", [n]) => match self.constant(frame, *n)? {
                        Binding::Int(n) => Some(Binding::Len(n.max(0) as usize)),
                        _ => None,
                    },
                    ("range", [a, b, rest @ ..]) => {
                        let int = |n: Node| match self.constant(frame, n) {
                            Some(Binding::Int(v)) => Some(v),
                            _ => None,
                        };
                        let step = rest.first().map_or(Some(1), |s| int(*s))?;
                        let (a, b) = (int(*a)?, int(*b)?);
                        (step > 0).then(|| Binding::Len(((b - a).max(0) + step - 1) as usize / step as usize))
                    }
                    ("len", [n]) | ("enumerate", [n]) | ("list", [n]) => match self.constant(frame, *n)? {
                        Binding::Len(n) => Some(Binding::Len(n)),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A number of seconds written as a literal or a constant.
    pub fn seconds(&self, frame: &Frame<'t>, node: Node) -> Option<f64> {
        match node.kind() {
            "float" => self.file.text(node).replace('_', "").parse().ok(),
            _ => match self.constant(frame, node)? {
                Binding::Int(n) => Some(n as f64),
                _ => None,
            },
        }
    }

    /// A call's positional arguments.
    pub fn args(&self, call: Node<'t>) -> Vec<Node<'t>> {
        let Some(list) = call.child_by_field_name("arguments") else { return Vec::new() };
        children(list).into_iter().filter(|a| a.kind() != "keyword_argument").collect()
    }

    /// A call's keyword argument by name.
    pub fn kwarg(&self, call: Node<'t>, name: &str) -> Option<Node<'t>> {
        let list = call.child_by_field_name("arguments")?;
        children(list).into_iter().find_map(|a| {
            let is = a.kind() == "keyword_argument"
                && a.child_by_field_name("name").is_some_and(|n| self.file.text(n) == name);
            if is {
                a.child_by_field_name("value")
            } else {
                None
            }
        })
    }

    /// A name for a new thread, task or job: `base`, else `base_2`, `base_3`, …
    pub fn fresh_name(&mut self, base: &str) -> String {
        let mut clean: String =
            base.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
        if clean.is_empty() || clean.starts_with(|c: char| c.is_ascii_digit()) {
            clean.insert(0, '_');
        }
        let mut name = clean.clone();
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("{clean}_{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        name
    }

    /// How many copies of a thread, task or job `n` made at `node` are modelled: all of them up
    /// to [`UNROLL`], else that many, with a note (two copies already race; the model has
    /// room for 8 threads and 8 tasks in all).
    pub fn copies(&mut self, node: Node, n: usize) -> u32 {
        if n > UNROLL as usize {
            self.note(node, format!("{n} copies: modelled as {UNROLL}"));
        }
        n.min(UNROLL as usize) as u32
    }

    pub fn add_actor(&mut self, actor: Actor) -> usize {
        self.effects += 1;
        self.out.actors.push(actor);
        self.started.push((false, false));
        self.out.actors.len() - 1
    }

    // -----------------------------------------------------------------------------------------
    // Functions
    // -----------------------------------------------------------------------------------------

    /// The steps of file function `name` called with `args`, in a frame of its own. Its
    /// integer arguments are bound to its parameters (so `range(n)` has a count).
    pub fn call_function(
        &mut self,
        caller: &Frame<'t>,
        site: Node,
        name: &str,
        args: &[Node<'t>],
        out: &mut Vec<Placed>,
    ) -> bool {
        let Some(def) = self.functions.get(name).copied() else { return false };
        if self.stack.iter().any(|f| f == name) || self.stack.len() >= MAX_DEPTH {
            self.note(site, format!("recursive call of {name}(): not followed; annotate it with `# gilcheck: STEP`"));
            return true;
        }
        let mut frame = Frame::new(name, is_async(def));
        if let Some(params) = def.child_by_field_name("parameters") {
            for (param, arg) in children(params).into_iter().zip(args) {
                let pname = match param.kind() {
                    "identifier" => self.file.text(param),
                    _ => param.child_by_field_name("name").map_or("", |n| self.file.text(n)),
                };
                if let Some(value) = self.constant(caller, *arg) {
                    frame.bindings.insert(pname.to_owned(), value);
                }
            }
        }
        self.stack.push(name.to_owned());
        if let Some(body) = def.child_by_field_name("body") {
            self.block(&mut frame, body, out);
        }
        self.stack.pop();
        true
    }

    /// The steps of a function run as a thread's target or a task: with `repeat` when its
    /// body is one `while True:` loop (a server or worker loop).
    pub fn actor_body(&mut self, caller: &Frame<'t>, site: Node, name: &str, args: &[Node<'t>]) -> (Vec<Placed>, bool) {
        let mut steps = Vec::new();
        if let Some(body) = self.forever_body(name) {
            let mut frame = Frame::new(name, self.functions.get(name).is_some_and(|d| is_async(*d)));
            self.stack.push(name.to_owned());
            self.block(&mut frame, body, &mut steps);
            self.stack.pop();
            return (steps, true);
        }
        if !self.call_function(caller, site, name, args, &mut steps) {
            let shown = self.file.text(site);
            self.note(site, format!("`{shown}` is no function of this file: its work is not followed"));
        }
        (steps, false)
    }

    /// The body of `while True:` when it is all a function does (`global` lines aside).
    fn forever_body(&self, name: &str) -> Option<Node<'t>> {
        let body = self.functions.get(name)?.child_by_field_name("body")?;
        let statements: Vec<Node> =
            children(body).into_iter().filter(|s| s.kind() != "global_statement" && !self.is_docstring(*s)).collect();
        match statements.as_slice() {
            [only] if only.kind() == "while_statement" => {
                let cond = only.child_by_field_name("condition")?;
                (self.file.text(cond) == "True" || self.file.text(cond) == "1")
                    .then(|| only.child_by_field_name("body"))?
            }
            _ => None,
        }
    }

    fn is_docstring(&self, statement: Node) -> bool {
        statement.kind() == "expression_statement" && children(statement).first().is_some_and(|e| e.kind() == "string")
    }
}
