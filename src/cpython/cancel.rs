//! `Task.cancel()` and the `CancelledError` it delivers (`Lib/asyncio/tasks.py: Task.cancel`,
//! `Task.__step`; the C `_asyncio.Task` does the same).
//!
//! ```text
//! cancel():  done -> nothing
//!            awaiting a pending future -> fut.cancel(): its done-callbacks, Task.__wakeup
//!                                         among them, are scheduled with call_soon
//!            awaiting a task T         -> T.cancel() (the awaiting task gets T's CancelledError)
//!            otherwise                 -> _must_cancel = True
//! __step:    _must_cancel, or the awaited future cancelled -> coro.throw(CancelledError)
//! ```
//!
//! The scenario's programs catch nothing, so the error ends the task `cancelled` after the
//! method it was suspended in has cleaned up (`Lock.acquire`, `Queue.get`, …:
//! [`crate::cpython::aio_sync::cancelled`]). A task that cancels itself gets the error at its
//! next suspension: `__step` cancels the future it yields at once.

use crate::cpython::aio_sync;
use crate::cpython::program::{Op, System};
use crate::cpython::state::{Callback, Cancel, State, Wait, MAX_TASKS};

/// `task.cancel()` on task `j` of loop `l`.
pub fn cancel(s: &mut State, l: usize, j: usize) {
    cancel_at_depth(s, l, j, 0);
}

fn cancel_at_depth(s: &mut State, l: usize, j: usize, depth: usize) {
    let task = s.tasks[j];
    if task.done {
        return;
    }
    match task.wait {
        // No pending future to cancel: `self._must_cancel = True`. A task already woken by a
        // cancelled future keeps that (its future stays cancelled).
        Wait::Nothing | Wait::Scheduled => {
            if task.cancel == Cancel::None {
                s.tasks[j].cancel = Cancel::MustCancel;
            }
        }
        // `self._fut_waiter` is task `i`: `i.cancel()`. A cycle of tasks awaiting each other
        // would recurse without end in CPython; the model stops after every task once.
        Wait::Task { task: i } if depth < MAX_TASKS => cancel_at_depth(s, l, i as usize, depth + 1),
        Wait::Task { .. } => s.tasks[j].cancel = Cancel::MustCancel,
        // The callback that would set the future's result still runs, and finds the future
        // done (`_set_result_unless_cancelled`, `_call_set_state` test it): it does nothing,
        // so the model drops it from this round's count.
        Wait::Wakeup => {
            let ready = &mut s.loops[l].ready;
            if let Some(i) = ready.as_slice().iter().position(|&c| c == Callback::SetResult(j as u8)) {
                ready.remove_at(i);
                if i < s.loops[l].todo as usize {
                    s.loops[l].todo -= 1;
                }
            }
            cancel_future(s, l, j);
        }
        // `asyncio.sleep`'s `finally: h.cancel()` removes the timer handle.
        Wait::Timer { .. } => {
            s.loops[l].timers.remove(j as u8);
            cancel_future(s, l, j);
        }
        Wait::Due { .. } => {
            s.loops[l].due.remove(j as u8);
            cancel_future(s, l, j);
        }
        // The executor future's first done-callback is `_call_check_cancel`, which cancels
        // the job if no worker has taken it yet; a running job runs to its end.
        Wait::Job => {
            s.loops[l].ready.push(Callback::CancelJob(j as u8));
            cancel_future(s, l, j);
        }
        // The waiting method removes its future from the waiters when the task resumes
        // (`finally: self._waiters.remove(fut)`).
        Wait::Io { .. } | Wait::AsyncLock { .. } | Wait::AsyncSync { .. } => cancel_future(s, l, j),
    }
}

/// `fut.cancel()` on the future task `j` awaits: `Task.__wakeup` is scheduled at once.
fn cancel_future(s: &mut State, l: usize, j: usize) {
    s.tasks[j].cancel = Cancel::FutureCancelled;
    s.schedule(l, j);
}

/// `Task.__step` right after the coroutine suspended task `k` on a future: with
/// `_must_cancel` set, the future is cancelled at once (`if self._must_cancel: if
/// self._fut_waiter.cancel(): self._must_cancel = False`). A bare `yield` (`sleep(0)`) keeps
/// the flag for the next step.
pub fn after_suspend(s: &mut State, l: usize, k: usize) {
    if s.tasks[k].cancel != Cancel::MustCancel || matches!(s.tasks[k].wait, Wait::Scheduled | Wait::Nothing) {
        return;
    }
    s.tasks[k].cancel = Cancel::None;
    cancel(s, l, k);
}

/// Whether task `k`, resuming, gets `CancelledError`: it was cancelled, or the task it
/// awaited ended cancelled (`await task` re-raises its `CancelledError`).
pub fn throws(sys: &System, s: &State, k: usize) -> bool {
    s.tasks[k].cancel != Cancel::None
        || matches!(sys.waiting_op(s, k), Some(Op::AwaitTask(i)) if s.tasks[*i as usize].cancelled)
}

/// `CancelledError` is thrown into task `k` on loop thread `t`: the method it waits in
/// cleans up, and the task ends cancelled (`super().cancel()` in `__step`).
pub fn throw(sys: &System, s: &mut State, t: usize, l: usize, k: usize) {
    let fut_cancelled = s.tasks[k].cancel == Cancel::FutureCancelled;
    s.tasks[k].cancel = Cancel::None;
    if s.tasks[k].pc > 0 {
        match sys.waiting_op(s, k) {
            Some(Op::AwaitLock(a)) => lock_cancelled(s, l, k, *a as usize),
            Some(op) if aio_sync::can_wait(op) => aio_sync::cancelled(sys, s, l, k, op, fut_cancelled),
            _ => {}
        }
    }
    // The tasks awaiting it get its error when they resume ([`throws`]).
    s.end_task(l, k, true);
    s.back_to_loop(t);
}

/// `Lock.acquire` on `CancelledError` (the same on 3.6–3.13): `finally:
/// self._waiters.remove(fut)`, then `if not self._locked: self._wake_up_first()`.
fn lock_cancelled(s: &mut State, l: usize, k: usize, a: usize) {
    let lock = &mut s.async_locks[a];
    if lock.waiters.front() == Some(k as u8) {
        lock.woken = false;
    }
    lock.waiters.remove(k as u8);
    if !lock.locked {
        wake_up_first(s, l, a);
    }
}

/// `Lock._wake_up_first`: the first waiter's future is set unless it is done already (woken,
/// or cancelled: that waiter wakes up later and hands the turn on itself).
pub fn wake_up_first(s: &mut State, l: usize, a: usize) {
    let lock = &s.async_locks[a];
    if let (Some(first), false) = (lock.waiters.front(), lock.woken) {
        if !s.future_cancelled(first) {
            s.async_locks[a].woken = true;
            s.schedule(l, first as usize);
        }
    }
}
