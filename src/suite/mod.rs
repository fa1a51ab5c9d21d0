//! Layer 6, a suite: every claim on every scenario and CPython it names, checked in
//! parallel, with the rows of series claims judged together; [`report`] writes what a suite
//! found to the reports folder. Claims on scenarios are checked by [`crate::check`], universal
//! claims by [`crate::fuzz`]; this layer only plans, dispatches, orders and writes.
//!
//! May use: every layer below. Knows nothing of the command line: it returns rows and files,
//! and the caller decides where they go.

pub mod figures;
pub mod publish;
pub mod report;

use crate::check::job::{self, Job, Measured, Row};
use crate::check::resources::{in_parallel, Budget};
use crate::check::structure;
use crate::input::claim::{glob_matches, Claim, CmpOp, Evidence, Outcome, Trend, Verdict};
use crate::input::located::InputError;
use crate::input::scenario::Scenario;

/// The jobs of a set of claims over a set of scenarios, in claim order, then each claim's
/// model patterns in order (a glob's matches by name), then variants; each claim's
/// counter-model jobs follow its own.
pub fn plan<'a>(claims: &'a [Claim], scenarios: &'a [Scenario]) -> Result<Vec<Job<'a>>, InputError> {
    let mut jobs = Vec::new();
    for claim in claims {
        check_evidence(claim, scenarios)?;
        if claim.for_all.is_some() {
            jobs.extend(crate::fuzz::universal::jobs(claim)?);
        } else {
            for scenario in matching(claim, &claim.models, scenarios)? {
                let variants = if claim.variants.is_empty() {
                    vec![scenario.runtime.python.clone()]
                } else {
                    claim.variants.clone()
                };
                for variant in variants {
                    let expected = claim.expected(&variant)?;
                    jobs.push(Job { claim, scenario, variant, expected, counter: false });
                }
            }
        }
        for scenario in matching(claim, &claim.counter_models, scenarios)? {
            // Under the claim's variants, or the counter-model's own CPython.
            let variants =
                if claim.variants.is_empty() { vec![scenario.runtime.python.clone()] } else { claim.variants.clone() };
            for variant in variants {
                // A counter-model's own CPython may have no entry: only a bound or trend matters.
                let expected = claim.expected(&variant).unwrap_or(Outcome::Verdict(Verdict::Refuted));
                jobs.push(Job { claim, scenario, variant, expected, counter: true });
            }
        }
    }
    Ok(jobs)
}

/// Refuses an `evidence` entry that names no scenario, or no experiment file under the folder
/// gilcheck runs in (the project root, as for the default `models/`).
fn check_evidence(claim: &Claim, scenarios: &[Scenario]) -> Result<(), InputError> {
    let error = |message: String| InputError::new(&claim.path, claim.evidence_line, claim.evidence_col, message);
    for evidence in &claim.evidence {
        match evidence {
            Evidence::Conform(model) if !scenarios.iter().any(|s| &s.name == model) => {
                let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
                return Err(error(format!(
                    "claim `{}`: evidence names scenario `{model}`, which is not loaded; expected a scenario name{}",
                    claim.id,
                    crate::input::located::did_you_mean(model, &names)
                )));
            }
            Evidence::Experiment { path, .. }
                if !std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file()) =>
            {
                return Err(error(format!(
                    "claim `{}`: evidence names experiment `{path}`, which is not a file here; expected a path from the project root",
                    claim.id
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The scenarios `patterns` name, in pattern order (a glob's matches by name), each once.
fn matching<'a>(
    claim: &Claim,
    patterns: &[String],
    scenarios: &'a [Scenario],
) -> Result<Vec<&'a Scenario>, InputError> {
    let mut models: Vec<&Scenario> = Vec::new();
    for pattern in patterns {
        let mut matched: Vec<&Scenario> = scenarios.iter().filter(|s| glob_matches(pattern, &s.name)).collect();
        matched.sort_by(|a, b| a.name.cmp(&b.name));
        if matched.is_empty() {
            return Err(InputError::new(
                &claim.path,
                claim.models_line,
                claim.models_col,
                format!("claim `{}`: no scenario matches `{pattern}`; expected a scenario name or glob", claim.id),
            ));
        }
        for m in matched {
            if !models.iter().any(|x| x.name == m.name) {
                models.push(m);
            }
        }
    }
    Ok(models)
}

/// The jobs whose scenario matches `glob`, with the counter-model jobs of the claims kept.
pub fn only_models<'a>(jobs: Vec<Job<'a>>, glob: &str) -> Vec<Job<'a>> {
    let kept: Vec<String> = jobs
        .iter()
        .filter(|j| !j.counter && glob_matches(glob, &j.scenario.name))
        .map(|j| j.claim.id.clone())
        .collect();
    jobs.into_iter()
        .filter(|j| if j.counter { kept.contains(&j.claim.id) } else { glob_matches(glob, &j.scenario.name) })
        .collect()
}

/// Checks one job: a universal claim's on generated programs, any other on its scenario.
pub fn run_job(job: &Job, budget: Budget) -> Result<Row, InputError> {
    if job.claim.for_all.is_some() && job.counter {
        crate::fuzz::universal::run_counter_model(job, budget)
    } else if job.claim.for_all.is_some() {
        crate::fuzz::universal::run_job(job, budget)
    } else {
        job::run_job(job, budget)
    }
}

/// Runs every job on `threads` worker threads; rows come back in job order, each claim's
/// counter-models attached to its rows. An input error in any job (a name the scenario
/// lacks) is reported instead, the first in job order.
pub fn run_all(jobs: &[Job], budget: Budget, threads: usize) -> Result<Vec<Row>, InputError> {
    let rows: Vec<Row> =
        in_parallel(jobs, threads, |job| run_job(job, budget)).into_iter().collect::<Result<_, _>>()?;
    let (main, counter): (Vec<JobRow>, Vec<JobRow>) = jobs.iter().zip(rows).partition(|(j, _)| !j.counter);
    let (main_jobs, main_rows): (Vec<Job>, Vec<Row>) = main.into_iter().map(|(j, r)| (j.clone(), r)).unzip();
    let mut rows = series(&main_jobs, main_rows)?;
    attach_counter_models(&mut rows, &counter);
    Ok(rows)
}

/// A job with the row it gave.
type JobRow<'j, 'a> = (&'j Job<'a>, Row);

/// Gives each row the verdicts of its claim's counter-models under its variant (a series
/// claim's counter-models form a series: the trend must be refuted there). A `holds` row
/// whose check is not refuted on some counter-model is not shown falsifiable: not as expected.
fn attach_counter_models(rows: &mut [Row], counter: &[JobRow]) {
    for row in rows.iter_mut() {
        let of_claim: Vec<&JobRow> = counter
            .iter()
            .filter(|(j, r)| j.claim.id == row.claim && (j.claim.variants.is_empty() || r.variant == row.variant))
            .collect();
        let Some((first, _)) = of_claim.first() else { continue };
        let verdicts: Vec<(String, String)> = match first.expected {
            Outcome::Series(trend) => {
                let values: Option<Vec<Measured>> =
                    of_claim.iter().map(|(_, r)| r.value.as_ref().and_then(Measured::from_json)).collect();
                let verdict = match values.and_then(|vs| trend_holds(trend, &vs)) {
                    Some(ok) => job::verdict_text(ok),
                    None => "unknown".into(),
                };
                of_claim.iter().map(|(_, r)| (r.model.clone(), verdict.clone())).collect()
            }
            _ => of_claim.iter().map(|(_, r)| (r.model.clone(), r.verdict.clone())).collect(),
        };
        for (model, verdict) in verdicts {
            // A refuted row shows its check can fail already; a `holds` needs the evidence.
            if verdict != "refuted" && row.verdict == "holds" {
                row.notes.push(format!("not shown falsifiable: the check is {verdict} on counter-model `{model}`"));
                row.as_expected = false;
            }
            row.counter_models.push(job::CounterModel { model, verdict });
        }
    }
}

/// Adds a `"model": "series"` row after the rows of each series claim, with the trend's
/// verdict; each model's row takes that verdict too (its value alone decides nothing).
fn series(jobs: &[Job], rows: Vec<Row>) -> Result<Vec<Row>, InputError> {
    let mut out: Vec<Row> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let Outcome::Series(trend) = jobs[i].expected else {
            out.push(rows[i].clone());
            i += 1;
            continue;
        };
        // The rows of one claim form one series per variant.
        let j = (i..rows.len()).find(|&j| jobs[j].claim.id != jobs[i].claim.id).unwrap_or(rows.len());
        let mut members = rows[i..j].to_vec();
        let mut variants: Vec<String> = Vec::new();
        for r in &members {
            if !variants.contains(&r.variant) {
                variants.push(r.variant.clone());
            }
        }
        let mut totals = Vec::new();
        for variant in variants {
            let of_variant: Vec<&Row> = members.iter().filter(|r| r.variant == variant).collect();
            totals.push(series_row(&of_variant, trend));
        }
        for member in &mut members {
            let total = totals.iter().find(|t| t.variant == member.variant).expect("a series row per variant");
            member.verdict = total.verdict.clone();
            member.as_expected = total.as_expected && !member.vacuous;
        }
        out.extend(members);
        out.extend(totals);
        i = j;
    }
    Ok(out)
}

/// The row of one series: its members' values in order and the trend's verdict over them.
fn series_row(members: &[&Row], trend: Trend) -> Row {
    let values: Option<Vec<Measured>> =
        members.iter().map(|r| r.value.as_ref().and_then(Measured::from_json)).collect();
    let mut row = members[0].clone();
    row.model = "series".into();
    row.counterexample = None;
    row.states = members.iter().map(|r| r.states).sum();
    row.max_depth = members.iter().map(|r| r.max_depth).max().unwrap_or(0);
    row.elapsed_ms = members.iter().map(|r| r.elapsed_ms).sum();
    row.horizon_hit = members.iter().any(|r| r.horizon_hit);
    row.vacuous = members.iter().any(|r| r.vacuous);
    row.by_construction = members.iter().all(|r| r.by_construction);
    match values {
        Some(vs) => {
            row.value = Some(serde_json::json!(vs.iter().map(|v| v.to_json()).collect::<Vec<_>>()));
            row.verdict = match trend_holds(trend, &vs) {
                Some(ok) => job::verdict_text(ok),
                None => {
                    row.notes.push("no verdict: a value known only as a lower bound leaves the trend open".into());
                    "unknown".into()
                }
            };
        }
        None => {
            row.value = None;
            row.verdict = "unknown".into();
            row.notes.push("no trend: a model's value is unknown".into());
        }
    }
    row.as_expected = row.verdict == "holds" && !row.vacuous;
    row
}

/// Whether values in this order follow the trend: `Some` when every value each may stand for
/// agrees (a `>= N` value stands for every value from N up).
pub fn trend_holds(trend: Trend, values: &[Measured]) -> Option<bool> {
    let mut all_decided = true;
    for w in values.windows(2) {
        let exact = |m: Measured| matches!(m, Measured::Exact(_));
        // Two values known only from below (or unbounded) never decide a pair.
        let pair = if !exact(w[0]) && !exact(w[1]) {
            None
        } else {
            let op = match trend {
                Trend::Increasing => CmpOp::Lt,
                Trend::NonDecreasing => CmpOp::Le,
                Trend::Constant => CmpOp::Eq,
                Trend::Decreasing => CmpOp::Gt,
                Trend::NonIncreasing => CmpOp::Ge,
            };
            structure::compare(w[0].range(), op, w[1].range())
        };
        match pair {
            Some(false) => return Some(false),
            None => all_decided = false,
            Some(true) => {}
        }
    }
    all_decided.then_some(true)
}
