//! asyncio's waiting primitives besides `Lock`: `Event`, `Semaphore` and `Queue`
//! (`Lib/asyncio/locks.py`, `Lib/asyncio/queues.py`).
//!
//! Each is plain Python on the loop's thread: a method that cannot go on appends a fresh
//! future to the object's waiters and awaits it; the method that makes progress possible
//! sets a waiter's future (`fut.set_result`), whose done-callback schedules the waiter's
//! `Task.__wakeup` with `call_soon`, so the waiter resumes one round later, as a woken
//! `asyncio.Lock` waiter does. What happens then differs by class and by version:
//!
//! - `Event.wait` returns `True` on resuming, even if `clear` came in between; `set` wakes
//!   every waiter whose future is not done yet, in the order they began to wait.
//! - `Queue.get` / `put` loop `while self.empty()` / `while self.full()`: `_wakeup_next` pops
//!   the first waiter of the other side, and a task that gets there first takes the item or
//!   the slot (barging); the woken waiter then waits again at the back. The same on 3.6–3.13.
//! - `Semaphore` changed twice, see [`SemaphoreRule`].
//!
//! Only the loop's own thread touches these objects (they are not thread-safe), so each
//! operation is atomic: the model runs it as one action, and the re-check a woken waiter makes
//! runs with its resumption.

use crate::cpython::program::{Op, System};
use crate::cpython::state::{State, Wait};
use crate::cpython::sync;

/// How an `asyncio.Semaphore` hands out permits, by version (the last patch release of each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemaphoreRule {
    /// 3.6–3.8: `acquire` loops `while self._value <= 0` around `await fut`; `release`
    /// increments and pops the first waiter; a task that acquires before the woken waiter
    /// resumes takes the permit, and the waiter waits again at the back.
    Barging,
    /// 3.9 (bpo-45997): `_wake_up_next` sets `_wakeup_scheduled`, and newcomers wait while it
    /// is set; the woken waiter clears it when it resumes and then tests `_value` again.
    WakeupFlag,
    /// 3.10.13+ and 3.11 (gh-90155): `release` hands the permit to the first waiter whose
    /// future is not done (`_value -= 1` on its behalf), waiters stay in `_waiters` until they
    /// resume, and `acquire` takes a permit at once only when no waiter is left
    /// (`locked()`); a resumed waiter wakes one more if permits are left.
    HandOver,
    /// 3.12+: as [`SemaphoreRule::HandOver`], but a resumed waiter wakes waiters while
    /// permits are left (`finally: while self._value > 0: … _wake_up_next()`).
    HandOverAll,
}

impl SemaphoreRule {
    /// The rule of a scenario's `python`; versions without asyncio (2.7, 3.2–3.5 are modelled
    /// with a 3.x loop) take the oldest.
    pub fn of(python: &str) -> SemaphoreRule {
        match python {
            "3.9" => SemaphoreRule::WakeupFlag,
            "3.10" | "3.11" => SemaphoreRule::HandOver,
            "3.12" | "3.13" | "3.14" | "3.13t" | "3.14t" => SemaphoreRule::HandOverAll,
            _ => SemaphoreRule::Barging,
        }
    }
}

/// Runs op `op` of task `k` on loop `l`; true when the task suspends (its wait is set).
pub fn exec(sys: &System, s: &mut State, l: usize, k: usize, op: &Op) -> bool {
    let o = op.async_sync_object().expect("an asyncio sync op") as usize;
    match op {
        // `Event.wait`: `if self._value: return True`, else wait for `set`.
        Op::AwaitEventWait(_) => {
            if s.syncs[o] == 1 {
                return false;
            }
            wait(s, o, k);
            true
        }
        // `Event.set`: `if not self._value: self._value = True` and every waiter's future
        // that is not done is set.
        Op::AsyncEventSet(_) => {
            if s.syncs[o] == 0 {
                s.syncs[o] = 1;
                let waiters = s.async_waiters[o].fifo;
                for &j in waiters.as_slice() {
                    if waits_on(s, j, o) {
                        s.schedule(l, j as usize);
                    }
                }
            }
            false
        }
        Op::AsyncEventClear(_) => {
            s.syncs[o] = 0;
            false
        }
        Op::AwaitAcquire(_) => {
            let free = match SemaphoreRule::of(&sys.runtime.python) {
                SemaphoreRule::Barging => s.syncs[o] > 0,
                SemaphoreRule::WakeupFlag => s.syncs[o] > 0 && !s.async_waiters[o].wakeup_scheduled,
                // `not self.locked()`: `_value > 0` and no waiter whose future is not cancelled.
                SemaphoreRule::HandOver | SemaphoreRule::HandOverAll => {
                    let fifo = s.async_waiters[o].fifo;
                    s.syncs[o] > 0 && fifo.as_slice().iter().all(|&j| s.future_cancelled(j))
                }
            };
            if free {
                s.syncs[o] -= 1;
                return false;
            }
            wait(s, o, k);
            true
        }
        // `Semaphore.release`: `self._value += 1; self._wake_up_next()`.
        Op::AsyncSemRelease(_) => {
            sync::bump(s, o, 1);
            wake_semaphore_waiter(sys, s, l, o);
            false
        }
        Op::AwaitGet(_) => {
            if s.syncs[o] == 0 {
                wait(s, o, k);
                return true;
            }
            take_item(sys, s, l, o);
            false
        }
        Op::AwaitPut(_) => {
            if full(sys, s, o) {
                wait(s, o, k);
                return true;
            }
            put_item(sys, s, l, o);
            false
        }
        _ => unreachable!("not an asyncio sync op: {op:?}"),
    }
}

/// Task `k` resumes after `await`ing its future in `op`: it finishes the op (true), or finds
/// that another task got there first and waits again (false).
pub fn resume(sys: &System, s: &mut State, l: usize, k: usize, op: &Op) -> bool {
    let o = op.async_sync_object().expect("an asyncio sync op") as usize;
    match op {
        // `finally: self._waiters.remove(fut)`; `return True`.
        Op::AwaitEventWait(_) => {
            s.async_waiters[o].fifo.remove(k as u8);
            true
        }
        Op::AwaitAcquire(_) => match SemaphoreRule::of(&sys.runtime.python) {
            SemaphoreRule::Barging => retry_acquire(s, o, k),
            // `self._wakeup_scheduled = False`, then the `while` tests `_value` again.
            SemaphoreRule::WakeupFlag => {
                s.async_waiters[o].wakeup_scheduled = false;
                retry_acquire(s, o, k)
            }
            // The permit was taken on its behalf; it leaves `_waiters` and passes on permits
            // that are left.
            rule @ (SemaphoreRule::HandOver | SemaphoreRule::HandOverAll) => {
                s.async_waiters[o].fifo.remove(k as u8);
                while s.syncs[o] > 0 && wake_semaphore_waiter(sys, s, l, o) {
                    if rule == SemaphoreRule::HandOver {
                        break;
                    }
                }
                true
            }
        },
        Op::AwaitGet(_) => {
            if s.syncs[o] == 0 {
                wait(s, o, k);
                return false;
            }
            take_item(sys, s, l, o);
            true
        }
        Op::AwaitPut(_) => {
            if full(sys, s, o) {
                wait(s, o, k);
                return false;
            }
            put_item(sys, s, l, o);
            true
        }
        _ => unreachable!("no task waits in {op:?}"),
    }
}

/// `while self._value <= 0: … await fut` then `self._value -= 1` (the loop of 3.6–3.9).
fn retry_acquire(s: &mut State, o: usize, k: usize) -> bool {
    if s.syncs[o] == 0 {
        wait(s, o, k);
        return false;
    }
    s.syncs[o] -= 1;
    true
}

/// The task appends its future to the waiters and suspends on it.
fn wait(s: &mut State, o: usize, k: usize) {
    s.async_waiters[o].fifo.push(k as u8);
    s.tasks[k].wait = Wait::AsyncSync { obj: o as u8 };
}

/// Whether task `j` still waits on object `o` (its future is not done: neither set nor
/// cancelled).
fn waits_on(s: &State, j: u8, o: usize) -> bool {
    s.tasks[j as usize].wait == (Wait::AsyncSync { obj: o as u8 })
}

/// `Semaphore._wake_up_next`: whether it woke a waiter.
fn wake_semaphore_waiter(sys: &System, s: &mut State, l: usize, o: usize) -> bool {
    match SemaphoreRule::of(&sys.runtime.python) {
        // `popleft()` waiters until one whose future is not done, and set it.
        rule @ (SemaphoreRule::Barging | SemaphoreRule::WakeupFlag) => {
            while let Some(j) = s.async_waiters[o].fifo.pop_front() {
                if waits_on(s, j, o) {
                    s.async_waiters[o].wakeup_scheduled = rule == SemaphoreRule::WakeupFlag;
                    s.schedule(l, j as usize);
                    return true;
                }
            }
            false
        }
        // The first waiter whose future is not done gets the permit (`_value -= 1`).
        SemaphoreRule::HandOver | SemaphoreRule::HandOverAll => {
            let fifo = s.async_waiters[o].fifo;
            let Some(&j) = fifo.as_slice().iter().find(|&&j| waits_on(s, j, o)) else { return false };
            s.syncs[o] -= 1;
            s.schedule(l, j as usize);
            true
        }
    }
}

/// `Queue.get_nowait`: takes an item and wakes the first putter (`_wakeup_next(self._putters)`).
fn take_item(sys: &System, s: &mut State, l: usize, o: usize) {
    s.syncs[o] -= 1;
    wake_queue_waiter(sys, s, l, o, |op| matches!(op, Op::AwaitPut(_)));
}

/// `Queue.put_nowait`: adds an item and wakes the first getter.
fn put_item(sys: &System, s: &mut State, l: usize, o: usize) {
    sync::bump(s, o, 1);
    wake_queue_waiter(sys, s, l, o, |op| matches!(op, Op::AwaitGet(_)));
}

/// `Queue._wakeup_next(waiters)`: pops the first waiter of that side and sets its future.
fn wake_queue_waiter(sys: &System, s: &mut State, l: usize, o: usize, side: fn(&Op) -> bool) {
    let fifo = s.async_waiters[o].fifo;
    let first =
        fifo.as_slice().iter().position(|&j| waits_on(s, j, o) && sys.waiting_op(s, j as usize).is_some_and(side));
    if let Some(i) = first {
        let j = fifo.as_slice()[i];
        s.async_waiters[o].fifo.remove_at(i);
        s.schedule(l, j as usize);
    }
}

/// `Queue.full()`: `maxsize > 0 and qsize() >= maxsize`.
fn full(sys: &System, s: &State, o: usize) -> bool {
    let maxsize = sys.syncs[o].kind.maxsize().unwrap_or(0);
    maxsize > 0 && s.syncs[o] >= maxsize
}

/// `CancelledError` reaches task `k` suspended in `op` (`fut_cancelled`: its future was
/// cancelled, rather than set before the error came): the method's clean-up.
pub fn cancelled(sys: &System, s: &mut State, l: usize, k: usize, op: &Op, fut_cancelled: bool) {
    let o = op.async_sync_object().expect("an asyncio sync op") as usize;
    s.async_waiters[o].fifo.remove(k as u8);
    match op {
        // `Event.wait`: `finally: self._waiters.remove(fut)`.
        Op::AwaitEventWait(_) => {}
        // `Queue.get` / `put`: `if not self.empty() and not getter.cancelled():
        // self._wakeup_next(self._getters)` (`full()` and `_putters` for `put`): a woken
        // waiter that cannot take its turn passes it on.
        Op::AwaitGet(_) if s.syncs[o] > 0 && !fut_cancelled => {
            wake_queue_waiter(sys, s, l, o, |op| matches!(op, Op::AwaitGet(_)))
        }
        Op::AwaitPut(_) if !full(sys, s, o) && !fut_cancelled => {
            wake_queue_waiter(sys, s, l, o, |op| matches!(op, Op::AwaitPut(_)))
        }
        Op::AwaitGet(_) | Op::AwaitPut(_) => {}
        Op::AwaitAcquire(_) => match SemaphoreRule::of(&sys.runtime.python) {
            // `if self._value > 0 and not fut.cancelled(): self._wake_up_next()`.
            SemaphoreRule::Barging => {
                if s.syncs[o] > 0 && !fut_cancelled {
                    wake_semaphore_waiter(sys, s, l, o);
                }
            }
            // `except CancelledError: self._wake_up_next()`; `_wakeup_scheduled` stays as it is.
            SemaphoreRule::WakeupFlag => {
                wake_semaphore_waiter(sys, s, l, o);
            }
            // `if not fut.cancelled(): self._value += 1; self._wake_up_next()`: the permit
            // handed to it goes to the next waiter.
            SemaphoreRule::HandOver => {
                if !fut_cancelled {
                    sync::bump(s, o, 1);
                    wake_semaphore_waiter(sys, s, l, o);
                }
            }
            // `if fut.done() and not fut.cancelled(): self._value += 1`, then `finally: while
            // self._value > 0: if not self._wake_up_next(): break`.
            SemaphoreRule::HandOverAll => {
                if !fut_cancelled {
                    sync::bump(s, o, 1);
                }
                while s.syncs[o] > 0 && wake_semaphore_waiter(sys, s, l, o) {}
            }
        },
        _ => unreachable!("no task waits in {op:?}"),
    }
}

/// The ops a task can wait in.
pub fn can_wait(op: &Op) -> bool {
    matches!(op, Op::AwaitEventWait(_) | Op::AwaitAcquire(_) | Op::AwaitGet(_) | Op::AwaitPut(_))
}
