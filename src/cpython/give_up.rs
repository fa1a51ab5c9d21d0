//! The `timeout=` of `threading`'s waits: `Lock.acquire(timeout=N)` (3.2+), `Event.wait(N)`,
//! `Semaphore.acquire(timeout=N)` (3.2+), `Queue.get/put(timeout=N)`.
//!
//! The wait blocks with the GIL released as without a timeout and gives up when N ticks
//! pass (untimed: at any moment while it waits). What giving up does follows the code:
//! - `Lock.acquire` returns False (`Modules/_threadmodule.c: acquire_timed`, the lock's timed
//!   wait ends without it, whether or not the lock was released meanwhile); the program
//!   skips the section up to the matching `unlock` (`if L.acquire(timeout=N): … L.release()`).
//! - `Semaphore.acquire`, `Queue.get/put` test their condition once more after
//!   `Condition.wait(remaining)` returns (`Lib/threading.py: Semaphore.acquire`,
//!   `Lib/queue.py: Queue.get`): a waiter whose condition holds goes on as if woken
//!   ([`crate::cpython::model::Action::Wake`]), so giving up is only a move while it does
//!   not; then `acquire` returns False and `get`/`put` raise `Empty`/`Full`, which the
//!   program catches.
//! - `Event.wait` returns False; the program goes on either way.
//!
//! `timeout 0` is a non-blocking try: it gives up at once, without releasing the GIL
//! (`acquire_timed` tries without blocking first; `Queue.get` raises `Empty` when its
//! remaining time is not positive).

use crate::cpython::gil;
use crate::cpython::model::GilModel;
use crate::cpython::program::{Limit, LockRef, Op};
use crate::cpython::state::{GilRel, Phase, State};
use crate::cpython::sync;
use crate::cpython::timeouts::section_end;

impl GilModel {
    /// Ticks mode: a wait with `timeout N` gives up N ticks from now.
    pub(crate) fn arm_deadline(&self, s: &mut State, t: usize, limit: Limit) {
        if let (Some(n), true) = (limit, self.sys.is_ticks()) {
            s.threads[t].deadline = n;
        }
    }

    /// Untimed: thread `t` waits with a timeout and may give up now.
    pub(crate) fn may_give_up(&self, s: &State, t: usize) -> bool {
        let th = &s.threads[t];
        if th.gil != GilRel::No || !matches!(th.phase, Phase::LockWait { .. } | Phase::SyncWait { .. }) {
            return false;
        }
        let (Some(op), _) = self.current_op(s, t) else { return false };
        if op.limit().is_none() {
            return false;
        }
        match th.phase {
            // Not a `Condition.wait` re-taking its lock: that op has no timeout.
            Phase::LockWait { .. } => true,
            Phase::SyncWait { woken, .. } => !sync::ready(&self.sys, s, op, woken),
            _ => false,
        }
    }

    /// Ticks mode: one tick of every timed wait; those whose time is up give up.
    pub(crate) fn tick_deadlines(&self, s: &mut State) {
        for t in 0..self.sys.threads.len() {
            let th = &mut s.threads[t];
            if th.deadline == 0 || !matches!(th.phase, Phase::LockWait { .. } | Phase::SyncWait { .. }) {
                continue;
            }
            th.deadline -= 1;
            if th.deadline == 0 {
                self.give_up(s, t, true);
            }
        }
    }

    /// Thread `t` gives up its wait (`waited`: it blocked, and takes the GIL back): past the
    /// section of a lock, else past the step.
    pub(crate) fn give_up(&self, s: &mut State, t: usize, waited: bool) {
        let (ops, pc, _) = self.program_at(s, t);
        let next = match ops.get(pc) {
            Some(&Op::Lock(l, _)) => section_end(ops, pc, LockRef::Threading(l)),
            _ => pc + 1,
        };
        self.jump(s, t, next);
        if waited {
            gil::want(&self.sys, s, t);
        }
    }
}
