//! The extractor's walk over a Python file: the module's globals and functions, then the entry
//! code, statement by statement, each turned into steps with its source line. Threads are
//! followed into their `target`, tasks into their coroutine, calls into the functions of the
//! file; what cannot be followed becomes a located [`Note`], never a silent drop.
//!
//! Asyncio's forms (`await`, tasks, executors) are in [`super::aio`].

use std::collections::{BTreeMap, HashMap, HashSet};

use tree_sitter::Node;

use super::calls::{self, Cost, Mapping};
use super::program::{Actor, ActorKind, Extracted, Note, Origin, Placed};
use super::syntax::{children, is_async, PyFile};
use crate::input::scenario::{Duration, Step, WriteValue};

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
/// Iterations of a plain Python loop per millisecond: about 100 ns each for a short body
/// (`total += i * i` runs 300,000 times in 25–30 ms on CPython 3.11 here).
const ITERATIONS_PER_TICK: u64 = 10_000;
/// Loops up to this many iterations are unrolled whole.
const UNROLL: u32 = 4;

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

    // -----------------------------------------------------------------------------------------
    // Statements
    // -----------------------------------------------------------------------------------------

    /// The steps of a block; false when it ends the function (`return`, `raise`).
    pub fn block(&mut self, frame: &mut Frame<'t>, block: Node<'t>, out: &mut Vec<Placed>) -> bool {
        for statement in children(block) {
            if !self.statement(frame, statement, out) {
                return false;
            }
        }
        true
    }

    /// The steps of one statement; false when it ends the function.
    pub fn statement(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> bool {
        let line = self.file.line(node);
        if let Some(steps) = self.annotations.get(&line).cloned() {
            if !matches!(node.kind(), "for_statement" | "while_statement") || steps.is_some() {
                for step in steps.into_iter().flatten() {
                    self.place(frame, node, step, out);
                }
                return true;
            }
        }
        match node.kind() {
            "expression_statement" => {
                for e in children(node) {
                    self.expression_statement(frame, e, out);
                }
            }
            "global_statement" | "nonlocal_statement" => {
                for name in children(node) {
                    frame.globals.insert(self.file.text(name).to_owned());
                }
            }
            "return_statement" => {
                for e in children(node) {
                    self.expr(frame, e, out);
                }
                return false;
            }
            "raise_statement" => return false,
            "pass_statement" | "import_statement" | "import_from_statement" | "assert_statement" => {}
            "break_statement" | "continue_statement" => {
                self.note(node, "`break`/`continue`: the loop is modelled as running all its kept iterations");
            }
            "if_statement" => self.if_statement(frame, node, out),
            "for_statement" => self.for_statement(frame, node, out),
            "while_statement" => self.while_statement(frame, node, out),
            "with_statement" => return self.with_statement(frame, node, out),
            "try_statement" => {
                for part in children(node) {
                    match part.kind() {
                        "block" => {
                            if !self.block(frame, part, out) {
                                return false;
                            }
                        }
                        "else_clause" | "finally_clause" => {
                            for b in children(part).into_iter().filter(|b| b.kind() == "block") {
                                self.block(frame, b, out);
                            }
                        }
                        "except_clause" => {
                            let mut handler = Vec::new();
                            for b in children(part).into_iter().filter(|b| b.kind() == "block") {
                                self.block(frame, b, &mut handler);
                            }
                            if !handler.is_empty() {
                                self.note(
                                    part,
                                    "an `except` handler's steps are not modelled (the try body runs without error)",
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            "function_definition" | "class_definition" | "decorated_definition" => {
                self.note(node, "a nested definition: not followed");
            }
            _ => {
                self.note(node, format!("`{}` statements are not modelled", node.kind().replace('_', " ")));
            }
        }
        true
    }

    /// `if`: the branch with the most steps (the first of equals), a note when others differ.
    fn if_statement(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        if let Some(cond) = node.child_by_field_name("condition") {
            self.expr(frame, cond, out);
        }
        let mut branches: Vec<Node> = node.child_by_field_name("consequence").into_iter().collect();
        for clause in children(node) {
            if matches!(clause.kind(), "elif_clause" | "else_clause") {
                branches.extend(clause.child_by_field_name("consequence").or(clause.child_by_field_name("body")));
            }
        }
        let mut walked: Vec<Vec<Placed>> = Vec::new();
        for branch in &branches {
            let mut steps = Vec::new();
            self.block(frame, *branch, &mut steps);
            walked.push(steps);
        }
        let best = (0..walked.len()).max_by_key(|&i| (walked[i].len(), std::cmp::Reverse(i)));
        if let Some(best) = best {
            let has_else = children(node).iter().any(|c| c.kind() == "else_clause");
            let differ = walked.iter().any(|w| *w != walked[best]) || (!has_else && !walked[best].is_empty());
            if differ {
                self.note(node, "an `if` whose branches differ: modelled as taking the branch with the most steps");
            }
            out.append(&mut walked[best]);
        }
    }

    fn for_statement(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        let (Some(target), Some(iter), Some(body)) =
            (node.child_by_field_name("left"), node.child_by_field_name("right"), node.child_by_field_name("body"))
        else {
            return;
        };
        // `for t in threads: t.start()`: the body acts on all of them at once.
        if let ("identifier", Some(b @ (Binding::Threads(_) | Binding::Tasks(_)))) =
            (target.kind(), frame.bindings.get(self.file.text(iter)).cloned())
        {
            frame.bindings.insert(self.file.text(target).to_owned(), b);
            self.block(frame, body, out);
            return;
        }
        self.expr(frame, iter, out);
        let count = match self.constant(frame, iter) {
            Some(Binding::Len(n)) => Some(n as u32),
            _ => None,
        };
        self.repeat_body(frame, node, body, count, out);
    }

    fn while_statement(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        let Some(body) = node.child_by_field_name("body") else { return };
        self.repeat_body(frame, node, body, None, out);
    }

    /// A loop's body, `count` times when known (None: unknown). A body of plain Python is one
    /// `compute` step; a body with steps is unrolled, up to [`UNROLL`] iterations or the
    /// stated bound (`# gilcheck: loop N`, else the defaults' `loop`), with a note when cut.
    fn repeat_body(
        &mut self,
        frame: &mut Frame<'t>,
        node: Node<'t>,
        body: Node<'t>,
        count: Option<u32>,
        out: &mut Vec<Placed>,
    ) {
        let mut once = Vec::new();
        let effects = self.effects;
        self.block(frame, body, &mut once);
        let made_something = self.effects != effects;
        // Plain Python (and loops of it): one `compute`, ITERATIONS_PER_TICK iterations a tick.
        let inner: Option<u32> =
            once.iter().map(|p| if let Step::Compute(d) = p.step { Some(d.hi) } else { None }).sum();
        if let Some(inner) = inner.filter(|_| !made_something) {
            if count != Some(0) {
                let ticks = match count {
                    Some(n) if inner == 0 => {
                        let per_tick = ITERATIONS_PER_TICK * self.out.ms_per_tick as u64;
                        (n as u64).div_ceil(per_tick).clamp(1, 255) as u32
                    }
                    Some(n) => (n.saturating_mul(inner)).clamp(1, 255),
                    None if inner == 0 => self.out.defaults.compute,
                    None => inner.saturating_mul(self.out.defaults.loop_bound).min(255),
                };
                self.place(frame, node, Step::Compute(Duration { lo: ticks, hi: ticks }), out);
            }
            return;
        }
        let line = self.file.line(node);
        let bound = self.loop_bounds.get(&line).copied();
        let kept = match (bound, count) {
            (Some(b), _) => b,
            (None, Some(n)) if n <= UNROLL => n,
            (None, n) => {
                let d = self.out.defaults.loop_bound;
                let what = n.map_or("a loop of unknown count".to_owned(), |n| format!("a loop of {n} iterations"));
                self.note(node, format!("{what}: modelled as {d} (say `# gilcheck: loop N` to keep N)"));
                d
            }
        };
        for i in 0..kept {
            if i == 0 {
                out.extend(once.iter().cloned());
            } else {
                self.block(frame, body, out);
            }
        }
    }

    fn with_statement(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> bool {
        let Some(body) = node.child_by_field_name("body") else { return true };
        let items: Vec<Node> = children(node)
            .into_iter()
            .find(|c| c.kind() == "with_clause")
            .map(|c| children(c).into_iter().filter(|i| i.kind() == "with_item").collect())
            .unwrap_or_default();
        let mut exits: Vec<Placed> = Vec::new();
        for item in items {
            let Some(value) = item.child_by_field_name("value") else { continue };
            let (value, alias) = match value.kind() {
                "as_pattern" => (
                    children(value).first().copied().unwrap_or(value),
                    value.child_by_field_name("alias").map(|a| self.file.text(a).trim().to_owned()),
                ),
                _ => (value, None),
            };
            if let Some(exit) = self.enter_context(frame, value, alias, node, out) {
                exits.push(exit);
            }
        }
        let goes_on = self.block(frame, body, out);
        for exit in exits.into_iter().rev() {
            match exit.step {
                // A pool's or a task group's end is resolved by what the block made.
                Step::AwaitCoro => {
                    let mut end = Vec::new();
                    self.end_context(frame, &exit, &mut end);
                    out.extend(end);
                }
                _ => out.push(exit),
            }
        }
        goes_on
    }

    /// Enters `with VALUE [as ALIAS]`: the step taken on entry (pushed to `out`) and the
    /// one taken on exit. A pool or task group returns a placeholder exit (`AwaitCoro`)
    /// that [`Walker::end_context`] resolves.
    fn enter_context(
        &mut self,
        frame: &mut Frame<'t>,
        value: Node<'t>,
        alias: Option<String>,
        statement: Node<'t>,
        out: &mut Vec<Placed>,
    ) -> Option<Placed> {
        let origin = self.origin(frame, statement);
        let placed = |step: Step| Placed { step, origin: origin.clone() };
        let name = self.file.text(value);
        if let Some(global) = self.globals.get(name).cloned() {
            return match global {
                Global::ThreadLock => {
                    out.push(placed(Step::Lock(name.to_owned(), None)));
                    Some(placed(Step::Unlock(name.to_owned())))
                }
                Global::AsyncLock => {
                    out.push(placed(Step::AwaitLock(name.to_owned())));
                    Some(placed(Step::Release(name.to_owned())))
                }
                Global::Semaphore(_) => {
                    out.push(placed(Step::Acquire(name.to_owned(), None)));
                    Some(placed(Step::SemRelease(name.to_owned())))
                }
                Global::AsyncSemaphore(_) => {
                    out.push(placed(Step::AwaitAcquire(name.to_owned())));
                    Some(placed(Step::AsyncSemRelease(name.to_owned())))
                }
                _ => {
                    self.note(value, format!("`with {name}`: not a lock or semaphore; its block runs as is"));
                    None
                }
            };
        }
        if value.kind() == "call" {
            let function = value.child_by_field_name("function")?;
            let called = self.resolve(function).unwrap_or_default();
            if called.ends_with("ThreadPoolExecutor") {
                let max_workers = match self.kwarg(value, "max_workers").or(self.args(value).first().copied()) {
                    Some(n) => match self.constant(frame, n) {
                        Some(Binding::Int(n)) if n >= 1 => n as u32,
                        _ => 1,
                    },
                    // Lib/concurrent/futures/thread.py: min(32, os.cpu_count() + 4) since 3.8.
                    None => 6,
                };
                self.pools.push(Pool { max_workers, jobs: Vec::new(), done: false });
                let pool = self.pools.len() - 1;
                if let Some(alias) = alias {
                    frame.bindings.insert(alias, Binding::Pool(pool));
                }
                return Some(Placed { step: Step::AwaitCoro, origin: Origin { col: pool, ..origin } });
            }
            if called == "asyncio.TaskGroup" {
                let alias = alias.unwrap_or_else(|| "_taskgroup".to_owned());
                frame.bindings.insert(alias.clone(), Binding::TaskGroup(Vec::new()));
                return Some(Placed { step: Step::AwaitCoro, origin: Origin { code: alias, ..origin } });
            }
            if called == "asyncio.timeout" {
                self.note(value, "`async with asyncio.timeout(…)` around a block: say it on one await as `# gilcheck: await timeout N STEP`; the block runs as is");
                return None;
            }
            if called == "open" {
                self.place(
                    frame,
                    statement,
                    Step::Io(Duration { lo: self.out.defaults.io, hi: self.out.defaults.io }),
                    out,
                );
                return None;
            }
        }
        self.note(value, format!("`with {}`: an unknown context manager; its block runs as is", self.file.text(value)));
        None
    }

    /// The end of a pool's or task group's block: a pool's workers run its jobs (and the block
    /// waits for them); a task group awaits every task it made (`Lib/asyncio/taskgroups.py:
    /// TaskGroup.__aexit__`).
    fn end_context(&mut self, frame: &mut Frame<'t>, exit: &Placed, out: &mut Vec<Placed>) {
        if let Some(Binding::TaskGroup(tasks)) = frame.bindings.get(&exit.origin.code).cloned() {
            for task in tasks {
                out.push(Placed { step: Step::AwaitTask(task), origin: exit.origin.clone() });
            }
            return;
        }
        self.run_pool(exit.origin.col, &exit.origin);
    }

    /// A pool's workers: one thread per job up to `max_workers`, else each worker takes every
    /// `max_workers`-th job (the pool hands jobs to whichever worker is free).
    pub fn run_pool(&mut self, pool: usize, origin: &Origin) {
        let Some(p) = self.pools.get_mut(pool) else { return };
        if p.done {
            return;
        }
        p.done = true;
        let jobs = std::mem::take(&mut p.jobs);
        let workers = (p.max_workers as usize).min(jobs.len());
        if jobs.len() > workers && workers > 0 {
            let (line, col) = (origin.line, 1);
            self.out.notes.push(Note {
                line,
                col,
                text: format!(
                    "{} jobs on {workers} pool workers: worker i runs jobs i, i+{workers}, … in turn (the real pool gives each job to whichever worker is free)",
                    jobs.len()
                ),
            });
        }
        for w in 0..workers {
            let mine: Vec<&(String, Vec<Placed>, Origin)> = jobs.iter().skip(w).step_by(workers).collect();
            let steps: Vec<Placed> = mine.iter().flat_map(|(_, s, _)| s.iter().cloned()).collect();
            let base = mine[0].0.clone();
            let index = self.thread_actor(&base, steps, false, origin.clone(), true);
            self.started[index].1 = true;
        }
    }

    /// A thread actor, merged into the previous one as a copy when it is the same work made
    /// at the same place (a loop of `Thread(target=f)`). Returns its index.
    pub fn thread_actor(
        &mut self,
        base: &str,
        steps: Vec<Placed>,
        repeat: bool,
        origin: Origin,
        started: bool,
    ) -> usize {
        if let Some(last) = self.out.actors.len().checked_sub(1) {
            let a = &self.out.actors[last];
            if a.kind == ActorKind::Thread && a.steps == steps && a.origin == origin && a.repeat == repeat {
                self.out.actors[last].count += 1;
                return last;
            }
        }
        // Named when the walk ends (threads never started give their names back).
        let index = self.add_actor(Actor {
            kind: ActorKind::Thread,
            name: base.to_owned(),
            count: 1,
            repeat,
            steps,
            origin,
            daemon: false,
            future: false,
        });
        self.started[index].0 = started;
        index
    }

    // -----------------------------------------------------------------------------------------
    // Expressions
    // -----------------------------------------------------------------------------------------

    /// An expression used as a statement, or an assignment.
    fn expression_statement(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        match node.kind() {
            "assignment" => self.assignment(frame, node, out),
            "augmented_assignment" => self.augmented(frame, node, out),
            _ => {
                self.expr(frame, node, out);
            }
        }
    }

    fn shared_var(&self, frame: &Frame<'t>, node: Node) -> Option<String> {
        let name = self.file.text(node);
        match self.globals.get(name) {
            Some(Global::Int(_)) if node.kind() == "identifier" && frame.globals.contains(name) => {
                Some(name.to_owned())
            }
            _ => None,
        }
    }

    /// The shared collection a subscript or method call acts on (`d[k]`, `items.append`).
    fn shared_collection(&self, node: Node) -> Option<String> {
        let name = self.file.text(node);
        matches!(self.globals.get(name), Some(Global::Collection)).then(|| name.to_owned())
    }

    fn has_call(&self, node: Node) -> bool {
        node.kind() == "call" || children(node).into_iter().any(|c| self.has_call(c))
    }

    fn augmented(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
            return;
        };
        let target = match left.kind() {
            "subscript" => left.child_by_field_name("value").and_then(|v| self.shared_collection(v)),
            _ => self.shared_var(frame, left),
        };
        let Some(x) = target else {
            self.expr(frame, right, out);
            return;
        };
        let op = node.child_by_field_name("operator").map_or("", |o| self.file.text(o));
        if op != "+=" {
            self.note(node, format!("`{op}` on shared `{x}` is modelled as `+= 1` (the same load, add, store race)"));
        }
        // `x += f()`: the call runs between the load of x and its store.
        let call = self.has_call(right);
        let mut inner = Vec::new();
        self.expr(frame, right, &mut inner);
        if call && !inner.is_empty() {
            // The call's own steps fall between the load and the store: a read and a write.
            self.place(frame, node, Step::Read(x.clone()), out);
            out.extend(inner);
            self.place(frame, node, Step::Write(x, WriteValue::LocalPlus(1)), out);
        } else if call {
            self.place(frame, node, Step::IncrCall(x), out);
        } else {
            self.place(frame, node, Step::Incr(x), out);
        }
    }

    fn assignment(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
            return;
        };
        // `d[k] = v` on a shared dict.
        if left.kind() == "subscript" {
            self.expr(frame, right, out);
            if let Some(d) = left.child_by_field_name("value").and_then(|v| self.shared_collection(v)) {
                self.place(frame, node, Step::Append(d), out);
            }
            return;
        }
        if let Some(x) = self.shared_var(frame, left) {
            self.write_shared(frame, node, &x, right, out);
            return;
        }
        let value = self.value(frame, right, out);
        if left.kind() == "identifier" {
            let name = self.file.text(left).to_owned();
            match value {
                Some(b) => {
                    frame.bindings.insert(name, b);
                }
                None => {
                    frame.bindings.remove(&name);
                }
            }
        }
    }

    /// `x = …` on shared `x`: `x = x + 1` is `incr x` (the same bytecode as `x += 1`), a
    /// constant is `write x C`, `x = local + k` after `local = x` is `write x local+k`.
    fn write_shared(&mut self, frame: &mut Frame<'t>, node: Node<'t>, x: &str, right: Node<'t>, out: &mut Vec<Placed>) {
        let x = x.to_owned();
        if let Some(Binding::Int(c)) = self.constant(frame, right) {
            self.place(frame, node, Step::Write(x, WriteValue::Const(c)), out);
            return;
        }
        if let Some((base, k)) = self.plus_constant(right) {
            if base == x {
                let step = if self.has_call(right) { Step::IncrCall(x) } else { Step::Incr(x) };
                self.place(frame, node, step, out);
                return;
            }
            if let Some(Binding::Read(var, j)) = frame.bindings.get(&base).cloned() {
                if var == x {
                    self.place(frame, node, Step::Write(x, WriteValue::LocalPlus(j + k)), out);
                    return;
                }
            }
        }
        self.expr(frame, right, out);
        self.note(node, format!("`{}`: modelled as a read and a write of `{x}`", self.file.snippet(node)));
        self.place(frame, node, Step::Read(x.clone()), out);
        self.place(frame, node, Step::Write(x, WriteValue::LocalPlus(0)), out);
    }

    /// `name + k` / `name - k` / `name`: the name and k.
    fn plus_constant(&self, node: Node) -> Option<(String, i64)> {
        match node.kind() {
            "identifier" => Some((self.file.text(node).to_owned(), 0)),
            "parenthesized_expression" => self.plus_constant(*children(node).first()?),
            "binary_operator" => {
                let op = self.file.text(node.child_by_field_name("operator")?);
                let left = node.child_by_field_name("left")?;
                let right = node.child_by_field_name("right")?;
                let k: i64 = match right.kind() {
                    "integer" => self.file.text(right).parse().ok()?,
                    "call" => 1,
                    _ => return None,
                };
                let (name, j) = self.plus_constant(left)?;
                match op {
                    "+" => Some((name, j + k)),
                    "-" => Some((name, j - k)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The steps of an expression, and what it binds a name to when assigned.
    pub fn value(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> Option<Binding<'t>> {
        if let Some((base, k)) = self.plus_constant(node) {
            if let Some(x) = self.globals.get(&base).and_then(|g| matches!(g, Global::Int(_)).then_some(base.clone())) {
                self.place(frame, node, Step::Read(x.clone()), out);
                return Some(Binding::Read(x, k));
            }
        }
        if let Some(c) = self.constant(frame, node) {
            return Some(c);
        }
        self.expr(frame, node, out)
    }

    /// The steps of an expression in evaluation order (inner calls first); what it evaluates
    /// to when the extractor follows it (threads, tasks, pools, coroutines).
    pub fn expr(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> Option<Binding<'t>> {
        match node.kind() {
            "call" => self.call(frame, node, out),
            "await" => {
                let inner = children(node).first().copied()?;
                self.await_expr(frame, node, inner, out);
                None
            }
            "list_comprehension" | "generator_expression" | "set_comprehension" => self.comprehension(frame, node, out),
            "lambda" | "string" | "integer" | "float" | "true" | "false" | "none" | "identifier" => None,
            _ => {
                let mut last = None;
                for child in children(node) {
                    last = self.expr(frame, child, out);
                }
                if node.kind() == "list" && children(node).is_empty() {
                    // `threads = []`: a list the loop below fills.
                    return Some(Binding::Threads(Vec::new()));
                }
                last.filter(|_| node.kind() == "parenthesized_expression")
            }
        }
    }

    /// `[f(x) for x in ITER]`: the element once per item, or a count of threads or tasks.
    fn comprehension(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> Option<Binding<'t>> {
        let parts = children(node);
        let body = *parts.first()?;
        let clause = parts.iter().find(|p| p.kind() == "for_in_clause")?;
        let iter = clause.child_by_field_name("right")?;
        let count = match self.constant(frame, iter) {
            Some(Binding::Len(n)) => n as u32,
            _ => {
                self.note(
                    node,
                    format!("a comprehension of unknown count: modelled as {}", self.out.defaults.loop_bound),
                );
                self.out.defaults.loop_bound
            }
        };
        if count == 0 {
            return None;
        }
        let mut steps = Vec::new();
        let made = self.expr(frame, body, &mut steps);
        match made {
            Some(Binding::Threads(ts)) if ts.len() == 1 => {
                self.out.actors[ts[0]].count = count;
                Some(Binding::Threads(ts))
            }
            Some(Binding::Coroutine(call, n)) => Some(Binding::Coroutine(call, n * count)),
            other => {
                for i in 0..count.min(UNROLL) {
                    if i == 0 {
                        out.extend(steps.iter().cloned());
                    } else {
                        self.expr(frame, body, out);
                    }
                }
                other
            }
        }
    }

    /// A call: its receiver and arguments first, then the call itself.
    fn call(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> Option<Binding<'t>> {
        let function = node.child_by_field_name("function")?;
        let name = self.resolve(function);
        if let Some(made) = self.concurrency_call(frame, node, name.as_deref(), out) {
            return made;
        }
        if function.kind() == "attribute" {
            if let Some(object) = function.child_by_field_name("object") {
                let before = out.len();
                self.expr(frame, object, out);
                // `urlopen(u).read()`: reading the response is part of the same I/O.
                let method = function.child_by_field_name("attribute").map(|a| format!("x.{}", self.file.text(a)));
                let io_method = method.as_deref().and_then(calls::known).is_some_and(|k| k.cost == Cost::Io);
                if object.kind() == "call"
                    && io_method
                    && out.len() > before
                    && matches!(out[out.len() - 1].step, Step::Io(_))
                {
                    return None;
                }
            }
        }
        let args = self.args(node);
        if let Some(name) = &name {
            if self.functions.contains_key(name) {
                let def = self.functions[name];
                if is_async(def) {
                    return Some(Binding::Coroutine(node, 1));
                }
                for a in &args {
                    self.expr(frame, *a, out);
                }
                self.call_function(frame, node, name, &args, out);
                return None;
            }
        }
        for a in &args {
            self.expr(frame, *a, out);
        }
        if let Some(list) = node.child_by_field_name("arguments") {
            for kw in children(list).into_iter().filter(|a| a.kind() == "keyword_argument") {
                if let Some(v) = kw.child_by_field_name("value") {
                    self.expr(frame, v, out);
                }
            }
        }
        let Some(name) = name else {
            let method = function.child_by_field_name("attribute").map(|a| format!("x.{}", self.file.text(a)));
            if let Some(k) = method.as_deref().and_then(calls::known) {
                self.cost(frame, node, k.cost, &args, out);
                return None;
            }
            self.unknown_call(frame, node, out);
            return None;
        };
        if let Some(mapped) = self.mapping.calls.get(&name).cloned() {
            for step in mapped.into_iter().flatten() {
                self.place(frame, node, step, out);
            }
            return None;
        }
        match calls::known(&name) {
            Some(k) => self.cost(frame, node, k.cost, &args, out),
            None => self.unknown_call(frame, node, out),
        }
        None
    }

    pub fn cost(&mut self, frame: &Frame<'t>, node: Node<'t>, cost: Cost, args: &[Node<'t>], out: &mut Vec<Placed>) {
        let d = self.out.defaults.clone();
        let ticks = match cost {
            Cost::Sleep => match args.first().and_then(|a| self.seconds(frame, *a)) {
                Some(s) => self.ticks(s, false),
                None => {
                    self.note(node, format!("a sleep of unknown length: modelled as {} ticks", d.io));
                    d.io
                }
            },
            Cost::Io => d.io,
            Cost::CNoGil => d.c_nogil,
            Cost::CCall => d.c_call,
            Cost::Nothing => 0,
        };
        if let Some(step) = calls::step_of(cost, ticks) {
            self.place(frame, node, step, out);
        }
    }

    fn unknown_call(&mut self, frame: &Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        let function = node.child_by_field_name("function").map_or("", |f| self.file.text(f));
        let what = if function.starts_with("self.") {
            format!("`{function}(…)` is a method call gilcheck cannot resolve")
        } else {
            format!("`{function}(…)` is not in the call table")
        };
        self.note(
            node,
            format!("{what}: modelled as `c_call 1`; say what it does with `# gilcheck: STEP` or a mapping file"),
        );
        self.place(frame, node, Step::CCall(Duration { lo: 1, hi: 1 }), out);
    }
}
