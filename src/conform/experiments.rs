//! The experiments that claims name as their evidence (`evidence = ["experiment:PATH ARGS"]`),
//! run on every interpreter so that a figure a claim's source cites as "measured" can be
//! measured again by anyone: `gilcheck conform --experiments` writes `experiments.md` and
//! `experiments.json`, and `check` shows each figure on the claim's page.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::conform::interpreters::Interpreter;
use crate::input::claim::{Claim, Evidence};

/// An experiment's printed figure starts with this.
const RESULT_PREFIX: &str = "result: ";

/// One experiment on one interpreter.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExperimentRun {
    /// As the claim spells it (`experiment:experiments/x.py ARG`).
    pub evidence: String,
    /// The claims that name it.
    pub claims: Vec<String>,
    pub python: String,
    /// The last `result: ` line it printed, without the prefix.
    pub figure: Option<String>,
    /// Why there is no figure (exit status, no result line, killed at the time limit).
    pub failed: Option<String>,
    pub seconds: f64,
}

/// Everything one `conform --experiments` run found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Experiments {
    pub date: String,
    pub cores: u32,
    pub runs: Vec<ExperimentRun>,
}

/// The experiments `claims` name, each once, in the order first named, with their claims.
pub fn named(claims: &[Claim]) -> Vec<(Evidence, Vec<String>)> {
    let mut out: Vec<(Evidence, Vec<String>)> = Vec::new();
    for claim in claims {
        for e in claim.evidence.iter().filter(|e| matches!(e, Evidence::Experiment { .. })) {
            match out.iter_mut().find(|(known, _)| known == e) {
                Some((_, ids)) => ids.push(claim.id.clone()),
                None => out.push((e.clone(), vec![claim.id.clone()])),
            }
        }
    }
    out
}

/// Runs each experiment on each interpreter, one at a time (a timing figure needs the machine
/// to itself), each killed after `limit`.
pub fn run_all(
    experiments: &[(Evidence, Vec<String>)],
    interps: &[Interpreter],
    limit: Duration,
    mut progress: impl FnMut(&ExperimentRun),
) -> Vec<ExperimentRun> {
    let mut runs = Vec::new();
    for (evidence, claims) in experiments {
        let Evidence::Experiment { path, args } = evidence else { continue };
        for interp in interps.iter().take_while(|_| crate::check::resources::interrupted().is_none()) {
            let started = Instant::now();
            let (figure, failed) = match run_one(&interp.path, Path::new(path), args, limit) {
                Ok(figure) => (Some(figure), None),
                Err(why) => (None, Some(why)),
            };
            let run = ExperimentRun {
                evidence: evidence.spelling(),
                claims: claims.clone(),
                python: interp.full.clone(),
                figure,
                failed,
                seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            };
            progress(&run);
            runs.push(run);
        }
    }
    runs
}

/// The figure of one run: the last line of its standard output that starts with `result: `.
fn run_one(python: &Path, script: &Path, args: &[String], limit: Duration) -> Result<String, String> {
    let mut child = Command::new(python)
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    // Read both pipes while it runs, so that a chatty experiment cannot block on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("killed at the time limit ({} s)", limit.as_secs()));
            }
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let figure = stdout.lines().rev().find_map(|l| l.strip_prefix(RESULT_PREFIX)).map(|f| f.trim().to_owned());
    match (status.success(), figure) {
        (true, Some(f)) => Ok(f),
        (true, None) => Err(format!("printed no line starting with `{RESULT_PREFIX}`")),
        (false, _) => {
            let last = stderr.lines().last().unwrap_or("no message");
            Err(format!("exit status {}: {last}", status.code().map_or("signal".into(), |c| c.to_string())))
        }
    }
}

/// Reads a child's pipe to its end on a thread of its own.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_string(&mut text);
        }
        text
    })
}

impl Experiments {
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Experiments named as evidence\n\n");
        out.push_str(&format!(
            "Run by `gilcheck conform --experiments` on {}, {} cores. Each figure is the experiment's \
             own `result:` line; rerun one with `python PATH ARGS` from the project root.\n",
            self.date, self.cores
        ));
        let mut last = "";
        for run in &self.runs {
            if run.evidence != last {
                out.push_str(&format!(
                    "\n## `{}`\n\nEvidence for {}.\n\n| python | result | seconds |\n|---|---|---|\n",
                    run.evidence,
                    run.claims.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                ));
                last = &run.evidence;
            }
            let result = match (&run.figure, &run.failed) {
                (Some(f), _) => f.clone(),
                (None, Some(why)) => format!("**failed**: {why}"),
                (None, None) => String::new(),
            };
            out.push_str(&format!("| {} | {} | {} |\n", run.python, result.replace('|', "\\|"), run.seconds));
        }
        out
    }

    /// The report of one whole run from its shards' (`conform --experiments --shard`), each
    /// of which ran a slice of the run's `experiments` (spelled as the claims spell them, in
    /// the run's order).
    pub fn merge(parts: Vec<Experiments>, experiments: &[String]) -> Experiments {
        let mut merged = Experiments { date: String::new(), cores: 0, runs: Vec::new() };
        for part in parts {
            merged.date = merged.date.max(part.date);
            merged.cores = merged.cores.max(part.cores);
            merged.runs.extend(part.runs);
        }
        merged.runs.sort_by_key(|r| crate::conform::report::position(experiments, &r.evidence));
        merged
    }

    /// Whether every experiment printed its figure.
    pub fn all_ran(&self) -> bool {
        self.runs.iter().all(|r| r.figure.is_some())
    }
}
