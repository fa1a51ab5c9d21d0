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

use std::fmt;

use crate::check::atoms::{Bound, Who};
use crate::check::resources::Budget;
use crate::check::search::{breadth_first, replay};
use crate::cpython::model::Action;
use crate::cpython::model::GilModel;
use crate::cpython::model::Trace;
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

/// What one part of a level showed [`explore_ends`]: its first end, and its first end
/// unlike that one; whether a state could not go on.
#[derive(Default)]
struct EndsSeen {
    first: Option<(End, usize)>,
    other: Option<(End, usize)>,
    fault: bool,
}

/// Explores the model breadth first until two ends differ (or every state is seen). Copies
/// are not reduced by symmetry: an end names each copy's progress.
pub fn explore_ends(model: &GilModel, budget: Budget) -> Ends {
    let mut first: Option<(End, usize)> = None;
    let mut other: Option<(End, usize)> = None;
    let mut fault = false;
    let observe = |acc: &mut EndsSeen, s: &State, i: usize, actions: &[Action]| {
        if s.fault.is_some() {
            acc.fault = true;
        }
        if actions.is_empty() && acc.other.is_none() {
            let end = end_of(model, s);
            match &acc.first {
                None => acc.first = Some((end, i)),
                Some((e, _)) if *e != end => acc.other = Some((end, i)),
                Some(_) => {}
            }
        }
    };
    let walk = breadth_first(model, budget, false, None, observe, |acc: EndsSeen| {
        fault |= acc.fault;
        for end in [acc.first, acc.other].into_iter().flatten() {
            match &first {
                None => first = Some(end),
                Some((e, _)) if other.is_none() && *e != end.0 => other = Some(end),
                Some(_) => {}
            }
        }
        !fault && other.is_none()
    });
    let stopped = if fault {
        Some("a shared variable would leave its byte (0..=255)".to_string())
    } else {
        walk.stopped.as_ref().map(|stop| stop.to_string())
    };
    let mut out = Ends {
        states: walk.states,
        max_depth: walk.max_depth,
        first: first.map(|(e, j)| (e, replay(model, &walk, j))),
        other: other.map(|(e, j)| (e, replay(model, &walk, j))),
        horizon_hit: walk.horizon_hit,
        stopped,
    };
    if out.other.is_some() {
        // A difference found is real, whatever the search did not reach.
        out.stopped = None;
    }
    out
}
