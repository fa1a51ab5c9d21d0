//! Statements of the walk: blocks, `if`, loops (unrolled, or one `compute` for plain Python),
//! `with` (locks, semaphores, thread pools, task groups), `try`; and the pools' workers.

use tree_sitter::Node;

use super::program::{Actor, ActorKind, Note, Origin, Placed};
use super::program::{ITERATIONS_PER_TICK, UNROLL};
use super::syntax::children;
use super::walk::{Binding, Frame, Global, Pool, Walker};
use crate::input::scenario::{Duration, Step};

/// What leaving a `with` block does.
enum Exit {
    /// A step: releasing a lock or a semaphore.
    Step(Placed),
    /// A `ThreadPoolExecutor` block: its workers run its jobs, and the block waits for them.
    Pool(usize, Origin),
    /// A `TaskGroup` block (its name): every task it made is awaited.
    TaskGroup(String, Origin),
}

impl<'t> Walker<'t> {
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
                        "block" if !self.block(frame, part, out) => return false,
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
        let mut exits: Vec<Exit> = Vec::new();
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
            match exit {
                Exit::Step(placed) => out.push(placed),
                Exit::Pool(pool, origin) => self.run_pool(pool, &origin),
                // `Lib/asyncio/taskgroups.py: TaskGroup.__aexit__` waits for every task it made.
                Exit::TaskGroup(alias, origin) => {
                    if let Some(Binding::TaskGroup(tasks)) = frame.bindings.get(&alias).cloned() {
                        out.extend(
                            tasks.into_iter().map(|t| Placed { step: Step::AwaitTask(t), origin: origin.clone() }),
                        );
                    }
                }
            }
        }
        goes_on
    }

    /// Enters `with VALUE [as ALIAS]`: the step taken on entry (pushed to `out`) and the
    /// what its exit does.
    fn enter_context(
        &mut self,
        frame: &mut Frame<'t>,
        value: Node<'t>,
        alias: Option<String>,
        statement: Node<'t>,
        out: &mut Vec<Placed>,
    ) -> Option<Exit> {
        let origin = self.origin(frame, statement);
        let placed = |step: Step| Placed { step, origin: origin.clone() };
        let exit = |step: Step| Exit::Step(Placed { step, origin: origin.clone() });
        let name = self.file.text(value);
        if let Some(global) = self.globals.get(name).cloned() {
            return match global {
                Global::ThreadLock => {
                    out.push(placed(Step::Lock(name.to_owned(), None)));
                    Some(exit(Step::Unlock(name.to_owned())))
                }
                Global::AsyncLock => {
                    out.push(placed(Step::AwaitLock(name.to_owned())));
                    Some(exit(Step::Release(name.to_owned())))
                }
                Global::Semaphore(_) => {
                    out.push(placed(Step::Acquire(name.to_owned(), None)));
                    Some(exit(Step::SemRelease(name.to_owned())))
                }
                Global::AsyncSemaphore(_) => {
                    out.push(placed(Step::AwaitAcquire(name.to_owned())));
                    Some(exit(Step::AsyncSemRelease(name.to_owned())))
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
                return Some(Exit::Pool(pool, origin));
            }
            if called == "asyncio.TaskGroup" {
                let alias = alias.unwrap_or_else(|| "_taskgroup".to_owned());
                frame.bindings.insert(alias.clone(), Binding::TaskGroup(Vec::new()));
                return Some(Exit::TaskGroup(alias, origin));
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
}
