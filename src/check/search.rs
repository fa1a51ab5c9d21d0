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

use crate::check::atoms::{BExpr, BTerm, Goal};
use crate::check::resources::{Budget, Stop};
use crate::input::claim::CmpOp;
use crate::cpython::model::{Action, GilModel};
use crate::cpython::state::{Fault, State};

/// A path from the initial state: each state with the action that led to it.
pub type Trace = Vec<(Option<Action>, State)>;

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
    /// The left side of a top-level `->` (or a `when`) held somewhere.
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

/// Explores every state reachable from the model's initial state, breadth first.
pub fn explore(model: &GilModel, goal: &Goal, budget: Budget) -> Exploration {
    let start = Instant::now();
    let dims = model.sys.dims();
    let mut buf = Vec::with_capacity(256);
    let mut fingerprint = |s: &State| {
        model.representative(s).encode(&dims, &mut buf);
        xxhash_rust::xxh3::xxh3_64(&buf)
    };
    let mut visited = Visited::default();
    // For each state (by discovery index): the state it was first reached from and how.
    let mut parent: Vec<(u32, Option<Action>)> = Vec::new();
    let mut queue: VecDeque<(State, u32, u32)> = VecDeque::new();
    for s in model.init_states() {
        if visited.insert(fingerprint(&s), parent.len() as u32).is_none() {
            queue.push_back((s, parent.len() as u32, 0));
            parent.push((u32::MAX, None));
        }
    }
    let antecedent = match goal {
        Goal::Always(BExpr::Implies(a, _)) => Some(a.as_ref()),
        Goal::Max(_, Some(w)) | Goal::Min(_, Some(w)) => Some(w),
        _ => None,
    };
    let horizon = model.sys.is_ticks().then_some(model.sys.runtime.horizon as u16);
    let max_states = budget.max_states.unwrap_or(usize::MAX);
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
    let mut processed = 0usize;
    while let Some((s, i, depth)) = queue.pop_front() {
        let i = i as usize;
        if processed.is_multiple_of(4096) {
            if let Some(limit) = budget.timeout {
                if start.elapsed() >= limit {
                    out.stopped = Some(Stop::Timeout(limit));
                    break;
                }
            }
        }
        processed += 1;
        if antecedent.is_some_and(|a| model.eval(&s, a)) {
            out.antecedent_seen = true;
        }
        if horizon.is_some_and(|h| s.now >= h) {
            out.horizon_hit = true;
        }
        if s.fault.is_some() && fault_index.is_none() {
            fault_index = Some(i);
        }
        observe(model, goal, &s, i, &mut hit_index, &mut out.value);
        actions.clear();
        model.actions(&s, &mut actions);
        for &a in &actions {
            let next = model.apply(&s, a);
            let fp = fingerprint(&next);
            if visited.contains_key(&fp) {
                continue;
            }
            if parent.len() >= max_states {
                out.stopped = Some(Stop::MaxStates(parent.len()));
                break;
            }
            visited.insert(fp, parent.len() as u32);
            queue.push_back((next, parent.len() as u32, depth + 1));
            parent.push((i as u32, Some(a)));
            out.max_depth = out.max_depth.max(depth as usize + 1);
        }
        if out.stopped.is_some() {
            break;
        }
    }
    out.states = parent.len();
    out.hit = hit_index.map(|j| replay(model, &parent, j));
    out.fault = fault_index.map(|j| {
        let trace = replay(model, &parent, j);
        (trace.last().and_then(|(_, s)| s.fault).expect("a fault state"), trace)
    });
    out.elapsed = start.elapsed();
    out
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

/// How many states a model has (e.g. to say how large a refused drawing would be).
pub fn count_states(model: &GilModel) -> usize {
    let everything = Goal::Sometimes(BExpr::Cmp(BTerm::Int(0), CmpOp::Ne, BTerm::Int(0)));
    explore(model, &everything, Budget::default()).states
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
