//! Liveness under weak fairness: `eventually P` and `P leads_to Q`.
//!
//! stateright's `eventually` only reports paths that end in a terminal state, so a starving
//! thread that cycles forever is missed. We build the whole reachable state graph instead and
//! look for a *fair* way never to reach the goal:
//!
//! ```text
//! P leads_to Q fails  iff  some reachable state has P && !Q, and from it a fair path
//!                          stays in !Q forever: it ends in a terminal state, or it
//!                          enters a strongly connected component C of !Q states in which
//!                          a fair scheduler can stay.
//! eventually P        =    (initial state) leads_to P
//! ```
//!
//! **Weak fairness** (SPEC §3): a thread that can take a step continuously eventually takes
//! it, and an event that stays enabled (a waiter's switch interval running out, an I/O, a
//! sleep or a timer completing) eventually happens. Each thread's actions form one fairness
//! unit ([`Action::unit`]: its steps, taking the GIL, its interval running out, its blocking
//! call returning; a runnable thread waiting for a CPU counts as able to move), and each
//! task's timer or I/O is one. A component
//! C is fair when every unit enabled in *all* of C's states has a transition inside C: a path
//! that goes round all of C forever then takes every continuously enabled unit infinitely
//! often, and units disabled somewhere in C are not continuously enabled. Nothing is fair to
//! a thread that can take the GIL only now and then (no strong fairness): that is how
//! starvation shows. Checking maximal components suffices: a smaller one has fewer
//! transitions and no fewer continuously enabled units.
//!
//! The counterexample is a lasso: the shortest stem to a fair component (or a terminal state)
//! and a cycle through it that takes, for each unit, a transition of it or a state where it is
//! disabled, so the cycle itself is fair. Every edge is a transition of the model.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use stateright::Model;

use crate::check::atoms::BExpr;
use crate::check::resources::{Budget, Meter, Searching, Stop, POLL_EVERY};
use crate::check::search::replay_actions;
use crate::check::search::{held_bytes, BYTES_PER_VISITED};
use crate::check::visited::Visited;
use crate::cpython::model::Trace;
use crate::cpython::model::{Action, GilModel};
use crate::cpython::state::State;

/// What a liveness search found.
#[derive(Clone, Debug)]
pub struct LivenessResult {
    pub states: usize,
    pub max_depth: usize,
    /// A fair path that never reaches the goal, and where its cycle starts (`None`: the path
    /// ends in a terminal state).
    pub counterexample: Option<(Trace, Option<usize>)>,
    /// No reachable state starts the obligation.
    pub vacuous: bool,
    /// Some reachable state could not be modelled (a shared variable left its byte): the
    /// graph is cut there, so no verdict.
    pub fault: bool,
    pub stopped: Option<Stop>,
    pub elapsed: Duration,
}

/// The reachable state graph, with what liveness needs of each state.
struct StateGraph {
    /// Per state: (trigger holds, goal holds, units enabled, BFS depth, BFS parent edge).
    info: Vec<StateInfo>,
    /// (from, to, action), in discovery order.
    edges: Vec<(u32, u32, Action)>,
    /// Where each state's outgoing edges start in `edges`: the search adds all of a state's
    /// edges at once, in state order, so they are contiguous.
    first_edge: Vec<u32>,
    /// Some state has a [`crate::cpython::state::Fault`].
    fault: bool,
}

impl StateGraph {
    /// About what the graph holds in memory (its tables' capacities).
    fn bytes(&self) -> usize {
        self.info.capacity() * std::mem::size_of::<StateInfo>()
            + self.first_edge.capacity() * 4
            + self.edges.capacity() * std::mem::size_of::<(u32, u32, Action)>()
    }

    /// The indices of state `s`'s outgoing edges.
    fn out(&self, s: u32) -> std::ops::Range<u32> {
        let s = s as usize;
        self.first_edge[s]..self.first_edge.get(s + 1).copied().unwrap_or(self.edges.len() as u32)
    }
}

struct StateInfo {
    trigger: bool,
    goal: bool,
    enabled: u32,
    depth: u32,
    parent_edge: Option<u32>,
}

/// Checks `trigger leads_to goal` (`None`: `eventually goal`) on every fair path of the model.
pub fn check(model: &GilModel, trigger: Option<&BExpr>, goal: &BExpr, budget: Budget) -> LivenessResult {
    // One core, counted, so that breadth-first searches beside it leave it that core.
    let _running = Searching::start();
    let meter = budget.start();
    let (graph, stopped) = build(model, trigger, goal, &meter);
    let mut result = LivenessResult {
        states: graph.info.len(),
        max_depth: graph.info.iter().map(|i| i.depth as usize).max().unwrap_or(0),
        counterexample: None,
        vacuous: false,
        fault: graph.fault,
        stopped,
        elapsed: Duration::ZERO,
    };
    if result.stopped.is_none() && !result.fault {
        let triggers: Vec<u32> = (0..graph.info.len() as u32)
            .filter(|&s| {
                let i = &graph.info[s as usize];
                !i.goal && (if trigger.is_some() { i.trigger } else { s == 0 })
            })
            .collect();
        let any_trigger = trigger.is_none() || graph.info.iter().any(|i| i.trigger);
        result.vacuous = !any_trigger;
        match find_lasso(model, &graph, &triggers, &meter) {
            Ok(found) => result.counterexample = found,
            Err(stop) => result.stopped = Some(stop),
        }
    }
    result.elapsed = meter.elapsed();
    result
}

fn build(model: &GilModel, trigger: Option<&BExpr>, goal: &BExpr, meter: &Meter) -> (StateGraph, Option<Stop>) {
    let dims = model.sys.dims();
    let mut buf = Vec::with_capacity(256);
    let mut fingerprint = |s: &State| {
        s.encode(&dims, &mut buf);
        xxhash_rust::xxh3::xxh3_64(&buf)
    };
    let mut index = Visited::default();
    let mut graph = StateGraph { info: Vec::new(), edges: Vec::new(), first_edge: Vec::new(), fault: false };
    let mut queue: VecDeque<(State, u32)> = VecDeque::new();
    let add = |s: &State, depth: u32, parent_edge: Option<u32>, graph: &mut StateGraph| {
        graph.info.push(StateInfo {
            trigger: trigger.is_some_and(|t| model.eval(s, t)),
            goal: model.eval(s, goal),
            enabled: 0,
            depth,
            parent_edge,
        });
    };
    for s in model.init_states() {
        index.insert(fingerprint(&s), 0);
        add(&s, 0, None, &mut graph);
        queue.push_back((s, 0));
    }
    let max_states = meter.max_states();
    let mut actions = Vec::new();
    let mut processed = 0usize;
    while let Some((s, i)) = queue.pop_front() {
        if processed.is_multiple_of(POLL_EVERY) {
            let bytes = held_bytes(&[
                graph.bytes(),
                index.capacity() * BYTES_PER_VISITED,
                queue.capacity() * std::mem::size_of::<(State, u32)>(),
            ]);
            if let Some(stop) = meter.poll(bytes) {
                return (graph, Some(stop));
            }
        }
        processed += 1;
        graph.first_edge.push(graph.edges.len() as u32);
        graph.fault |= s.fault.is_some();
        actions.clear();
        model.actions(&s, &mut actions);
        let mut enabled = model.runnable_units(&s);
        for &a in &actions {
            enabled |= a.unit();
            let next = model.apply(&s, a);
            let fp = fingerprint(&next);
            let e = graph.edges.len() as u32;
            let j = match index.get(&fp) {
                Some(&j) => j,
                None => {
                    if graph.info.len() >= max_states {
                        return (graph, Some(Stop::MaxStates(max_states)));
                    }
                    let j = graph.info.len() as u32;
                    index.insert(fp, j);
                    add(&next, graph.info[i as usize].depth + 1, Some(e), &mut graph);
                    queue.push_back((next, j));
                    j
                }
            };
            graph.edges.push((i, j, a));
        }
        graph.info[i as usize].enabled = enabled;
    }
    (graph, None)
}

/// The shortest fair way from a trigger never to reach the goal, as a lasso (or a path to a
/// terminal state); `None` when every fair path from every trigger reaches the goal.
/// The analysis polls the budget too: it can take as long as the search (`Err` when it stops).
fn find_lasso(
    model: &GilModel,
    graph: &StateGraph,
    triggers: &[u32],
    meter: &Meter,
) -> Result<Option<(Trace, Option<usize>)>, Stop> {
    // The analysis holds about as much again as the graph (distances, a subgraph, components).
    let poll = || meter.poll(2 * graph.bytes()).map_or(Ok(()), Err);
    poll()?;
    let n = graph.info.len();
    // Distances from the initial state through a trigger, then through !goal states only
    // (Dijkstra with unit weights: triggers enter at their own BFS depth).
    let mut dist = vec![u32::MAX; n];
    let mut via = vec![None::<u32>; n]; // the edge that reached a state inside the region
    let mut heap = BinaryHeap::new();
    for &t in triggers {
        dist[t as usize] = graph.info[t as usize].depth;
        heap.push(Reverse((dist[t as usize], t)));
    }
    let mut popped = 0usize;
    while let Some(Reverse((d, s))) = heap.pop() {
        popped += 1;
        if popped.is_multiple_of(POLL_EVERY) {
            poll()?;
        }
        if d > dist[s as usize] {
            continue;
        }
        for e in graph.out(s) {
            let (_, to, _) = graph.edges[e as usize];
            if !graph.info[to as usize].goal && d + 1 < dist[to as usize] {
                dist[to as usize] = d + 1;
                via[to as usize] = Some(e);
                heap.push(Reverse((d + 1, to)));
            }
        }
    }
    let in_region = |s: u32| dist[s as usize] != u32::MAX;
    // Candidates: terminal states of the region, and its fair components; the nearest wins
    // (ties: the first discovered).
    let mut best: Option<(u32, u32, Option<Vec<u32>>)> = None; // (distance, entry, component)
    let consider = |d: u32, entry: u32, comp: Option<Vec<u32>>, best: &mut Option<(u32, u32, Option<Vec<u32>>)>| {
        if best.as_ref().is_none_or(|(bd, be, _)| (d, entry) < (*bd, *be)) {
            *best = Some((d, entry, comp));
        }
    };
    for s in 0..n as u32 {
        if in_region(s) && graph.out(s).is_empty() {
            consider(dist[s as usize], s, None, &mut best);
        }
    }
    let mut sub: DiGraph<u32, u32> = DiGraph::new();
    let mut node_of = vec![NodeIndex::end(); n];
    for s in 0..n as u32 {
        if in_region(s) {
            node_of[s as usize] = sub.add_node(s);
        }
    }
    for (e, &(from, to, _)) in graph.edges.iter().enumerate() {
        if in_region(from) && in_region(to) {
            sub.add_edge(node_of[from as usize], node_of[to as usize], e as u32);
        }
    }
    poll()?;
    for (k, comp) in tarjan_scc(&sub).into_iter().enumerate() {
        if k.is_multiple_of(POLL_EVERY) {
            poll()?;
        }
        let states: Vec<u32> = comp.iter().map(|&v| sub[v]).collect();
        if let Some(members) = fair_component(graph, &states, &node_of, &sub) {
            let entry = *members.iter().min_by_key(|&&s| (dist[s as usize], s)).expect("non-empty");
            consider(dist[entry as usize], entry, Some(members), &mut best);
        }
    }
    let Some((_, entry, comp)) = best else { return Ok(None) };
    // The stem: from the initial state to the trigger, then inside the region to the entry.
    let mut stem_edges = Vec::new();
    let mut s = entry;
    while let Some(e) = via[s as usize] {
        stem_edges.push(e);
        s = graph.edges[e as usize].0;
    }
    while let Some(e) = graph.info[s as usize].parent_edge {
        stem_edges.push(e);
        s = graph.edges[e as usize].0;
    }
    stem_edges.reverse();
    let cycle = comp.map(|members| fair_cycle(graph, &members, entry)).unwrap_or_default();
    let loop_start = (!cycle.is_empty()).then_some(stem_edges.len());
    let actions: Vec<Action> = stem_edges.iter().chain(cycle.iter()).map(|&e| graph.edges[e as usize].2).collect();
    Ok(Some((replay_actions(model, &actions), loop_start)))
}

/// A strongly connected component (as states) in which a fair scheduler can stay forever.
fn fair_component(
    graph: &StateGraph,
    states: &[u32],
    node_of: &[NodeIndex],
    sub: &DiGraph<u32, u32>,
) -> Option<Vec<u32>> {
    let members: HashSet<u32> = states.iter().copied().collect();
    let internal = |e: u32| {
        let (from, to, _) = graph.edges[e as usize];
        members.contains(&from) && members.contains(&to)
    };
    let mut taken = 0u32;
    let mut has_edge = false;
    for &s in states {
        for edge in sub.edges(node_of[s as usize]) {
            let e = *edge.weight();
            if internal(e) {
                has_edge = true;
                taken |= graph.edges[e as usize].2.unit();
            }
        }
    }
    if !has_edge {
        return None;
    }
    let always_enabled = states.iter().fold(u32::MAX, |acc, &s| acc & graph.info[s as usize].enabled);
    (always_enabled & !taken == 0).then(|| {
        let mut members = states.to_vec();
        members.sort_unstable();
        members
    })
}

/// A cycle from `entry` through the component that is fair on its own: for each fairness unit
/// enabled somewhere in the component, it takes one of the unit's transitions or passes a
/// state where the unit is disabled. Returns edge indices.
fn fair_cycle(graph: &StateGraph, members: &[u32], entry: u32) -> Vec<u32> {
    let inside = |s: u32| members.binary_search(&s).is_ok();
    let mut cycle = Vec::new();
    let mut at = entry;
    let units = members.iter().fold(0u32, |acc, &s| acc | graph.info[s as usize].enabled);
    for bit in 0..32 {
        let unit = 1u32 << bit;
        if units & unit == 0 {
            continue;
        }
        let edge_of_unit = |s: u32| -> Option<u32> {
            graph.out(s).find(|&e| {
                let (_, to, a) = graph.edges[e as usize];
                inside(to) && a.unit() == unit
            })
        };
        // Take one of the unit's transitions if the component has one, else visit a state
        // where the unit is disabled (the component is fair, so one exists).
        if let Some(path) = path_within(graph, &inside, at, |s| edge_of_unit(s).is_some()) {
            let (end, mut edges) = path;
            cycle.append(&mut edges);
            let e = edge_of_unit(end).expect("found above");
            cycle.push(e);
            at = graph.edges[e as usize].1;
        } else if let Some((end, mut edges)) =
            path_within(graph, &inside, at, |s| graph.info[s as usize].enabled & unit == 0)
        {
            cycle.append(&mut edges);
            at = end;
        }
    }
    if cycle.is_empty() {
        // Take any transition inside, so that the cycle has at least one edge.
        let e = graph.out(at).find(|&e| inside(graph.edges[e as usize].1)).expect("an edge");
        cycle.push(e);
        at = graph.edges[e as usize].1;
    }
    let (_, mut back) = path_within(graph, &inside, at, |s| s == entry).expect("strongly connected");
    cycle.append(&mut back);
    cycle
}

/// The shortest path inside the component from `from` to a state satisfying `done`.
fn path_within(
    graph: &StateGraph,
    inside: &dyn Fn(u32) -> bool,
    from: u32,
    done: impl Fn(u32) -> bool,
) -> Option<(u32, Vec<u32>)> {
    let mut prev: HashMap<u32, Option<u32>> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    prev.insert(from, None);
    while let Some(s) = queue.pop_front() {
        if done(s) {
            let mut edges = Vec::new();
            let mut t = s;
            while let Some(Some(e)) = prev.get(&t) {
                edges.push(*e);
                t = graph.edges[*e as usize].0;
            }
            edges.reverse();
            return Some((s, edges));
        }
        for e in graph.out(s) {
            let to = graph.edges[e as usize].1;
            if inside(to) && !prev.contains_key(&to) {
                prev.insert(to, Some(e));
                queue.push_back(to);
            }
        }
    }
    None
}
