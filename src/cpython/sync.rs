//! `threading`'s waiting primitives besides `Lock`: `Event`, `Semaphore` and `queue.Queue`.
//!
//! All three are Python classes built on a `Condition` (`Lib/threading.py: Event, Semaphore`;
//! `Lib/queue.py: Queue`): the operation takes the condition's lock, tests its state, and when
//! it must wait calls `Condition.wait`, which blocks in a waiter lock's `acquire` with the GIL
//! released (`Modules/_threadmodule.c: acquire_timed`). A waiter that is notified takes the GIL
//! back, re-takes the condition's lock and tests again; another thread may get there first
//! (a newcomer barges, as with `threading.Lock`). The model keeps what a claim can observe:
//! each object's value, which threads are blocked on it, and that any blocked thread whose
//! condition has become true may be the one to go on (no order among waiters).
//!
//! - `Event.wait`: returns at once when the flag is set; else waits until a `set`, which
//!   notifies every waiter (`notify_all`): a notified waiter returns even if `clear` came
//!   before it woke, since `Condition.wait` returned true (`Event.wait` returns `signaled`).
//! - `Semaphore.acquire`: `while self._value == 0: self._cond.wait()`, then `_value -= 1`;
//!   `release`: `_value += 1` and `notify()`.
//! - `Queue.put`: waits while `maxsize > 0` and the queue is full; `get` while it is empty;
//!   each notifies the other side. The items themselves are not modelled, only their number.
//!
//! - `Condition.wait` (`Lib/threading.py: Condition`): appends a waiter lock to `_waiters`,
//!   releases the condition's lock (`_release_save`), blocks on the waiter lock with the GIL
//!   released, and once notified re-takes the condition's lock (`_acquire_restore`), waiting
//!   for it like any `acquire`. `notify` wakes the first waiter in `_waiters` (FIFO),
//!   `notify_all` every one; a notify with no waiter is lost.
//!
//! On 2.7 every acquire of the condition's lock releases the GIL (no fast path), but a switch
//! can already fall at each step boundary there, so nothing more can be observed.

use crate::cpython::program::{Op, SyncKind, System};
use crate::cpython::state::{Fault, Phase, State};

/// What starting an op on a sync object did.
pub enum Start {
    /// The op completed (the thread moves on, still holding the GIL).
    Done,
    /// The thread blocks on the object, releasing the GIL.
    Wait(u8),
}

/// Starts `op` (one of this module's) for thread `t`.
pub fn start(sys: &System, s: &mut State, op: &Op) -> Start {
    let o = op.sync_object().expect("a sync op") as usize;
    match op {
        Op::EventSet(_) => {
            s.syncs[o] = 1;
            for th in s.threads[..sys.threads.len()].iter_mut() {
                if let Phase::SyncWait { obj, woken } = &mut th.phase {
                    if *obj as usize == o {
                        *woken = true;
                    }
                }
            }
            Start::Done
        }
        Op::EventClear(_) => {
            s.syncs[o] = 0;
            Start::Done
        }
        Op::SemRelease(_) => {
            bump(s, o, 1);
            Start::Done
        }
        Op::EventWait(..) | Op::Acquire(..) | Op::Get(..) | Op::Put(..) if ready(sys, s, op, false) => {
            take(s, op);
            Start::Done
        }
        _ => Start::Wait(o as u8),
    }
}

/// Whether a thread blocked in `op` (`woken`: notified by `Event.set`) can go on now.
pub fn ready(sys: &System, s: &State, op: &Op, woken: bool) -> bool {
    let o = op.sync_object().expect("a sync op") as usize;
    let value = s.syncs[o];
    match op {
        Op::EventWait(..) => woken || value == 1,
        Op::Acquire(..) | Op::Get(..) => value > 0,
        Op::Put(..) => match sys.syncs[o].kind {
            SyncKind::Queue { maxsize } => maxsize == 0 || value < maxsize,
            _ => unreachable!("put on a queue"),
        },
        _ => false,
    }
}

/// What a blocking op does to its object when it goes through.
pub fn take(s: &mut State, op: &Op) {
    let o = op.sync_object().expect("a sync op") as usize;
    match op {
        Op::Acquire(..) | Op::Get(..) => s.syncs[o] -= 1,
        Op::Put(..) => bump(s, o, 1),
        _ => {}
    }
}

/// Adds to a counter, or faults when it would leave its byte.
pub(crate) fn bump(s: &mut State, o: usize, by: u8) {
    match s.syncs[o].checked_add(by) {
        Some(v) => s.syncs[o] = v,
        None => s.fault = Some(Fault::SyncOverflow { obj: o as u8 }),
    }
}

/// `Condition.wait` on condition `c` by thread `t`: it joins `_waiters` and gives the lock
/// back; the caller releases the GIL for the blocking wait.
pub fn cond_wait(sys: &System, s: &mut State, t: usize, c: u8) {
    s.cond_waiters[c as usize].push(t as u8);
    s.locks[sys.conds[c as usize].lock as usize] = false;
    s.threads[t].phase = Phase::CondWait { cond: c };
}

/// `Condition.notify` (`all`: `notify_all`): the first waiter, or every one, is woken and
/// waits to re-take the lock.
pub fn cond_notify(sys: &System, s: &mut State, c: u8, all: bool) {
    let lock = sys.conds[c as usize].lock;
    while let Some(w) = s.cond_waiters[c as usize].pop_front() {
        s.threads[w as usize].phase = Phase::LockWait { lock };
        if !all {
            break;
        }
    }
}
