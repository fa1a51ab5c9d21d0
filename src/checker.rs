//! Exhaustive breadth-first exploration of a [`GilModel`], observing one goal on every
//! reachable state.
//!
//! The search is stateright's BFS with two changes that reports need: states are kept
//! whole (no hash compaction, so a verdict never rests on a fingerprint collision), and the
//! search is single-threaded and visits actions in the model's fixed order, so state counts,
//! depths and the chosen counterexample (the shortest, first in action order) are the same on
//! every run and machine. Parallelism comes from checking many (claim, model, variant) jobs
//! at once. `tests/stateright_agrees.rs` checks that stateright's own checker finds the same
//! state counts and verdicts.

use std::time::{Duration, Instant};

use indexmap::IndexSet;
use rustc_hash::FxBuildHasher;
use stateright::Model;

use crate::atoms::{BExpr, BTerm};
use crate::model::{Action, GilModel};
use crate::state::{Fault, State};

/// What to look for on every reachable state.
#[derive(Clone, Debug)]
pub enum Goal {
    /// Every state satisfies the expression; the first that does not is the counterexample.
    Always(BExpr),
    /// Some state satisfies the expression; the first that does is the witness.
    Sometimes(BExpr),
    /// The largest value of the term over the states where the condition holds.
    Max(BTerm, Option<BExpr>),
    /// The smallest value likewise.
    Min(BTerm, Option<BExpr>),
}

/// Limits that end a search early (the verdict is then unknown).
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    pub max_states: Option<usize>,
    pub timeout: Option<Duration>,
}

/// Why a search stopped before exploring every state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    MaxStates(usize),
    Timeout(Duration),
}

/// What a search found.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// Unique states reached.
    pub states: usize,
    /// The longest shortest path from the initial state (BFS depth).
    pub max_depth: usize,
    /// `Always`: the first state violating it; `Sometimes`: the first satisfying it;
    /// `Max`/`Min`: the first state with the extreme value.
    pub hit: Option<Vec<(Option<Action>, State)>>,
    /// `Max`/`Min`: the extreme value, if any state qualified.
    pub value: Option<i64>,
    /// The left side of a top-level `->` (or a `when`) held somewhere.
    pub antecedent_seen: bool,
    /// Some state reached the horizon (ticks mode).
    pub horizon_hit: bool,
    /// A state where the model could not go on, and the path to it.
    pub fault: Option<(Fault, Vec<(Option<Action>, State)>)>,
    pub stopped: Option<Stop>,
    pub elapsed: Duration,
}

/// Explores every state reachable from the model's initial state, breadth first.
pub fn explore(model: &GilModel, goal: &Goal, budget: Budget) -> Exploration {
    let start = Instant::now();
    let mut seen: IndexSet<State, FxBuildHasher> = IndexSet::default();
    // For each state (by index): the state it was first reached from, the action, its depth.
    let mut parent: Vec<(u32, Option<Action>)> = Vec::new();
    let mut depth: Vec<u32> = Vec::new();
    for s in model.init_states() {
        if seen.insert(s) {
            parent.push((u32::MAX, None));
            depth.push(0);
        }
    }
    let antecedent = match goal {
        Goal::Always(BExpr::Implies(a, _)) => Some(a.as_ref()),
        Goal::Max(_, Some(w)) | Goal::Min(_, Some(w)) => Some(w),
        _ => None,
    };
    let horizon = model.sys.is_ticks().then_some(model.sys.runtime.horizon as u16);
    let mut out = Exploration {
        states: 0,
        max_depth: 0,
        hit: None,
        value: None,
        antecedent_seen: false,
        horizon_hit: false,
        fault: None,
        stopped: None,
        elapsed: Duration::ZERO,
    };
    let mut hit_index: Option<usize> = None;
    let mut fault_index: Option<usize> = None;
    let mut actions = Vec::new();
    let mut i = 0;
    while i < seen.len() {
        if i % 4096 == 0 {
            if let Some(limit) = budget.timeout {
                if start.elapsed() >= limit {
                    out.stopped = Some(Stop::Timeout(limit));
                    break;
                }
            }
        }
        let s = &seen[i];
        if antecedent.is_some_and(|a| model.eval(s, a)) {
            out.antecedent_seen = true;
        }
        if horizon.is_some_and(|h| s.now >= h) {
            out.horizon_hit = true;
        }
        if s.fault.is_some() && fault_index.is_none() {
            fault_index = Some(i);
        }
        match goal {
            Goal::Always(e) => {
                if hit_index.is_none() && !model.eval(s, e) {
                    hit_index = Some(i);
                }
            }
            Goal::Sometimes(e) => {
                if hit_index.is_none() && model.eval(s, e) {
                    hit_index = Some(i);
                }
            }
            Goal::Max(t, when) | Goal::Min(t, when) => {
                if when.as_ref().is_none_or(|w| model.eval(s, w)) {
                    let v = model.value(s, t);
                    let better = match (out.value, goal) {
                        (None, _) => true,
                        (Some(best), Goal::Max(..)) => v > best,
                        (Some(best), _) => v < best,
                    };
                    if better {
                        out.value = Some(v);
                        hit_index = Some(i);
                    }
                }
            }
        }
        actions.clear();
        model.actions(s, &mut actions);
        let d = depth[i];
        for &a in &actions {
            let next = model.apply(&seen[i], a);
            if seen.len() >= budget.max_states.unwrap_or(usize::MAX) {
                if !seen.contains(&next) {
                    out.stopped = Some(Stop::MaxStates(seen.len()));
                    break;
                }
                continue;
            }
            if seen.insert(next) {
                parent.push((i as u32, Some(a)));
                depth.push(d + 1);
                out.max_depth = out.max_depth.max(d as usize + 1);
            }
        }
        if out.stopped.is_some() {
            break;
        }
        i += 1;
    }
    out.states = seen.len();
    let path = |mut j: usize| {
        let mut steps = Vec::new();
        loop {
            let (p, a) = parent[j];
            steps.push((a, seen[j].clone()));
            if p == u32::MAX {
                break;
            }
            j = p as usize;
        }
        steps.reverse();
        steps
    };
    out.hit = hit_index.map(path);
    out.fault = fault_index.map(|j| (seen[j].fault.expect("a fault state"), path(j)));
    out.elapsed = start.elapsed();
    out
}
