//! `gilcheck conform`: scenarios run as real Python programs on the CPythons found, every
//! recorded trace checked against the model (SPEC §9); or one trace given as a file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::output::{keep_traces, print_json, write_conform_report};
use super::shard::{ConformShard, Shard};
use super::{emit, Format, Sources};
use crate::check::resources::{interrupted, Budget, DEFAULT_MAX_STATES};
use crate::conform::experiments::{self, Experiments};
use crate::conform::generated;
use crate::conform::interpreters::{self, Interpreter};
use crate::conform::membership::{self, Membership};
use crate::conform::python;
use crate::conform::realise::{self, Realisation};
use crate::conform::report::{Conformance, InterpreterRow};
use crate::conform::run::{self, Calibration, Settings};
use crate::conform::timing::{self, Timing};
use crate::conform::trace::Trace;
use crate::input::claim::{glob_matches, Claim};
use crate::input::located::InputError;
use crate::input::scenario::Scenario;

#[derive(clap::Args, Debug)]
pub struct ConformArgs {
    /// Python programs (`app.py`) whose extracted scenarios to run, instead of `models/`.
    #[arg(value_name = "PROGRAM.py")]
    pub programs: Vec<PathBuf>,
    #[command(flatten)]
    pub front: super::extract::FrontEnd,
    #[command(flatten)]
    pub sources: Sources,
    /// Realise only the counterexamples of claims whose id matches this glob (`none`: none).
    #[arg(long = "claim", value_name = "GLOB")]
    pub claim: Option<String>,
    /// Only scenarios whose name matches this glob; with `--trace`, the scenario's name.
    #[arg(long = "model", value_name = "GLOB")]
    pub model: Option<String>,
    /// An interpreter: a version found on PATH or among pyenv's (`3.9`, `3.11.7`) or a path
    /// (repeatable; default: every CPython found).
    #[arg(long = "python", value_name = "VERSION|PATH")]
    pub python: Vec<String>,
    /// Runs per scenario and interpreter.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub runs: u32,
    /// Runs per realised counterexample or witness (default: `--runs`).
    #[arg(long, value_name = "N")]
    pub realise_runs: Option<u32>,
    /// Run N programs from the `fuzz` generators instead of the scenarios (differential
    /// testing); the report goes to `conformance-generated.md` / `.json`.
    #[arg(long, value_name = "N")]
    pub generated: Option<u32>,
    /// The seed of the generated programs.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Milliseconds per tick.
    #[arg(long, value_name = "MS", default_value_t = 2.0)]
    pub tick_ms: f64,
    /// Check this recorded trace (JSON Lines, SPEC §9) against `--model` under `--python`.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Run the experiments that the claims (those `--claim` selects) name as evidence, on each
    /// interpreter, instead of the scenarios; the report goes to `experiments.md` / `.json`.
    #[arg(long)]
    pub experiments: bool,
    /// Seconds an experiment may run before it is killed.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub experiment_limit: u64,
    /// Print the generated Python program of each selected scenario and exit.
    #[arg(long)]
    pub emit_python: bool,
    /// Report folder for `conformance.md` and `conformance.json` [default: `reports/`; with
    /// `--shard`, `shards/`].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write no report.
    #[arg(long)]
    pub no_report: bool,
    /// Run only the I-th of N slices of the run: every N-th scenario and claim (with
    /// `--experiments`, experiment; with `--generated`, interpreter), from the I-th. The slice
    /// goes to `STEM-shard-I-of-N.json` in `--out` instead of a report, and `gilcheck merge`
    /// joins the N files into the report of one whole run.
    #[arg(long, value_name = "I/N", value_parser = super::shard::parse_shard,
          conflicts_with_all = ["trace", "emit_python", "no_report"])]
    pub shard: Option<Shard>,
    /// `text`: a table for people; `json`: one JSON object on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Product states per membership check (its verdict is then unknown).
    #[arg(long, value_name = "N", default_value_t = 10_000_000)]
    pub max_states: usize,
}

impl ConformArgs {
    /// Where the report (or the shard's file) goes.
    fn out_dir(&self) -> PathBuf {
        let default = if self.shard.is_some() { "shards" } else { "reports" };
        self.out.clone().unwrap_or_else(|| PathBuf::from(default))
    }

    /// The run's items in its order, and those of this shard (all of them without `--shard`).
    fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        self.shard.map_or(items.to_vec(), |shard| shard.slice(items.to_vec()))
    }

    /// Writes the report `STEM.md`/`.json`, or with `--shard` the shard's file.
    fn publish(
        &self,
        stem: &str,
        units: Vec<String>,
        claims: Vec<String>,
        report: Published,
    ) -> Result<(), InputError> {
        let out = self.out_dir();
        if let Some(shard) = self.shard {
            let (conformance, experiments) = match report {
                Published::Conformance(c) => (Some(c.clone()), None),
                Published::Experiments(e) => (None, Some(e.clone())),
            };
            let file = ConformShard { report: stem.into(), shard, units, claims, conformance, experiments };
            let path = file.write(&out)?;
            if self.format == Format::Text {
                eprintln!("gilcheck conform: shard {}/{} written to {}", shard.index, shard.count, path.display());
            }
            return Ok(());
        }
        if self.no_report {
            return Ok(());
        }
        match report {
            Published::Conformance(c) => write_conform_report(&out, stem, &c.to_markdown(), c),
            Published::Experiments(e) => write_conform_report(&out, stem, &e.to_markdown(), e),
        }
    }
}

/// A report `conform` writes.
enum Published<'a> {
    Conformance(&'a Conformance),
    Experiments(&'a Experiments),
}

/// Realisation runs switch every 10 µs, so that a rare interleaving shows within a few runs.
const REALISATION_INTERVAL: f64 = 1e-5;

fn usage(message: String) -> InputError {
    InputError::new(std::path::Path::new("gilcheck conform"), 1, 1, message)
}

pub(super) fn run(args: &ConformArgs) -> Result<ExitCode, InputError> {
    if !(args.tick_ms.is_finite() && args.tick_ms > 0.0 && args.tick_ms <= 1000.0) {
        return Err(usage(format!("--tick-ms {} is not a duration; expected milliseconds in (0, 1000]", args.tick_ms)));
    }
    if args.experiments {
        return run_experiments(args);
    }
    let scenarios = if args.programs.is_empty() {
        args.sources.scenarios()?
    } else {
        let mut extracted = Vec::new();
        for program in &args.programs {
            let extraction = super::extract::extract_file(program, &args.front, "3.11")?;
            super::extract::print_notes(program, &extraction);
            extracted.push(extraction.scenario);
        }
        extracted
    };
    if args.trace.is_none() {
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        super::check_filter("--model", args.model.as_deref(), &names)?;
    }
    if let Some(path) = &args.trace {
        return check_trace(args, path, &scenarios);
    }
    let whole: Vec<&Scenario> =
        scenarios.iter().filter(|s| args.model.as_deref().is_none_or(|g| glob_matches(g, &s.name))).collect();
    if whole.is_empty() {
        return Err(usage(format!("no scenario matches `{}`", args.model.as_deref().unwrap_or("*"))));
    }
    let units: Vec<String> = whole.iter().map(|s| s.name.clone()).collect();
    let selected = args.slice(&whole);
    let mut interps = interpreters_wanted(&args.python)?;
    let settings =
        Settings { tick_ms: args.tick_ms, runs: args.runs, max_states: args.max_states, ..Settings::default() };
    if args.emit_python {
        let mut out = String::new();
        for s in &selected {
            for i in &interps {
                let text = run::model_for(s, i, settings.cores)
                    .and_then(|m| python::program(&m.sys, i.version))
                    .unwrap_or_else(|why| format!("# {} on {}: not applicable: {why}\n", s.name, i.full));
                out.push_str(&text);
            }
        }
        emit(&out);
        return Ok(ExitCode::SUCCESS);
    }
    if interps.is_empty() {
        eprintln!("gilcheck conform: NO CPython interpreter found (PATH, pyenv); nothing was checked");
        return Ok(ExitCode::from(1));
    }
    if args.generated.is_some() {
        // Each interpreter's generated programs are a whole of their own: a shard takes some.
        interps = args.slice(&interps);
    }
    let dir = std::env::temp_dir().join(format!("gilcheck-conform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| usage(format!("{}: {e}", dir.display())))?;
    let mut rows = Vec::new();
    let mut results = Vec::new();
    let mut calibrated = Vec::new();
    let mut differentials = Vec::new();
    for interp in &interps {
        if interrupted().is_some() {
            break;
        }
        let cal = run::calibrate(interp, &dir);
        rows.push(InterpreterRow::new(interp, cal.as_ref().ok().copied()));
        let cal = match cal {
            Ok(c) => c,
            Err(e) => {
                eprintln!("gilcheck conform: {e}");
                continue;
            }
        };
        calibrated.push((interp.clone(), cal));
        if let Some(n) = args.generated {
            let d = generated::differential(interp, &cal, &settings, n, args.seed, &dir);
            if args.format == Format::Text {
                let rejected = d.rejection.as_deref().unwrap_or("none rejected");
                eprintln!(
                    "generated {:<8} {} programs, {}/{} runs accepted; {rejected}",
                    d.python, d.programs, d.accepted, d.runs
                );
            }
            differentials.push(d);
            continue;
        }
        for s in selected.iter().take_while(|_| interrupted().is_none()) {
            let outcome = run::conform_one(s, interp, &cal, &settings, &dir);
            if args.format == Format::Text {
                eprintln!("{:<44} {:<8} {}", s.name, interp.full, summary(&outcome));
            }
            results.push(outcome);
        }
    }
    if let Some(code) = stopped_by_signal(Some(&dir)) {
        return Ok(code);
    }
    let (realisations, timings, claim_order) = if args.generated.is_some() {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let runs = args.realise_runs.unwrap_or(args.runs);
        let whole = match args.claim.as_deref() {
            Some("none") => Vec::new(),
            glob => super::select_claims(args.sources.claims()?, glob)?,
        };
        let settings = Settings { runs, ..settings.clone() };
        let (realised, timed) = realise_claims(args, &args.slice(&whole), &scenarios, &calibrated, &settings, &dir)?;
        (realised, timed, whole.into_iter().map(|c| c.id).collect())
    };
    if let Some(code) = stopped_by_signal(Some(&dir)) {
        return Ok(code);
    }
    let mut report = Conformance {
        date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        cores: settings.cores,
        tick_ms: settings.tick_ms,
        runs_per_scenario: settings.runs,
        interpreters: rows,
        results,
        realisations,
        timings,
        generated: differentials,
    };
    if !args.no_report {
        // The traces are kept in the scratch folder, by absolute path.
        keep_traces(&mut report, &dir, &args.out_dir());
    }
    let stem = if args.generated.is_some() { "conformance-generated" } else { "conformance" };
    args.publish(stem, units, claim_order, Published::Conformance(&report))?;
    print_json(&report, args.format);
    let _ = std::fs::remove_dir(&dir);
    Ok(if report.all_accepted() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// After a SIGINT or SIGTERM: the scratch folder removed, no report written, exit 130 or 143.
fn stopped_by_signal(scratch: Option<&std::path::Path>) -> Option<ExitCode> {
    let signal = interrupted()?;
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    eprintln!("gilcheck: interrupted by {}; no conformance report was written", super::signal_name(signal));
    Some(ExitCode::from(128 + signal as u8))
}

/// `--experiments`: every experiment the selected claims name, on every interpreter wanted.
fn run_experiments(args: &ConformArgs) -> Result<ExitCode, InputError> {
    let (scenarios, claims) = args.sources.load()?;
    let claims = super::select_claims(claims, args.claim.as_deref())?;
    // The same validation as `check`: every named experiment and scenario exists.
    crate::suite::plan(&claims, &scenarios)?;
    let whole = experiments::named(&claims);
    let units: Vec<String> = whole.iter().map(|(e, _)| e.spelling()).collect();
    let named = args.slice(&whole);
    if whole.is_empty() {
        return Err(usage(format!(
            "no claim{} names an experiment as evidence; expected `evidence = [\"experiment:PATH ARGS\"]`",
            args.claim.as_deref().map_or(String::new(), |g| format!(" matching `{g}`"))
        )));
    }
    let interps = interpreters_wanted(&args.python)?;
    if interps.is_empty() {
        eprintln!("gilcheck conform: NO CPython interpreter found (PATH, pyenv); nothing was run");
        return Ok(ExitCode::from(1));
    }
    let text = args.format == Format::Text;
    let limit = Duration::from_secs(args.experiment_limit.max(1));
    let runs = experiments::run_all(&named, &interps, limit, |r| {
        if text {
            let result = r.figure.as_deref().or(r.failed.as_deref()).unwrap_or("");
            eprintln!("{:<64} {:<8} {result}", r.evidence, r.python);
        }
    });
    if let Some(code) = stopped_by_signal(None) {
        return Ok(code);
    }
    let report = Experiments {
        date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        cores: Settings::default().cores,
        runs,
    };
    args.publish("experiments", units, Vec::new(), Published::Experiments(&report))?;
    print_json(&report, args.format);
    Ok(if report.all_ran() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Realisation of every refuted safety claim and `sometimes` witness the filters select (run
/// with a short switch interval), and timing of their quantitative checks on `ticks` scenarios
/// (run with the scenario's own), of the `wanted` claims (a shard's slice of the run's).
fn realise_claims(
    args: &ConformArgs,
    wanted: &[Claim],
    scenarios: &[Scenario],
    interps: &[(Interpreter, Calibration)],
    settings: &Settings,
    dir: &std::path::Path,
) -> Result<(Vec<Realisation>, Vec<Timing>), InputError> {
    let mut jobs = crate::suite::plan(wanted, scenarios)?;
    if let Some(glob) = &args.model {
        jobs = crate::suite::only_models(jobs, glob);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rows =
        crate::suite::run_all(&jobs, Budget { max_states: Some(DEFAULT_MAX_STATES), ..Budget::default() }, threads)?;
    let fast = Settings { switch_interval: Some(REALISATION_INTERVAL), ..settings.clone() };
    let (mut realised, mut timed) = (Vec::new(), Vec::new());
    for row in rows.iter().take_while(|_| interrupted().is_none()) {
        let Some(claim) = wanted.iter().find(|c| c.id == row.claim) else { continue };
        if let Some(r) = realise::realise_row(row, claim, scenarios, interps, &fast, dir) {
            if args.format == Format::Text {
                eprintln!("{:<44} {:<28} {:<6} {}", r.claim, r.model, r.variant, r.summary());
            }
            realised.push(r);
        }
        let Some(scenario) = scenarios.iter().find(|s| s.name == row.model) else { continue };
        if let Some(t) = timing::time_row(row, claim, scenario, interps, settings, dir) {
            if args.format == Format::Text {
                let m = t.median.map_or("–".into(), |m| m.to_string());
                eprintln!(
                    "{:<44} {:<28} {:<6} predicted {}, median {m}: {}",
                    t.claim, t.model, t.variant, t.predicted, t.verdict
                );
            }
            timed.push(t);
        }
    }
    Ok((realised, timed))
}

fn summary(o: &run::Outcome) -> String {
    if let Some(why) = &o.not_applicable {
        return format!("n/a: {why}");
    }
    let mut s = format!("{}/{} accepted", o.accepted, o.runs);
    if let Some(p) = &o.first_problem {
        s.push_str(&format!("; {p}"));
    }
    s
}

fn interpreters_wanted(wanted: &[String]) -> Result<Vec<Interpreter>, InputError> {
    let found = interpreters::discover();
    if wanted.is_empty() {
        return Ok(found);
    }
    wanted.iter().map(|w| interpreters::find(w, &found).map_err(usage)).collect()
}

/// `--trace FILE --model NAME --python VERSION`: one trace, accepted (0) or rejected (1).
fn check_trace(args: &ConformArgs, path: &std::path::Path, scenarios: &[Scenario]) -> Result<ExitCode, InputError> {
    let name = args.model.as_deref().ok_or_else(|| usage("--trace needs --model NAME".into()))?;
    let scenario = scenarios.iter().find(|s| s.name == name).ok_or_else(|| usage(format!("no scenario `{name}`")))?;
    let [version] = args.python.as_slice() else {
        return Err(usage("--trace needs one --python VERSION (e.g. 3.11)".into()));
    };
    let text =
        crate::input::files::read_user_file(path, "the trace file", "expected a trace file (JSON Lines, SPEC §9)")?;
    let trace = Trace::parse(path, &text)?;
    // `3.11`, `3.11.7` or `3.13t`: the rules of its family.
    let free_threaded = version.ends_with('t');
    let parsed = python::PyVersion::parse(version.trim_end_matches('t'));
    let known = parsed.filter(|v| {
        let family = if free_threaded { v.family() + "t" } else { v.family() };
        crate::input::scenario::python_rules(&family).is_some()
    });
    let version = known.ok_or_else(|| usage(format!("unknown CPython `{version}`; expected e.g. 2.7, 3.9, 3.11")))?;
    let interp = Interpreter { path: PathBuf::new(), full: trace.python.clone(), version, free_threaded };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let model = run::model_for(scenario, &interp, cores).map_err(usage)?;
    let verdict = membership::check(&model, &trace, args.max_states, Some(Duration::from_secs(600)))
        .map_err(|e| InputError::new(path, 1, 1, e))?;
    let (code, text, json) = match &verdict {
        Membership::Accepted { states } => (
            0,
            format!("accepted ({states} product states)"),
            serde_json::json!({"verdict": "accepted", "states": states}),
        ),
        Membership::Rejected { states, why } => (
            1,
            format!("rejected: {why}"),
            serde_json::json!({"verdict": "rejected", "states": states, "accepted_events": why.accepted,
                "first_refused": why.first_refused.as_ref().map(|e| e.to_string()), "allowed": why.allowed, "ends": why.ends}),
        ),
        Membership::Unknown { states, why } => {
            (1, format!("unknown: {why}"), serde_json::json!({"verdict": "unknown", "states": states, "why": why}))
        }
    };
    match args.format {
        Format::Text => emit(&format!("{}: {text}\n", path.display())),
        Format::Json => emit(&(json.to_string() + "\n")),
    }
    Ok(ExitCode::from(code))
}
