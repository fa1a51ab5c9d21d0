//! `gilcheck fuzz`: the universal claims alone, on generated programs, with a progress bar.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{emit, Format, Limits};
use crate::check::job::Row;
use crate::input::claim::{glob_matches, load_claims, Claim};
use crate::input::located::InputError;

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

pub(super) fn run(args: &FuzzArgs) -> Result<ExitCode, InputError> {
    let paths = if args.claims.is_empty() { vec![PathBuf::from("properties")] } else { args.claims.clone() };
    let all = load_claims(&paths)?;
    // A typo names the nearest ids; a glob of claims that are not universal is said below.
    super::check_filter("--claim", args.claim.as_deref(), &all.iter().map(|c| c.id.as_str()).collect::<Vec<_>>())?;
    let claims: Vec<Claim> = all
        .into_iter()
        .filter(|c| c.for_all.is_some() && args.claim.as_deref().is_none_or(|g| glob_matches(g, &c.id)))
        .collect();
    if claims.is_empty() {
        let what = args.claim.as_deref().map_or(String::new(), |g| format!(" matching `{g}`"));
        let message =
            format!("no universal claim{what}; expected a claim with `for_all` (see properties/universal.toml)");
        return Err(InputError::new(&paths[0], 1, 1, message));
    }
    // A shard fuzzes every N-th universal claim; each claim's programs depend only on the
    // seed, so the shards' rows are those of one whole run.
    let claims = match args.limits.shard {
        Some(shard) => shard.claims(claims),
        None => claims,
    };
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
