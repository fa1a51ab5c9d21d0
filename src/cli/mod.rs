//! The command line: `gilcheck check` and `gilcheck list`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::resources::{Budget, DEFAULT_MAX_STATES};
use crate::input::claim::{glob_matches, load_claims, Claim};
use crate::input::located::InputError;
use crate::check::explorable::Explorable;
use crate::cpython::model::GilModel;
use crate::cpython::program::System;
use crate::suite::{self, report};
use crate::check::job::{self as run, Row};
use crate::input::scenario::{load_scenarios, Scenario};
use stateright::Model;

/// Machine-checked answers to what the CPython GIL and asyncio really guarantee.
///
/// A scenario (models/**/*.toml) is a small Python program, abstracted, and the CPython it
/// runs on. A claim (properties/**/*.toml) is a sentence people say about the GIL or asyncio,
/// with a formal check. `gilcheck check` explores every scenario a claim names, exhaustively,
/// and reports whether the claim holds, with a counterexample when it does not.
#[derive(Parser, Debug)]
#[command(name = "gilcheck", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check every claim on its scenarios; print a table; write reports/.
    ///
    /// Exit status: 0 when every verdict is as expected, 1 when some verdict differs (or is
    /// unknown), 2 on bad input.
    Check(CheckArgs),
    /// List the scenarios and the claims, with their ids.
    List(Sources),
    /// Draw a scenario's whole reachable state graph, or a claim's counterexample on it.
    ///
    /// `--out FILE.svg` renders SVG (laid out in Rust, no Graphviz needed); `--out FILE.dot`
    /// or no `--out` writes DOT. A whole graph of more than 2,000 states is refused with its
    /// size unless `--force`.
    Graph(GraphArgs),
    /// Serve the stateright Explorer for a scenario on localhost, to walk its states by hand.
    ///
    /// With `--claim`, the claim's check is shown as a property of the model.
    Explore(ExploreArgs),
    /// Check the universal claims (`for_all`) on generated programs, with proptest.
    ///
    /// Each claim is checked on N programs per variant (`--cases`; default: the claim's
    /// `cases`), each explored exhaustively. A program that refutes the claim is shrunk to the
    /// smallest one found, printed as a scenario file with its counterexample. The same
    /// `--seed` gives the same programs and results. Writes no report (`check` does).
    /// Exit status as for `check`.
    Fuzz(FuzzArgs),
}

#[derive(clap::Args, Debug)]
pub struct FuzzArgs {
    /// Claim folder or file (repeatable; replaces the default `properties/`).
    #[arg(long = "claims", value_name = "DIR")]
    pub claims: Vec<PathBuf>,
    /// Only universal claims whose id matches this glob (e.g. `universal.*`).
    #[arg(long = "claim", value_name = "ID")]
    pub claim: Option<String>,
    /// Programs per claim and variant (default: each claim's `cases`).
    #[arg(long, value_name = "N")]
    pub cases: Option<u32>,
    /// The seed of the generated programs.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// `text`: a table and the shrunk programs; `json`: one JSON object on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub limits: Limits,
}

/// A scenario, optionally a claim on it, and the CPython to check it under.
#[derive(clap::Args, Debug)]
pub struct Target {
    #[command(flatten)]
    pub sources: Sources,
    /// The scenario's name (e.g. `gil/two-cpu-threads`).
    pub model: String,
    /// A claim whose check (and counterexample) to show.
    #[arg(long = "claim", value_name = "ID")]
    pub claim: Option<String>,
    /// The CPython to model (default: the claim's first variant, else the scenario's python).
    #[arg(long = "python", value_name = "VERSION")]
    pub python: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub target: Target,
    /// Where to write: `FILE.dot` or `FILE.svg` (default: DOT on stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Draw a whole state graph even when it has more than 2,000 states.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub target: Target,
    /// The port on localhost.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
}

#[derive(clap::Args, Debug)]
pub struct Sources {
    /// Scenario folder or file (repeatable; replaces the default `models/`).
    #[arg(long = "models", value_name = "DIR")]
    pub models: Vec<PathBuf>,
    /// Claim folder or file (repeatable; replaces the default `properties/`).
    #[arg(long = "claims", value_name = "DIR")]
    pub claims: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// Only claims whose id matches this glob (e.g. `seed.*`).
    #[arg(long = "claim", value_name = "ID")]
    pub claim: Option<String>,
    /// Only scenarios whose name matches this glob (e.g. `asyncio/*`).
    #[arg(long = "model", value_name = "NAME")]
    pub model: Option<String>,
    /// Report folder. A filtered run (--claim, --model) writes reports only when this is given,
    /// so that `reports/` always reflects a whole run.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write no report.
    #[arg(long)]
    pub no_report: bool,
    /// `text`: a table for people; `json`: one JSON object on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub limits: Limits,
}

/// Budgets and parallelism, shared by `check` and `fuzz`.
#[derive(clap::Args, Debug)]
pub struct Limits {
    /// Stop a search after this many states (its verdict is then unknown) [default: 10000000;
    /// fuzz: 2000000 per program].
    #[arg(long, value_name = "N")]
    pub max_states: Option<usize>,
    /// Stop a search after this many seconds (its verdict is then unknown).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Searches run in parallel (each one is single-threaded and deterministic).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl Limits {
    /// The budget of one search; `default_states` when `--max-states` is not given.
    fn budget(&self, default_states: usize) -> Budget {
        Budget {
            max_states: Some(self.max_states.unwrap_or(default_states)),
            timeout: self.timeout.filter(|t| t.is_finite() && *t >= 0.0).map(Duration::from_secs_f64),
        }
    }

    fn threads(&self) -> usize {
        self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl Sources {
    fn load(&self) -> Result<(Vec<Scenario>, Vec<Claim>), InputError> {
        let models = if self.models.is_empty() { vec![PathBuf::from("models")] } else { self.models.clone() };
        let claims = if self.claims.is_empty() { vec![PathBuf::from("properties")] } else { self.claims.clone() };
        Ok((load_scenarios(&models)?, load_claims(&claims)?))
    }
}

/// Runs the command line; returns the process's exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::List(sources) => list(&sources),
        Command::Graph(args) => graph(&args),
        Command::Explore(args) => explore(&args),
        Command::Fuzz(args) => fuzz(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // `path:line:col: what is wrong; what was expected`, nothing before it.
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn list(sources: &Sources) -> Result<ExitCode, InputError> {
    let (scenarios, claims) = sources.load()?;
    let mut out = String::new();
    out.push_str("scenarios:\n");
    for s in &scenarios {
        out.push_str(&format!("  {:<40} {}\n", s.name, s.title));
    }
    out.push_str("claims:\n");
    for c in &claims {
        out.push_str(&format!("  {:<44} {}\n", c.id, c.check_text));
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

fn check(args: &CheckArgs) -> Result<ExitCode, InputError> {
    let (scenarios, claims) = args.sources.load()?;
    let claims: Vec<Claim> =
        claims.into_iter().filter(|c| args.claim.as_deref().is_none_or(|g| glob_matches(g, &c.id))).collect();
    let jobs: Vec<run::Job> = suite::plan(&claims, &scenarios)?
        .into_iter()
        .filter(|j| args.model.as_deref().is_none_or(|g| glob_matches(g, &j.scenario.name)))
        .collect();
    let mut rows = suite::run_all(&jobs, args.limits.budget(DEFAULT_MAX_STATES), args.limits.threads())?;

    let filtered = args.claim.is_some() || args.model.is_some();
    let out_dir = match (&args.out, args.no_report, filtered) {
        (_, true, _) => None,
        (Some(dir), _, _) => Some(dir.clone()),
        (None, _, false) => Some(PathBuf::from("reports")),
        (None, _, true) => None,
    };
    if let Some(dir) = &out_dir {
        report::link_graphs(&mut rows, dir);
        let files = report::render(&claims, &rows);
        report::write(dir, &files).map_err(|e| InputError::new(dir, 1, 1, format!("cannot write the report: {e}")))?;
    }
    let ok = rows.iter().all(|r| r.as_expected);
    match args.format {
        Format::Json => {
            let json = serde_json::to_string(&serde_json::json!({ "results": rows })).expect("rows serialize");
            emit(&(json + "\n"));
        }
        Format::Text => print_table(&rows, out_dir.as_ref()),
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_table(rows: &[Row], out_dir: Option<&PathBuf>) {
    let color = std::io::stdout().is_terminal();
    let mut out = String::new();
    let w_claim = rows.iter().map(|r| r.claim.len()).max().unwrap_or(5).max(5);
    let w_model = rows.iter().map(|r| r.model.len()).max().unwrap_or(5).max(5);
    out.push_str(&format!(
        "{:<w_claim$}  {:<w_model$}  {:<6}  {:<22}  {:<16}  {:>9}  {:>7}\n",
        "claim", "model", "python", "verdict", "expected", "states", "ms"
    ));
    for r in rows {
        let verdict = match &r.value {
            Some(v) => format!("{} ({})", r.verdict, v),
            None => r.verdict.clone(),
        };
        let mark = if r.as_expected { "" } else { "  <- not as expected" };
        let (on, off) = if color && !r.as_expected { ("\x1b[31m", "\x1b[0m") } else { ("", "") };
        out.push_str(&format!(
            "{on}{:<w_claim$}  {:<w_model$}  {:<6}  {:<22}  {:<16}  {:>9}  {:>7}{mark}{off}\n",
            r.claim, r.model, r.variant, verdict, r.expected, r.states, r.elapsed_ms
        ));
        for note in r.notes.iter().filter(|n| !n.starts_with("untimed")) {
            if !r.as_expected {
                out.push_str(&format!("    {note}\n"));
            }
        }
    }
    let bad = rows.iter().filter(|r| !r.as_expected).count();
    let states: u64 = rows.iter().map(|r| r.states).sum();
    out.push_str(&format!(
        "\n{} checks, {} as expected, {} not; {} states explored",
        rows.len(),
        rows.len() - bad,
        bad,
        states
    ));
    if let Some(dir) = out_dir {
        out.push_str(&format!("; report in {}", dir.display()));
    }
    out.push('\n');
    emit(&out);
}

/// Runs `f` on the model of a [`Target`]: the scenario under the chosen CPython, with the
/// claim's job when a claim is named (its check is then bound to the model).
fn with_target<R>(
    target: &Target,
    f: impl FnOnce(Explorable, Option<&run::Job>) -> Result<R, InputError>,
) -> Result<R, InputError> {
    let (scenarios, claims) = target.sources.load()?;
    let usage = |message: String| InputError::new(std::path::Path::new("gilcheck"), 1, 1, message);
    let scenario = scenarios.iter().find(|s| s.name == target.model).ok_or_else(|| {
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        usage(format!("no scenario `{}`; expected one of: {}", target.model, names.join(", ")))
    })?;
    let claim = match &target.claim {
        Some(id) => Some(claims.iter().find(|c| &c.id == id).ok_or_else(|| usage(format!("no claim `{id}`")))?),
        None => None,
    };
    let variant = target
        .python
        .clone()
        .or_else(|| claim.and_then(|c| c.variants.first().cloned()))
        .unwrap_or_else(|| scenario.runtime.python.clone());
    match claim {
        Some(claim) => {
            let expected = match &claim.expect {
                crate::input::claim::Expect::All(o) => o.clone(),
                crate::input::claim::Expect::PerVariant(map) => map.values().next().cloned().expect("a non-empty table"),
            };
            let job = run::Job { claim, scenario, variant, expected };
            let (model, goal) = run::build(&job)?;
            f(Explorable { model, goal: Some(goal) }, Some(&job))
        }
        None => {
            let runtime = scenario
                .runtime
                .with_python(&variant)
                .ok_or_else(|| usage(format!("unknown CPython `{variant}`; expected e.g. 2.7, 3.9, 3.11, 3.13t")))?;
            let sys = System::compile(scenario, &runtime).map_err(usage)?;
            f(Explorable { model: GilModel::new(sys, Default::default()), goal: None }, None)
        }
    }
}

fn graph(args: &GraphArgs) -> Result<ExitCode, InputError> {
    with_target(&args.target, |target, job| draw(args, &target.model, job))
}

fn draw(args: &GraphArgs, model: &GilModel, job: Option<&run::Job>) -> Result<ExitCode, InputError> {
    let dot = match job {
        Some(job) => {
            let row = suite::run_job(job, Budget::default())?;
            match row.counterexample {
                Some(cx) => cx.dot,
                None => {
                    eprintln!(
                        "claim `{}` {} on `{}` under {}: nothing to draw",
                        row.claim, row.verdict, row.model, row.variant
                    );
                    return Ok(ExitCode::from(1));
                }
            }
        }
        None => {
            let limit = if args.force { usize::MAX } else { 2000 };
            match crate::evidence::graph::state_graph_dot(model, &args.target.model, limit) {
                Ok(dot) => dot,
                Err(states) => {
                    eprintln!(
                        "error: `{}` has {states} states, more than 2,000 draw legibly; pass --force to draw it anyway",
                        args.target.model
                    );
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    let write_err = |p: &PathBuf, e: std::io::Error| InputError::new(p, 1, 1, format!("cannot write: {e}"));
    match &args.out {
        None => emit(&dot),
        Some(path) if path.extension().is_some_and(|e| e == "svg") => {
            let svg = crate::evidence::graph::svg(&dot).map_err(|e| InputError::new(path, 1, 1, e))?;
            report::write_atomically(path, &svg).map_err(|e| write_err(path, e))?;
        }
        Some(path) => report::write_atomically(path, &dot).map_err(|e| write_err(path, e))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn explore(args: &ExploreArgs) -> Result<ExitCode, InputError> {
    with_target(&args.target, |model, _| serve(args, model))
}

fn serve(args: &ExploreArgs, model: Explorable) -> Result<ExitCode, InputError> {
    let address = ("127.0.0.1", args.port);
    // tiny_http panics on a port it cannot bind: find out first, and say so.
    if let Err(e) = std::net::TcpListener::bind(address) {
        eprintln!("error: cannot listen on 127.0.0.1:{}: {e}; pick another with --port", args.port);
        return Ok(ExitCode::from(2));
    }
    eprintln!("Explorer for `{}` on http://127.0.0.1:{}/ (Ctrl-C to stop)", args.target.model, args.port);
    let _checker = model.checker().serve(address);
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn fuzz(args: &FuzzArgs) -> Result<ExitCode, InputError> {
    let paths = if args.claims.is_empty() { vec![PathBuf::from("properties")] } else { args.claims.clone() };
    let claims: Vec<Claim> = load_claims(&paths)?
        .into_iter()
        .filter(|c| c.for_all.is_some() && args.claim.as_deref().is_none_or(|g| glob_matches(g, &c.id)))
        .collect();
    if claims.is_empty() {
        let what = args.claim.as_deref().map_or(String::new(), |g| format!(" matching `{g}`"));
        let message =
            format!("no universal claim{what}; expected a claim with `for_all` (see properties/universal.toml)");
        return Err(InputError::new(&paths[0], 1, 1, message));
    }
    let mut jobs = Vec::new();
    for claim in &claims {
        jobs.extend(crate::fuzz::universal::jobs(claim)?);
    }
    let opts = crate::fuzz::universal::Options {
        cases: args.cases,
        seed: args.seed,
        budget: args.limits.budget(crate::fuzz::universal::CASE_STATES),
        ..Default::default()
    };
    let total: u64 = jobs
        .iter()
        .map(|j| u64::from(opts.cases.unwrap_or_else(|| j.claim.for_all.as_ref().map_or(0, |f| f.cases))))
        .sum();
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} programs  {elapsed}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let rows = crate::fuzz::universal::run_jobs(&jobs, &opts, args.limits.threads(), &|| bar.inc(1));
    bar.finish_and_clear();
    let rows = rows?;
    match args.format {
        Format::Json => {
            let json = serde_json::to_string(&serde_json::json!({ "results": rows })).expect("rows serialize");
            emit(&format!("{json}\n"));
        }
        Format::Text => emit(&fuzz_report(&rows)),
    }
    Ok(if rows.iter().all(|r| r.as_expected) { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The table of `gilcheck fuzz`, then each shrunk program with its counterexample.
fn fuzz_report(rows: &[Row]) -> String {
    let mut out = String::new();
    let w = rows.iter().map(|r| r.claim.len()).max().unwrap_or(5).max(5);
    out.push_str(&format!(
        "{:<w$}  {:<6}  {:<8}  {:<8}  {:>9}  {:>7}\n",
        "claim", "python", "verdict", "expected", "states", "ms"
    ));
    for r in rows {
        let mark = if r.as_expected { "" } else { "  <- not as expected" };
        out.push_str(&format!(
            "{:<w$}  {:<6}  {:<8}  {:<8}  {:>9}  {:>7}{mark}\n",
            r.claim, r.variant, r.verdict, r.expected, r.states, r.elapsed_ms
        ));
        for note in r.notes.iter().take(2) {
            out.push_str(&format!("    {note}\n"));
        }
    }
    for r in rows {
        let (Some(program), Some(cx)) = (&r.shrunk, &r.counterexample) else { continue };
        out.push_str(&format!("\n{} under {}: the smallest refuting program found\n\n", r.claim, r.variant));
        for line in program.lines() {
            out.push_str(&format!("    {line}\n"));
        }
        out.push_str("\n  its counterexample:\n");
        for (i, step) in cx.steps.iter().enumerate() {
            out.push_str(&format!("  {i:>3}. {}\n       {}\n", step.action, step.state));
        }
    }
    let bad = rows.iter().filter(|r| !r.as_expected).count();
    out.push_str(&format!("\n{} checks, {} as expected, {} not\n", rows.len(), rows.len() - bad, bad));
    out
}

/// Writes to stdout; a reader that went away (`gilcheck list | head`) is not an error.
fn emit(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}
