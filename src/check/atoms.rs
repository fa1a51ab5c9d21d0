//! The atoms of the claim language, bound to one compiled scenario and evaluated on its
//! states. Binding resolves names to indices once, so evaluation is a few array reads.
//!
//! Boundaries (SPEC §7): `running` and `running_python` describe a state, not the last
//! transition; `sleeping` covers only the countdown of `time.sleep`; a task stays its loop's
//! current task while its thread waits for the GIL; `loop_blocked` holds while a task of the
//! loop is inside any blocking step, `compute` included.

use crate::cpython::gil;
pub use crate::cpython::holders::{LockRef, Who};
use crate::cpython::model::GilModel;
use crate::cpython::program::ThreadKind;

use crate::cpython::state::{GilRel, Phase, State, Wait, NONE};
use std::cell::Cell;

use crate::input::claim::{name_matches, Atom, AtomKind, Check, CmpOp, Expr, Term};
use crate::input::scenario::GilKind;

/// An atom with its argument resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    // of one thread or task
    HoldsGil(Who),
    WaitingGil(Who),
    Blocked(Who),
    Sleeping(Who),
    Working(Who),
    Running(Who),
    Done(Who),
    Progress(Who),
    // of one loop thread, one task, one thread, one variable
    LoopBlocked(u8),
    Ready(u8),
    Lateness(u8),
    GilWait(u8),
    Var(u8),
    Qsize(u8),
    Local(Who),
    HoldsLock(LockRef, Who),
    Cancelled(u8),
    // of the whole interpreter
    AllDone,
    Deadlock,
    GilFree,
    Now,
    RunningPython,
    RunningTasks,
    GilHandoffs,
    ForcedSwitches,
    TaskSwitches,
}

/// A term with bound atoms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BTerm {
    Int(i64),
    Atom(Bound),
    Add(Box<BTerm>, Box<BTerm>),
    Sub(Box<BTerm>, Box<BTerm>),
    /// The largest of these: an atom over a name pattern, e.g. `lateness(job*)`.
    Max(Vec<BTerm>),
}

/// An expression with bound atoms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BExpr {
    Implies(Box<BExpr>, Box<BExpr>),
    Or(Box<BExpr>, Box<BExpr>),
    And(Box<BExpr>, Box<BExpr>),
    Not(Box<BExpr>),
    Cmp(BTerm, CmpOp, BTerm),
    Atom(Bound),
}

/// What to look for on every reachable state.
#[derive(Clone, Debug)]
pub enum Goal {
    /// Every state satisfies the expression; the first that does not is the counterexample.
    Always(BExpr),
    /// Some state satisfies the expression; the first that does is the witness.
    Sometimes(BExpr),
    /// The largest value of the term over the states where the condition holds.
    Max(BTerm, Option<BExpr>),
    /// The smallest value likewise.
    Min(BTerm, Option<BExpr>),
    /// On every fair path, whenever `trigger` holds (`None`: at the start) `goal` holds then
    /// or later: `eventually` and `leads_to`, checked by [`crate::check::liveness`].
    LeadsTo { trigger: Option<BExpr>, goal: BExpr },
}

impl Goal {
    /// The conditions that must hold somewhere for the goal to say anything: the left side of
    /// every `->`, at any depth, and the `when` of a `max`/`min` (a check whose antecedent
    /// never occurs is vacuous, SPEC §3).
    pub fn antecedents(&self) -> Vec<&BExpr> {
        fn walk<'a>(e: &'a BExpr, out: &mut Vec<&'a BExpr>) {
            match e {
                BExpr::Implies(a, b) => {
                    out.push(a);
                    walk(a, out);
                    walk(b, out);
                }
                BExpr::Or(a, b) | BExpr::And(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                BExpr::Not(a) => walk(a, out),
                BExpr::Cmp(..) | BExpr::Atom(_) => {}
            }
        }
        let mut out = Vec::new();
        match self {
            Goal::Always(e) | Goal::Sometimes(e) => walk(e, &mut out),
            Goal::Max(_, Some(when)) | Goal::Min(_, Some(when)) => {
                out.push(when);
                walk(when, &mut out);
            }
            Goal::Max(_, None) | Goal::Min(_, None) => {}
            Goal::LeadsTo { trigger, goal } => {
                out.extend(trigger.iter());
                trigger.iter().for_each(|t| walk(t, &mut out));
                walk(goal, &mut out);
            }
        }
        out
    }

    /// Every atom the goal reads, once each, in the order they first appear.
    pub fn atoms(&self) -> Vec<Bound> {
        fn term(t: &BTerm, out: &mut Vec<Bound>) {
            match t {
                BTerm::Int(_) => {}
                BTerm::Atom(a) if out.contains(a) => {}
                BTerm::Atom(a) => out.push(*a),
                BTerm::Add(a, b) | BTerm::Sub(a, b) => {
                    term(a, out);
                    term(b, out);
                }
                BTerm::Max(ts) => ts.iter().for_each(|t| term(t, out)),
            }
        }
        fn expr(e: &BExpr, out: &mut Vec<Bound>) {
            match e {
                BExpr::Implies(a, b) | BExpr::Or(a, b) | BExpr::And(a, b) => {
                    expr(a, out);
                    expr(b, out);
                }
                BExpr::Not(a) => expr(a, out),
                BExpr::Cmp(a, _, b) => {
                    term(a, out);
                    term(b, out);
                }
                BExpr::Atom(a) => term(&BTerm::Atom(*a), out),
            }
        }
        let mut out = Vec::new();
        match self {
            Goal::Always(e) | Goal::Sometimes(e) => expr(e, &mut out),
            Goal::Max(t, when) | Goal::Min(t, when) => {
                term(t, &mut out);
                when.iter().for_each(|w| expr(w, &mut out));
            }
            Goal::LeadsTo { trigger, goal } => {
                trigger.iter().for_each(|t| expr(t, &mut out));
                expr(goal, &mut out);
            }
        }
        out
    }
}

/// An atom that cannot be bound to this scenario: where (byte offset in the check) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindError {
    pub offset: usize,
    pub message: String,
}

/// Resolves atom names against one compiled scenario: quantifiers and name patterns expand to
/// the names they match, and a variable of a quantifier stands for the name it is bound to.
pub struct Binder<'a> {
    pub model: &'a GilModel,
    /// Quantifier variables and the names they stand for, innermost last.
    env: Vec<(String, String)>,
    /// The check singles out some `count` copies (a literal name, or a pattern that matches
    /// part of a group): the copies are then not interchangeable.
    names_a_copy: Cell<bool>,
}

impl<'a> Binder<'a> {
    pub fn new(model: &'a GilModel) -> Binder<'a> {
        Binder { model, env: Vec::new(), names_a_copy: Cell::new(false) }
    }

    /// Whether what was bound so far names `count` copies individually (so symmetry must go).
    pub fn names_a_copy(&self) -> bool {
        self.names_a_copy.get()
    }

    /// The name an atom's argument stands for; a literal copy name marks the check.
    fn resolve<'n>(&'n self, arg: &'n str) -> &'n str {
        if let Some((_, name)) = self.env.iter().rev().find(|(var, _)| var == arg) {
            return name;
        }
        if self.copy_groups().iter().any(|g| g.contains(&arg)) {
            self.names_a_copy.set(true);
        }
        arg
    }

    /// The names of each group of `count` copies of a thread or a task.
    fn copy_groups(&self) -> Vec<Vec<&str>> {
        let sys = &self.model.sys;
        let threads =
            sys.thread_copies.iter().map(|&(lo, hi)| sys.threads[lo..hi].iter().map(|t| t.name.as_str()).collect());
        let tasks = sys.task_copies.iter().map(|&(lo, hi)| sys.tasks[lo..hi].iter().map(|t| t.name.as_str()).collect());
        threads.chain(tasks).collect()
    }

    /// The threads and then the tasks whose names match `pattern`, in the scenario's order; a
    /// pattern that takes only part of a group of copies marks the check.
    fn matching(&self, pattern: &str, offset: usize) -> Result<Vec<String>, BindError> {
        let sys = &self.model.sys;
        let names: Vec<&str> =
            sys.threads.iter().map(|t| t.name.as_str()).chain(sys.tasks.iter().map(|t| t.name.as_str())).collect();
        let matched: Vec<String> = names.iter().filter(|n| name_matches(pattern, n)).map(|n| n.to_string()).collect();
        if matched.is_empty() {
            return Err(BindError {
                offset,
                message: format!(
                    "`{pattern}` matches no thread or task in scenario `{}`; it has {}",
                    sys.scenario_name,
                    self.names()
                ),
            });
        }
        for group in self.copy_groups() {
            let taken = group.iter().filter(|n| matched.iter().any(|m| m == *n)).count();
            if taken > 0 && taken < group.len() {
                self.names_a_copy.set(true);
            }
        }
        Ok(matched)
    }

    /// A binder in which `var` stands for `name`; what it finds is reported to this one by
    /// [`Binder::absorb`].
    fn with_var(&self, var: &str, name: String) -> Binder<'a> {
        let mut env = self.env.clone();
        env.push((var.to_owned(), name));
        Binder { model: self.model, env, names_a_copy: Cell::new(false) }
    }

    fn absorb(&self, inner: &Binder) {
        if inner.names_a_copy() {
            self.names_a_copy.set(true);
        }
    }

    pub fn expr(&self, e: &Expr) -> Result<BExpr, BindError> {
        Ok(match e {
            Expr::Implies(a, b) => BExpr::Implies(Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            Expr::Or(a, b) => BExpr::Or(Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            Expr::And(a, b) => BExpr::And(Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            Expr::Not(a) => BExpr::Not(Box::new(self.expr(a)?)),
            Expr::Cmp(a, op, b) => BExpr::Cmp(self.term(a)?, *op, self.term(b)?),
            Expr::Atom(a) if a.arg.as_deref().is_some_and(|n| n.contains('*')) => {
                return Err(BindError {
                    offset: a.offset,
                    message: format!(
                        "`{a}` is a condition over several names; expected `all X in {0}: {1}(X)` or `any X in {0}: {1}(X)`",
                        a.arg.as_deref().unwrap_or(""),
                        a.kind.name()
                    ),
                })
            }
            Expr::Atom(a) => BExpr::Atom(self.atom(a)?),
            Expr::Quant(q) => {
                let mut parts = Vec::new();
                for name in self.matching(&q.pattern, q.offset)? {
                    let inner = self.with_var(&q.var, name);
                    parts.push(inner.expr(&q.body)?);
                    self.absorb(&inner);
                }
                let join = |a: BExpr, b: BExpr| {
                    if q.all {
                        BExpr::And(Box::new(a), Box::new(b))
                    } else {
                        BExpr::Or(Box::new(a), Box::new(b))
                    }
                };
                parts.into_iter().reduce(join).expect("a pattern matches at least one name")
            }
        })
    }

    pub fn term(&self, t: &Term) -> Result<BTerm, BindError> {
        Ok(match t {
            Term::Int(i) => BTerm::Int(*i),
            // `lateness(job*)`: the largest over the names that fit the atom (tasks for
            // `lateness`, threads for `gil_wait`); none fitting is the first name's error.
            Term::Atom(a) if a.arg.as_deref().is_some_and(|n| n.contains('*')) => {
                let pattern = a.arg.as_deref().unwrap_or("");
                // `*` is no variable a user can write: it stands for each matched name.
                let each = Atom { arg: Some("*".into()), ..a.clone() };
                let mut fitting = Vec::new();
                let mut first_error = None;
                for name in self.matching(pattern, a.offset)? {
                    match self.with_var("*", name).atom(&each) {
                        Ok(b) => fitting.push(BTerm::Atom(b)),
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                match (fitting.is_empty(), first_error) {
                    (true, Some(e)) => return Err(e),
                    _ => BTerm::Max(fitting),
                }
            }
            Term::Atom(a) => BTerm::Atom(self.atom(a)?),
            Term::Add(a, b) => BTerm::Add(Box::new(self.term(a)?), Box::new(self.term(b)?)),
            Term::Sub(a, b) => BTerm::Sub(Box::new(self.term(a)?), Box::new(self.term(b)?)),
        })
    }

    fn atom(&self, a: &Atom) -> Result<Bound, BindError> {
        let sys = &self.model.sys;
        let err = |message: String| BindError { offset: a.offset, message };
        let name = self.resolve(a.arg.as_deref().unwrap_or(""));
        let who = || -> Result<Who, BindError> {
            if let Some(t) = sys.thread_index(name) {
                Ok(Who::Thread(t))
            } else if let Some(k) = sys.task_index(name) {
                Ok(Who::Task(k))
            } else {
                Err(err(format!(
                    "no thread or task `{name}` in scenario `{}`; it has {}",
                    sys.scenario_name,
                    self.names()
                )))
            }
        };
        let thread = || -> Result<u8, BindError> {
            sys.thread_index(name).ok_or_else(|| {
                err(format!("no thread `{name}` in scenario `{}`; it has {}", sys.scenario_name, self.names()))
            })
        };
        let task = || -> Result<u8, BindError> {
            sys.task_index(name).ok_or_else(|| {
                err(format!("no task `{name}` in scenario `{}`; it has {}", sys.scenario_name, self.names()))
            })
        };
        let ticks_only = |atom: &str| {
            if sys.is_ticks() {
                Ok(())
            } else {
                Err(err(format!(
                    "`{atom}` needs a clock, and scenario `{}` is untimed; set `time = \"ticks\"` in its [runtime]",
                    sys.scenario_name
                )))
            }
        };
        Ok(match a.kind {
            AtomKind::RunningPython => Bound::RunningPython,
            AtomKind::RunningTasks => Bound::RunningTasks,
            AtomKind::Now => {
                ticks_only("now")?;
                Bound::Now
            }
            AtomKind::GilHandoffs => Bound::GilHandoffs,
            AtomKind::ForcedSwitches => Bound::ForcedSwitches,
            AtomKind::TaskSwitches => Bound::TaskSwitches,
            AtomKind::GilFree => Bound::GilFree,
            AtomKind::AllDone => Bound::AllDone,
            AtomKind::Deadlock => Bound::Deadlock,
            AtomKind::HoldsGil => Bound::HoldsGil(who()?),
            AtomKind::WaitingGil => Bound::WaitingGil(who()?),
            AtomKind::Blocked => Bound::Blocked(who()?),
            AtomKind::Sleeping => Bound::Sleeping(who()?),
            AtomKind::Working => Bound::Working(who()?),
            AtomKind::LoopBlocked => {
                let t = thread()?;
                if sys.loop_of_thread(t as usize).is_none() {
                    return Err(err(format!(
                        "`loop_blocked` takes a thread that runs an event loop; `{name}` does not"
                    )));
                }
                Bound::LoopBlocked(t)
            }
            AtomKind::Running => Bound::Running(who()?),
            AtomKind::Ready => Bound::Ready(task()?),
            AtomKind::Done => Bound::Done(who()?),
            AtomKind::Progress => Bound::Progress(who()?),
            AtomKind::Var => Bound::Var(sys.var_index(name).ok_or_else(|| {
                let vars: Vec<&str> = sys.vars.iter().map(|(n, _)| n.as_str()).collect();
                err(format!("no shared variable `{name}` in scenario `{}`; it has: {}", sys.scenario_name, list(&vars)))
            })?),
            AtomKind::Lateness => {
                ticks_only("lateness")?;
                Bound::Lateness(task()?)
            }
            AtomKind::GilWait => {
                ticks_only("gil_wait")?;
                Bound::GilWait(thread()?)
            }
            AtomKind::Qsize => {
                let queues: Vec<&str> =
                    sys.syncs.iter().filter(|o| o.kind.maxsize().is_some()).map(|o| o.name.as_str()).collect();
                let q = sys.syncs.iter().position(|o| o.name == name && o.kind.maxsize().is_some());
                Bound::Qsize(q.ok_or_else(|| {
                    err(format!("no queue `{name}` in scenario `{}`; it has: {}", sys.scenario_name, list(&queues)))
                })? as u8)
            }
            AtomKind::Local => Bound::Local(who()?),
            AtomKind::HoldsLock => {
                let lock = a.lock.as_deref().unwrap_or("");
                let threading = sys.locks.iter().position(|l| l == lock).map(|l| LockRef::Threading(l as u8));
                let asyncio = sys.async_locks.iter().position(|l| l == lock).map(|l| LockRef::Asyncio(l as u8));
                let Some(lock) = threading.or(asyncio) else {
                    let locks: Vec<&str> = sys.locks.iter().chain(&sys.async_locks).map(String::as_str).collect();
                    return Err(err(format!(
                        "no lock `{lock}` in scenario `{}`; it has: {}",
                        sys.scenario_name,
                        list(&locks)
                    )));
                };
                Bound::HoldsLock(lock, who()?)
            }
            AtomKind::Cancelled => Bound::Cancelled(task()?),
        })
    }

    fn names(&self) -> String {
        let sys = &self.model.sys;
        let threads: Vec<&str> = sys.threads.iter().map(|t| t.name.as_str()).collect();
        let tasks: Vec<&str> = sys.tasks.iter().map(|t| t.name.as_str()).collect();
        format!("threads: {}; tasks: {}", list(&threads), list(&tasks))
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

impl GilModel {
    pub fn eval(&self, s: &State, e: &BExpr) -> bool {
        match e {
            BExpr::Implies(a, b) => !self.eval(s, a) || self.eval(s, b),
            BExpr::Or(a, b) => self.eval(s, a) || self.eval(s, b),
            BExpr::And(a, b) => self.eval(s, a) && self.eval(s, b),
            BExpr::Not(a) => !self.eval(s, a),
            BExpr::Cmp(a, op, b) => op.eval(self.value(s, a), self.value(s, b)),
            BExpr::Atom(a) => self.atom(s, *a) != 0,
        }
    }

    pub fn value(&self, s: &State, t: &BTerm) -> i64 {
        match t {
            BTerm::Int(i) => *i,
            BTerm::Atom(a) => self.atom(s, *a),
            BTerm::Add(a, b) => self.value(s, a) + self.value(s, b),
            BTerm::Sub(a, b) => self.value(s, a) - self.value(s, b),
            BTerm::Max(ts) => ts.iter().map(|t| self.value(s, t)).max().unwrap_or(0),
        }
    }

    /// Whether thread `t` executes code right now: a CPU step on a CPU (with the GIL when the
    /// step needs it), or at a step boundary holding the GIL (or with no GIL to hold), where
    /// its zero-time steps run. A loop thread waiting for the GIL, blocked in a call or in its
    /// selector executes nothing: its current task is not running then (SPEC §3
    /// `running_tasks`: tasks executing right now).
    fn executes(&self, s: &State, t: usize) -> bool {
        let th = &s.threads[t];
        match th.phase {
            Phase::Cpu { .. } | Phase::NoGil { .. } => self.on_cpu(s, t),
            Phase::Ready | Phase::IncrLoaded { .. } => match self.sys.gil() {
                GilKind::None => th.gil == GilRel::No,
                _ => th.gil == GilRel::Has,
            },
            _ => false,
        }
    }

    /// No move is possible, not everything is done, and the clock has not reached the horizon
    /// (where every path is cut): the program is stuck for good (SPEC §2 `deadlock`).
    pub fn deadlocked(&self, s: &State) -> bool {
        let cut = self.sys.is_ticks() && s.now >= self.sys.runtime.horizon as u16;
        if cut || self.all_done(s) {
            return false;
        }
        let mut moves = Vec::new();
        self.enabled(s, &mut moves);
        moves.is_empty()
    }

    /// The loop thread currently running task `k`, if `k` is its loop's current task.
    fn running_task_thread(&self, s: &State, k: u8) -> Option<usize> {
        let t = self.sys.loops[self.sys.tasks[k as usize].loop_id as usize].thread as usize;
        (s.threads[t].task == k).then_some(t)
    }

    /// A task's atom is its loop thread's while it is the current task, false otherwise.
    fn via_thread(&self, s: &State, who: Who, f: impl Fn(usize) -> bool) -> bool {
        match who {
            Who::Thread(t) => f(t as usize),
            Who::Task(k) => self.running_task_thread(s, k).is_some_and(f),
        }
    }

    /// An atom's value (booleans as 0 / 1).
    pub fn atom(&self, s: &State, a: Bound) -> i64 {
        let sys = &self.sys;
        let n = sys.threads.len();
        let b = |x: bool| x as i64;
        match a {
            Bound::RunningPython => (0..n)
                .filter(|&t| matches!(s.threads[t].phase, Phase::Cpu { python: true, .. }) && self.on_cpu(s, t))
                .count() as i64,
            Bound::RunningTasks => sys
                .loops
                .iter()
                .filter(|l| s.threads[l.thread as usize].task != NONE && self.executes(s, l.thread as usize))
                .count() as i64,
            Bound::Now => s.now as i64,
            Bound::GilHandoffs => s.handoffs as i64,
            Bound::ForcedSwitches => s.forced_switches as i64,
            Bound::TaskSwitches => s.task_switches as i64,
            Bound::GilFree => b(s.gil.holder == NONE),
            Bound::AllDone => b(self.all_done(s)),
            Bound::Deadlock => b(self.deadlocked(s)),
            Bound::HoldsGil(who) => {
                b(sys.gil() != GilKind::None && self.via_thread(s, who, |t| s.gil.holder as usize == t))
            }
            Bound::WaitingGil(who) => b(self.via_thread(s, who, |t| gil::waiting(s, t))),
            Bound::Blocked(who) => b(self.via_thread(s, who, |t| {
                matches!(
                    s.threads[t].phase,
                    Phase::Blocked { .. } | Phase::LockWait { .. } | Phase::SyncWait { .. } | Phase::CondWait { .. }
                )
            })),
            Bound::Working(who) => {
                b(self.via_thread(s, who, |t| self.on_cpu(s, t) || matches!(s.threads[t].phase, Phase::Blocked { .. })))
            }
            Bound::Sleeping(who) => {
                b(self.via_thread(s, who, |t| matches!(s.threads[t].phase, Phase::Blocked { sleep: true, .. })))
            }
            Bound::LoopBlocked(t) => {
                let th = &s.threads[t as usize];
                b(th.task != NONE
                    && matches!(
                        th.phase,
                        Phase::Cpu { .. }
                            | Phase::NoGil { .. }
                            | Phase::Blocked { .. }
                            | Phase::LockWait { .. }
                            | Phase::SyncWait { .. }
                            | Phase::CondWait { .. }
                    ))
            }
            Bound::Running(Who::Thread(t)) => b(self.on_cpu(s, t as usize)),
            Bound::Running(Who::Task(k)) => b(self.running_task_thread(s, k).is_some()),
            Bound::Ready(k) => b(s.tasks[k as usize].wait == Wait::Scheduled),
            Bound::Done(Who::Thread(t)) => b(s.threads[t as usize].phase == Phase::Done),
            Bound::Done(Who::Task(k)) => b(s.tasks[k as usize].done),
            Bound::Progress(Who::Thread(t)) => match sys.threads[t as usize].kind {
                ThreadKind::Plain(_) => s.threads[t as usize].pc as i64,
                _ => 0,
            },
            // A suspended task's counter is already past the await it is suspended in, which
            // has not completed until the task resumes.
            Bound::Progress(Who::Task(k)) => {
                let task = &s.tasks[k as usize];
                let suspended = !task.done && task.wait != Wait::Nothing;
                (task.pc as i64 - suspended as i64).max(0)
            }
            Bound::Var(x) => s.vars[x as usize] as i64,
            Bound::Qsize(q) => s.syncs[q as usize] as i64,
            Bound::Local(Who::Thread(t)) => s.threads[t as usize].reg as i64,
            Bound::Local(Who::Task(k)) => s.tasks[k as usize].reg as i64,
            Bound::Lateness(k) => s.tasks[k as usize].lateness as i64,
            Bound::GilWait(t) => s.threads[t as usize].gil_wait as i64,
            Bound::HoldsLock(lock, who) => b(self.holds_lock(s, lock, who)),
            Bound::Cancelled(k) => b(s.tasks[k as usize].cancelled),
        }
    }
}

/// The counters and clocks a check reads, with their caps: a counter saturates at one above
/// the largest constant the check compares with (`quantitative`: at [`COUNTER_CAP`], where
/// reaching the cap means the value is unbounded).
pub fn caps_for(check: &Check) -> gil::Caps {
    let kinds: Vec<AtomKind> = check.atoms().iter().map(|a| a.kind).collect();
    let consts = check.constants();
    let quantitative = matches!(check, Check::Max(..) | Check::Min(..));
    let cap = if quantitative {
        COUNTER_CAP
    } else {
        (consts.iter().copied().max().unwrap_or(0).clamp(0, COUNTER_CAP as i64 - 1) + 1) as u8
    };
    let has = |k: AtomKind| kinds.contains(&k);
    gil::Caps {
        handoffs: if has(AtomKind::GilHandoffs) { cap } else { 0 },
        forced_switches: if has(AtomKind::ForcedSwitches) { cap } else { 0 },
        task_switches: if has(AtomKind::TaskSwitches) { cap } else { 0 },
        gil_wait: has(AtomKind::GilWait),
        lateness: has(AtomKind::Lateness),
        fair_handoffs: matches!(check, Check::Eventually(_) | Check::LeadsTo(..)),
    }
}

/// Where a counter of a `max`/`min` check saturates; reaching it means the counter grows
/// without bound (around a cycle of the model).
pub const COUNTER_CAP: u8 = 200;
