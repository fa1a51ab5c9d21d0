//! Layer 7, the command line (SPEC §4): one file per subcommand, and here what they share: the
//! arguments that name the user's files and limits, loading them, and the exit status. Every
//! error reaches the user as `path:line:col: what is wrong; what was expected`, exit status 2.

mod check;
mod conform;
mod explore;
mod fuzz;
mod graph;
mod list;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

pub use check::CheckArgs;
pub use conform::ConformArgs;
pub use explore::ExploreArgs;
pub use fuzz::FuzzArgs;
pub use graph::GraphArgs;

use crate::check::explorable::Explorable;
use crate::check::job::Job;
use crate::check::resources::Budget;
use crate::cpython::model::GilModel;
use crate::cpython::program::System;
use crate::input::claim::{load_claims, Claim, Expect};
use crate::input::located::InputError;
use crate::input::scenario::{load_scenarios, Scenario};

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
    /// Run scenarios as real Python programs on the CPythons found and check every recorded
    /// trace against the model of that version (SPEC §9).
    ///
    /// Each scenario becomes a real program (`--emit-python` prints it), run `--runs` times on
    /// each interpreter (every CPython on PATH and among pyenv's versions, or `--python`);
    /// each trace must be the observable projection of a path of the model. Writes
    /// `conformance.md` and `conformance.json` to `--out`. `--trace FILE --model NAME --python
    /// V` checks one recorded trace instead. Exit status: 0 every trace accepted, 1 some
    /// trace rejected (or no interpreter found), 2 bad input.
    Conform(ConformArgs),
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
    pub(crate) fn budget(&self, default_states: usize) -> Budget {
        Budget {
            max_states: Some(self.max_states.unwrap_or(default_states)),
            timeout: self.timeout.filter(|t| t.is_finite() && *t >= 0.0).map(Duration::from_secs_f64),
        }
    }

    pub(crate) fn threads(&self) -> usize {
        self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl Sources {
    pub(crate) fn load(&self) -> Result<(Vec<Scenario>, Vec<Claim>), InputError> {
        Ok((self.scenarios()?, self.claims()?))
    }

    pub(crate) fn scenarios(&self) -> Result<Vec<Scenario>, InputError> {
        let models = if self.models.is_empty() { vec![PathBuf::from("models")] } else { self.models.clone() };
        load_scenarios(&models)
    }

    pub(crate) fn claims(&self) -> Result<Vec<Claim>, InputError> {
        let claims = if self.claims.is_empty() { vec![PathBuf::from("properties")] } else { self.claims.clone() };
        load_claims(&claims)
    }
}

/// Runs the command line; returns the process's exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::List(sources) => list::run(&sources),
        Command::Graph(args) => graph::run(&args),
        Command::Explore(args) => explore::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Conform(args) => conform::run(&args),
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

/// Runs `f` on the model of a [`Target`]: the scenario under the chosen CPython, with the
/// claim's job when a claim is named (its check is then bound to the model).
pub(crate) fn with_target<R>(
    target: &Target,
    f: impl FnOnce(Explorable, Option<&Job>) -> Result<R, InputError>,
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
                Expect::All(o) => o.clone(),
                Expect::PerVariant(map) => map.values().next().cloned().expect("a non-empty table"),
            };
            let job = Job { claim, scenario, variant, expected, counter: false };
            let (model, goal) = crate::check::job::build(&job)?;
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

/// Writes to stdout; a reader that went away (`gilcheck list | head`) is not an error.
pub(crate) fn emit(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}
