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
//! The scenario's programs catch only the `TimeoutError` of their timeouts
//! ([`crate::cpython::timeouts`]), so otherwise the error ends the task `cancelled` after the
//! method it was suspended in has cleaned up (`Lock.acquire`, `Queue.get`, …:
//! [`crate::cpython::aio_sync::cancelled`]). A task that cancels itself gets the error at its
//! next suspension: `__step` cancels the future it yields at once.

use crate::cpython::aio_sync;
use crate::cpython::program::{Op, System};
use crate::cpython::state::{Callback, Cancel, Scope, State, Wait, MAX_TASKS};

/// Who asks for a cancel: 3.11+ counts the requests (`Task._num_cancels_requested`), and a
/// timeout turns the `CancelledError` into `TimeoutError` only when its own is the last one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// A new request: `T.cancel()` in a program, `wait_for` cancelling its task.
    New,
    /// `__step` passing on a `_must_cancel` already counted.
    Pending,
    /// The task's own timeout (`Timeout._on_timeout`), which its `__aexit__` takes back.
    OwnTimeout,
}

/// `task.cancel()` on task `j` of loop `l`.
pub fn cancel(s: &mut State, l: usize, j: usize) {
    cancel_at_depth(s, l, j, Request::New, 0);
}

/// A cancel asked by `request` ([`Request`]).
pub fn cancel_by(s: &mut State, l: usize, j: usize, request: Request) {
    cancel_at_depth(s, l, j, request, 0);
}

fn cancel_at_depth(s: &mut State, l: usize, j: usize, request: Request, depth: usize) {
    let task = s.tasks[j];
    if task.done {
        return;
    }
    // `_fut_waiter.cancel()` on an awaited task is a new request on that task.
    if (request == Request::New || depth > 0) && task.scope != Scope::None {
        s.tasks[j].extra_cancel = true;
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
        Wait::Task { task: i } if depth < MAX_TASKS => cancel_at_depth(s, l, i as usize, request, depth + 1),
        Wait::Task { .. } => s.tasks[j].cancel = Cancel::MustCancel,
        // The callback that would set the future's result still runs, and finds the future
        // done (`_set_result_unless_cancelled`, `_call_set_state` test it): it does nothing,
        // so the model drops it from this round's count.
        Wait::Wakeup => {
            s.loops[l].drop_callback(Callback::SetResult(j as u8));
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
        // `wait_for`'s waiter: `_release_waiter` finds it done later and does nothing.
        Wait::Io { .. } | Wait::AsyncLock { .. } | Wait::AsyncSync { .. } | Wait::WaitFor { .. } => {
            cancel_future(s, l, j)
        }
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
    cancel_by(s, l, k, Request::Pending);
}

/// Whether task `k`, resuming, gets `CancelledError`: it was cancelled, or the task it
/// awaited ended cancelled (`await task` re-raises its `CancelledError`).
pub fn throws(sys: &System, s: &State, k: usize) -> bool {
    s.tasks[k].cancel != Cancel::None
        || matches!(sys.waiting_op(s, k), Some(Op::AwaitTask(i) | Op::AwaitWaitFor { task: i, .. }) if s.tasks[*i as usize].cancelled)
}

/// `CancelledError` is thrown into task `k`: the method it waits in cleans up. Whether the
/// task ends cancelled (`super().cancel()` in `__step`) is for the timeout around it, if any,
/// to say ([`crate::cpython::timeouts::caught`]). Returns whether the task itself was
/// cancelled (rather than the task it awaited).
pub fn clean_up(sys: &System, s: &mut State, l: usize, k: usize) -> bool {
    let own = s.tasks[k].cancel != Cancel::None;
    let fut_cancelled = s.tasks[k].cancel == Cancel::FutureCancelled;
    s.tasks[k].cancel = Cancel::None;
    if s.tasks[k].pc > 0 {
        match sys.waiting_op(s, k) {
            Some(Op::AwaitLock(a)) => lock_cancelled(s, l, k, *a as usize),
            Some(op) if aio_sync::can_wait(op) => aio_sync::cancelled(sys, s, l, k, op, fut_cancelled),
            _ => {}
        }
    }
    own
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
