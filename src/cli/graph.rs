//! `gilcheck graph`: a scenario's whole state graph, or a claim's counterexample, as DOT or SVG.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{emit, with_target, Target};
use crate::check::job::Job;
use crate::check::resources::Budget;
use crate::cpython::model::GilModel;
use crate::evidence::graph::TooLarge;
use crate::input::located::InputError;
use crate::suite::{self, report};

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

pub(super) fn run(args: &GraphArgs) -> Result<ExitCode, InputError> {
    with_target(&args.target, |target, job| draw(args, &target.model, job))
}

fn draw(args: &GraphArgs, model: &GilModel, job: Option<&Job>) -> Result<ExitCode, InputError> {
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
                Err(TooLarge) => {
                    let states = crate::check::search::count_states(model);
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
