//! Ticks mode's clock (SPEC §7): what one tick does to every thread, timer and timed wait,
//! and when the clock may move at all.

use crate::cpython::asyncio;
use crate::cpython::gil;
use crate::cpython::model::GilModel;
use crate::cpython::state::{Deadline, GilRel, Phase, State, Wait};
use crate::input::scenario::GilKind;

impl GilModel {
    /// Something changes as time passes: a step on a CPU, a blocked thread, a timer, an I/O.
    pub(crate) fn time_matters(&self, s: &State) -> bool {
        let n = self.n();
        (0..n).any(|t| {
            self.on_cpu(s, t)
                || matches!(s.threads[t].phase, Phase::Blocked { .. }) && s.threads[t].gil == GilRel::No
                || s.threads[t].deadline > 0
        }) || s.tasks[..self.sys.tasks.len()].iter().any(|k| {
            matches!(k.wait, Wait::Timer { .. } | Wait::Io { .. }) || matches!(k.timer, Deadline::Armed { .. })
        })
    }

    /// One tick of the clock: every thread with a CPU runs one tick of its step, blocked
    /// threads, timers and I/O count down, waiters' intervals and the clocks that claims read
    /// advance. Waiting is counted for the state the tick starts from.
    pub(crate) fn tick(&self, s: &mut State, swap: Option<(u8, u8)>) {
        let sys = &self.sys;
        let n = self.n();
        if let Some((a, b)) = swap {
            s.threads[a as usize].cpu = false;
            s.threads[b as usize].cpu = true;
        }
        if self.caps.gil_wait {
            for t in 0..n {
                if gil::waiting(s, t) {
                    s.threads[t].gil_wait = s.threads[t].gil_wait.saturating_add(1);
                }
            }
        }
        if self.caps.lateness {
            for k in s.tasks[..sys.tasks.len()].iter_mut() {
                if asyncio::is_late(k.wait) {
                    k.lateness = k.lateness.saturating_add(1);
                }
            }
        }
        gil::tick_waiters(sys, s);
        let runners: Vec<usize> = (0..n).filter(|&t| self.on_cpu(s, t)).collect();
        for t in 0..n {
            match s.threads[t].phase {
                Phase::Cpu { .. } | Phase::NoGil { .. } if runners.contains(&t) => self.cpu_tick(s, t),
                Phase::Blocked { left, sleep } if s.threads[t].gil == GilRel::No => {
                    if left <= 1 {
                        self.end_blocking(s, t);
                    } else {
                        s.threads[t].phase = Phase::Blocked { left: left - 1, sleep };
                    }
                }
                _ => {}
            }
        }
        self.tick_deadlines(s);
        for l in 0..sys.loops.len() {
            asyncio::tick_timers(sys, s, l);
        }
        s.now += 1;
    }

    /// One tick (or untimed sub-step) of a CPU step.
    pub(crate) fn cpu_tick(&self, s: &mut State, t: usize) {
        match s.threads[t].phase {
            Phase::Cpu { left, python } => {
                // The old GIL's tick count matters only where the clock decides the check.
                if python && s.gil.holder as usize == t && self.sys.gil() == GilKind::Old && self.sys.is_ticks() {
                    s.gil.since_check = s.gil.since_check.saturating_add(1);
                }
                if left <= 1 {
                    self.advance(s, t);
                } else {
                    s.threads[t].phase = Phase::Cpu { left: left - 1, python };
                }
            }
            Phase::NoGil { left } => {
                if left <= 1 {
                    self.end_blocking(s, t);
                } else {
                    s.threads[t].phase = Phase::NoGil { left: left - 1 };
                }
            }
            _ => unreachable!(),
        }
    }
}
