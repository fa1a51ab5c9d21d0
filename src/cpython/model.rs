//! The model: a compiled scenario as a stateright [`Model`]. Its transition relation is the
//! interleaving of the rules in [`crate::cpython::gil`] and [`crate::cpython::asyncio`] with the steps of each
//! program, under the clock of SPEC §7:
//!
//! - `ticks`: zero-time actions (GIL hand-offs, `read`/`write`/`incr`, lock operations,
//!   awaits, the loop's bookkeeping) interleave in every order; only when none is possible
//!   does [`Action::Tick`] advance the clock, running one tick of every thread that has a CPU
//!   (and the GIL if its step needs it) and counting down every blocked thread and timer.
//! - `untimed`: every sub-step is an action of its own, and a blocking call, a timer, an I/O
//!   or a waiter's switch interval may end at any moment: this covers every real timing.
//!
//! Two threads, each running one tick of pure Python (`steps = ["compute 1"]`, 3.11, untimed),
//! walk through the state space like this:
//!
//! ```text
//! s0  GIL free; t0, t1 wait for it          --t0 takes the GIL-->   s1 (or t1 takes it: s2)
//! s1  GIL t0; t0 ready                      --t0: compute 1-->      s3
//! s3  GIL t0; t0 computes (1 left)          --t0 runs one tick-->   s5   t0 is done with its step
//!                                           --t1's interval runs out: drop request--> s6
//! s6  GIL t0, drop requested                --t0 drops the GIL (its only move)--> s11
//! s11 GIL free; t0 waits for a switch       --t1 takes the GIL (t0 may not)--> s17 …
//! ```
//!
//! 69 states in all, 35 up to the symmetry of the two copies; `always running_python <= 1`
//! holds on every one of them (the tests at the bottom check these numbers).

use stateright::{Model, Property};

use crate::cpython::asyncio;
use crate::cpython::gil::{self, Caps};
use crate::cpython::program::{Op, System, ThreadKind};
use crate::cpython::state::{Deadline, MAX_TASKS, MAX_THREADS, NONE};
use crate::cpython::state::{Fault, GilRel, Phase, State, Wait, WaitRound};
use crate::cpython::sync;
use crate::cpython::timeouts;
use crate::input::scenario::{GilKind, WriteValue};

/// One transition of the model. Listed in a fixed order by [`GilModel::actions`], so a
/// counterexample replays identically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Ticks mode: the clock advances one tick; `swap` = the OS first moves a CPU from the
    /// first thread to the second (only when threads outnumber cores).
    Tick { swap: Option<(u8, u8)> },
    /// The thread takes the free GIL (the OS picked it among the waiters).
    TakeGil(u8),
    /// Ticks mode, new GIL: the first thread, which asked for the GIL while it was free, takes
    /// it before the second, the waiter that `drop_gil`'s `COND_SIGNAL(gil->cond)` woke; that
    /// waiter finds the GIL locked again and starts a fresh timed wait
    /// (`Python/ceval_gil.c: take_gil`).
    TakeGilBefore(u8, u8),
    /// Untimed, new GIL: the waiter's `switch_interval` runs out; it sets the drop request.
    Timeout(u8),
    /// New GIL: the holder sees the drop request at a switch point and drops the GIL.
    ForcedDrop(u8),
    /// Old GIL: the holder's check interval runs out; it releases and re-races for the GIL.
    CheckInterval(u8),
    /// The thread does its next step or sub-step; the second field is the chosen duration.
    Step(u8, u8),
    /// Untimed: the thread's blocking call (`io`, `time.sleep`) returns.
    Return(u8),
    /// Untimed: the task's timer or I/O becomes due.
    Due(u8),
    /// Untimed: the timer of the task's timeout becomes due.
    TimeoutDue(u8),
    /// Untimed: a thread in a wait with `timeout N` gives up ([`crate::cpython::give_up`]).
    GiveUp(u8),
    /// A thread waiting for a `threading.Lock` acquires it (no order among waiters).
    AcquireLock(u8),
    /// A thread blocked on an event, semaphore or queue goes on: its event was set, or it
    /// takes a permit, an item or a free slot (no order among waiters, [`crate::cpython::sync`]).
    Wake(u8),
    /// Untimed, threads outnumber cores: the OS moves a CPU from the first thread to the second.
    Preempt(u8, u8),
}

impl Action {
    /// The fairness unit the action belongs to, as a bit: one per thread (its steps, taking
    /// the GIL, its interval running out, its call returning) and one per task (its timer or
    /// I/O coming due). The OS moving CPUs serves no unit: what fairness demands of it is that
    /// a runnable thread eventually steps ([`GilModel::runnable_units`]). The clock has none
    /// (liveness is untimed).
    pub fn unit(self) -> u32 {
        match self {
            Action::Tick { .. } | Action::Preempt(..) => 0,
            Action::TakeGil(t)
            | Action::TakeGilBefore(t, _)
            | Action::Timeout(t)
            | Action::ForcedDrop(t)
            | Action::CheckInterval(t)
            | Action::Step(t, _)
            | Action::Return(t)
            | Action::AcquireLock(t)
            | Action::Wake(t)
            | Action::GiveUp(t) => thread_unit(t as usize),
            Action::Due(k) => 1u32 << (MAX_THREADS as u32 + k as u32),
            Action::TimeoutDue(k) => 1u32 << ((MAX_THREADS + MAX_TASKS) as u32 + k as u32),
        }
    }
}

/// The fairness unit of thread `t`.
fn thread_unit(t: usize) -> u32 {
    1u32 << t
}

impl GilModel {
    /// Units of threads that could run but have no CPU: they count as able to move (the OS
    /// scheduler gives every runnable thread time), so fairness demands they eventually step.
    pub fn runnable_units(&self, s: &State) -> u32 {
        (0..self.n()).filter(|&t| self.wants_cpu(s, t)).fold(0, |acc, t| acc | thread_unit(t))
    }
}

/// A path from the initial state: each state with the action that led to it.
pub type Trace = Vec<(Option<Action>, State)>;

/// A compiled scenario under one runtime, ready to explore.
pub struct GilModel {
    pub sys: System,
    pub caps: Caps,
    /// Explore states up to permutations of `count` copies ([`GilModel::representative`]);
    /// only sound when the check names no copy individually.
    pub symmetry: bool,
}

impl GilModel {
    pub fn new(sys: System, caps: Caps) -> Self {
        GilModel { sys, caps, symmetry: false }
    }

    pub(crate) fn n(&self) -> usize {
        self.sys.threads.len()
    }

    /// The state before the first instruction: every thread wants the GIL (the OS decides
    /// who runs first), each loop has its tasks' first steps queued, executor workers do not
    /// exist yet (idle).
    pub fn initial(&self) -> State {
        let sys = &self.sys;
        let mut s = State::default();
        for (t, info) in sys.threads.iter().enumerate() {
            let th = &mut s.threads[t];
            th.task = NONE;
            th.phase = match info.kind {
                ThreadKind::Plain(_) => Phase::Ready,
                ThreadKind::Loop(_) => Phase::LoopTop,
                ThreadKind::Worker(_) => Phase::Idle,
            };
            if th.phase != Phase::Idle {
                gil::want(sys, &mut s, t);
            }
        }
        for (i, (_, v)) in sys.vars.iter().enumerate() {
            s.vars[i] = (*v).clamp(0, 255) as u8;
        }
        for (i, o) in sys.syncs.iter().enumerate() {
            s.syncs[i] = o.kind.initial();
        }
        asyncio::create_tasks(sys, &mut s);
        self.settle(&mut s);
        s
    }

    /// Deterministic follow-ups that belong to the action just taken: a loop thread whose
    /// selector has something to report returns from `select` and wants the GIL back, and
    /// free CPUs go to threads that can run.
    fn settle(&self, s: &mut State) {
        let sys = &self.sys;
        for (l, info) in sys.loops.iter().enumerate() {
            let t = info.thread as usize;
            let th = s.threads[t];
            if th.phase == Phase::Select && th.gil == GilRel::No && asyncio::select_returns(s, l) {
                s.threads[t].phase = Phase::LoopProcess;
                gil::want(sys, s, t);
            }
        }
        if sys.cpu_contention {
            let n = self.n();
            for t in 0..n {
                if s.threads[t].cpu && !self.wants_cpu(s, t) {
                    s.threads[t].cpu = false;
                }
            }
            let mut free =
                (sys.runtime.cores as usize).saturating_sub(s.threads[..n].iter().filter(|th| th.cpu).count());
            for t in 0..n {
                if free > 0 && !s.threads[t].cpu && self.wants_cpu(s, t) {
                    s.threads[t].cpu = true;
                    free -= 1;
                }
            }
        }
    }

    /// A thread in a step that takes CPU time and may execute it (holds the GIL if needed).
    pub fn wants_cpu(&self, s: &State, t: usize) -> bool {
        match s.threads[t].phase {
            Phase::Cpu { .. } => gil::may_run(&self.sys, s, t),
            Phase::NoGil { .. } => s.threads[t].gil == GilRel::No,
            _ => false,
        }
    }

    /// A thread executing a step on a CPU now.
    pub fn on_cpu(&self, s: &State, t: usize) -> bool {
        self.wants_cpu(s, t) && (!self.sys.cpu_contention || s.threads[t].cpu)
    }

    /// The ops thread `t` runs (its program, its job's, its loop's current task's), where it
    /// is in them, and whose program they are.
    pub fn program_at(&self, s: &State, t: usize) -> (&[Op], usize, Ctx) {
        let sys = &self.sys;
        match &sys.threads[t].kind {
            ThreadKind::Plain(p) => (&p.ops, s.threads[t].pc as usize, Ctx::Thread(t)),
            ThreadKind::Worker(_) => (asyncio::job_ops(sys, s, t), s.threads[t].pc as usize, Ctx::Thread(t)),
            ThreadKind::Loop(_) => {
                let k = s.threads[t].task as usize;
                (&sys.tasks[k].program.ops, s.tasks[k].pc as usize, Ctx::Task(k))
            }
        }
    }

    /// Where in a Python program the op thread `t` is at comes from, when the scenario was
    /// extracted from one (`app.py:23 time.sleep(2) in handler()`).
    pub fn origin_at(&self, s: &State, t: usize) -> Option<&str> {
        let sys = &self.sys;
        let pc = s.threads[t].pc as usize;
        let origins = match &sys.threads[t].kind {
            ThreadKind::Plain(p) => &p.origins,
            ThreadKind::Loop(_) => {
                let k = s.threads[t].task as usize;
                return sys.tasks.get(k)?.program.origins.get(s.tasks[k].pc as usize).map(String::as_str);
            }
            ThreadKind::Worker(_) => {
                let k = s.threads[t].task;
                if k == NONE {
                    return None;
                }
                let task = &sys.tasks[k as usize];
                match sys.waiting_op(s, k as usize) {
                    Some(Op::AwaitJob(j)) => &sys.jobs[*j as usize].program.origins,
                    _ => return task.program.origins.get(s.tasks[k as usize].pc as usize).map(String::as_str),
                }
            }
        };
        origins.get(pc).map(String::as_str)
    }

    /// The op thread `t` is at, with the program context it belongs to.
    pub fn current_op(&self, s: &State, t: usize) -> (Option<&Op>, Ctx) {
        let (ops, pc, ctx) = self.program_at(s, t);
        (ops.get(pc), ctx)
    }

    /// The ops on either side of thread `t`'s current step boundary: the one it finished
    /// (None at the start of its program or job) and the one it is at (None at the end).
    pub fn ops_around(&self, s: &State, t: usize) -> (Option<&Op>, Option<&Op>) {
        let (ops, pc, _) = self.program_at(s, t);
        (pc.checked_sub(1).and_then(|i| ops.get(i)), ops.get(pc))
    }

    /// Whether thread `t`, at a step boundary, is at a switch point there
    /// ([`gil::boundary_is_switch_point`]).
    fn boundary_switch(&self, s: &State, t: usize) -> bool {
        let (prev, next) = self.ops_around(s, t);
        gil::boundary_is_switch_point(&self.sys, prev, next)
    }

    /// The durations an op may take, as the choices of one action each. Untimed, a blocking
    /// call may end at any moment, so its length does not matter; a CPU step's does (it is
    /// that many sub-steps), and so does a timer's (timers fire in deadline order).
    fn durations(&self, op: &Op) -> (u8, u8) {
        let ticks = self.sys.is_ticks();
        let range = |d: &crate::input::scenario::Duration| (d.lo as u8, d.hi as u8);
        match op.leaf() {
            Op::Compute(d) | Op::CCall(d) | Op::CNoGil(d) | Op::AwaitSleep(d) => range(d),
            Op::Io(d) | Op::Sleep(d) | Op::AwaitIo(d) if ticks => range(d),
            Op::Io(_) | Op::Sleep(_) | Op::AwaitIo(_) => (1, 1),
            _ => (0, 0),
        }
    }

    /// Every enabled action, in a fixed order.
    pub fn enabled(&self, s: &State, out: &mut Vec<Action>) {
        if s.fault.is_some() {
            return;
        }
        let sys = &self.sys;
        let ticks = sys.is_ticks();
        let n = self.n();
        for t in 0..n {
            let th = &s.threads[t];
            let tt = t as u8;
            match th.gil {
                GilRel::Wants => {
                    if s.gil.holder == NONE {
                        let before = out.len();
                        if th.round == WaitRound::Untimed {
                            let woken = (0..n).filter(|&w| w != t && gil::in_timed_wait(s, w));
                            out.extend(woken.map(|w| Action::TakeGilBefore(tt, w as u8)));
                        }
                        if out.len() == before {
                            out.push(Action::TakeGil(tt));
                        }
                    } else if !ticks && sys.gil() == GilKind::New && !s.gil.drop_request && !s.gil.fresh {
                        out.push(Action::Timeout(tt));
                    }
                    continue;
                }
                GilRel::Switching => continue,
                GilRel::Has => {
                    let boundary = th.phase == Phase::Ready && self.boundary_switch(s, t);
                    if gil::must_drop(sys, s, t, boundary) {
                        out.push(Action::ForcedDrop(tt));
                        continue;
                    }
                    if gil::check_due(sys, s, t, boundary) {
                        out.push(Action::CheckInterval(tt));
                        continue;
                    }
                    // 2.7 releases and re-takes the lock at its check interval whether or not
                    // another thread waits; untimed, that may come at any switch point.
                    if sys.gil() == GilKind::Old
                        && !ticks
                        && !s.gil.fresh
                        && gil::at_switch_point(sys, th.phase, boundary)
                    {
                        out.push(Action::CheckInterval(tt));
                    }
                }
                GilRel::No => {}
            }
            match th.phase {
                Phase::Ready => {
                    let (op, _) = self.current_op(s, t);
                    match op {
                        Some(op) => {
                            let (lo, hi) = self.durations(op);
                            for d in lo..=hi {
                                out.push(Action::Step(tt, d));
                            }
                        }
                        None => out.push(Action::Step(tt, 0)),
                    }
                }
                Phase::Cpu { .. } | Phase::NoGil { .. } if !ticks && self.on_cpu(s, t) => out.push(Action::Step(tt, 0)),
                Phase::Blocked { .. } if !ticks && th.gil == GilRel::No => out.push(Action::Return(tt)),
                Phase::LockWait { lock } if th.gil == GilRel::No && !s.locks[lock as usize] => {
                    out.push(Action::AcquireLock(tt))
                }
                Phase::SyncWait { woken, .. } if th.gil == GilRel::No => {
                    if let (Some(op), _) = self.current_op(s, t) {
                        if sync::ready(sys, s, op, woken) {
                            out.push(Action::Wake(tt));
                        }
                    }
                }
                Phase::IncrLoaded { .. } | Phase::LoopTop | Phase::LoopProcess | Phase::LoopRun => {
                    out.push(Action::Step(tt, 0))
                }
                _ => {}
            }
            if !ticks && self.may_give_up(s, t) {
                out.push(Action::GiveUp(tt));
            }
        }
        if !ticks {
            for (l, info) in sys.loops.iter().enumerate() {
                for &k in &info.tasks {
                    let k = k as usize;
                    let due = match s.tasks[k].wait {
                        Wait::Io { .. } => true,
                        Wait::Timer { .. } => asyncio::timer_may_fire(s, l, k as u8),
                        _ => false,
                    };
                    if due {
                        out.push(Action::Due(k as u8));
                    }
                    if matches!(s.tasks[k].timer, Deadline::Armed { .. })
                        && asyncio::timer_may_fire(s, l, timeouts::entry(k))
                    {
                        out.push(Action::TimeoutDue(k as u8));
                    }
                }
            }
            if sys.cpu_contention {
                self.cpu_swaps(s, |a, b| out.push(Action::Preempt(a, b)));
            }
            return;
        }
        // Ticks: the clock moves only when nothing can happen in zero time.
        if !out.is_empty() || s.now as u32 >= sys.runtime.horizon || !self.time_matters(s) {
            return;
        }
        out.push(Action::Tick { swap: None });
        if sys.cpu_contention {
            self.cpu_swaps(s, |a, b| out.push(Action::Tick { swap: Some((a, b)) }));
        }
    }

    /// Pairs (a thread on a CPU, a thread that could run but has none).
    fn cpu_swaps(&self, s: &State, mut f: impl FnMut(u8, u8)) {
        let n = self.n();
        for a in 0..n {
            if !s.threads[a].cpu {
                continue;
            }
            for b in 0..n {
                if !s.threads[b].cpu && self.wants_cpu(s, b) {
                    f(a as u8, b as u8);
                }
            }
        }
    }

    /// The state after `action`.
    pub fn apply(&self, s: &State, action: Action) -> State {
        let mut next = *s;
        self.apply_to(&mut next, action);
        next
    }

    /// [`GilModel::apply`] in place: a search reuses one state for every successor.
    pub fn apply_to(&self, s: &mut State, action: Action) {
        let sys = &self.sys;
        match action {
            Action::Tick { swap } => self.tick(s, swap),
            Action::TakeGil(t) => gil::take(sys, &self.caps, s, t as usize, None),
            Action::TakeGilBefore(t, woken) => gil::take(sys, &self.caps, s, t as usize, Some(woken as usize)),
            Action::Timeout(_) => s.gil.drop_request = true,
            Action::ForcedDrop(t) | Action::CheckInterval(t) => gil::release(sys, s, t as usize, true, false),
            Action::Step(t, d) => {
                if s.gil.holder == t {
                    s.gil.fresh = false;
                }
                self.step(s, t as usize, d)
            }
            Action::Return(t) => self.end_blocking(s, t as usize),
            Action::Due(k) => asyncio::make_due(s, sys.tasks[k as usize].loop_id as usize, k),
            Action::TimeoutDue(k) => {
                asyncio::make_due(s, sys.tasks[k as usize].loop_id as usize, timeouts::entry(k as usize))
            }
            Action::GiveUp(t) => self.give_up(s, t as usize, true),
            Action::AcquireLock(t) => {
                let t = t as usize;
                if let Phase::LockWait { lock } = s.threads[t].phase {
                    s.locks[lock as usize] = true;
                }
                self.advance(s, t);
                gil::want(sys, s, t);
            }
            Action::Wake(t) => {
                let t = t as usize;
                if let (Some(op), _) = self.current_op(s, t) {
                    sync::take(s, &op.clone());
                }
                self.advance(s, t);
                gil::want(sys, s, t);
            }
            Action::Preempt(a, b) => {
                s.threads[a as usize].cpu = false;
                s.threads[b as usize].cpu = true;
            }
        }
        self.settle(s);
        s.forget_stale_waiters(sys.tasks.len());
    }

    /// A call that released the GIL returns (`Py_END_ALLOW_THREADS`): the thread moves past
    /// the step and waits for the GIL like any other thread (`pysleep` takes it back too).
    pub(crate) fn end_blocking(&self, s: &mut State, t: usize) {
        self.advance(s, t);
        gil::want(&self.sys, s, t);
    }

    /// Moves thread `t` past its current op, to the next step boundary.
    pub(crate) fn advance(&self, s: &mut State, t: usize) {
        let (_, pc, _) = self.program_at(s, t);
        self.jump(s, t, pc + 1);
    }

    /// Moves thread `t` to the step boundary before op `pc` of what it runs; a wait it was
    /// in is over.
    pub(crate) fn jump(&self, s: &mut State, t: usize, pc: usize) {
        match self.sys.threads[t].kind {
            ThreadKind::Loop(_) => {
                let k = s.threads[t].task as usize;
                s.tasks[k].pc = pc as u8;
            }
            _ => s.threads[t].pc = pc as u8,
        }
        s.threads[t].phase = Phase::Ready;
        s.threads[t].deadline = 0;
    }

    /// Drops the GIL for a blocking call (`Py_BEGIN_ALLOW_THREADS`), if the thread holds it.
    fn release_for_call(&self, s: &mut State, t: usize) {
        asyncio::release_if_held(&self.sys, s, t, false);
    }

    /// [`Action::Step`]: the thread's next step, by phase.
    fn step(&self, s: &mut State, t: usize, d: u8) {
        let sys = &self.sys;
        match s.threads[t].phase {
            Phase::Ready => {
                let (op, ctx) = self.current_op(s, t);
                match op {
                    Some(op) => self.exec(s, t, ctx, op, d),
                    None => self.program_end(s, t, ctx),
                }
            }
            Phase::Cpu { .. } | Phase::NoGil { .. } => self.cpu_tick(s, t),
            Phase::IncrLoaded { value, .. } => {
                let (Some(Op::Incr(x)) | Some(Op::IncrCall(x))) = self.current_op(s, t).0 else { unreachable!() };
                self.store(s, *x, value as i64 + 1);
                self.advance(s, t);
            }
            Phase::LoopTop => asyncio::poll(sys, s, t, self.loop_of(t)),
            Phase::LoopProcess => {
                asyncio::collect_due(s, self.loop_of(t));
                s.threads[t].phase = Phase::LoopRun;
            }
            Phase::LoopRun => asyncio::run_next_callback(sys, s, t, self.loop_of(t), &self.caps),
            other => unreachable!("no step in phase {other:?}"),
        }
    }

    pub fn loop_of(&self, t: usize) -> usize {
        self.sys.loop_of_thread(t).expect("a loop thread")
    }

    /// Writes a shared variable, or faults when the value leaves its byte.
    fn store(&self, s: &mut State, x: u8, value: i64) {
        if (0..=255).contains(&value) {
            s.vars[x as usize] = value as u8;
        } else {
            s.fault = Some(Fault::VarOverflow { var: x });
        }
    }

    /// Executes op `op` of thread `t` (in context `ctx`) with duration `d`.
    fn exec(&self, s: &mut State, t: usize, ctx: Ctx, op: &Op, d: u8) {
        match op {
            Op::Compute(_) => s.threads[t].phase = Phase::Cpu { left: d, python: true },
            Op::CCall(_) => s.threads[t].phase = Phase::Cpu { left: d, python: false },
            Op::CNoGil(_) => {
                s.threads[t].phase = Phase::NoGil { left: d };
                self.release_for_call(s, t);
            }
            Op::Io(_) | Op::Sleep(_) => {
                s.threads[t].phase = Phase::Blocked { left: d, sleep: matches!(op, Op::Sleep(_)) };
                self.release_for_call(s, t);
            }
            Op::Read(x) => {
                let v = s.vars[*x as usize];
                *ctx.reg(s) = v;
                self.advance(s, t);
            }
            Op::Write(x, value) => {
                let v = match value {
                    WriteValue::Const(c) => *c,
                    WriteValue::LocalPlus(c) => *ctx.reg(s) as i64 + c,
                };
                self.store(s, *x, v);
                self.advance(s, t);
            }
            // `list.append` / `dict.__setitem__`: the whole update happens inside one C call
            // that holds the GIL and checks no eval breaker (`Objects/listobject.c:
            // list_append` → `_PyList_AppendTakeRef`); on free-threaded builds the same call
            // holds the object's lock (`Py_BEGIN_CRITICAL_SECTION`, PEP 703). No other thread
            // sees a half-done update.
            Op::Append(x) => {
                self.store(s, *x, i64::from(s.vars[*x as usize]) + 1);
                self.advance(s, t);
            }
            Op::Incr(x) | Op::IncrCall(x) => {
                let value = s.vars[*x as usize];
                s.threads[t].phase = Phase::IncrLoaded { value, call: matches!(op, Op::IncrCall(_)) };
            }
            // `threading.Lock.acquire`: on 3.x a free lock is taken without releasing the GIL
            // and a held one is waited for with the GIL released (`Modules/_threadmodule.c:
            // acquire_timed` tries a non-blocking acquire first); 2.7 has no such fast path and
            // releases the GIL around every acquire (`Modules/threadmodule.c:
            // lock_PyThread_acquire_lock`), so another thread may take the lock meanwhile.
            // Measured by `experiments/gil_release_probe.py`.
            Op::Lock(l, limit) => {
                if s.locks[*l as usize] && *limit == Some(0) {
                    self.give_up(s, t, false);
                } else if s.locks[*l as usize] || self.sys.gil() == GilKind::Old {
                    s.threads[t].phase = Phase::LockWait { lock: *l };
                    self.arm_deadline(s, t, *limit);
                    self.release_for_call(s, t);
                } else {
                    s.locks[*l as usize] = true;
                    self.advance(s, t);
                }
            }
            Op::Unlock(l) => {
                s.locks[*l as usize] = false;
                self.advance(s, t);
            }
            Op::CondWait(c) => {
                sync::cond_wait(&self.sys, s, t, *c);
                self.release_for_call(s, t);
            }
            Op::CondNotify(c) | Op::CondNotifyAll(c) => {
                sync::cond_notify(&self.sys, s, *c, matches!(op, Op::CondNotifyAll(_)));
                self.advance(s, t);
            }
            op if op.is_sync() => match sync::start(&self.sys, s, op) {
                sync::Start::Done => self.advance(s, t),
                sync::Start::Wait(_) if op.limit() == Some(0) => self.give_up(s, t, false),
                sync::Start::Wait(obj) => {
                    s.threads[t].phase = Phase::SyncWait { obj, woken: false };
                    self.arm_deadline(s, t, op.limit());
                    self.release_for_call(s, t);
                }
            },
            _ => {
                let Ctx::Task(k) = ctx else { unreachable!("an await outside a task") };
                asyncio::exec_await(&self.sys, s, t, k, op, d);
            }
        }
    }

    /// The end of a program: a `repeat` program starts over; a thread exits (dropping the GIL
    /// without waiting for a switch); a worker reports its job; a task finishes.
    fn program_end(&self, s: &mut State, t: usize, ctx: Ctx) {
        let sys = &self.sys;
        match (&sys.threads[t].kind, ctx) {
            (ThreadKind::Plain(p), _) => {
                if p.repeat && !p.ops.is_empty() {
                    s.threads[t].pc = 0;
                } else {
                    s.threads[t].phase = Phase::Done;
                    asyncio::release_if_held(sys, s, t, true);
                }
            }
            (ThreadKind::Worker(_), _) => asyncio::finish_job(sys, s, t),
            (ThreadKind::Loop(_), Ctx::Task(k)) => asyncio::task_end(sys, s, t, k),
            _ => unreachable!(),
        }
    }

    /// Every plain thread and every loop has finished, and every executor worker is idle (a
    /// job whose task was cancelled still runs; the interpreter joins the workers at exit,
    /// `Lib/concurrent/futures/thread.py: _python_exit`).
    pub fn all_done(&self, s: &State) -> bool {
        self.sys.threads.iter().enumerate().all(|(t, info)| match info.kind {
            ThreadKind::Worker(_) => s.threads[t].phase == Phase::Idle,
            _ => s.threads[t].phase == Phase::Done,
        })
    }
}

/// Whose program an op belongs to: a thread's own, or a task's (run by its loop thread).
#[derive(Clone, Copy, Debug)]
pub enum Ctx {
    Thread(usize),
    Task(usize),
}

impl Ctx {
    fn reg(self, s: &mut State) -> &mut u8 {
        match self {
            Ctx::Thread(t) => &mut s.threads[t].reg,
            Ctx::Task(k) => &mut s.tasks[k].reg,
        }
    }
}

impl Model for GilModel {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![self.initial()]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        self.enabled(state, actions);
    }

    fn next_state(&self, state: &State, action: Action) -> Option<State> {
        Some(self.apply(state, action))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        // stateright stops once every property is decided; one that never is keeps it
        // exploring every state, as our own search does.
        vec![Property::always("explore everything", |_, _| true)]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashSet, VecDeque};

    use super::*;
    use crate::input::scenario::parse_scenario;

    fn two_threads() -> GilModel {
        let toml = "[[threads]]\nname = \"t\"\ncount = 2\nsteps = [\"compute 1\"]\n";
        let s = parse_scenario(std::path::Path::new("t.toml"), toml, "two").unwrap();
        GilModel::new(System::compile(&s, &s.runtime).unwrap(), Default::default())
    }

    /// The states reachable from the initial one, breadth first in action order and up to
    /// symmetry when the model reduces it, and whether two threads ever run Python at once.
    fn reachable(model: &GilModel) -> (usize, bool) {
        let start = model.initial();
        let mut seen = HashSet::from([model.representative(&start).into_owned()]);
        let mut queue = VecDeque::from([start]);
        let mut two_run = false;
        while let Some(s) = queue.pop_front() {
            let python = |t: usize| s.gil.holder == t as u8 && matches!(s.threads[t].phase, Phase::Cpu { .. });
            two_run |= python(0) && python(1);
            let mut enabled = Vec::new();
            model.enabled(&s, &mut enabled);
            for next in enabled.into_iter().map(|a| model.apply(&s, a)) {
                if seen.insert(model.representative(&next).into_owned()) {
                    queue.push_back(next);
                }
            }
        }
        (seen.len(), two_run)
    }

    #[test]
    fn two_threads_of_one_tick_have_68_states_and_35_up_to_symmetry() {
        let mut model = two_threads();
        // 69 when the last holder is kept (a claim reads the hand-offs): the ends differ by it.
        assert_eq!(reachable(&model), (68, false));
        model.symmetry = true;
        assert_eq!(reachable(&model), (35, false));
    }

    #[test]
    fn a_forced_holder_cannot_take_the_gil_back_before_the_other_thread() {
        let model = two_threads();
        let mut s = model.initial();
        for a in [Action::TakeGil(0), Action::Step(0, 1), Action::Timeout(1), Action::ForcedDrop(0)] {
            let mut enabled = Vec::new();
            model.enabled(&s, &mut enabled);
            assert!(enabled.contains(&a), "{a:?} not enabled in {}", model.describe_state(&s));
            s = model.apply(&s, a);
        }
        let mut enabled = Vec::new();
        model.enabled(&s, &mut enabled);
        assert_eq!(enabled, vec![Action::TakeGil(1)]);
    }
}
