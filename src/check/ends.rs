//! Where the runs of a model stop, and whether they all stop alike: the `same_end` check of
//! universal claims ("a program whose threads share nothing ends in the same state under
//! every schedule").
//!
//! The claim language speaks of single states; "every run ends in the same state" compares
//! states of different runs, so it is decided here, over the exploration itself. An *end* is a
//! reachable state where no action is possible (all done, a deadlock, or in ticks mode the
//! horizon); what is compared is what the program leaves behind: whether everything is done,
//! each thread's and task's progress and `done`, and every shared variable. The search is
//! breadth first in the model's action order, as [`crate::check::search`]'s, so the first end and the
//! first different end (with the shortest path to it) are the same on every run.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::time::Instant;

use stateright::Model;

use crate::check::atoms::{Bound, Who};
use crate::check::resources::{Budget, Stop};
use crate::check::search::{replay, Trace};
use crate::cpython::model::{Action, GilModel};
use crate::cpython::program::ThreadKind;
use crate::cpython::state::State;

/// What a run leaves behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct End {
    pub all_done: bool,
    /// Each plain thread and task: name, steps completed, done.
    pub programs: Vec<(String, i64, bool)>,
    /// Each shared variable and its value.
    pub vars: Vec<(String, i64)>,
}

impl fmt::Display for End {
    /// `x = 2, y = 0; all done`, or `x = 1; t1 done, t2 stuck after 1 step`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vars: Vec<String> = self.vars.iter().map(|(n, v)| format!("{n} = {v}")).collect();
        if !vars.is_empty() {
            write!(f, "{}; ", vars.join(", "))?;
        }
        if self.all_done {
            return f.write_str("all done");
        }
        let programs: Vec<String> = self
            .programs
            .iter()
            .map(|(n, p, done)| if *done { format!("{n} done") } else { format!("{n} stopped after {p} steps") })
            .collect();
        f.write_str(&programs.join(", "))
    }
}

/// The ends of a model's runs.
#[derive(Clone, Debug)]
pub struct Ends {
    /// Unique states reached (the search stops at the first end that differs).
    pub states: usize,
    pub max_depth: usize,
    /// The first end reached, and the path to it.
    pub first: Option<(End, Trace)>,
    /// The first end that differs from `first`, and the path to it.
    pub other: Option<(End, Trace)>,
    /// A run reached the horizon (ticks mode).
    pub horizon_hit: bool,
    /// The search could not finish: a budget, or a state where the model could not go on.
    pub stopped: Option<String>,
}

/// What state `s` leaves behind.
pub fn end_of(model: &GilModel, s: &State) -> End {
    let sys = &model.sys;
    let mut programs = Vec::new();
    for (t, info) in sys.threads.iter().enumerate() {
        if let ThreadKind::Plain(_) = info.kind {
            let who = Who::Thread(t as u8);
            programs.push((
                info.name.clone(),
                model.atom(s, Bound::Progress(who)),
                model.atom(s, Bound::Done(who)) != 0,
            ));
        }
    }
    for (k, info) in sys.tasks.iter().enumerate() {
        let who = Who::Task(k as u8);
        programs.push((info.name.clone(), model.atom(s, Bound::Progress(who)), model.atom(s, Bound::Done(who)) != 0));
    }
    let vars = sys.vars.iter().enumerate().map(|(i, (n, _))| (n.clone(), i64::from(s.vars[i]))).collect();
    End { all_done: model.all_done(s), programs, vars }
}

/// Explores the model breadth first until two ends differ (or every state is seen).
pub fn explore_ends(model: &GilModel, budget: Budget) -> Ends {
    let start = Instant::now();
    let dims = model.sys.dims();
    let mut buf = Vec::with_capacity(256);
    let mut fingerprint = |s: &State| {
        s.encode(&dims, &mut buf);
        xxhash_rust::xxh3::xxh3_64(&buf)
    };
    let mut visited: HashSet<u64> = HashSet::new();
    let mut parent: Vec<(u32, Option<Action>)> = Vec::new();
    let mut queue: VecDeque<(State, u32, u32)> = VecDeque::new();
    for s in model.init_states() {
        if visited.insert(fingerprint(&s)) {
            queue.push_back((s, parent.len() as u32, 0));
            parent.push((u32::MAX, None));
        }
    }
    let horizon = model.sys.is_ticks().then_some(model.sys.runtime.horizon as u16);
    let max_states = budget.max_states.unwrap_or(usize::MAX);
    let mut out = Ends { states: 0, max_depth: 0, first: None, other: None, horizon_hit: false, stopped: None };
    let mut first: Option<(End, usize)> = None;
    let mut other: Option<(End, usize)> = None;
    let mut actions = Vec::new();
    let mut processed = 0usize;
    'search: while let Some((s, i, depth)) = queue.pop_front() {
        if processed.is_multiple_of(4096) {
            if let Some(limit) = budget.timeout.filter(|l| start.elapsed() >= *l) {
                out.stopped = Some(Stop::Timeout(limit).to_string());
                break;
            }
        }
        processed += 1;
        if horizon.is_some_and(|h| s.now >= h) {
            out.horizon_hit = true;
        }
        if s.fault.is_some() {
            out.stopped = Some("a shared variable would leave its byte (0..=255)".into());
            break;
        }
        actions.clear();
        model.actions(&s, &mut actions);
        if actions.is_empty() {
            let end = end_of(model, &s);
            match &first {
                None => first = Some((end, i as usize)),
                Some((e, _)) if *e != end => {
                    other = Some((end, i as usize));
                    break 'search;
                }
                Some(_) => {}
            }
        }
        for &a in &actions {
            let next = model.apply(&s, a);
            let fp = fingerprint(&next);
            if visited.contains(&fp) {
                continue;
            }
            if parent.len() >= max_states {
                out.stopped = Some(Stop::MaxStates(parent.len()).to_string());
                break 'search;
            }
            visited.insert(fp);
            queue.push_back((next, parent.len() as u32, depth + 1));
            parent.push((i, Some(a)));
            out.max_depth = out.max_depth.max(depth as usize + 1);
        }
    }
    out.states = parent.len();
    out.first = first.map(|(e, j)| (e, replay(model, &parent, j)));
    out.other = other.map(|(e, j)| (e, replay(model, &parent, j)));
    if out.other.is_some() {
        // A difference found is real, whatever the search did not reach.
        out.stopped = None;
    }
    out
}
