//! Checking claims: each (claim, scenario, CPython variant) is a job; a job compiles the
//! scenario under the variant, binds the claim's check to it, explores the model and turns
//! what it found into a verdict. Jobs run in parallel; results come back in a fixed order.

use serde::{Deserialize, Serialize};

use crate::check::atoms::{caps_for, BExpr, Binder, Goal, COUNTER_CAP};
use crate::check::explore::{explore, Exploration};
use crate::check::liveness;
use crate::check::resources::{Budget, Stop};
use crate::check::structure;
use crate::cpython::model::{Action, GilModel, Trace};
use crate::cpython::program::System;
use crate::cpython::state::State;
use crate::evidence::{graph, timeline, trace_graph};
use crate::input::claim::{AtomKind, Check, Claim, CmpOp, Expect, Outcome, Verdict};
use crate::input::located::InputError;
use crate::input::scenario::Scenario;

/// One result row: the JSON contract of SPEC §4, plus `notes` for people.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub claim: String,
    pub model: String,
    pub variant: String,
    pub check: String,
    /// "holds", "refuted" or "unknown".
    pub verdict: String,
    /// What a `max`/`min` check found ([`Measured`]): a number, `">= N"` when the search was
    /// cut at the horizon or a counter's cap, or "unbounded".
    pub value: Option<serde_json::Value>,
    pub expected: String,
    pub as_expected: bool,
    pub states: u64,
    pub max_depth: u64,
    pub elapsed_ms: u64,
    pub counterexample: Option<Counterexample>,
    pub horizon_hit: bool,
    pub vacuous: bool,
    /// The verdict (or value) follows from the scenario's structure alone, whatever CPython
    /// does ([`crate::check::structure`]).
    pub by_construction: bool,
    /// The claim's counter-models under this row's variant: scenarios on which its check must
    /// be refuted, each with the verdict it got.
    pub counter_models: Vec<CounterModel>,
    /// What a reader must know to read the verdict (untimed over-approximation, a 2.7 loop, …).
    pub notes: Vec<String>,
    /// A refuted universal claim (`for_all`): the smallest refuting program found, as a
    /// scenario file (its counterexample is `counterexample`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<String>,
}

/// A counter-model of a claim and the verdict its check got there.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CounterModel {
    pub model: String,
    pub verdict: String,
}

/// What a `max`/`min` found: exactly a number, at least a number (the search was cut at the
/// horizon, or a counter at its cap), or no bound at all (a counter grows around a cycle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measured {
    Exact(i64),
    AtLeast(i64),
    Unbounded,
}

impl Measured {
    /// As rows carry it: a number, `">= N"` or `"unbounded"`.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Measured::Exact(v) => serde_json::json!(v),
            Measured::AtLeast(v) => serde_json::json!(format!(">= {v}")),
            Measured::Unbounded => serde_json::json!("unbounded"),
        }
    }

    /// Back from a row's `value`.
    pub fn from_json(value: &serde_json::Value) -> Option<Measured> {
        if let Some(v) = value.as_i64() {
            return Some(Measured::Exact(v));
        }
        match value.as_str()? {
            "unbounded" => Some(Measured::Unbounded),
            text => text.strip_prefix(">= ")?.parse().ok().map(Measured::AtLeast),
        }
    }

    /// The values it may stand for: `lo..=hi`.
    pub fn range(self) -> (i64, i64) {
        match self {
            Measured::Exact(v) => (v, v),
            Measured::AtLeast(v) => (v, i64::MAX),
            Measured::Unbounded => (i64::MAX, i64::MAX),
        }
    }

    /// `value op k`: `Some` when every value it may stand for agrees.
    pub fn compare(self, op: CmpOp, k: i64) -> Option<bool> {
        structure::compare(self.range(), op, (k, k))
    }
}

/// A path to the state that refutes (or witnesses) a claim.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Counterexample {
    /// "path" (or "lasso" for liveness).
    pub kind: String,
    pub loop_start: Option<usize>,
    pub steps: Vec<TraceStep>,
    /// The steps as people read them: runs of ticks in which only the clock and countdowns
    /// move are one line each; every other step is itself.
    #[serde(default)]
    pub folded: Vec<FoldedStep>,
    /// The graph file, relative to where `check` ran (null when no report is written).
    pub graph: Option<String>,
    /// The graph as DOT and as SVG, and the timeline as SVG, for the report.
    #[serde(skip)]
    pub dot: String,
    #[serde(skip)]
    pub svg: String,
    #[serde(skip)]
    pub timeline: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TraceStep {
    pub action: String,
    pub state: String,
}

/// Steps `first..=last` of a path read as one line (one step when they are equal): the action
/// (`ticks 0 → 16` for a run of clock ticks) and the state after the last of them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FoldedStep {
    pub first: usize,
    pub last: usize,
    pub action: String,
    pub state: String,
}

/// Folds each run of two or more steps that are plain clock ticks after which the state reads
/// as before but for its numbers (the clock, countdowns) into one line; a run does not swallow
/// the start of a lasso's cycle.
fn fold_clock_steps(trace: &Trace, steps: &[TraceStep], loop_start: Option<usize>) -> Vec<FoldedStep> {
    let words = |text: &str| text.chars().filter(|c| !c.is_ascii_digit()).collect::<String>();
    let clock_only = |i: usize| {
        i > 0
            && matches!(trace[i].0, Some(Action::Tick { swap: None }))
            && loop_start != Some(i)
            && words(&steps[i].state) == words(&steps[i - 1].state)
    };
    let mut folded = Vec::new();
    let mut i = 0;
    while i < steps.len() {
        let run = (i..steps.len()).take_while(|&k| clock_only(k)).count();
        let (last, action) = match run {
            0 | 1 => (i, steps[i].action.clone()),
            _ => {
                let last = i + run - 1;
                (last, format!("ticks {} → {}", trace[i - 1].1.now, trace[last].1.now))
            }
        };
        folded.push(FoldedStep { first: i, last, action, state: steps[last].state.clone() });
        i = last + 1;
    }
    folded
}

/// One job of a suite.
#[derive(Clone, Debug)]
pub struct Job<'a> {
    pub claim: &'a Claim,
    pub scenario: &'a Scenario,
    pub variant: String,
    pub expected: Outcome,
    /// The scenario is one of the claim's counter-models: the check must be refuted there.
    pub counter: bool,
}

/// Builds the model of a job and binds the claim's check to it.
pub fn build(job: &Job) -> Result<(GilModel, Goal), InputError> {
    let claim = job.claim;
    let at = |offset: usize, message: String| {
        let (line, col) = claim.locate(offset);
        InputError::new(&claim.path, line, col, format!("claim `{}`: {message}", claim.id))
    };
    let runtime = job
        .scenario
        .runtime
        .with_python(&job.variant)
        .ok_or_else(|| at(0, format!("unknown CPython {}", job.variant)))?;
    let sys = System::compile(job.scenario, &runtime)
        .map_err(|m| InputError::new(&job.scenario.path, 1, 1, format!("scenario `{}`: {m}", job.scenario.name)))?;
    let check = &claim.check;
    let mut model = GilModel::new(sys, caps_for(check));
    let binder = Binder::new(&model);
    let bind = |e| binder.expr(e).map_err(|b| at(b.offset, b.message));
    let goal = match check {
        Check::Always(e) => Goal::Always(bind(e)?),
        Check::Never(e) => Goal::Always(BExpr::Not(Box::new(bind(e)?))),
        Check::Sometimes(e) => Goal::Sometimes(bind(e)?),
        Check::Max(t, w) | Check::Min(t, w) => {
            let t = binder.term(t).map_err(|b| at(b.offset, b.message))?;
            let w = w.as_ref().map(bind).transpose()?;
            if matches!(check, Check::Max(..)) {
                Goal::Max(t, w)
            } else {
                Goal::Min(t, w)
            }
        }
        Check::Eventually(e) => Goal::LeadsTo { trigger: None, goal: bind(e)? },
        Check::LeadsTo(a, b) => Goal::LeadsTo { trigger: Some(bind(a)?), goal: bind(b)? },
    };
    if matches!(goal, Goal::LeadsTo { .. }) && model.sys.is_ticks() {
        return Err(at(0, "liveness claims run on untimed models (the clock makes every path acyclic); this scenario has `time = \"ticks\"`".into()));
    }
    // `count` copies are interchangeable unless the check names one of them (a pattern that
    // takes them all does not), or asks about fairness (whose units are the threads themselves).
    let names_a_copy = binder.names_a_copy();
    model.symmetry = !names_a_copy && !matches!(goal, Goal::LeadsTo { .. });
    Ok((model, goal))
}

/// Checks one job on its scenario (a universal claim's jobs go to [`crate::fuzz`]).
pub fn run_job(job: &Job, budget: Budget) -> Result<Row, InputError> {
    let (model, goal) = build(job)?;
    let mut row = Row {
        claim: job.claim.id.clone(),
        model: job.scenario.name.clone(),
        variant: job.variant.clone(),
        check: job.claim.check_text.clone(),
        verdict: "unknown".into(),
        value: None,
        expected: job.expected.to_string(),
        as_expected: false,
        states: 0,
        max_depth: 0,
        elapsed_ms: 0,
        counterexample: None,
        horizon_hit: false,
        vacuous: false,
        by_construction: false,
        counter_models: Vec::new(),
        notes: notes(job, &model),
        shrunk: None,
    };
    if let Goal::LeadsTo { trigger, goal } = &goal {
        let found = liveness::check(&model, trigger.as_ref(), goal, budget);
        row.states = found.states as u64;
        row.max_depth = found.max_depth as u64;
        row.elapsed_ms = found.elapsed.as_millis() as u64;
        judge_liveness(&model, job, &found, &mut row);
    } else {
        let found = explore(&model, &goal, budget);
        row.states = found.states as u64;
        row.max_depth = found.max_depth as u64;
        row.elapsed_ms = found.elapsed.as_millis() as u64;
        row.horizon_hit = found.horizon_hit;
        judge(&model, job, &goal, &found, &mut row);
    }
    let decided = row.verdict == "holds" || (row.value.is_some() && matches!(goal, Goal::Max(..) | Goal::Min(..)));
    if decided && model.decided_by_structure(&goal) {
        row.by_construction = true;
        row.notes.push(match &job.claim.by_construction {
            Some(why) => format!("holds by construction: {why}"),
            None => {
                "holds by construction: the scenario's structure alone decides the check, whatever CPython does".into()
            }
        });
    }
    // A vacuous row says nothing, whatever was expected.
    if row.vacuous {
        row.as_expected = false;
    }
    Ok(row)
}

/// Turns a liveness search into a verdict: refuted with a lasso (or a path that ends), holds
/// when every fair path reaches the goal.
fn judge_liveness(model: &GilModel, job: &Job, found: &liveness::LivenessResult, row: &mut Row) {
    if let Some(stop) = &found.stopped {
        row.notes.push(stop.to_string());
        return;
    }
    if found.fault {
        row.notes.push("a shared variable would leave its byte (0..=255): no verdict".into());
        return;
    }
    row.notes.push(FAIRNESS_NOTE.into());
    match &found.counterexample {
        Some((steps, loop_start)) => {
            if loop_start.is_none() && !note_deadlock(model, steps, row) {
                row.notes.push("the counterexample ends in a state with no move left".into());
            }
            row.counterexample = Some(counterexample(model, job, steps, *loop_start));
            row.verdict = "refuted".into();
        }
        None => row.verdict = "holds".into(),
    }
    if found.vacuous {
        row.vacuous = true;
        row.notes.push("vacuous: the left side of `leads_to` holds in no reachable state".into());
    }
    row.as_expected = matches!(job.expected, Outcome::Verdict(v) if verdict_text(v == Verdict::Holds) == row.verdict);
}

/// The fairness a liveness verdict assumes, said on every liveness row.
pub const FAIRNESS_NOTE: &str = "weak fairness: a thread that can move continuously eventually moves, and a pending \
     timer, I/O or interval eventually fires; nothing is fair to a thread that can take the GIL only now and then";

/// Says first, in words, when a counterexample ends in a deadlock: who waits for what, held by
/// whom. Returns whether it did.
fn note_deadlock(model: &GilModel, steps: &Trace, row: &mut Row) -> bool {
    let Some(words) = steps.last().and_then(|(_, s)| model.deadlock_in_words(s)) else { return false };
    row.notes.insert(0, words);
    true
}

/// Turns an exploration into a verdict (and value, counterexample, vacuity).
fn judge(model: &GilModel, job: &Job, goal: &Goal, found: &Exploration, row: &mut Row) {
    let stopped = found.stopped.as_ref().map(Stop::to_string);
    let fault = found.fault.as_ref().map(|(f, _)| match f {
        crate::cpython::state::Fault::VarOverflow { var } => {
            format!("shared variable `{}` would leave its byte (0..=255)", model.sys.vars[*var as usize].0)
        }
        crate::cpython::state::Fault::SyncOverflow { obj } => {
            format!("`{}` would hold more than 255 (items or permits)", model.sys.syncs[*obj as usize].name)
        }
    });
    let incomplete = stopped.clone().or(fault.clone());
    let trace = |steps: &Trace| counterexample(model, job, steps, None);
    match goal {
        Goal::Always(_) | Goal::Sometimes(_) => {
            let violated_or_witnessed = found.hit.is_some();
            let holds = match goal {
                Goal::Always(_) => !violated_or_witnessed,
                _ => violated_or_witnessed,
            };
            if let Some(steps) = &found.hit {
                note_deadlock(model, steps, row);
                row.counterexample = Some(trace(steps));
            }
            // A refutation or a witness is a real path, whatever the search did not reach.
            row.verdict = match (holds, &incomplete, goal) {
                (_, None, _) => verdict_text(holds),
                (false, Some(_), Goal::Always(_)) | (true, Some(_), Goal::Sometimes(_)) => verdict_text(holds),
                (_, Some(why), _) => {
                    row.notes.push(why.clone());
                    "unknown".into()
                }
            };
            if !found.antecedent_seen && row.verdict == "holds" {
                row.vacuous = true;
                row.notes.push("vacuous: the left side of a `->` holds in no reachable state".into());
            }
            row.as_expected =
                matches!(job.expected, Outcome::Verdict(v) if verdict_text(v == Verdict::Holds) == row.verdict);
        }
        Goal::Max(..) | Goal::Min(..) => {
            if let Some(why) = incomplete {
                row.notes.push(why);
                return;
            }
            let Some(v) = found.value else {
                row.vacuous = true;
                row.notes.push("vacuous: the `when` condition holds in no reachable state".into());
                return;
            };
            if !found.antecedent_seen {
                row.vacuous = true;
                row.notes.push("vacuous: the left side of a `->` holds in no reachable state".into());
            }
            // A counter saturates at its cap; it is unbounded only if it grows around a cycle.
            let capped = v >= COUNTER_CAP as i64 && reads_counter(&job.claim.check);
            let measured = if capped && crate::check::search::counter_grows_on_a_cycle(model) {
                Measured::Unbounded
            } else if capped {
                row.notes.push(format!("at least {v}: counters saturate at {COUNTER_CAP}"));
                Measured::AtLeast(v)
            } else if found.value_at_horizon {
                row.notes.push(format!(
                    "at least {v}: the largest value is reached only at the horizon ({}), where every path is cut",
                    model.sys.runtime.horizon
                ));
                Measured::AtLeast(v)
            } else {
                Measured::Exact(v)
            };
            row.value = Some(measured.to_json());
            if let Some(steps) = &found.hit {
                row.counterexample = Some(trace(steps));
            }
            // A series is judged with the other models' values.
            if let Outcome::Bound(op, k) = job.expected {
                row.verdict = match measured.compare(op, k) {
                    Some(ok) => verdict_text(ok),
                    None => {
                        row.notes.push(format!("no verdict: the value may or may not be {op} {k} beyond the horizon"));
                        "unknown".into()
                    }
                };
                row.as_expected = row.verdict == "holds";
            }
        }
        Goal::LeadsTo { .. } => unreachable!("liveness is judged by judge_liveness"),
    }
}

/// Counters saturate at [`COUNTER_CAP`]; a `max` that reaches it grows without bound.
fn reads_counter(check: &Check) -> bool {
    check
        .atoms()
        .iter()
        .any(|a| matches!(a.kind, AtomKind::GilHandoffs | AtomKind::ForcedSwitches | AtomKind::TaskSwitches))
}

pub fn verdict_text(holds: bool) -> String {
    if holds { "holds" } else { "refuted" }.into()
}

/// A counterexample (or witness) for people: the steps as text, its graph, its timeline.
pub fn counterexample(model: &GilModel, job: &Job, steps: &Trace, loop_start: Option<usize>) -> Counterexample {
    let mut out = Vec::new();
    let mut prev: Option<&State> = None;
    for (a, s) in steps {
        let action = match (a, prev) {
            (Some(a), Some(p)) => model.describe_action(p, *a),
            _ => "start".into(),
        };
        out.push(TraceStep { action, state: model.describe_state(s) });
        prev = Some(s);
    }
    let title = format!("{} on {} under {}", job.claim.id, job.scenario.name, job.variant);
    Counterexample {
        kind: if loop_start.is_some() { "lasso" } else { "path" }.into(),
        loop_start,
        folded: fold_clock_steps(steps, &out, loop_start),
        steps: out,
        graph: None,
        dot: graph::trace_dot(model, &title, steps, loop_start),
        svg: trace_graph::trace_svg(model, &title, steps, loop_start),
        timeline: timeline::svg(model, &title, steps, loop_start),
    }
}

/// What a reader must know about how a job was checked.
fn notes(job: &Job, model: &GilModel) -> Vec<String> {
    let mut notes = Vec::new();
    let rt = &model.sys.runtime;
    if !model.sys.is_ticks() {
        notes.push("untimed: covers every timing; a counterexample may need a rare one".into());
    }
    if job.variant == "2.7" && !model.sys.loops.is_empty() {
        notes.push("2.7 had no asyncio: the loop follows 3.x's semantics on the old GIL".into());
    }
    if rt.gil_explicit && job.variant != job.scenario.runtime.python {
        notes.push(format!("the scenario fixes gil = {:?}, kept under {}", rt.gil, job.variant));
    }
    if rt.switch_points_explicit && job.variant != job.scenario.runtime.python {
        notes.push(format!("the scenario fixes switch_points = {:?}, kept under {}", rt.switch_points, job.variant));
    }
    notes
}

/// A claim that checks `check` on `scenario` and expects it to hold: for tests, experiments,
/// benchmarks and the fuzzer.
pub fn adhoc_claim(scenario: &Scenario, check: &str) -> Result<Claim, String> {
    let parsed = crate::input::claim::parse_check(check).map_err(|(at, msg)| format!("{check}: at {at}: {msg}"))?;
    Ok(Claim {
        id: "adhoc".into(),
        quote: String::new(),
        source: String::new(),
        models: vec![scenario.name.clone()],
        check: parsed,
        check_text: check.into(),
        expect: Expect::All(Outcome::Verdict(Verdict::Holds)),
        variants: Vec::new(),
        path: Default::default(),
        check_line: 1,
        check_col: 1,
        models_line: 1,
        models_col: 1,
        for_all: None,
        counter_models: Vec::new(),
        counter_params: Vec::new(),
        evidence: Vec::new(),
        negates_quote: false,
        evidence_line: 1,
        evidence_col: 1,
        by_construction: None,
    })
}

fn adhoc_job<'a>(claim: &'a Claim, scenario: &'a Scenario, variant: Option<&str>) -> Job<'a> {
    Job {
        claim,
        scenario,
        variant: variant.unwrap_or(&scenario.runtime.python).to_string(),
        expected: Outcome::Verdict(Verdict::Holds),
        counter: false,
    }
}

/// Checks one check text on one scenario under one CPython (the scenario's own when `None`),
/// expecting nothing in particular: for tests, experiments and the fuzzer.
pub fn check_one(scenario: &Scenario, check: &str, variant: Option<&str>) -> Result<Row, String> {
    let claim = adhoc_claim(scenario, check)?;
    run_job(&adhoc_job(&claim, scenario, variant), Budget::default()).map_err(|e| e.to_string())
}

/// The model of a scenario under one CPython and a check bound to it, as `check` builds them.
pub fn adhoc_model(scenario: &Scenario, check: &str, variant: Option<&str>) -> Result<(GilModel, Goal), String> {
    let claim = adhoc_claim(scenario, check)?;
    build(&adhoc_job(&claim, scenario, variant)).map_err(|e| e.to_string())
}
