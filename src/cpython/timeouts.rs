//! asyncio's timeouts: `asyncio.timeout` (3.11+, `Lib/asyncio/timeouts.py`) and
//! `asyncio.wait_for` (`Lib/asyncio/tasks.py: wait_for`), whose `TimeoutError` the programs
//! catch (the task goes on with its next step).
//!
//! ```text
//! async with timeout(N):   __aenter__: call_at(now + N, _on_timeout)
//!     await STEP           _on_timeout: task.cancel(); state = EXPIRING
//!                          __aexit__: handle.cancel(); if EXPIRING and uncancel() leaves no
//!                                     other request and the error is CancelledError:
//!                                     raise TimeoutError
//! wait_for(T, N), 3.12+:   async with timeout(N): return await T
//! wait_for(T, N), < 3.12:  waiter = future; call_later(N, _release_waiter, waiter)
//!                          T.add_done_callback(_release_waiter(waiter)); await waiter
//!                          T done -> its result; else (timed out) T.cancel(), 3.7+ waits
//!                          for T to finish (_cancel_and_wait), raise TimeoutError
//! ```
//!
//! A task's timeout is one timer handle ([`Deadline`]) beside whatever the task awaits, and
//! where it stands in the timeout ([`Scope`]).

use crate::cpython::cancel::{self, Request};
use crate::cpython::program::LockRef;
use crate::cpython::program::{Op, System};
use crate::cpython::state::{Callback, Deadline, Scope, State, Wait, TIMEOUT_TIMER};
use crate::input::scenario::python_version;

/// How `asyncio.wait_for(T, N)` works, by version (`Lib/asyncio/tasks.py: wait_for`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitForRule {
    /// Up to 3.6: timed out, `fut.cancel()` and `TimeoutError` at once; cancelled itself,
    /// `fut.cancel()` and the error goes on at once.
    CancelNoWait,
    /// 3.7: timed out, `await _cancel_and_wait(fut)` before `TimeoutError`; cancelled, as 3.6.
    WaitOnTimeout,
    /// 3.8–3.11: cancelled itself, returns T's result if T is done (the cancel is lost),
    /// else cancels T and waits for it before the error goes on.
    WaitAlways,
    /// 3.12+: `async with timeouts.timeout(timeout): return await fut`.
    Timeout,
}

impl WaitForRule {
    pub fn of(python: &str) -> WaitForRule {
        match python_version(python) {
            v if v >= (3, 12) => WaitForRule::Timeout,
            v if v >= (3, 8) => WaitForRule::WaitAlways,
            (3, 7) => WaitForRule::WaitOnTimeout,
            _ => WaitForRule::CancelNoWait,
        }
    }
}

/// What a task does once the op of its timeout has ended, normally or by `CancelledError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// Goes on at this step (past the op; past the section of a lock it gave up on).
    Continue(u8),
    /// Waits again (`wait_for` waiting for its cancelled task).
    Waits,
    /// Ends cancelled: the `CancelledError` goes on.
    Ends,
}

/// The timer entry of task `k`'s timeout in a loop's timers and due lists.
pub fn entry(k: usize) -> u8 {
    k as u8 | TIMEOUT_TIMER
}

/// Whether `wait_for` runs the pre-3.12 way on this system.
fn old_wait_for(sys: &System) -> bool {
    WaitForRule::of(&sys.runtime.python) != WaitForRule::Timeout
}

/// Enters a timeout of `ticks` for task `k` on loop `l`: the handle is armed (`call_at`)
/// after the timers armed before it.
pub fn enter(s: &mut State, l: usize, k: usize, ticks: u8) {
    let task = &mut s.tasks[k];
    task.timer = Deadline::Armed { left: ticks, delay: ticks };
    task.scope = Scope::Entered;
    task.extra_cancel = false;
    s.loops[l].timers.push(entry(k));
}

/// Leaves the timeout: the handle is cancelled wherever it is (`timeout_handle.cancel()`,
/// `__aexit__`), and a `_release_waiter` of `wait_for` still queued would find its waiter done.
pub fn leave(s: &mut State, l: usize, k: usize) {
    match s.tasks[k].timer {
        Deadline::Armed { .. } => s.loops[l].timers.remove(entry(k)),
        Deadline::Due => s.loops[l].due.remove(entry(k)),
        Deadline::Queued => s.loops[l].drop_callback(Callback::Timeout(k as u8)),
        Deadline::None => {}
    }
    s.loops[l].drop_callback(Callback::ReleaseWaiter(k as u8));
    let task = &mut s.tasks[k];
    task.timer = Deadline::None;
    task.scope = Scope::None;
    task.extra_cancel = false;
}

/// `await wait_for T N` before 3.12: the task waits on `waiter`; T's done-callback is added,
/// and on a T already done it is scheduled at once (`Future.add_done_callback`).
pub fn start_wait_for(s: &mut State, l: usize, k: usize, j: usize, ticks: u8) {
    enter(s, l, k, ticks);
    if s.tasks[j].done {
        s.tasks[k].wait = Wait::WaitFor { task: j as u8 };
        s.loops[l].ready.push(Callback::ReleaseWaiter(k as u8));
    } else {
        s.await_task(k, j, Wait::WaitFor { task: j as u8 });
    }
}

/// The handle of task `k`'s timeout runs: `wait_for` before 3.12 sets its waiter unless it
/// is done (`_release_waiter`); `asyncio.timeout` cancels the task (`_on_timeout`).
pub fn fire(sys: &System, s: &mut State, l: usize, k: usize) {
    s.tasks[k].timer = Deadline::None;
    let old = matches!(sys.scope_op(s, k), Some(Op::AwaitWaitFor { .. })) && old_wait_for(sys);
    if old {
        release_waiter(s, l, k);
    } else if s.tasks[k].scope == Scope::Entered {
        cancel::cancel_by(s, l, k, Request::OwnTimeout);
        s.tasks[k].scope = Scope::Expiring;
    }
}

/// `_release_waiter(waiter)`: `if not waiter.done(): waiter.set_result(None)`, which
/// schedules the waiting task's wake-up.
pub fn release_waiter(s: &mut State, l: usize, k: usize) {
    if matches!(s.tasks[k].wait, Wait::WaitFor { .. }) {
        s.schedule(l, k);
    }
}

/// Task `k` resumed past the op of its timeout without an error: `__aexit__` leaves the
/// timeout; `wait_for` before 3.12 finds T done (its result) or not (it timed out: T is
/// cancelled, and from 3.7 the task waits for T before `TimeoutError`).
pub fn through(sys: &System, s: &mut State, l: usize, k: usize) -> After {
    let pc = s.tasks[k].pc;
    if s.tasks[k].scope == Scope::None {
        return After::Continue(pc);
    }
    let rule = WaitForRule::of(&sys.runtime.python);
    match (sys.scope_op(s, k), s.tasks[k].scope) {
        (Some(&Op::AwaitWaitFor { task: j, .. }), Scope::Entered) if rule != WaitForRule::Timeout => {
            let j = j as usize;
            if !s.tasks[j].done {
                cancel::cancel(s, l, j);
                if rule != WaitForRule::CancelNoWait {
                    s.tasks[k].scope = Scope::Cancelling { timed_out: true };
                    s.await_task(k, j, Wait::WaitFor { task: j as u8 });
                    return After::Waits;
                }
            }
            leave(s, l, k);
            After::Continue(pc)
        }
        // T ended without the error: 3.7–3.8 raise `TimeoutError` anyway, 3.9+ return its
        // result; after a cancel of the task itself, `raise`.
        (_, Scope::Cancelling { timed_out }) => {
            leave(s, l, k);
            if timed_out {
                After::Continue(pc)
            } else {
                After::Ends
            }
        }
        _ => {
            leave(s, l, k);
            After::Continue(pc)
        }
    }
}

/// `CancelledError` reached task `k` in the op of its timeout, after the op's own clean-up
/// (`own`: the task was cancelled, rather than the task it awaited). `asyncio.timeout` turns
/// it into `TimeoutError` when the timeout expired and no other cancel is pending; `wait_for`
/// before 3.12 follows [`WaitForRule`].
pub fn caught(sys: &System, s: &mut State, l: usize, k: usize, own: bool) -> After {
    let pc = s.tasks[k].pc;
    let scope = s.tasks[k].scope;
    let op = sys.scope_op(s, k);
    if scope == Scope::None {
        return After::Ends;
    }
    let rule = WaitForRule::of(&sys.runtime.python);
    if let (Some(&Op::AwaitWaitFor { task: j, .. }), true) = (op, rule != WaitForRule::Timeout) {
        let j = j as usize;
        return match scope {
            // The task awaited T in `_cancel_and_wait`: T ended cancelled, `TimeoutError`.
            Scope::Cancelling { timed_out: true } if !own => {
                leave(s, l, k);
                After::Continue(pc)
            }
            // Its waiter was cancelled: T is cancelled too, and 3.8+ waits for T, or
            // returns T's result when T is done already.
            Scope::Entered if own && rule == WaitForRule::WaitAlways => {
                if !s.tasks[j].done {
                    cancel::cancel(s, l, j);
                    s.tasks[k].scope = Scope::Cancelling { timed_out: false };
                    s.await_task(k, j, Wait::WaitFor { task: j as u8 });
                    return After::Waits;
                }
                leave(s, l, k);
                if s.tasks[j].cancelled {
                    After::Ends
                } else {
                    After::Continue(pc)
                }
            }
            Scope::Entered if own => {
                cancel::cancel(s, l, j);
                leave(s, l, k);
                After::Ends
            }
            _ => {
                leave(s, l, k);
                After::Ends
            }
        };
    }
    let timed_out = scope == Scope::Expiring && !s.tasks[k].extra_cancel;
    leave(s, l, k);
    if !timed_out {
        return After::Ends;
    }
    // A lock it gave up waiting for: the program skips the section the lock guards.
    match op.map(Op::leaf) {
        Some(&Op::AwaitLock(a)) => {
            let ops = &sys.tasks[k].program.ops;
            After::Continue(section_end(ops, pc as usize - 1, LockRef::Asyncio(a)) as u8)
        }
        _ => After::Continue(pc),
    }
}

/// Where a program goes when it gives up taking `lock` at step `at`: past the `unlock` /
/// `release` that ends the section (the parser has checked that it is well nested), or to
/// the end of the program.
pub fn section_end(ops: &[Op], at: usize, lock: LockRef) -> usize {
    (at + 1..ops.len()).find(|&j| lock.count(&ops[j]) < 0).map_or(ops.len(), |j| j + 1)
}
