//! `gilcheck graph`: a scenario's whole state graph, or a claim's counterexample, as DOT or SVG.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{emit, with_target, Limits, Target};
use crate::check::job::Job;
use crate::check::resources::DEFAULT_MAX_STATES;
use crate::cpython::model::GilModel;
use crate::evidence::graph::TooLarge;
use crate::input::located::InputError;
use crate::suite::{self, publish};

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub target: Target,
    /// Where to write: `FILE.dot` or `FILE.svg` (default: DOT on stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Draw a whole state graph even when it has more than 2,000 states (up to
    /// `--max-states`, default 100000: a larger drawing is neither legible nor quick).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub limits: Limits,
}

/// The states a drawing may have without `--force`.
const LEGIBLE_STATES: usize = 2000;

/// The states a forced drawing may have when `--max-states` is not given.
const FORCED_STATES: usize = 100_000;

pub(super) fn run(args: &GraphArgs) -> Result<ExitCode, InputError> {
    with_target(&args.target, |target, job| draw(args, &target.model, job))
}

fn draw(args: &GraphArgs, model: &GilModel, job: Option<&Job>) -> Result<ExitCode, InputError> {
    // A counterexample comes with its own drawing; a state graph is laid out from its DOT.
    let mut drawn = None;
    let dot = match job {
        Some(job) => {
            let row = suite::run_job(job, args.limits.budget(DEFAULT_MAX_STATES))?;
            if row.verdict == "unknown" {
                eprintln!("claim `{}` on `{}` under {}: {}", row.claim, row.model, row.variant, row.notes.join("; "));
                return Ok(ExitCode::from(1));
            }
            match row.counterexample {
                Some(cx) => {
                    drawn = Some(cx.svg);
                    cx.dot
                }
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
            let limit = if args.force { args.limits.max_states.unwrap_or(FORCED_STATES) } else { LEGIBLE_STATES };
            match crate::evidence::graph::state_graph_dot(model, &args.target.model, limit) {
                Ok(dot) => dot,
                Err(TooLarge) if args.force => {
                    eprintln!(
                        "error: `{}` has more than {limit} states (--max-states); draw a claim's counterexample instead (--claim)",
                        args.target.model
                    );
                    return Ok(ExitCode::from(2));
                }
                Err(TooLarge) => {
                    eprintln!(
                        "error: `{}` has more than {LEGIBLE_STATES} states, too many to draw legibly; pass --force to draw it anyway",
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
            let svg = match drawn {
                Some(svg) => svg,
                None => crate::evidence::graph::svg(&dot).map_err(|e| InputError::new(path, 1, 1, e))?,
            };
            publish::write_atomically(path, &svg).map_err(|e| write_err(path, e))?;
        }
        Some(path) => publish::write_atomically(path, &dot).map_err(|e| write_err(path, e))?,
    }
    Ok(ExitCode::SUCCESS)
}
