//! What a scenario's structure alone allows each atom to be, whatever the schedule: how many
//! threads could ever run Python, how many loops there are, whether two threads could ever
//! take the GIL. A check that these bounds already decide "holds by construction" (SPEC §3
//! "Falsifiability"): `always running_python <= 1` on one thread says nothing of the GIL.
//!
//! The bounds are sound over-approximations: an atom's real values on reachable states lie
//! within them, so a check they decide is decided on every state; a check they leave open is
//! merely not flagged. They read the compiled program, never a state.

use crate::check::atoms::{BExpr, BTerm, Bound, Goal, COUNTER_CAP};
use crate::cpython::model::GilModel;
use crate::cpython::program::{Op, ThreadKind};
use crate::input::claim::CmpOp;
use crate::input::scenario::GilKind;

/// The values an integer (or, as 0 and 1, a boolean) can take: `lo..=hi`.
pub type Range = (i64, i64);

/// No bound known.
const ANY: Range = (i64::MIN / 4, i64::MAX / 4);
const BOOL: Range = (0, 1);
const ZERO: Range = (0, 0);

impl GilModel {
    /// The ops thread `t` could ever run: its own, its loop's tasks', or its executor's jobs.
    fn ops_of(&self, t: usize) -> Vec<&Op> {
        let sys = &self.sys;
        match &sys.threads[t].kind {
            ThreadKind::Plain(p) => p.ops.iter().collect(),
            ThreadKind::Loop(l) => {
                sys.tasks.iter().filter(|k| k.loop_id == *l).flat_map(|k| k.program.ops.iter()).collect()
            }
            ThreadKind::Worker(l) => sys
                .tasks
                .iter()
                .filter(|k| k.loop_id == *l)
                .flat_map(|k| k.program.ops.iter())
                .flat_map(|op| sys.job_ops(op))
                .collect(),
        }
    }

    /// At most this many threads run at once: the cores, when the OS must choose.
    fn at_most_on_cpus(&self, threads: usize) -> i64 {
        let cores = if self.sys.cpu_contention { self.sys.runtime.cores as usize } else { usize::MAX };
        threads.min(cores) as i64
    }

    /// The values atom `b` can take on any state of this scenario.
    pub fn atom_range(&self, b: Bound) -> Range {
        let sys = &self.sys;
        let no_gil = sys.gil() == GilKind::None;
        let horizon = if sys.is_ticks() { i64::from(sys.runtime.horizon) } else { ANY.1 };
        let counter = (0, i64::from(COUNTER_CAP));
        match b {
            Bound::RunningPython => {
                let python = (0..sys.threads.len())
                    .filter(|&t| self.ops_of(t).iter().any(|op| matches!(op, Op::Compute(_))))
                    .count();
                (0, self.at_most_on_cpus(python))
            }
            Bound::RunningTasks => {
                let loops = sys.loops.iter().filter(|l| !l.tasks.is_empty()).count();
                (0, self.at_most_on_cpus(loops))
            }
            // A hand-off needs a GIL and two threads that take it.
            Bound::GilHandoffs | Bound::ForcedSwitches if no_gil || sys.threads.len() < 2 => ZERO,
            Bound::GilHandoffs | Bound::ForcedSwitches => counter,
            Bound::TaskSwitches if sys.loops.iter().all(|l| l.tasks.len() < 2) => ZERO,
            Bound::TaskSwitches => counter,
            Bound::HoldsGil(_) | Bound::WaitingGil(_) if no_gil => ZERO,
            Bound::GilFree if no_gil => (1, 1),
            Bound::Now | Bound::Lateness(_) | Bound::GilWait(_) => (0, horizon),
            Bound::Var(_) | Bound::Qsize(_) | Bound::Local(_) => (0, 255),
            Bound::Progress(_) => (0, ANY.1),
            Bound::HoldsGil(_)
            | Bound::WaitingGil(_)
            | Bound::GilFree
            | Bound::AllDone
            | Bound::Deadlock
            | Bound::Blocked(_)
            | Bound::Sleeping(_)
            | Bound::Working(_)
            | Bound::Running(_)
            | Bound::Done(_)
            | Bound::LoopBlocked(_)
            | Bound::HoldsLock(..)
            | Bound::Cancelled(_)
            | Bound::Ready(_) => BOOL,
        }
    }

    fn term_range(&self, t: &BTerm) -> Range {
        match t {
            BTerm::Int(n) => (*n, *n),
            BTerm::Atom(b) => self.atom_range(*b),
            BTerm::Add(a, b) => {
                let (a, b) = (self.term_range(a), self.term_range(b));
                (a.0.saturating_add(b.0), a.1.saturating_add(b.1))
            }
            BTerm::Sub(a, b) => {
                let (a, b) = (self.term_range(a), self.term_range(b));
                (a.0.saturating_sub(b.1), a.1.saturating_sub(b.0))
            }
            // The largest of several: from the largest lower bound to the largest upper bound.
            BTerm::Max(ts) => {
                let ranges: Vec<Range> = ts.iter().map(|t| self.term_range(t)).collect();
                (ranges.iter().map(|r| r.0).max().unwrap_or(0), ranges.iter().map(|r| r.1).max().unwrap_or(0))
            }
        }
    }

    /// `Some(v)` when `e` is `v` on every state the structure allows; `None` when it depends on
    /// the path.
    pub fn structural_truth(&self, e: &BExpr) -> Option<bool> {
        let not = |v: Option<bool>| v.map(|v| !v);
        let or = |a: Option<bool>, b: Option<bool>| match (a, b) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
        match e {
            BExpr::Implies(a, b) => or(not(self.structural_truth(a)), self.structural_truth(b)),
            BExpr::Or(a, b) => or(self.structural_truth(a), self.structural_truth(b)),
            BExpr::And(a, b) => not(or(not(self.structural_truth(a)), not(self.structural_truth(b)))),
            BExpr::Not(a) => not(self.structural_truth(a)),
            BExpr::Atom(b) => match self.atom_range(*b) {
                (0, 0) => Some(false),
                (lo, _) if lo > 0 => Some(true),
                _ => None,
            },
            BExpr::Cmp(a, op, b) => compare(self.term_range(a), *op, self.term_range(b)),
        }
    }

    /// Whether the goal's verdict follows from the structure alone: an `always` (or liveness
    /// goal) whose condition is true on every state, a `max`/`min` whose term has one value.
    pub fn decided_by_structure(&self, goal: &Goal) -> bool {
        match goal {
            Goal::Always(e) | Goal::LeadsTo { goal: e, .. } => self.structural_truth(e) == Some(true),
            Goal::Max(t, _) | Goal::Min(t, _) => {
                let (lo, hi) = self.term_range(t);
                lo == hi
            }
            Goal::Sometimes(_) => false,
        }
    }
}

/// A condition known over a range of values: `Some(true)` when it holds for all of them,
/// `Some(false)` for none, `None` when it depends on which.
pub fn decided(all: bool, none: bool) -> Option<bool> {
    if all {
        Some(true)
    } else if none {
        Some(false)
    } else {
        None
    }
}

/// `a op b` for every `a` in one range and `b` in the other: `Some` when all agree.
pub fn compare(a: Range, op: CmpOp, b: Range) -> Option<bool> {
    let (always, never) = match op {
        CmpOp::Lt => (a.1 < b.0, a.0 >= b.1),
        CmpOp::Le => (a.1 <= b.0, a.0 > b.1),
        CmpOp::Gt => (a.0 > b.1, a.1 <= b.0),
        CmpOp::Ge => (a.0 >= b.1, a.1 < b.0),
        CmpOp::Eq => (a.0 == a.1 && b.0 == b.1 && a.0 == b.0, a.1 < b.0 || b.1 < a.0),
        CmpOp::Ne => (a.1 < b.0 || b.1 < a.0, a.0 == a.1 && b.0 == b.1 && a.0 == b.0),
    };
    decided(always, never)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_are_decided_only_when_every_pair_agrees() {
        assert_eq!(compare((0, 1), CmpOp::Le, (1, 1)), Some(true));
        assert_eq!(compare((0, 2), CmpOp::Le, (1, 1)), None);
        assert_eq!(compare((2, 3), CmpOp::Le, (1, 1)), Some(false));
        assert_eq!(compare((0, 0), CmpOp::Eq, (0, 0)), Some(true));
        assert_eq!(compare((0, 1), CmpOp::Eq, (0, 0)), None);
        assert_eq!(compare((0, 1), CmpOp::Ne, (5, 6)), Some(true));
        assert_eq!(compare((3, 9), CmpOp::Gt, (0, 2)), Some(true));
        assert_eq!(compare((3, 9), CmpOp::Lt, (0, 3)), Some(false));
    }
}
