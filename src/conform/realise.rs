//! Realisation (SPEC §9.2): does a counterexample happen for real? For each refuted `always` /
//! `never` row (and each `sometimes` that holds), the scenario runs on an interpreter of the
//! row's version, and each run's trace is asked two questions of the model (untimed, this
//! machine's cores, the interpreter's rules):
//!
//! - can a path that passes a violating (witness) state explain the trace? If not, the run
//!   did not show it;
//! - can a path that avoids every such state explain it too? If not, the trace *proves* the
//!   counterexample happened: the run is counted as "seen".
//!
//! A run where both are possible is "consistent": what was recorded cannot tell (a GIL
//! hand-off leaves no event).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::atoms::Goal;
use crate::check::job::{self, Job, Row};
use crate::conform::interpreters::Interpreter;
use crate::conform::membership::{self, Membership, Objective};
use crate::conform::python;
use crate::conform::run::{self, Calibration, Settings};
use crate::cpython::state::State;
use crate::input::claim::{Claim, Outcome, Verdict};
use crate::input::scenario::{parse_scenario, Scenario, TimeMode};

/// How a row's note about its realisation begins (`crate::suite::report` looks for it).
pub const REAL: &str = "real CPython";

/// What the runs of one row showed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Realisation {
    pub claim: String,
    pub model: String,
    pub variant: String,
    /// `counterexample` (a refuted safety check) or `witness` (a `sometimes` that holds).
    pub kind: String,
    /// The interpreter run, or None when not applicable.
    pub python: Option<String>,
    pub not_applicable: Option<String>,
    pub runs: u32,
    /// Runs whose trace proves the counterexample (or witness) happened.
    pub seen: u32,
    /// Runs whose trace fits it but also a path without it.
    pub consistent: u32,
    /// Runs that failed or whose checks ran out of budget.
    pub failed: u32,
    /// The switch interval the runs had, in seconds.
    pub switch_interval: f64,
    /// What a claim page says of it beside the row ([`Realisation::summary`] with its kind).
    pub note: String,
}

impl Realisation {
    fn noted(mut self) -> Self {
        self.note = format!("{REAL} ({}): {}", self.kind, self.summary());
        self
    }

    /// "seen in 3 of 20 runs on 3.11.7", for people.
    pub fn summary(&self) -> String {
        if let Some(why) = &self.not_applicable {
            return format!("not run: {why}");
        }
        let on = self.python.as_deref().unwrap_or("?");
        let mut s = if self.seen > 0 {
            format!("seen in {} of {} runs on {on}", self.seen, self.runs)
        } else {
            format!("not seen in {} runs on {on}", self.runs)
        };
        s.push_str(&format!(", switch interval {} µs", (self.switch_interval * 1e6).round()));
        if self.consistent > 0 {
            s.push_str(&format!(" ({} more consistent with it)", self.consistent));
        }
        if self.failed > 0 {
            s.push_str(&format!(" ({} failed)", self.failed));
        }
        s
    }
}

/// The rows that have something to realise: their kind.
pub fn kind_of(row: &Row, claim: &Claim) -> Option<&'static str> {
    use crate::input::claim::Check;
    match (&claim.check, row.verdict.as_str()) {
        (Check::Always(_) | Check::Never(_), "refuted") => Some("counterexample"),
        (Check::Sometimes(_), "holds") => Some("witness"),
        _ => None,
    }
}

/// Realises one row on the interpreters found (the newest of the row's version).
pub fn realise_row(
    row: &Row,
    claim: &Claim,
    scenarios: &[Scenario],
    interps: &[(Interpreter, Calibration)],
    settings: &Settings,
    dir: &Path,
) -> Option<Realisation> {
    let kind = kind_of(row, claim)?;
    let mut r = Realisation {
        claim: row.claim.clone(),
        model: row.model.clone(),
        variant: row.variant.clone(),
        kind: kind.to_string(),
        python: None,
        not_applicable: None,
        runs: 0,
        seen: 0,
        consistent: 0,
        failed: 0,
        switch_interval: settings.switch_interval.unwrap_or(0.005),
        note: String::new(),
    };
    let found = interps.iter().rfind(|(i, _)| i.family() == row.variant);
    let Some((interp, cal)) = found else {
        r.not_applicable = Some(format!("no CPython {} on this machine", row.variant));
        return Some(r.noted());
    };
    r.python = Some(interp.full.clone());
    let scenario = match (&row.shrunk, scenarios.iter().find(|s| s.name == row.model)) {
        (Some(text), _) => match parse_scenario(Path::new("shrunk.toml"), text, "shrunk") {
            Ok(s) => s,
            Err(e) => {
                r.not_applicable = Some(format!("the shrunk program does not read back: {e}"));
                return Some(r.noted());
            }
        },
        (None, Some(s)) => s.clone(),
        (None, None) => {
            r.not_applicable = Some("no scenario of that name".into());
            return Some(r.noted());
        }
    };
    let mut real = scenario.clone();
    real.runtime.time = TimeMode::Untimed;
    real.runtime.cores = settings.cores;
    real.runtime.gil_explicit = false;
    real.runtime.switch_points_explicit = false;
    let job = Job {
        claim,
        scenario: &real,
        variant: interp.family(),
        expected: Outcome::Verdict(Verdict::Refuted),
        counter: false,
    };
    let (model, goal) = match job::build(&job) {
        Ok(b) => b,
        Err(e) => {
            r.not_applicable = Some(format!("the check does not apply untimed: {}", e.message));
            return Some(r.noted());
        }
    };
    let singled_out: Box<dyn Fn(&State) -> bool + '_> = match &goal {
        Goal::Always(e) => Box::new(|s: &State| !model.eval(s, e)),
        Goal::Sometimes(e) => Box::new(|s: &State| model.eval(s, e)),
        _ => return None,
    };
    let source = match python::program(&model.sys, interp.version) {
        Ok(s) => s,
        Err(why) => {
            r.not_applicable = Some(why);
            return Some(r.noted());
        }
    };
    let slug: String = format!("{}-{}", row.claim, row.model)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let program = dir.join(format!("realise-{slug}-{}.py", interp.full));
    if std::fs::write(&program, source).is_err() {
        r.not_applicable = Some(format!("cannot write {}", program.display()));
        return Some(r.noted());
    }
    for run in 0..settings.runs {
        r.runs += 1;
        let trace_path = dir.join(format!("realise-{slug}-{run}.jsonl"));
        let Ok(trace) = run::run_program(interp, &program, &trace_path, cal, settings, real.runtime.switch_interval)
        else {
            r.failed += 1;
            continue;
        };
        let _ = std::fs::remove_file(&trace_path);
        let ask = |objective| membership::check_for(&model, &trace, objective, settings.max_states, settings.timeout);
        match ask(Objective::Through(&*singled_out)) {
            Ok(Membership::Accepted { .. }) => {}
            Ok(Membership::Rejected { .. }) => continue,
            _ => {
                r.failed += 1;
                continue;
            }
        }
        match ask(Objective::Avoiding(&*singled_out)) {
            Ok(Membership::Rejected { .. }) => r.seen += 1,
            Ok(Membership::Accepted { .. }) => r.consistent += 1,
            _ => r.failed += 1,
        }
    }
    Some(r.noted())
}
