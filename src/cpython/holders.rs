//! Who holds a lock. Neither a `threading.Lock` nor the model records an owner (a
//! `threading.Lock` has none: any thread may release it), so the holder is read from the
//! programs: whoever has acquired the lock more often than released it in the steps before
//! its current one (the program order of one iteration). An executor worker holds what its
//! job's steps took; a loop thread holds what its tasks took with blocking `lock` steps.

use crate::cpython::asyncio;
use crate::cpython::model::GilModel;
pub use crate::cpython::program::LockRef;
use crate::cpython::program::{Op, ThreadKind};
use crate::cpython::state::{Phase, State};

/// A thread or a task, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Thread(u8),
    Task(u8),
}

impl GilModel {
    /// Whether the steps before `pc` hold `lock`.
    fn held_before(ops: &[Op], pc: u8, lock: LockRef) -> bool {
        ops.iter().take(pc as usize).map(|op| lock.count(op)).sum::<i32>() > 0
    }

    /// Whether `who` holds `lock` now: a thread by its own steps or its job's, a loop thread
    /// by its tasks' blocking `lock` steps, a task by its steps unless it still waits in the
    /// lock's queue (its counter is already past the `await lock` it is suspended in).
    /// A thread inside `Condition.wait` has given the condition's lock back, until it has
    /// re-taken it.
    pub fn holds_lock(&self, s: &State, lock: LockRef, who: Who) -> bool {
        let sys = &self.sys;
        match who {
            Who::Thread(t) => {
                let t = t as usize;
                if self.in_condition_wait(s, t, lock) {
                    return false;
                }
                match &sys.threads[t].kind {
                    ThreadKind::Plain(p) => Self::held_before(&p.ops, s.threads[t].pc, lock),
                    ThreadKind::Worker(_) => Self::held_before(asyncio::job_ops(sys, s, t), s.threads[t].pc, lock),
                    ThreadKind::Loop(l) => {
                        matches!(lock, LockRef::Threading(_))
                            && sys.loops[*l as usize].tasks.iter().any(|&k| self.holds_lock(s, lock, Who::Task(k)))
                    }
                }
            }
            Who::Task(k) => {
                let t = sys.loops[sys.tasks[k as usize].loop_id as usize].thread as usize;
                if s.threads[t].task == k && self.in_condition_wait(s, t, lock) {
                    return false;
                }
                let waiting = match lock {
                    LockRef::Asyncio(a) => s.async_locks[a as usize].waiters.contains(k),
                    LockRef::Threading(_) => false,
                };
                !waiting && Self::held_before(&sys.tasks[k as usize].program.ops, s.tasks[k as usize].pc, lock)
            }
        }
    }

    /// Whether thread `t` is inside `Condition.wait` on a condition of `lock`: waiting for a
    /// notify, or notified and waiting to re-take the lock.
    fn in_condition_wait(&self, s: &State, t: usize, lock: LockRef) -> bool {
        match (lock, s.threads[t].phase) {
            (LockRef::Threading(l), Phase::CondWait { cond }) => self.sys.conds[cond as usize].lock == l,
            (LockRef::Threading(l), Phase::LockWait { lock }) => {
                lock == l && self.current_op(s, t).0.is_some_and(Op::is_cond)
            }
            _ => false,
        }
    }

    /// The names of the threads (loop threads aside) and tasks that hold `lock`, a finished
    /// one marked so.
    pub fn lock_holders(&self, s: &State, lock: LockRef) -> Vec<String> {
        let sys = &self.sys;
        let mut out = Vec::new();
        for (t, info) in sys.threads.iter().enumerate() {
            if !matches!(info.kind, ThreadKind::Loop(_)) && self.holds_lock(s, lock, Who::Thread(t as u8)) {
                let finished = if s.threads[t].phase == Phase::Done { " (finished)" } else { "" };
                out.push(format!("{}{finished}", info.name));
            }
        }
        for (k, info) in sys.tasks.iter().enumerate() {
            if self.holds_lock(s, lock, Who::Task(k as u8)) {
                let finished = if s.tasks[k].done { " (finished)" } else { "" };
                out.push(format!("task {}{finished}", info.name));
            }
        }
        out
    }
}
