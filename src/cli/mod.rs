//! Layer 7, the command line (SPEC §4): one file per subcommand, and here what they share: the
//! arguments that name the user's files and limits, loading them, and the exit status. Every
//! error reaches the user as `path:line:col: what is wrong; what was expected`, exit status 2.

mod bench;
mod check;
mod conform;
mod explore;
mod extract;
mod fuzz;
mod graph;
mod list;
mod output;
mod shard;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

pub use check::CheckArgs;
pub use conform::ConformArgs;
pub use explore::ExploreArgs;
pub use extract::ExtractArgs;
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
    /// Print the scenario of a Python program: its threads, tasks and steps, each commented
    /// with the source line it comes from. Notes on what is approximated go to stderr.
    ///
    /// A syntax error in the program, or a bad `# gilcheck:` comment, is an error at its
    /// `file:line:col` (exit status 2).
    Extract(ExtractArgs),
    /// Measure the checker: states, seconds, states/s and peak memory of exhaustive searches
    /// as models grow (race threads with and without symmetry, asyncio task copies, the
    /// convoy's horizon), each in a process of its own. Prints a Markdown table.
    Bench(bench::BenchArgs),
    /// Join the shard files of `check --shard I/N` (all N of them) into the reports one
    /// whole run writes, byte for byte, and print its table; or those of `conform --shard
    /// I/N` into its report (`conformance`, `conformance-generated` or `experiments`). Exit
    /// status as for the command that wrote them.
    Merge(shard::MergeArgs),
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

/// Budgets and parallelism, shared by `check` and `fuzz`. Out-of-range values are refused
/// (exit 2) by the parsers below, never read as "no limit".
#[derive(clap::Args, Debug)]
pub struct Limits {
    /// Stop a search after this many states (its verdict is then unknown) [default: 10000000;
    /// fuzz: 2000000 per program].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_states: Option<usize>,
    /// Stop the whole run after this many seconds: every search still running stops, its
    /// verdict unknown.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,
    /// Stop each search after this many seconds (its verdict is then unknown).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub search_timeout: Option<f64>,
    /// Memory for the whole run, divided among the searches that run at once (e.g. `4G`,
    /// `512M`) [default: half of the machine's memory]. A search that reaches its share stops,
    /// its verdict unknown.
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<usize>,
    /// Cores the whole run uses [default: every CPU]: checks run in parallel, and a search
    /// takes the cores the others leave idle (when fewer checks than cores are left). Verdicts,
    /// state counts and counterexamples are the same whatever it is.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Run only the I-th of N slices of the claims (every N-th claim, from the I-th). `check`
    /// writes its rows to `shard-I-of-N.json` in `--out` [default: `shards/`] instead of a
    /// report, and `gilcheck merge` joins the N files into the reports of one whole run;
    /// `fuzz` prints the slice's rows.
    #[arg(long, value_name = "I/N", value_parser = shard::parse_shard)]
    pub shard: Option<shard::Shard>,
    /// Fuse chains of forced steps: an `always` or `sometimes` check skips the states that
    /// have one move which changes none of its atoms; fewer states stored, the same verdicts
    /// and counterexample lengths. Pays on models of long deterministic runs (ticks mode,
    /// one loop); costs time and memory where few states are forced.
    #[arg(long)]
    pub fuse: bool,
}

/// Seconds of a time budget: finite, not negative (0: stop at once), at most a year.
fn parse_seconds(text: &str) -> Result<f64, String> {
    const YEAR: f64 = 365.0 * 24.0 * 3600.0;
    match text.trim().parse::<f64>() {
        Ok(s) if (0.0..=YEAR).contains(&s) => Ok(s),
        _ => Err(format!("`{text}` is not a time budget; expected seconds from 0 to {YEAR}")),
    }
}

/// A count of states: a whole number (0: stop at once).
fn parse_count(text: &str) -> Result<usize, String> {
    text.trim()
        .replace('_', "")
        .parse::<usize>()
        .map_err(|_| format!("`{text}` is not a state budget; expected a whole number of states"))
}

/// A memory size: bytes, or a number with `K`, `M`, `G` or `T` (powers of 1024), at least 1 MiB.
fn parse_bytes(text: &str) -> Result<usize, String> {
    let t = text.trim().trim_end_matches(['B', 'b']).trim_end_matches(['i', 'I']);
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, ' '),
    };
    let shift = match unit {
        ' ' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        'T' => 40,
        _ => u32::MAX,
    };
    let bytes = number.trim().parse::<f64>().ok().filter(|n| n.is_finite() && *n > 0.0 && shift != u32::MAX);
    match bytes.map(|n| n * 2f64.powi(shift as i32)) {
        Some(b) if b >= (1u64 << 20) as f64 && b <= usize::MAX as f64 => Ok(b as usize),
        _ => Err(format!("`{text}` is not a memory size; expected bytes or e.g. `512M`, `4G`, at least 1M")),
    }
}

impl Limits {
    /// The budget of each search of this run; `default_states` when `--max-states` is not
    /// given. The run's clock starts here.
    pub(crate) fn budget(&self, default_states: usize) -> Budget {
        let memory = self.max_memory.or_else(crate::check::resources::default_memory);
        Budget {
            max_states: Some(self.max_states.unwrap_or(default_states)),
            timeout: self.search_timeout.map(Duration::from_secs_f64),
            deadline: self.timeout.map(|t| std::time::Instant::now() + Duration::from_secs_f64(t)),
            max_memory: memory,
            cores: crate::check::resources::Cores::Shared(self.threads()),
            fuse: self.fuse,
        }
        .shared_by(self.threads())
    }

    pub(crate) fn threads(&self) -> usize {
        self.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from)
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
    stop_on_signals();
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::List(sources) => list::run(&sources),
        Command::Graph(args) => graph::run(&args),
        Command::Explore(args) => explore::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Conform(args) => conform::run(&args),
        Command::Extract(args) => extract::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Merge(args) => shard::run(&args),
    };
    if let Some(signal) = crate::check::resources::interrupted() {
        // A command that knows what its interruption left says so itself; say at least this.
        if !matches!(result, Ok(code) if code == ExitCode::from(128 + signal as u8)) {
            eprintln!("gilcheck: interrupted by {}", signal_name(signal));
        }
        return ExitCode::from(128 + signal as u8);
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            // `path:line:col: what is wrong; what was expected`, nothing before it, then the
            // line it points at with a caret under the column.
            eprintln!("{}", e.render());
            ExitCode::from(2)
        }
    }
}

/// SIGINT and SIGTERM end the run cleanly: the first is recorded and every search stops at
/// its next poll (the command then exits 130 or 143); a second one ends the process at once.
fn stop_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    static ARMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    for signal in [SIGINT, SIGTERM] {
        // The shutdown must be registered first: it acts only on a second signal.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, &ARMED);
        let _ = signal_hook::flag::register(signal, &ARMED);
        let _ = signal_hook::flag::register_usize(signal, &crate::check::resources::INTERRUPTED, signal as usize);
    }
}

/// `SIGINT` or `SIGTERM`, as people know them.
pub(crate) fn signal_name(signal: i32) -> String {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT".into(),
        signal_hook::consts::SIGTERM => "SIGTERM".into(),
        s => format!("signal {s}"),
    }
}

/// Runs `f` on the model of a [`Target`]: the scenario under the chosen CPython, with the
/// claim's job when a claim is named (its check is then bound to the model).
pub(crate) fn with_target<R>(
    target: &Target,
    f: impl FnOnce(Explorable, Option<&Job>) -> Result<R, InputError>,
) -> Result<R, InputError> {
    // Claim files are read only when a claim is named: a scenario alone needs none.
    let scenarios = target.sources.scenarios()?;
    let claims = if target.claim.is_some() { target.sources.claims()? } else { Vec::new() };
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

/// Refuses a filter (`--claim`, `--model`) that is no valid glob or that matches none of
/// `names`, naming the nearest: a filter that selects nothing is a typo, not an empty run.
pub(crate) fn check_filter(flag: &str, glob: Option<&str>, names: &[&str]) -> Result<(), InputError> {
    let what = if flag == "--claim" { "claim id" } else { "scenario name" };
    let Some(glob) = glob else { return Ok(()) };
    let usage = |message: String| InputError::new(std::path::Path::new("gilcheck"), 1, 1, message);
    if let Err(e) = globset::Glob::new(glob) {
        return Err(usage(format!(
            "{flag} `{glob}` is not a valid glob ({}); expected a {what} or a glob such as `seed.*`",
            e.kind()
        )));
    }
    if names.iter().any(|n| crate::input::claim::glob_matches(glob, n)) {
        return Ok(());
    }
    let mut nearest: Vec<&str> = names.to_vec();
    nearest.sort_by_key(|n| (strsim::levenshtein(glob, n), *n));
    nearest.dedup();
    let shown: Vec<String> = nearest.iter().take(3).map(|n| format!("`{n}`")).collect();
    Err(usage(format!(
        "{flag} `{glob}` matches no {what}; expected one of the {} loaded{}",
        names.len(),
        if shown.is_empty() { String::new() } else { format!(", the nearest: {}", shown.join(", ")) }
    )))
}

/// The claims `--claim GLOB` selects (every one without it); a glob that selects none is
/// refused as [`check_filter`] says.
pub(crate) fn select_claims(claims: Vec<Claim>, glob: Option<&str>) -> Result<Vec<Claim>, InputError> {
    check_filter("--claim", glob, &claims.iter().map(|c| c.id.as_str()).collect::<Vec<_>>())?;
    Ok(claims.into_iter().filter(|c| glob.is_none_or(|g| crate::input::claim::glob_matches(g, &c.id))).collect())
}

/// Writes to stdout; a reader that went away (`gilcheck list | head`) is not an error.
pub(crate) fn emit(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}
