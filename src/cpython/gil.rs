//! The GIL: who may take it, when the holder must let go, and what a drop costs.
//!
//! New GIL (CPython 3.2+, `Python/ceval_gil.c`, before 3.12 `Python/ceval_gil.h`):
//!
//! ```text
//! take_gil(t):  while locked: timed wait `switch_interval` on gil->cond;
//!                   timed out and no switch meanwhile -> set gil_drop_request
//!               locked = 1; if t != last_holder: last_holder = t, switch_number++
//!               signal switch_cond (FORCE_SWITCHING); clear gil_drop_request
//! drop_gil(t):  locked = 0; signal gil->cond
//!               if gil_drop_request: clear it, wait on switch_cond until last_holder != t
//! eval breaker: at a switch point, if gil_drop_request: drop_gil, then take_gil
//! ```
//!
//! Old GIL (CPython 2.7, `Python/ceval.c: PyEval_EvalFrameEx`): every `sys.setcheckinterval`
//! ticks the holder releases the lock and at once asks for it again; whoever the OS wakes wins.
//!
//! Free-threaded CPython (PEP 703) has no GIL: none of these rules apply.
//!
//! In the model a thread's relation to the GIL is its [`GilRel`]; these functions are the only
//! places that change it.

use crate::cpython::program::{Op, System};
use crate::cpython::state::NONE;
use crate::cpython::state::{GilRel, Phase, State, WaitRound};
use crate::input::scenario::GilKind;

/// Saturating add for a counter with a cap (cap 0: the counter is not tracked).
pub fn bump(counter: &mut u8, cap: u8) {
    if *counter < cap {
        *counter += 1;
    }
}

/// Counter caps: a counter is kept only when a claim reads it, and saturates at its cap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    pub handoffs: u8,
    pub forced_switches: u8,
    pub task_switches: u8,
    /// Keep per-thread `gil_wait` clocks.
    pub gil_wait: bool,
    /// Keep per-task `lateness` clocks.
    pub lateness: bool,
    /// Untimed: a thread that takes the GIL moves one step before it can be made to let go
    /// ([`take`]). A fairness assumption of the liveness analysis only: CPython itself can lose
    /// the GIL at its first eval-breaker check when the OS delays it for an interval, so
    /// safety checks and trace membership explore those paths too.
    pub fair_handoffs: bool,
}

/// `take_gil` succeeding for thread `t` (the GIL is free; the OS chose `t` among the waiters).
///
/// Counts a hand-off when the GIL passes to another thread than its last holder
/// (`gil->switch_number` in `take_gil`); the last holder is kept only when a claim reads a
/// counter, since nothing else reads it (as SPIN drops a variable no one reads); clears the
/// drop request (`RESET_GIL_DROP_REQUEST` at the end of `take_gil`); wakes every thread waiting in `drop_gil` for a switch
/// (`COND_SIGNAL(gil->switch_cond)`). The waiters that did not get it go on with their timed
/// wait ([`WaitRound`]): one that was already waiting keeps its deadline but will not ask for
/// a drop when it times out; one that asked while the GIL was free starts its wait now.
/// `woken`: the waiter the signal woke when `t` asked while the GIL was free and so beat it;
/// that one starts a fresh wait.
pub fn take(sys: &System, caps: &Caps, s: &mut State, t: usize, woken: Option<usize>) {
    debug_assert_eq!(s.gil.holder, NONE);
    let gil = &mut s.gil;
    if gil.last_holder != NONE && gil.last_holder as usize != t {
        bump(&mut s.handoffs, caps.handoffs);
        if gil.forced_release {
            bump(&mut s.forced_switches, caps.forced_switches);
        }
    }
    // Untimed, for liveness: a waiter's interval may run out at any moment, but not before the
    // new holder has moved: after a switch every waiter waits a full fresh interval (new GIL),
    // and after a check-interval release the ticker starts over (old GIL), so a holder the OS
    // lets run moves at least one step. Without this the GIL could pass back and forth with
    // no thread ever moving, a starvation only an OS that never runs the holder could show.
    gil.fresh = caps.fair_handoffs && !sys.is_ticks() && (sys.gil() == GilKind::New || gil.forced_release);
    gil.holder = t as u8;
    gil.last_holder = if caps.handoffs > 0 || caps.forced_switches > 0 { t as u8 } else { NONE };
    gil.forced_release = false;
    gil.drop_request = false;
    for (i, th) in s.threads.iter_mut().enumerate().take(sys.threads.len()) {
        if i == t {
            th.gil = GilRel::Has;
            th.gil_wait = 0;
            th.window = 0;
            th.round = WaitRound::Untimed;
            continue;
        }
        match th.gil {
            // FORCE_SWITCHING: the dropper may go on now that another thread took the GIL.
            GilRel::Switching => {
                th.gil = if th.phase.needs_gil() { GilRel::Wants } else { GilRel::No };
                th.window = 0;
                th.round = timed_round(sys);
            }
            GilRel::Wants => match th.round {
                _ if woken == Some(i) => {
                    th.window = 0;
                    th.round = WaitRound::Timing;
                }
                WaitRound::Untimed => {
                    th.window = 0;
                    th.round = timed_round(sys);
                }
                WaitRound::Timing | WaitRound::SwitchSeen => th.round = WaitRound::SwitchSeen,
            },
            _ => {}
        }
    }
}

/// `drop_gil` by the holder `t`. `forced`: the holder was made to let go (drop request or
/// the old GIL's check interval). Returns the thread's new relation.
///
/// New GIL: a drop while a drop request is pending waits for another thread to take the GIL
/// (`FORCE_SWITCHING`), whether the drop was forced or the thread is entering a blocking
/// call; a thread that exits drops without waiting (`drop_gil` with `tstate == NULL`).
pub fn release(sys: &System, s: &mut State, t: usize, forced: bool, exiting: bool) {
    debug_assert_eq!(s.gil.holder as usize, t);
    s.gil.holder = NONE;
    s.gil.forced_release = forced;
    if forced && sys.gil() == GilKind::Old {
        // 2.7 resets its global `_Py_Ticker` to the check interval before it releases; a
        // release for a blocking call leaves the count running for the next holder.
        s.gil.since_check = 0;
    }
    let th = &mut s.threads[t];
    th.window = 0;
    th.round = WaitRound::Untimed;
    if sys.gil() == GilKind::New && s.gil.drop_request && !exiting {
        s.gil.drop_request = false;
        th.gil = GilRel::Switching;
    } else {
        th.gil = if th.phase.needs_gil() && !exiting { GilRel::Wants } else { GilRel::No };
    }
}

/// A thread that needs the GIL again after a blocking call (`Py_END_ALLOW_THREADS`,
/// `take_gil`). On a free-threaded build nothing is needed.
pub fn want(sys: &System, s: &mut State, t: usize) {
    let held = s.gil.holder != NONE;
    let th = &mut s.threads[t];
    th.window = 0;
    th.round = if held { timed_round(sys) } else { WaitRound::Untimed };
    th.gil = if sys.gil() == GilKind::None { GilRel::No } else { GilRel::Wants };
}

/// The round a waiter that finds the GIL held starts: timed waits matter on the new GIL in
/// ticks mode only.
fn timed_round(sys: &System) -> WaitRound {
    if sys.is_ticks() && sys.gil() == GilKind::New {
        WaitRound::Timing
    } else {
        WaitRound::Untimed
    }
}

/// Whether a thread may execute its current phase: it holds the GIL, or there is none.
pub fn may_run(sys: &System, s: &State, t: usize) -> bool {
    let th = &s.threads[t];
    match sys.gil() {
        GilKind::None => th.gil == GilRel::No,
        _ => !th.phase.needs_gil() || th.gil == GilRel::Has,
    }
}

/// Whether a step boundary, between `prev` (None at the start of a program) and `next` (None
/// at its end), is a switch point.
///
/// Where switch points are every bytecode (<= 3.9, and 2.7's ticker) every boundary is one.
/// From 3.10 the eval breaker is checked only at function entry (`RESUME`), loop back-edges
/// (`JUMP_BACKWARD`) and after a C function returns (`CALL`) (3.10 `Python/ceval.c`;
/// 3.11+ `Python/bytecodes.c`): so after `sorted(a)` before a following `v = x`, before a
/// step that enters Python, at a program's entry and exit — but not before a C call begins
/// (`x = 1; lock.acquire()` cannot switch between the two) and not between `v = x` and
/// `x = v + 1`. Measured by `experiments/eval_breaker_side_of_call.py`.
pub fn boundary_is_switch_point(sys: &System, prev: Option<&Op>, next: Option<&Op>) -> bool {
    sys.bytecode_switch_points() || prev.is_none_or(Op::ends_with_c_call) || next.is_none_or(Op::enters_python)
}

/// Whether the holder, in `phase`, is at a point where the eval breaker is checked;
/// `boundary_switch` is [`boundary_is_switch_point`] for a thread at a step boundary.
///
/// Besides the boundaries: between two ticks of `compute` (a loop), inside `x += f()` (the
/// call sits between load and store; every bytecode on <= 3.9 for `x += 1`), and between a
/// loop's callbacks. Never inside a C call (`c_call`).
pub fn at_switch_point(sys: &System, phase: Phase, boundary_switch: bool) -> bool {
    let bytecode = sys.bytecode_switch_points();
    match phase {
        Phase::Ready => boundary_switch,
        Phase::LoopTop | Phase::LoopProcess | Phase::LoopRun => true,
        Phase::Cpu { python, .. } => python,
        Phase::IncrLoaded { call, .. } => call || bytecode,
        _ => false,
    }
}

/// New GIL: the holder `t` sees a pending drop request at a switch point and must drop
/// (`_Py_HandlePending` / `eval_frame_handle_pending`: `drop_gil` then `take_gil`).
pub fn must_drop(sys: &System, s: &State, t: usize, boundary_switch: bool) -> bool {
    sys.gil() == GilKind::New
        && s.gil.drop_request
        && s.gil.holder as usize == t
        && at_switch_point(sys, s.threads[t].phase, boundary_switch)
}

/// Old GIL, ticks mode: the holder's check interval has run out at a switch point
/// (`if (--_Py_Ticker < 0)` in 2.7's `PyEval_EvalFrameEx`), so it must release and re-race.
pub fn check_due(sys: &System, s: &State, t: usize, boundary_switch: bool) -> bool {
    sys.gil() == GilKind::Old
        && sys.is_ticks()
        && s.gil.holder as usize == t
        && s.gil.since_check as u32 >= sys.runtime.check_interval
        && at_switch_point(sys, s.threads[t].phase, boundary_switch)
}

/// The clock's part of the new GIL: each waiter's timed wait (`COND_TIMED_WAIT` in
/// `take_gil`) runs for `switch_interval`; when it times out with the GIL still held, the
/// waiter sets the drop request only if no switch happened during it
/// (`gil->switch_number == saved_switchnum`), and waits a fresh interval either way. So a
/// waiter that saw another thread take the GIL asks for it a whole interval later than one
/// that had started afresh: with two waiters beside a CPU-bound thread, the one that loses
/// waits up to two intervals between requests (`experiments/gil_waiter_interval_after_switch.py`).
pub fn tick_waiters(sys: &System, s: &mut State) {
    if sys.gil() != GilKind::New || s.gil.holder == NONE {
        return;
    }
    let interval = sys.runtime.switch_interval as u8;
    let mut request = false;
    for th in s.threads[..sys.threads.len()].iter_mut() {
        if th.gil == GilRel::Wants {
            th.window += 1;
            if th.window >= interval {
                th.window = 0;
                request |= th.round == WaitRound::Timing;
                th.round = WaitRound::Timing;
            }
        }
    }
    if request {
        s.gil.drop_request = true;
    }
}

/// Whether thread `t` is in `take_gil`'s timed wait (ticks mode, new GIL): one that
/// `drop_gil`'s signal can wake.
pub fn in_timed_wait(s: &State, t: usize) -> bool {
    let th = &s.threads[t];
    th.gil == GilRel::Wants && th.round != WaitRound::Untimed
}

/// Whether thread `t` wants the GIL and does not hold it: a waiter, or a forced holder
/// waiting in `drop_gil` for the switch (it wants the GIL straight back).
pub fn waiting(s: &State, t: usize) -> bool {
    let th = &s.threads[t];
    th.gil == GilRel::Wants || (th.gil == GilRel::Switching && th.phase.needs_gil())
}
