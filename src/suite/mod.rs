//! Layer 6, a suite: every claim on every scenario and CPython it names, checked in
//! parallel, with the rows of series claims judged together; [`report`] writes what a suite
//! found to the reports folder. Claims on scenarios are checked by [`crate::check`], universal
//! claims by [`crate::fuzz`]; this layer only plans, dispatches, orders and writes.
//!
//! May use: every layer below. Knows nothing of the command line: it returns rows and files,
//! and the caller decides where they go.

pub mod report;

use crate::check::job::{self, Job, Row};
use crate::check::resources::{in_parallel, Budget};
use crate::input::claim::{glob_matches, Claim, Expect, Outcome, Trend};
use crate::input::located::InputError;
use crate::input::scenario::Scenario;

/// The jobs of a set of claims over a set of scenarios, in claim order, then each claim's
/// model patterns in order (a glob's matches by name), then variants.
pub fn plan<'a>(claims: &'a [Claim], scenarios: &'a [Scenario]) -> Result<Vec<Job<'a>>, InputError> {
    let mut jobs = Vec::new();
    for claim in claims {
        if claim.for_all.is_some() {
            jobs.extend(crate::fuzz::universal::jobs(claim)?);
            continue;
        }
        let mut models: Vec<&Scenario> = Vec::new();
        for pattern in &claim.models {
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
        for scenario in models {
            let variants =
                if claim.variants.is_empty() { vec![scenario.runtime.python.clone()] } else { claim.variants.clone() };
            for variant in variants {
                let expected = match &claim.expect {
                    Expect::All(o) => o.clone(),
                    Expect::PerVariant(map) => match map.get(&variant) {
                        Some(o) => o.clone(),
                        None => {
                            return Err(InputError::new(
                                &claim.path,
                                claim.check_line,
                                1,
                                format!("claim `{}`: no expectation for variant {variant}", claim.id),
                            ))
                        }
                    },
                };
                jobs.push(Job { claim, scenario, variant, expected });
            }
        }
    }
    Ok(jobs)
}

/// Checks one job: a universal claim's on generated programs, any other on its scenario.
pub fn run_job(job: &Job, budget: Budget) -> Result<Row, InputError> {
    if job.claim.for_all.is_some() {
        crate::fuzz::universal::run_job(job, budget)
    } else {
        job::run_job(job, budget)
    }
}

/// Runs every job on `threads` worker threads; rows come back in job order. An input error
/// in any job (a name the scenario lacks) is reported instead, the first in job order.
pub fn run_all(jobs: &[Job], budget: Budget, threads: usize) -> Result<Vec<Row>, InputError> {
    let rows: Result<Vec<Row>, InputError> =
        in_parallel(jobs, threads, |job| run_job(job, budget)).into_iter().collect();
    series(jobs, rows?)
}

/// Adds a `"model": "series"` row after the rows of each series claim, with the trend's verdict.
fn series(jobs: &[Job], rows: Vec<Row>) -> Result<Vec<Row>, InputError> {
    let mut out: Vec<Row> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let Outcome::Series(trend) = jobs[i].expected else {
            out.push(rows[i].clone());
            i += 1;
            continue;
        };
        // The rows of one claim and variant form one series.
        let mut j = i;
        let mut group: Vec<usize> = Vec::new();
        while j < rows.len() && jobs[j].claim.id == jobs[i].claim.id {
            group.push(j);
            j += 1;
        }
        let variants: Vec<String> = {
            let mut v: Vec<String> = group.iter().map(|&g| rows[g].variant.clone()).collect();
            v.dedup();
            let mut seen = Vec::new();
            v.retain(|x| {
                let new = !seen.contains(x);
                seen.push(x.clone());
                new
            });
            v
        };
        for &g in &group {
            out.push(rows[g].clone());
        }
        for variant in variants {
            let members: Vec<&Row> = group.iter().map(|&g| &rows[g]).filter(|r| r.variant == variant).collect();
            let values: Option<Vec<i64>> = members.iter().map(|r| r.value.as_ref().and_then(|v| v.as_i64())).collect();
            let mut row = members[0].clone();
            row.model = "series".into();
            row.counterexample = None;
            row.states = members.iter().map(|r| r.states).sum();
            row.max_depth = members.iter().map(|r| r.max_depth).max().unwrap_or(0);
            row.elapsed_ms = members.iter().map(|r| r.elapsed_ms).sum();
            row.horizon_hit = members.iter().any(|r| r.horizon_hit);
            row.vacuous = members.iter().any(|r| r.vacuous);
            match values {
                Some(vs) => {
                    let ok = vs.windows(2).all(|w| match trend {
                        Trend::Increasing => w[0] < w[1],
                        Trend::NonDecreasing => w[0] <= w[1],
                        Trend::Constant => w[0] == w[1],
                    });
                    row.value = Some(serde_json::json!(vs));
                    row.verdict = job::verdict_text(ok);
                    row.as_expected = ok;
                }
                None => {
                    row.value = None;
                    row.verdict = "unknown".into();
                    row.as_expected = false;
                    row.notes.push("no trend: a model's value is unbounded or unknown".into());
                }
            }
            out.push(row);
        }
        i = j;
    }
    Ok(out)
}
