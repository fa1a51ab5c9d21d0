//! One goal observed over an exhaustive breadth-first walk ([`crate::check::search`]): the
//! first state that refutes an `always` or witnesses a `sometimes`, the extreme of a `max` or
//! `min`, the antecedents seen, faults and the horizon, and the paths to them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::check::atoms::Goal;
use crate::check::fusion::Sign;
use crate::check::resources::{Budget, Stop};
use crate::check::search::{breadth_first, replay};
use crate::cpython::model::{Action, GilModel, Trace};
use crate::cpython::state::{Fault, State};

/// What a search found.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// Unique states reached.
    pub states: usize,
    /// The longest shortest path from the initial state (BFS depth).
    pub max_depth: usize,
    /// `Always`: the first state violating it; `Sometimes`: the first satisfying it;
    /// `Max`/`Min`: the first state with the extreme value.
    pub hit: Option<Trace>,
    /// `Max`/`Min`: the extreme value, if any state qualified.
    pub value: Option<i64>,
    /// `Max`: the largest value is reached only in states at the horizon, where every path is
    /// cut: the quantity was still growing there, and the true maximum may be larger.
    pub value_at_horizon: bool,
    /// Every antecedent of the goal ([`Goal::antecedents`]: the left side of each `->`, a
    /// `when`) held in some reachable state.
    pub antecedent_seen: bool,
    /// Some state reached the horizon (ticks mode).
    pub horizon_hit: bool,
    /// A state where the model could not go on, and the path to it.
    pub fault: Option<(Fault, Trace)>,
    pub stopped: Option<Stop>,
    pub elapsed: Duration,
}

/// What one part of a level showed [`explore`].
#[derive(Default)]
struct Seen {
    /// `Always`/`Sometimes`: the first state that decides it.
    hit: Option<usize>,
    /// `Max`/`Min`: the extreme value, the first state with it, and whether every state with
    /// it is at the horizon.
    best: Option<(i64, usize, bool)>,
    /// Antecedents (by position) that hold in some state.
    antecedents: u64,
    fault: Option<usize>,
}

/// Folds a state's or a later part's best into `best`: a strictly better value wins, an
/// equal one keeps the earlier state and is at the horizon only if both are.
fn better(goal: &Goal, best: &mut Option<(i64, usize, bool)>, (v, i, at_horizon): (i64, usize, bool)) {
    match best {
        None => *best = Some((v, i, at_horizon)),
        Some((b, _, h)) if *b == v => *h &= at_horizon,
        Some((b, ..)) if (matches!(goal, Goal::Max(..)) && v > *b) || (matches!(goal, Goal::Min(..)) && v < *b) => {
            *best = Some((v, i, at_horizon))
        }
        Some(_) => {}
    }
}

/// Atoms a check may read and still fuse chains of forced steps.
const MAX_READ: usize = 16;

/// Explores every state reachable from the model's initial state, observing the goal. An
/// `always` refuted (or a `sometimes` witnessed, every antecedent seen) at depth d ends the
/// search with level d: the counterexample, the first in discovery order, is a shortest one.
/// With [`Budget::fuse`], an `always` or `sometimes` fuses the chains of forced steps that
/// change none of its atoms.
pub fn explore(model: &GilModel, goal: &Goal, budget: Budget) -> Exploration {
    let start = Instant::now();
    let antecedents = goal.antecedents();
    let all = if antecedents.len() >= 64 { u64::MAX } else { (1u64 << antecedents.len()) - 1 };
    let unseen = AtomicU64::new(all);
    let horizon = model.sys.is_ticks().then_some(model.sys.runtime.horizon as u16);
    let (mut hit, mut best, mut fault) = (None, None, None);
    let observe = |acc: &mut Seen, s: &State, i: usize, _: &[Action]| {
        let open = unseen.load(Ordering::Relaxed) & !acc.antecedents;
        for (k, a) in antecedents.iter().enumerate().take(64) {
            if open & (1 << k) != 0 && model.eval(s, a) {
                acc.antecedents |= 1 << k;
            }
        }
        if s.fault.is_some() && acc.fault.is_none() {
            acc.fault = Some(i);
        }
        match goal {
            Goal::Always(e) if acc.hit.is_none() && !model.eval(s, e) => acc.hit = Some(i),
            Goal::Sometimes(e) if acc.hit.is_none() && model.eval(s, e) => acc.hit = Some(i),
            Goal::Max(t, when) | Goal::Min(t, when) if when.as_ref().is_none_or(|w| model.eval(s, w)) => {
                let at_horizon = matches!(goal, Goal::Max(..)) && horizon.is_some_and(|h| s.now >= h);
                better(goal, &mut acc.best, (model.value(s, t), i, at_horizon));
            }
            _ => {}
        }
    };
    // What the check reads of a state: the value of each of its atoms, and the horizon (as
    // a 64-bit hash, as states are fingerprinted); `None` when the state decides the goal
    // or has a fault, so that neither is ever skipped.
    let atoms = goal.atoms();
    let sign = |s: &State| -> Option<u64> {
        let decides = match goal {
            Goal::Always(e) => !model.eval(s, e),
            Goal::Sometimes(e) => model.eval(s, e),
            _ => true,
        };
        if decides || s.fault.is_some() {
            return None;
        }
        let at_horizon = horizon.is_some_and(|h| s.now >= h);
        let mut read = [0u8; 8 * (MAX_READ + 1)];
        let values = std::iter::once(i64::from(at_horizon)).chain(atoms.iter().map(|&a| model.atom(s, a)));
        for (slot, value) in read.chunks_mut(8).zip(values) {
            slot.copy_from_slice(&value.to_le_bytes());
        }
        Some(xxhash_rust::xxh3::xxh3_64(&read[..8 * (atoms.len() + 1)]))
    };
    let fusable = matches!(goal, Goal::Always(_) | Goal::Sometimes(_)) && atoms.len() <= MAX_READ;
    let sign: Option<Sign> = (budget.fuse && fusable).then_some(&sign);
    let walk = breadth_first(model, budget, true, sign, observe, |acc: Seen| {
        let left = unseen.fetch_and(!acc.antecedents, Ordering::Relaxed) & !acc.antecedents;
        fault = fault.or(acc.fault);
        hit = hit.or(acc.hit);
        if let Some(b) = acc.best {
            better(goal, &mut best, b);
        }
        match goal {
            Goal::Always(_) => hit.is_none(),
            Goal::Sometimes(_) => hit.is_none() || left != 0,
            _ => true,
        }
    });
    let hit = match goal {
        Goal::Max(..) | Goal::Min(..) => best.map(|(_, i, _)| i),
        _ => hit,
    };
    Exploration {
        states: walk.states,
        max_depth: walk.max_depth,
        hit: hit.map(|j| replay(model, &walk, j)),
        value: best.map(|(v, ..)| v),
        value_at_horizon: best.is_some_and(|(.., h)| h),
        antecedent_seen: unseen.load(Ordering::Relaxed) == 0,
        horizon_hit: walk.horizon_hit,
        fault: fault.map(|j| {
            let trace = replay(model, &walk, j);
            (trace.last().and_then(|(_, s)| s.fault).expect("a fault state"), trace)
        }),
        stopped: walk.stopped,
        elapsed: start.elapsed(),
    }
}
