//! `gilcheck check`: every claim on its scenarios, a table (or JSON), and the reports folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::output::interrupted_exit;
use super::{check_filter, emit, select_claims, Format, Limits, Sources};
use crate::check::job::{Job, Row};
use crate::check::resources::interrupted;
use crate::check::resources::DEFAULT_MAX_STATES;
use crate::input::claim::Claim;
use crate::input::located::InputError;
use crate::input::scenario::Scenario;
use crate::suite;
use crate::suite::publish::ReportLock;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Python programs (`app.py`) to ask the built-in questions of (`python.*`), instead of
    /// the claims of `properties/`; `--claims` adds claims of your own on them.
    #[arg(value_name = "PROGRAM.py")]
    pub programs: Vec<PathBuf>,
    /// The CPython a program is checked under (repeatable) [default: 3.11].
    #[arg(long = "python", value_name = "VERSION")]
    pub python: Vec<String>,
    /// `python.loop-never-blocked`: the longest a task may be late, in ticks.
    #[arg(long, value_name = "TICKS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=255))]
    pub max_stall: u32,
    #[command(flatten)]
    pub front: super::extract::FrontEnd,
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

pub(super) fn run(args: &CheckArgs) -> Result<ExitCode, InputError> {
    if !args.programs.is_empty() {
        return run_programs(args);
    }
    if !args.python.is_empty() {
        return Err(usage("--python is for Python programs (`gilcheck check app.py --python 3.12`); a claim names its variants itself"));
    }
    let (scenarios, claims) = args.sources.load()?;
    check_filter("--model", args.model.as_deref(), &scenarios.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())?;
    let mut claims: Vec<Claim> = select_claims(claims, args.claim.as_deref())?;
    if let Some(shard) = args.limits.shard {
        claims = shard.claims(claims);
    }
    let mut jobs: Vec<Job> = suite::plan(&claims, &scenarios)?;
    if let Some(glob) = &args.model {
        jobs = suite::only_models(jobs, glob);
        if jobs.is_empty() {
            let claims = args.claim.as_deref().map_or("no claim".to_owned(), |c| format!("no claim matching `{c}`"));
            return Err(InputError::new(
                std::path::Path::new("gilcheck"),
                1,
                1,
                format!("--model `{glob}`: {claims} names a scenario it matches; expected a scenario some claim names"),
            ));
        }
    }
    let filtered = args.claim.is_some() || args.model.is_some();
    let out_dir = match (&args.out, args.no_report || args.limits.shard.is_some(), filtered) {
        (_, true, _) => None,
        (Some(dir), _, _) => Some(dir.clone()),
        (None, _, false) => Some(PathBuf::from("reports")),
        (None, _, true) => None,
    };
    // Taken before searching, so that a second run into the same folder stops at once.
    let _lock = match &out_dir {
        Some(dir) => Some(ReportLock::take(dir).map_err(|e| InputError::new(dir, 1, 1, e.to_string()))?),
        None => None,
    };
    let mut rows = suite::run_all(&jobs, args.limits.budget(DEFAULT_MAX_STATES), args.limits.threads())?;
    if let Some(signal) = interrupted() {
        return Ok(interrupted_exit(signal, out_dir.as_deref()));
    }
    if let Some(shard) = args.limits.shard {
        let dir = args.out.as_deref().unwrap_or(Path::new("shards"));
        let path = super::shard::write(shard, &claims, &rows, dir, &command_line(args))?;
        eprintln!("gilcheck: shard {}/{} written to {}", shard.index, shard.count, path.display());
    }
    super::output::finish(&claims, &mut rows, out_dir.as_ref(), args.format, &command_line(args))
}

/// The command that made a report, as its index states it: the options that decide what the
/// report holds (sources, filters, budgets, fusion), not where it goes or how fast it ran.
fn command_line(args: &CheckArgs) -> String {
    let mut words = vec!["gilcheck check".to_string()];
    words.extend(args.programs.iter().map(|p| p.display().to_string()));
    words.extend(args.python.iter().map(|v| format!("--python {v}")));
    if !args.programs.is_empty() && args.max_stall != 5 {
        words.push(format!("--max-stall {}", args.max_stall));
    }
    words.extend(args.sources.models.iter().map(|d| format!("--models {}", d.display())));
    words.extend(args.sources.claims.iter().map(|d| format!("--claims {}", d.display())));
    words.extend(args.claim.iter().map(|g| format!("--claim '{g}'")));
    words.extend(args.model.iter().map(|g| format!("--model '{g}'")));
    let l = &args.limits;
    words.extend(l.max_states.map(|n| format!("--max-states {n}")));
    words.extend(l.timeout.map(|t| format!("--timeout {t}")));
    words.extend(l.search_timeout.map(|t| format!("--search-timeout {t}")));
    words.extend(l.max_memory.map(|m| format!("--max-memory {m}")));
    if l.fuse {
        words.push("--fuse".into());
    }
    words.join(" ")
}

fn usage(message: &str) -> InputError {
    InputError::new(std::path::Path::new("gilcheck"), 1, 1, message)
}

/// `gilcheck check app.py`: each program extracted, its questions (and `--claims`) checked
/// on it; the table says for each refuted question where in the program it goes wrong.
fn run_programs(args: &CheckArgs) -> Result<ExitCode, InputError> {
    let variants = if args.python.is_empty() { vec!["3.11".to_owned()] } else { args.python.clone() };
    let own_claims = if args.sources.claims.is_empty() { Vec::new() } else { args.sources.claims()? };
    let mut asked = Vec::new();
    let mut used = vec![false; own_claims.len()];
    for program in &args.programs {
        let extraction = super::extract::extract_file(program, &args.front, &variants[0])?;
        super::extract::print_notes(program, &extraction);
        if args.format == Format::Text {
            emit(&format!("{}: {}\n", program.display(), extraction.program.durations()));
        }
        let (scenarios, mut claims) = crate::python::questions::ask(&extraction, &variants, args.max_stall)?;
        // A claim of the user's goes to the programs whose scenario it names.
        for (claim, used) in own_claims.iter().zip(&mut used) {
            let names = |glob: &String| scenarios.iter().any(|s| crate::input::claim::glob_matches(glob, &s.name));
            if claim.models.iter().any(names) {
                claims.push(claim.clone());
                *used = true;
            }
        }
        asked.push((scenarios, select_claims(claims, args.claim.as_deref())?));
    }
    if let Some(unused) = own_claims.iter().zip(&used).find(|(_, u)| !**u).map(|(c, _)| c) {
        let all: Vec<Scenario> = asked.iter().flat_map(|(s, _)| s.iter().cloned()).collect();
        suite::plan(std::slice::from_ref(unused), &all)?;
    }
    let mut jobs = Vec::new();
    for (scenarios, claims) in &asked {
        jobs.extend(suite::plan(claims, scenarios)?);
    }
    let _lock = match &args.out {
        Some(dir) if !args.no_report => {
            Some(ReportLock::take(dir).map_err(|e| InputError::new(dir, 1, 1, e.to_string()))?)
        }
        _ => None,
    };
    let mut rows = suite::run_all(&jobs, args.limits.budget(DEFAULT_MAX_STATES), args.limits.threads())?;
    if let Some(signal) = interrupted() {
        return Ok(interrupted_exit(signal, None));
    }
    if let (Some(dir), false) = (&args.out, args.no_report) {
        let claims: Vec<Claim> = asked.iter().flat_map(|(_, c)| c.iter().cloned()).collect();
        if let Some(code) = super::output::write_report(&claims, &mut rows, dir, &command_line(args))? {
            return Ok(code);
        }
    }
    Ok(super::output::emit_rows(&rows, args.format, |rows| answers(rows) + &findings(rows)))
}

/// The questions' answers: yes (holds), no (refuted), n/a (holds by construction: the reason
/// follows), unknown.
fn answers(rows: &[Row]) -> String {
    let w_claim = rows.iter().map(|r| r.claim.len()).max().unwrap_or(8).max(8);
    let w_model = rows.iter().map(|r| r.model.len()).max().unwrap_or(5).max(5);
    let mut out =
        format!("{:<w_claim$}  {:<w_model$}  {:<6}  {:<7}  {:>9}\n", "question", "model", "python", "answer", "states");
    for r in rows {
        let why = r.notes.iter().find_map(|n| n.strip_prefix("holds by construction: "));
        let answer = match (r.verdict.as_str(), why) {
            ("holds", Some(_)) => "n/a",
            ("holds", None) => "yes",
            ("refuted", _) => "no",
            (other, _) => other,
        };
        let why = why.map_or(String::new(), |w| format!("  ({w})"));
        out.push_str(&format!(
            "{:<w_claim$}  {:<w_model$}  {:<6}  {:<7}  {:>9}{why}\n",
            r.claim, r.model, r.variant, answer, r.states
        ));
    }
    let states: u64 = rows.iter().map(|r| r.states).sum();
    let no = rows.iter().filter(|r| !r.as_expected).count();
    out.push_str(&format!("\n{} questions, {no} answered no (or unknown); {states} states explored\n", rows.len()));
    out
}

/// For each question that is refuted: what it means, and the counterexample's steps.
fn findings(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows.iter().filter(|r| r.verdict != "holds") {
        out.push_str(&format!("\n{} ({}, {}): {}\n", r.claim, r.model, r.variant, r.verdict));
        for note in r.notes.iter().filter(|n| !n.starts_with("untimed") && !n.starts_with("weak fairness")) {
            out.push_str(&format!("  {note}\n"));
        }
        out.push_str(&format!("  check: {}\n", r.check));
        if let Some(cx) = &r.counterexample {
            for step in &cx.folded {
                let mark = if cx.loop_start == Some(step.first) { "  (the cycle starts here)" } else { "" };
                let at = match step.last - step.first {
                    0 => format!("{}", step.first),
                    _ => format!("{}-{}", step.first, step.last),
                };
                out.push_str(&format!("  {at:>5}. {}{mark}\n", step.action));
            }
        }
    }
    out
}
