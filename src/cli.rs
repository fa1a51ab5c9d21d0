//! The command line: `gilcheck check` and `gilcheck list`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::checker::Budget;
use crate::claim::{glob_matches, load_claims, Claim};
use crate::error::InputError;
use crate::report;
use crate::run::{self, Row};
use crate::scenario::{load_scenarios, Scenario};

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
    /// Stop a search after this many states (its verdict is then unknown).
    #[arg(long, value_name = "N")]
    pub max_states: Option<usize>,
    /// Stop a search after this many seconds (its verdict is then unknown).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Checks run in parallel (each search is single-threaded and deterministic).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
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
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
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
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn check(args: &CheckArgs) -> Result<ExitCode, InputError> {
    let (scenarios, claims) = args.sources.load()?;
    let claims: Vec<Claim> =
        claims.into_iter().filter(|c| args.claim.as_deref().is_none_or(|g| glob_matches(g, &c.id))).collect();
    let jobs: Vec<run::Job> = run::plan(&claims, &scenarios)?
        .into_iter()
        .filter(|j| args.model.as_deref().is_none_or(|g| glob_matches(g, &j.scenario.name)))
        .collect();
    let budget = Budget {
        max_states: args.max_states,
        timeout: args.timeout.filter(|t| t.is_finite() && *t >= 0.0).map(Duration::from_secs_f64),
    };
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut rows = run::run_all(&jobs, budget, threads)?;

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
            println!("{json}");
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
    let _ = std::io::stdout().write_all(out.as_bytes());
}
