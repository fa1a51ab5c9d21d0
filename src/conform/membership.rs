//! Trace membership (SPEC §9): is a recorded trace the observable projection of some path of
//! the model? The search walks the product of the model's states and the position in the
//! trace, exhaustively ([`Queued`] says in which order): it accepts, or says why no path fits.
//!
//! **What is observed, and where.** The generated program records each event with a list
//! append at a step boundary, while its thread holds the GIL (where there is one): a step's
//! `start` just before it, its `end` just after it (after a blocking call, once the GIL is
//! back), and a task's `resume` when the loop runs the callback that resumes it. So an event
//! is not an effect of a model transition but a zero-time move of its own, enabled while its
//! emitter sits at that boundary ([`point`]) and may run Python: a model path *explains* a
//! trace when the trace's events can be placed, in order, at states where their emitter is at
//! their boundary. A model transition that carries an emitter past a boundary whose record the
//! trace holds next is not allowed before the record is placed (the program records at every
//! visit). Steps the trace never mentions are unobserved: the generated program does not
//! record between two steps that have no switch point between them, since the record (a call)
//! would add one (`crate::conform::python`).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use crate::conform::trace::{Event, Kind, Trace};
use crate::cpython::model::GilModel;
use crate::cpython::program::ThreadKind;
use crate::cpython::state::{Callback, GilRel, Phase, State, MAX_TASKS, MAX_THREADS};
use crate::input::scenario::GilKind;

/// Who records events: a plain thread or a task (loop threads and executor workers record none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Thread(u8),
    Task(u8),
}

/// Where an emitter can record: at a step boundary (its next step's index), or about to be
/// resumed by its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    Boundary(u8),
    Resume,
}

const EMITTERS: usize = MAX_THREADS + MAX_TASKS;

/// What an emitter has recorded at its current visit of a point: records at one boundary come
/// in program order, an `end` then a `start`.
const NOTHING: u8 = 0;

fn mark_of(kind: Kind) -> u8 {
    match kind {
        Kind::End => 1,
        Kind::Start => 2,
        Kind::Resume => 3,
    }
}

/// The emitters of a model, in a fixed order: plain threads, then tasks.
pub fn emitters(model: &GilModel) -> Vec<(String, Who)> {
    let sys = &model.sys;
    let threads = sys.threads.iter().enumerate().filter(|(_, t)| matches!(t.kind, ThreadKind::Plain(_)));
    let mut out: Vec<(String, Who)> = threads.map(|(i, t)| (t.name.clone(), Who::Thread(i as u8))).collect();
    out.extend(sys.tasks.iter().enumerate().map(|(k, t)| (t.name.clone(), Who::Task(k as u8))));
    out
}

/// The number of steps of an emitter's program.
pub fn steps_of(model: &GilModel, who: Who) -> usize {
    match who {
        Who::Thread(t) => match &model.sys.threads[t as usize].kind {
            ThreadKind::Plain(p) => p.ops.len(),
            _ => 0,
        },
        Who::Task(k) => model.sys.tasks[k as usize].program.ops.len(),
    }
}

/// The point `who` is at in `s`, and whether it may run Python there now (it holds the GIL, or
/// the build has none).
pub fn point(model: &GilModel, s: &State, who: Who) -> Option<(Point, bool)> {
    let may_run = |t: usize| model.sys.gil() == GilKind::None || s.threads[t].gil == GilRel::Has;
    match who {
        Who::Thread(t) => {
            let th = &s.threads[t as usize];
            (th.phase == Phase::Ready).then(|| (Point::Boundary(th.pc), may_run(t as usize)))
        }
        Who::Task(k) => {
            let l = model.sys.tasks[k as usize].loop_id as usize;
            let t = model.sys.loops[l].thread as usize;
            let th = &s.threads[t];
            if th.task == k && th.phase == Phase::Ready {
                return Some((Point::Boundary(s.tasks[k as usize].pc), may_run(t)));
            }
            let lp = &s.loops[l];
            let next = lp.ready.front() == Some(Callback::Step(k));
            (th.phase == Phase::LoopRun && lp.todo > 0 && next).then(|| (Point::Resume, may_run(t)))
        }
    }
}

/// Whether an event of kind `kind` for step `step` belongs at `point`, given what was recorded
/// there already at this visit (`mark`).
fn fits(point: Point, mark: u8, kind: Kind, step: u32, len: usize) -> bool {
    match (point, kind) {
        (Point::Boundary(p), Kind::End) => mark == NOTHING && p > 0 && step + 1 == p as u32,
        (Point::Boundary(p), Kind::Start) => mark <= mark_of(Kind::End) && (p as usize) < len && step == p as u32,
        (Point::Resume, Kind::Resume) => mark == NOTHING,
        _ => false,
    }
}

/// Why a trace is not a projection of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Events placed on the best path found (in trace order, the longest accepted prefix).
    pub accepted: usize,
    /// The first event no path allows after that prefix; None when every event fits but no
    /// path ends as the run did.
    pub first_refused: Option<Event>,
    /// The events the model allowed there, for people (`a start of step 1`, …).
    pub allowed: Vec<String>,
    /// When every event fits: the final values the model can reach, for people.
    pub ends: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Membership {
    Accepted {
        states: usize,
    },
    Rejected {
        states: usize,
        why: Rejection,
    },
    /// The budget ran out first.
    Unknown {
        states: usize,
        why: String,
    },
}

/// A product state: the model's state and how far each emitter is in the trace.
#[derive(Clone)]
struct Node {
    s: State,
    /// Events of each emitter placed so far.
    cursor: [u16; EMITTERS],
    /// What each emitter recorded at its current visit of its point.
    mark: [u8; EMITTERS],
    /// The path so far passed a state the [`Objective`] singles out.
    hit: bool,
}

/// Which paths may explain the trace: any, only those that pass a state with some property
/// (a claim's counterexample or witness, for realisation), or only those that never do.
#[derive(Clone, Copy)]
pub enum Objective<'a> {
    Any,
    Through(&'a dyn Fn(&State) -> bool),
    Avoiding(&'a dyn Fn(&State) -> bool),
}

/// A trace bound to a model: its events by emitter, in groups of events the clock cannot order.
struct Bound<'a> {
    model: &'a GilModel,
    who: Vec<Who>,
    /// Per event: its emitter (index into `who`) and its index among that emitter's events.
    owner: Vec<(usize, usize)>,
    /// Per emitter: its events, as indices into the trace.
    by_emitter: Vec<Vec<usize>>,
    /// Per event: its group (consecutive events with equal `t_ns`).
    group: Vec<usize>,
    /// The (emitter, kind, step) the trace records: the program records them at every visit.
    observed: HashSet<(usize, Kind, u32)>,
    lens: Vec<usize>,
    objective: Objective<'a>,
    trace: &'a Trace,
    vars: Vec<i64>,
}

/// Binds a trace's names to the model; an unknown name or step is an error of the trace.
fn bind<'a>(model: &'a GilModel, trace: &'a Trace, objective: Objective<'a>) -> Result<Bound<'a>, String> {
    let emitters = emitters(model);
    let who: Vec<Who> = emitters.iter().map(|(_, w)| *w).collect();
    let lens: Vec<usize> = who.iter().map(|w| steps_of(model, *w)).collect();
    let mut owner = Vec::new();
    let mut by_emitter = vec![Vec::new(); who.len()];
    let mut group = Vec::new();
    let mut observed = HashSet::new();
    for (i, e) in trace.events.iter().enumerate() {
        let Some(x) = emitters.iter().position(|(n, _)| *n == e.who) else {
            let names: Vec<&str> = emitters.iter().map(|(n, _)| n.as_str()).collect();
            return Err(format!(
                "line {}: no thread or task `{}`; expected one of: {}",
                e.line,
                e.who,
                names.join(", ")
            ));
        };
        if e.kind == Kind::Resume && matches!(who[x], Who::Thread(_)) {
            return Err(format!("line {}: `{}` is a thread; only tasks are resumed", e.line, e.who));
        }
        if e.kind != Kind::Resume && e.step as usize >= lens[x] {
            return Err(format!("line {}: `{}` has no step {} (it has {})", e.line, e.who, e.step, lens[x]));
        }
        owner.push((x, by_emitter[x].len()));
        by_emitter[x].push(i);
        observed.insert((x, e.kind, e.step));
        let same_instant = i > 0 && trace.events[i - 1].t_ns == e.t_ns;
        group.push(if same_instant { group[i - 1] } else { group.last().map_or(0, |g| g + 1) });
    }
    if by_emitter.iter().any(|v| v.len() > u16::MAX as usize) {
        return Err(format!("an emitter has more than {} events", u16::MAX));
    }
    let mut vars = Vec::new();
    for (name, _) in &model.sys.vars {
        match trace.vars.iter().find(|(n, _)| n == name) {
            Some((_, v)) => vars.push(*v),
            None if !trace.complete => vars.push(0),
            None => return Err(format!("the `vars` line has no value for `{name}`")),
        }
    }
    if let Some((name, _)) = trace.vars.iter().find(|(n, _)| model.sys.var_index(n).is_none()) {
        return Err(format!("the `vars` line names `{name}`, which the scenario does not use"));
    }
    Ok(Bound { model, who, owner, by_emitter, group, observed, lens, objective, trace, vars })
}

impl Bound<'_> {
    /// The next event of emitter `x` not yet placed.
    fn next_of(&self, n: &Node, x: usize) -> Option<usize> {
        self.by_emitter[x].get(n.cursor[x] as usize).copied()
    }

    fn placed(&self, n: &Node, i: usize) -> bool {
        let (x, j) = self.owner[i];
        j < n.cursor[x] as usize
    }

    /// The first group with an event not placed yet.
    fn open_group(&self, n: &Node) -> Option<usize> {
        let first = (0..self.trace.events.len()).find(|&i| !self.placed(n, i))?;
        Some(self.group[first])
    }

    fn count(&self, n: &Node) -> usize {
        n.cursor.iter().map(|&c| c as usize).sum()
    }

    /// Record moves: each emitter whose next event is in the open group and fits its point.
    fn records(&self, n: &Node, out: &mut Vec<Node>) {
        let Some(g) = self.open_group(n) else { return };
        for x in 0..self.who.len() {
            let Some(i) = self.next_of(n, x) else { continue };
            if self.group[i] != g {
                continue;
            }
            let e = &self.trace.events[i];
            if let Some((p, true)) = point(self.model, &n.s, self.who[x]) {
                if fits(p, n.mark[x], e.kind, e.step, self.lens[x]) {
                    let mut next = n.clone();
                    next.cursor[x] += 1;
                    next.mark[x] = mark_of(e.kind);
                    out.push(next);
                }
            }
        }
    }

    /// The model's own moves that carry no emitter past a record it owes ([`Self::owes_record`]).
    fn moves(&self, n: &Node, out: &mut Vec<Node>) {
        let mut actions = Vec::new();
        self.model.enabled(&n.s, &mut actions);
        'actions: for a in actions {
            let s = self.model.apply(&n.s, a);
            let mut mark = n.mark;
            for (x, &who) in self.who.iter().enumerate() {
                let before = point(self.model, &n.s, who).map(|(p, _)| p);
                let after = point(self.model, &s, who).map(|(p, _)| p);
                if before == after {
                    continue;
                }
                if let Some(p) = before {
                    if self.owes_record(n, x, p) {
                        continue 'actions;
                    }
                }
                mark[x] = NOTHING;
            }
            let Some(hit) = self.passes(n, &s) else { continue };
            out.push(Node { s, cursor: n.cursor, mark, hit });
        }
    }

    /// Whether emitter `x`, leaving point `p`, has not made a record the program makes at every
    /// visit there: one whose kind and step the trace holds somewhere. After its last event
    /// a prefix (a cut run) owes nothing more.
    fn owes_record(&self, n: &Node, x: usize, p: Point) -> bool {
        if !self.trace.complete && self.next_of(n, x).is_none() {
            return false;
        }
        let m = n.mark[x];
        match p {
            Point::Boundary(b) => {
                let end = m == NOTHING && b > 0 && self.observed.contains(&(x, Kind::End, b as u32 - 1));
                let start = m <= mark_of(Kind::End)
                    && (b as usize) < self.lens[x]
                    && self.observed.contains(&(x, Kind::Start, b as u32));
                end || start
            }
            Point::Resume => m == NOTHING && self.observed.contains(&(x, Kind::Resume, 0)),
        }
    }

    /// Whether the path may go on to `s` under the objective (None: it may not), and whether
    /// it has then passed a singled-out state. What a cut run did after its last event is not
    /// known, so the states after it do not count.
    fn passes(&self, n: &Node, s: &State) -> Option<bool> {
        let known = self.trace.complete || self.count(n) < self.trace.events.len();
        match self.objective {
            Objective::Any => Some(false),
            Objective::Through(f) => Some(n.hit || (known && f(s))),
            Objective::Avoiding(f) => (!(known && f(s))).then_some(false),
        }
    }

    fn ends_here(&self, n: &Node) -> bool {
        if self.count(n) < self.trace.events.len() {
            return false;
        }
        if matches!(self.objective, Objective::Through(_)) && !n.hit {
            return false;
        }
        if !self.trace.complete {
            return true;
        }
        n.s.fault.is_none()
            && self.model.all_done(&n.s)
            && self.vars.iter().enumerate().all(|(i, v)| i64::from(n.s.vars[i]) == *v)
    }

    /// What the model allows at a node: the records its emitters could make there.
    fn allowed(&self, n: &Node, out: &mut Vec<String>) {
        for x in 0..self.who.len() {
            let Some((p, true)) = point(self.model, &n.s, self.who[x]) else { continue };
            let name = &self.trace_name(x);
            match p {
                Point::Resume if n.mark[x] == NOTHING => out.push(format!("{name} resumed")),
                Point::Boundary(b) => {
                    if n.mark[x] == NOTHING && b > 0 {
                        out.push(format!("{name} end of step {}", b - 1));
                    }
                    if n.mark[x] <= mark_of(Kind::End) && (b as usize) < self.lens[x] {
                        out.push(format!("{name} start of step {b}"));
                    }
                }
                _ => {}
            }
        }
    }

    fn trace_name(&self, x: usize) -> String {
        match self.who[x] {
            Who::Thread(t) => self.model.sys.threads[t as usize].name.clone(),
            Who::Task(k) => self.model.sys.tasks[k as usize].name.clone(),
        }
    }
}

fn fingerprint(n: &Node, dims: &crate::cpython::state::Dims, buf: &mut Vec<u8>) -> u64 {
    n.s.encode(dims, buf);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    buf.hash(&mut h);
    n.cursor.hash(&mut h);
    n.mark.hash(&mut h);
    n.hit.hash(&mut h);
    h.finish()
}

/// A product state waiting to be explored. The search takes first the states that have placed
/// the most events (then the oldest): an accepted trace is found along a short dive, while a
/// rejection still explores every product state, so the verdict does not depend on the order.
struct Queued {
    placed: usize,
    order: Reverse<u64>,
    node: Node,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.placed, self.order) == (other.placed, other.order)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.placed, self.order).cmp(&(other.placed, other.order))
    }
}

/// Decides whether `trace` is a projection of a path of `model` (which should be untimed: it
/// then covers every real timing), within `max_states` product states and `timeout`.
pub fn check(
    model: &GilModel,
    trace: &Trace,
    max_states: usize,
    timeout: Option<Duration>,
) -> Result<Membership, String> {
    check_for(model, trace, Objective::Any, max_states, timeout)
}

/// [`check`], with only the paths an [`Objective`] allows.
pub fn check_for(
    model: &GilModel,
    trace: &Trace,
    objective: Objective,
    max_states: usize,
    timeout: Option<Duration>,
) -> Result<Membership, String> {
    let bound = bind(model, trace, objective)?;
    let started = Instant::now();
    let dims = model.sys.dims();
    let mut buf = Vec::new();
    let s0 = model.initial();
    let hit = match objective {
        Objective::Any => false,
        Objective::Through(f) => f(&s0),
        Objective::Avoiding(f) if f(&s0) => {
            return Ok(Membership::Rejected {
                states: 1,
                why: Rejection { accepted: 0, first_refused: None, allowed: vec![], ends: vec![] },
            })
        }
        Objective::Avoiding(_) => false,
    };
    let start = Node { s: s0, cursor: [0; EMITTERS], mark: [NOTHING; EMITTERS], hit };
    let mut seen = HashSet::from([fingerprint(&start, &dims, &mut buf)]);
    let mut queue = BinaryHeap::new();
    let mut order = 0u64;
    queue.push(Queued { placed: 0, order: Reverse(order), node: start });
    let mut best = 0usize;
    let mut frontier: Vec<Node> = Vec::new();
    let mut successors = Vec::new();
    let mut ends = Vec::new();
    let memory_limit = crate::check::resources::default_memory();
    let mut steps = 0usize;
    while let Some(Queued { node: n, .. }) = queue.pop() {
        if bound.ends_here(&n) {
            return Ok(Membership::Accepted { states: seen.len() });
        }
        if bound.count(&n) == trace.events.len() && model.all_done(&n.s) && ends.len() < 16 {
            let sys = &model.sys;
            let vals: Vec<String> =
                sys.vars.iter().enumerate().map(|(i, (name, _))| format!("{name} = {}", n.s.vars[i])).collect();
            ends.push(vals.join(", "));
        }
        let placed = bound.count(&n);
        if placed > best {
            best = placed;
            frontier.clear();
        }
        if placed == best && frontier.len() < 256 {
            frontier.push(n.clone());
        }
        let interrupted = crate::check::resources::interrupted().is_some();
        // The queue and the visited set by capacity, against half the machine's memory (a
        // membership search runs alone), looked at as often as a model search looks.
        steps += 1;
        let memory = memory_limit.filter(|&m| {
            steps.is_multiple_of(crate::check::resources::POLL_EVERY)
                && crate::check::search::held_bytes(&[
                    seen.capacity() * crate::check::search::BYTES_PER_VISITED,
                    queue.capacity() * std::mem::size_of::<Queued>(),
                ]) >= m
        });
        if seen.len() >= max_states
            || timeout.is_some_and(|t| started.elapsed() >= t)
            || interrupted
            || memory.is_some()
        {
            let why = if interrupted {
                crate::check::resources::Stop::Interrupted.to_string()
            } else if let Some(m) = memory {
                format!("stopped at the memory budget ({} MiB, half of this machine's)", m >> 20)
            } else if seen.len() >= max_states {
                format!("stopped at the budget of {max_states} product states")
            } else {
                format!("stopped at the time limit of {:.1} s", timeout.unwrap_or_default().as_secs_f64())
            };
            return Ok(Membership::Unknown { states: seen.len(), why });
        }
        successors.clear();
        bound.records(&n, &mut successors);
        bound.moves(&n, &mut successors);
        for next in successors.drain(..) {
            if seen.insert(fingerprint(&next, &dims, &mut buf)) {
                order += 1;
                queue.push(Queued { placed: bound.count(&next), order: Reverse(order), node: next });
            }
        }
    }
    Ok(Membership::Rejected { states: seen.len(), why: diagnose(&bound, best, &frontier, ends) })
}

/// Why no path fits: the longest prefix placed, the first event after it, what was allowed.
fn diagnose(bound: &Bound, best: usize, frontier: &[Node], mut ends: Vec<String>) -> Rejection {
    let mut allowed = Vec::new();
    for n in frontier {
        bound.allowed(n, &mut allowed);
    }
    allowed.sort();
    allowed.dedup();
    let first_refused = frontier
        .first()
        .and_then(|n| (0..bound.trace.events.len()).find(|&i| !bound.placed(n, i)))
        .map(|i| bound.trace.events[i].clone());
    ends.sort();
    ends.dedup();
    Rejection { accepted: best, first_refused, allowed, ends }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.first_refused {
            Some(e) => {
                write!(f, "after {} accepted events, no path allows `{e}` (line {})", self.accepted, e.line)?;
                if self.allowed.is_empty() {
                    write!(f, "; the model allowed no recorded event there")
                } else {
                    write!(f, "; the model allowed: {}", self.allowed.join("; "))
                }
            }
            None if self.ends.is_empty() => {
                write!(f, "every event fits, but no path of the model finishes after them")
            }
            None => write!(
                f,
                "every event fits, but no path ends with these values; the model ends with: {}",
                self.ends.join(" | ")
            ),
        }
    }
}
