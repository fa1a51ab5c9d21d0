//! Exhaustive breadth-first exploration of a [`GilModel`], observing one goal on every
//! reachable state.
//!
//! Like stateright's BFS, visited states are kept as 64-bit fingerprints (hash compaction:
//! xxh3 of [`State::encode`]) with the action that first reached each, and a path is rebuilt
//! by replaying those actions from the initial state. Unlike it, the search is
//! single-threaded and visits actions in the model's fixed order, so state counts, depths and
//! the chosen counterexample (the shortest, first in action order) are the same on every run
//! and machine; parallelism comes from checking many (claim, model, variant) jobs at once.
//! `tests/stateright_agrees.rs` checks that stateright's own checker finds the same state
//! counts and verdicts.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

use stateright::Model;

use crate::check::atoms::{BExpr, Goal};
use crate::check::resources::{Budget, Stop, POLL_EVERY};
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

/// Fingerprints are already well-mixed hashes: the table uses them as they are.
#[derive(Default)]
pub(crate) struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// What each slot of the visited table costs: a `u64` fingerprint, a `u32` index and a control
/// byte, at the table's largest load (7/8).
pub(crate) const BYTES_PER_VISITED: usize = (8 + 4 + 1) * 8 / 7 + 1;

/// What a search holds now, from the capacities (not lengths) of its tables, with room for the
/// next doubling of the largest: growing a table briefly holds the old one and the new one.
pub(crate) fn held_bytes(parts: &[usize]) -> usize {
    parts.iter().sum::<usize>() + parts.iter().max().copied().unwrap_or(0) * 2
}

/// Visited states: fingerprint to discovery index.
pub(crate) type Visited = HashMap<u64, u32, BuildHasherDefault<Identity>>;

/// The first state (by discovery index) that the goal singles out.
fn observe(model: &GilModel, goal: &Goal, s: &State, i: usize, hit: &mut Option<usize>, value: &mut Option<i64>) {
    match goal {
        Goal::Always(e) => {
            if hit.is_none() && !model.eval(s, e) {
                *hit = Some(i);
            }
        }
        Goal::Sometimes(e) => {
            if hit.is_none() && model.eval(s, e) {
                *hit = Some(i);
            }
        }
        Goal::Max(t, when) | Goal::Min(t, when) => {
            if when.as_ref().is_none_or(|w| model.eval(s, w)) {
                let v = model.value(s, t);
                let better = match (*value, goal) {
                    (None, _) => true,
                    (Some(best), Goal::Max(..)) => v > best,
                    (Some(best), _) => v < best,
                };
                if better {
                    *value = Some(v);
                    *hit = Some(i);
                }
            }
        }
        Goal::LeadsTo { .. } => {}
    }
}

/// What every breadth-first search of a model has found, whatever it looked for.
pub struct Walk {
    /// For each state (by discovery index): the state it was first reached from and how.
    pub parent: Vec<(u32, Option<Action>)>,
    /// The longest shortest path from the initial state.
    pub max_depth: usize,
    /// Some state reached the horizon (ticks mode).
    pub horizon_hit: bool,
    /// A budget ended the walk before every state was seen.
    pub stopped: Option<Stop>,
}

/// Visits every state reachable from the model's initial state, breadth first and in the
/// model's action order, each once (up to symmetry when `reduce` and the model reduces it):
/// `visit(state, index, enabled actions)` returns false to end the walk there. This is the one
/// search every exhaustive check uses; liveness builds its graph on its own (it needs every
/// edge, not a tree).
pub fn breadth_first(
    model: &GilModel,
    budget: Budget,
    reduce: bool,
    mut visit: impl FnMut(&State, usize, &[Action]) -> bool,
) -> Walk {
    let meter = budget.start();
    let dims = model.sys.dims();
    let mut buf = Vec::with_capacity(256);
    let mut fingerprint = |s: &State| {
        if reduce {
            model.representative(s).encode(&dims, &mut buf);
        } else {
            s.encode(&dims, &mut buf);
        }
        xxhash_rust::xxh3::xxh3_64(&buf)
    };
    let mut visited = Visited::default();
    let mut walk = Walk { parent: Vec::new(), max_depth: 0, horizon_hit: false, stopped: None };
    let mut queue: VecDeque<(State, u32, u32)> = VecDeque::new();
    for s in model.init_states() {
        if visited.insert(fingerprint(&s), walk.parent.len() as u32).is_none() {
            queue.push_back((s, walk.parent.len() as u32, 0));
            walk.parent.push((u32::MAX, None));
        }
    }
    let horizon = model.sys.is_ticks().then_some(model.sys.runtime.horizon as u16);
    let max_states = meter.max_states();
    let mut actions = Vec::new();
    let mut processed = 0usize;
    while let Some((s, i, depth)) = queue.pop_front() {
        if processed.is_multiple_of(POLL_EVERY) {
            let bytes = held_bytes(&[
                visited.capacity() * BYTES_PER_VISITED,
                walk.parent.capacity() * std::mem::size_of::<(u32, Option<Action>)>(),
                queue.capacity() * std::mem::size_of::<(State, u32, u32)>(),
            ]);
            if let Some(stop) = meter.poll(bytes) {
                walk.stopped = Some(stop);
                break;
            }
        }
        processed += 1;
        if horizon.is_some_and(|h| s.now >= h) {
            walk.horizon_hit = true;
        }
        actions.clear();
        model.actions(&s, &mut actions);
        if !visit(&s, i as usize, &actions) {
            break;
        }
        for &a in &actions {
            let next = model.apply(&s, a);
            let fp = fingerprint(&next);
            if visited.contains_key(&fp) {
                continue;
            }
            if walk.parent.len() >= max_states {
                walk.stopped = Some(Stop::MaxStates(walk.parent.len()));
                break;
            }
            visited.insert(fp, walk.parent.len() as u32);
            queue.push_back((next, walk.parent.len() as u32, depth + 1));
            walk.parent.push((i, Some(a)));
            walk.max_depth = walk.max_depth.max(depth as usize + 1);
        }
        if walk.stopped.is_some() {
            break;
        }
    }
    walk
}

/// Explores every state reachable from the model's initial state, observing the goal.
pub fn explore(model: &GilModel, goal: &Goal, budget: Budget) -> Exploration {
    let start = Instant::now();
    let antecedents = goal.antecedents();
    let mut unseen: Vec<&BExpr> = antecedents.clone();
    let mut value = None;
    let mut value_at_horizon = false;
    let horizon = model.sys.is_ticks().then_some(model.sys.runtime.horizon as u16);
    let mut hit_index: Option<usize> = None;
    let mut fault_index: Option<usize> = None;
    let walk = breadth_first(model, budget, true, |s, i, _| {
        unseen.retain(|a| !model.eval(s, a));
        if s.fault.is_some() && fault_index.is_none() {
            fault_index = Some(i);
        }
        let before = value;
        observe(model, goal, s, i, &mut hit_index, &mut value);
        if let (Goal::Max(t, when), Some(best)) = (goal, value) {
            let at_horizon = horizon.is_some_and(|h| s.now >= h);
            if value != before {
                value_at_horizon = at_horizon;
            } else if !at_horizon && when.as_ref().is_none_or(|w| model.eval(s, w)) && model.value(s, t) == best {
                value_at_horizon = false;
            }
        }
        true
    });
    Exploration {
        states: walk.parent.len(),
        max_depth: walk.max_depth,
        hit: hit_index.map(|j| replay(model, &walk.parent, j)),
        value,
        value_at_horizon,
        antecedent_seen: unseen.is_empty(),
        horizon_hit: walk.horizon_hit,
        fault: fault_index.map(|j| {
            let trace = replay(model, &walk.parent, j);
            (trace.last().and_then(|(_, s)| s.fault).expect("a fault state"), trace)
        }),
        stopped: walk.stopped,
        elapsed: start.elapsed(),
    }
}

/// Rebuilds the path to state `j` of a search by replaying the action that first reached
/// each state (`parent`: discovery index of the predecessor, or `u32::MAX` for the start).
pub fn replay(model: &GilModel, parent: &[(u32, Option<Action>)], mut j: usize) -> Trace {
    let mut actions = Vec::new();
    while parent[j].0 != u32::MAX {
        actions.push(parent[j].1.expect("a non-initial state has an action"));
        j = parent[j].0 as usize;
    }
    actions.reverse();
    replay_actions(model, &actions)
}

/// The path that the actions take from the initial state.
pub fn replay_actions(model: &GilModel, actions: &[Action]) -> Trace {
    let mut state = model.initial();
    let mut trace = vec![(None, state.clone())];
    for &a in actions {
        state = model.apply(&state, a);
        trace.push((Some(a), state.clone()));
    }
    trace
}

/// Whether a counter the model tracks (hand-offs, forced switches, task switches) grows
/// around a cycle of the reachable state graph, so that `max` of it is unbounded. The graph
/// is that of the model with its counters left out; a transition counts as growing when,
/// taken with the counters at zero, it bumps one of them.
pub fn counter_grows_on_a_cycle(model: &GilModel) -> bool {
    use petgraph::algo::tarjan_scc;
    use petgraph::graph::DiGraph;

    let caps = crate::cpython::gil::Caps {
        handoffs: model.caps.handoffs.min(1),
        forced_switches: model.caps.forced_switches.min(1),
        task_switches: model.caps.task_switches.min(1),
        ..model.caps
    };
    let probe = GilModel::new(model.sys.clone(), caps);
    let dims = probe.sys.dims();
    let mut buf = Vec::with_capacity(256);
    let mut fingerprint = |s: &State| {
        s.encode(&dims, &mut buf);
        xxhash_rust::xxh3::xxh3_64(&buf)
    };
    let uncounted = |mut s: State| {
        let grew = s.handoffs + s.forced_switches + s.task_switches > 0;
        (s.handoffs, s.forced_switches, s.task_switches) = (0, 0, 0);
        (s, grew)
    };
    let mut index = Visited::default();
    let mut graph: DiGraph<(), bool> = DiGraph::new();
    let mut queue = VecDeque::new();
    for s in probe.init_states() {
        let (s, _) = uncounted(s);
        index.insert(fingerprint(&s), graph.add_node(()).index() as u32);
        queue.push_back((s, 0u32));
    }
    let mut actions = Vec::new();
    while let Some((s, i)) = queue.pop_front() {
        actions.clear();
        probe.actions(&s, &mut actions);
        for &a in &actions {
            let (next, grew) = uncounted(probe.apply(&s, a));
            let fp = fingerprint(&next);
            let j = match index.get(&fp) {
                Some(&j) => j,
                None => {
                    let j = graph.add_node(()).index() as u32;
                    index.insert(fp, j);
                    queue.push_back((next, j));
                    j
                }
            };
            graph.add_edge(i.into(), j.into(), grew);
        }
    }
    let mut component = vec![usize::MAX; graph.node_count()];
    for (c, members) in tarjan_scc(&graph).into_iter().enumerate() {
        for v in members {
            component[v.index()] = c;
        }
    }
    graph.edge_indices().any(|e| {
        let (a, b) = graph.edge_endpoints(e).expect("an edge");
        graph[e] && component[a.index()] == component[b.index()]
    })
}
