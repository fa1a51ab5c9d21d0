//! Timing (SPEC §9.3): the predictions of quantitative checks on `ticks` scenarios against
//! what real runs measure. The model answers what is possible, so its bounds must hold: no
//! measured value above a predicted `max`, none below a predicted `min`, beyond 2 ticks of
//! slack for wake-up and loop overhead. The median and the spread are reported beside them.
//!
//! What a trace can measure, in ticks of `--tick-ms`:
//! - `max gil_wait(T)`, T a thread: after a blocking step of N ticks whose start and end are
//!   both recorded, the time from start to end less N (the end is recorded once the GIL is back);
//! - `max lateness(K)`, K a task: after `await asyncio.sleep N`, the time from the step's start
//!   to the task's resumption less N;
//! - `min`/`max now when all_done`: the time from the first event to the last.
//!
//! Other quantitative checks are reported as not measurable.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::job::Row;
use crate::conform::interpreters::Interpreter;
use crate::conform::python;
use crate::conform::run::{self, Calibration, Settings};
use crate::conform::trace::{Kind, Trace};
use crate::cpython::program::{Op, System, ThreadKind};
use crate::input::claim::{AtomKind, Check, Claim, Expr, Term};
use crate::input::scenario::{Scenario, TimeMode};

/// Slack for wake-up and loop overhead, in ticks (SPEC §9.3).
pub const SLACK_TICKS: f64 = 2.0;

/// A prediction set against real runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Timing {
    pub claim: String,
    pub model: String,
    pub variant: String,
    pub check: String,
    pub python: Option<String>,
    /// The model's value, as `check` reports it (`5`, `">= 30"`, `"unbounded"`).
    pub predicted: String,
    pub runs: u32,
    /// Runs that measured something.
    pub measured_runs: u32,
    pub median: Option<f64>,
    pub lowest: Option<f64>,
    pub highest: Option<f64>,
    /// `within`, `outside`, or why there is nothing to compare.
    pub verdict: String,
}

/// What a check measures, when a trace can tell.
enum Quantity {
    GilWait(String),
    Lateness(String),
    Makespan,
}

fn quantity(check: &Check) -> Option<(Quantity, bool)> {
    let atom = |t: &Term| match t {
        Term::Atom(a) => Some(a.clone()),
        _ => None,
    };
    match check {
        Check::Max(t, None) => {
            let a = atom(t)?;
            match a.kind {
                AtomKind::GilWait => Some((Quantity::GilWait(a.arg?), true)),
                AtomKind::Lateness => Some((Quantity::Lateness(a.arg?), true)),
                _ => None,
            }
        }
        Check::Max(t, Some(Expr::Atom(w))) | Check::Min(t, Some(Expr::Atom(w))) if w.kind == AtomKind::AllDone => {
            (atom(t)?.kind == AtomKind::Now).then_some((Quantity::Makespan, matches!(check, Check::Max(..))))
        }
        _ => None,
    }
}

/// The quantity in one trace, in ticks; None when the trace cannot tell.
fn measure(sys: &System, trace: &Trace, q: &Quantity, tick_ms: f64) -> Option<f64> {
    let ticks = |ns: i64| ns as f64 / 1e6 / tick_ms;
    match q {
        Quantity::Makespan => {
            let (first, last) = (trace.events.first()?, trace.events.last()?);
            trace.complete.then(|| ticks(last.t_ns - first.t_ns))
        }
        Quantity::GilWait(who) => {
            let t = sys.thread_index(who)? as usize;
            let ThreadKind::Plain(p) = &sys.threads[t].kind else { return None };
            let mine: Vec<_> = trace.events.iter().filter(|e| &e.who == who).collect();
            let mut best: Option<f64> = None;
            for w in mine.windows(2) {
                let (a, b) = (w[0], w[1]);
                if a.kind != Kind::Start || b.kind != Kind::End || a.step != b.step {
                    continue;
                }
                let d = match p.ops.get(a.step as usize) {
                    Some(Op::Io(d) | Op::Sleep(d) | Op::CNoGil(d)) if d.lo == d.hi => d.lo,
                    _ => continue,
                };
                let wait = ticks(b.t_ns - a.t_ns) - f64::from(d);
                best = Some(best.map_or(wait, |x| x.max(wait)));
            }
            best
        }
        Quantity::Lateness(who) => {
            let k = sys.task_index(who)? as usize;
            let ops = &sys.tasks[k].program.ops;
            let mine: Vec<_> = trace.events.iter().filter(|e| &e.who == who).collect();
            let mut best: Option<f64> = None;
            for w in mine.windows(2) {
                let (a, b) = (w[0], w[1]);
                if a.kind != Kind::Start || b.kind != Kind::Resume {
                    continue;
                }
                let Some(Op::AwaitSleep(d)) = ops.get(a.step as usize) else { continue };
                if d.lo != d.hi || d.lo == 0 {
                    continue;
                }
                let late = ticks(b.t_ns - a.t_ns) - f64::from(d.lo);
                best = Some(best.map_or(late, |x| x.max(late)));
            }
            best
        }
    }
}

/// Sets the row's prediction against `settings.runs` real runs of its scenario, if its check
/// is quantitative on a `ticks` scenario.
pub fn time_row(
    row: &Row,
    claim: &Claim,
    scenario: &Scenario,
    interps: &[(Interpreter, Calibration)],
    settings: &Settings,
    dir: &Path,
) -> Option<Timing> {
    let (q, is_max) = match quantity(&claim.check) {
        Some(found) if scenario.runtime.time == TimeMode::Ticks => found,
        _ => return None,
    };
    let predicted = row.value.as_ref().map_or("none".to_string(), |v| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let mut t = Timing {
        claim: row.claim.clone(),
        model: row.model.clone(),
        variant: row.variant.clone(),
        check: row.check.clone(),
        python: None,
        predicted: predicted.clone(),
        runs: 0,
        measured_runs: 0,
        median: None,
        lowest: None,
        highest: None,
        verdict: String::new(),
    };
    let Some((interp, cal)) = interps.iter().rfind(|(i, _)| i.family() == row.variant) else {
        t.verdict = format!("no CPython {} on this machine", row.variant);
        return Some(t);
    };
    t.python = Some(interp.full.clone());
    let source = run::model_for(scenario, interp, settings.cores).and_then(|m| {
        let text = python::program(&m.sys, interp.version)?;
        Ok((m, text))
    });
    let (model, source) = match source {
        Ok(found) => found,
        Err(why) => {
            t.verdict = format!("not applicable: {why}");
            return Some(t);
        }
    };
    let slug: String = format!("{}-{}", row.claim, row.model)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let program = dir.join(format!("timing-{slug}-{}.py", interp.full));
    if std::fs::write(&program, source).is_err() {
        t.verdict = "cannot write the program".into();
        return Some(t);
    }
    let mut values = Vec::new();
    for n in 0..settings.runs {
        t.runs += 1;
        let path = dir.join(format!("timing-{slug}-{n}.jsonl"));
        if let Ok(trace) = run::run_program(interp, &program, &path, cal, settings, scenario.runtime.switch_interval) {
            values.extend(measure(&model.sys, &trace, &q, settings.tick_ms));
        }
        let _ = std::fs::remove_file(&path);
    }
    t.measured_runs = values.len() as u32;
    if values.is_empty() {
        t.verdict = "not measurable from the recorded events".into();
        return Some(t);
    }
    values.sort_by(f64::total_cmp);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    t.median = Some(round(values[values.len() / 2]));
    t.lowest = values.first().copied().map(round);
    t.highest = values.last().copied().map(round);
    let bound: Option<f64> = predicted.trim_start_matches(">= ").parse().ok();
    let open = predicted.starts_with(">=") || predicted == "unbounded";
    t.verdict = match (bound, is_max) {
        (_, true) if open => "within (the model's maximum is open)".into(),
        (Some(b), true) if values.last().is_some_and(|&m| m <= b + SLACK_TICKS) => "within".into(),
        (Some(b), false) if values.first().is_some_and(|&m| m >= b - SLACK_TICKS) => "within".into(),
        (Some(_), _) => "outside".into(),
        (None, _) => format!("no number predicted ({predicted})"),
    };
    Some(t)
}
