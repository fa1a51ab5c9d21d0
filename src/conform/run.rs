//! Running scenarios on real interpreters and checking every recorded trace against the model
//! of that interpreter's version.
//!
//! The model a trace is checked against is the scenario compiled for the interpreter's own
//! rules (its GIL and switch points, whatever the scenario's `python`, `gil` or
//! `switch_points` say: the interpreter is what it is), with the machine's core count, and
//! `untimed`, which covers every real timing: membership must hold for every run, however
//! the machine's load stretches it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::conform::interpreters::Interpreter;
use crate::conform::membership::{self, Membership};
use crate::conform::python;
use crate::conform::trace::Trace;
use crate::cpython::model::GilModel;
use crate::cpython::program::System;
use crate::input::scenario::{python_rules, Scenario, TimeMode};

/// How long each tick lasts and how long runs may take.
#[derive(Clone, Debug)]
pub struct Settings {
    pub tick_ms: f64,
    pub runs: u32,
    /// A `repeat` scenario runs this long before it is told to stop.
    pub repeat_for: Duration,
    /// A run that has not ended by then is cut (its trace is a prefix).
    pub limit: Duration,
    /// Product states per membership check.
    pub max_states: usize,
    pub timeout: Option<Duration>,
    /// The cores of the machine the runs happen on: the model gets as many.
    pub cores: u32,
    /// `sys.setswitchinterval` for the runs, in seconds; None: the scenario's own
    /// (`switch_interval` ticks). Realisation asks for a short one, so that switches come often.
    pub switch_interval: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tick_ms: 2.0,
            runs: 20,
            repeat_for: Duration::from_millis(100),
            limit: Duration::from_secs(3),
            max_states: 10_000_000,
            timeout: Some(Duration::from_secs(60)),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            switch_interval: None,
        }
    }
}

/// Work per millisecond on one interpreter: loop iterations, `sum(range(k))` length, bytes compressed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub spin: u64,
    pub sumk: u64,
    pub zipb: u64,
}

/// Measures the interpreter's speed for the calibrated steps.
pub fn calibrate(interp: &Interpreter, dir: &Path) -> Result<Calibration, String> {
    let path = dir.join(format!("calibrate-{}.py", interp.full));
    std::fs::write(&path, python::calibration_program()).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = Command::new(&interp.path)
        .arg(&path)
        .arg("--calibrate")
        .output()
        .map_err(|e| format!("{}: {e}", interp.path.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(text.trim()).map_err(|_| {
        format!("calibration on {} printed {text:?}: {}", interp.full, String::from_utf8_lossy(&out.stderr))
    })?;
    let get = |k: &str| v[k].as_u64().ok_or_else(|| format!("calibration on {} gave no `{k}`", interp.full));
    Ok(Calibration { spin: get("spin")?, sumk: get("sumk")?, zipb: get("zipb")? })
}

/// The model a real run on `interp` is checked against, or why the scenario does not apply.
pub fn model_for(scenario: &Scenario, interp: &Interpreter, cores: u32) -> Result<GilModel, String> {
    let family = interp.family();
    let (gil, switch_points) = python_rules(&family).ok_or_else(|| format!("no rules for CPython {family}"))?;
    let mut runtime = scenario.runtime.clone();
    runtime.python = family;
    runtime.gil = gil;
    runtime.switch_points = switch_points;
    runtime.time = TimeMode::Untimed;
    runtime.cores = cores;
    let sys = System::compile(scenario, &runtime)?;
    Ok(GilModel::new(sys, Default::default()))
}

/// What one (scenario, interpreter) pair gave.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    pub model: String,
    pub python: String,
    /// Why the scenario has no real program on this interpreter; the counts are then 0.
    pub not_applicable: Option<String>,
    pub runs: u32,
    pub accepted: u32,
    pub rejected: u32,
    /// Membership checks stopped by their budget.
    pub unknown: u32,
    /// Runs that did not produce a trace (the program failed), with the first error.
    pub failed: u32,
    /// Runs cut at the time limit (checked as prefixes).
    pub cut: u32,
    /// The first rejection (or failure), for people, and where its trace was kept.
    pub first_problem: Option<String>,
    pub kept_trace: Option<String>,
    /// Product states of the largest membership check.
    pub max_states: usize,
}

/// Runs `scenario` `settings.runs` times on `interp` and checks each trace.
pub fn conform_one(
    scenario: &Scenario,
    interp: &Interpreter,
    cal: &Calibration,
    settings: &Settings,
    dir: &Path,
) -> Outcome {
    let mut outcome = Outcome {
        model: scenario.name.clone(),
        python: interp.full.clone(),
        not_applicable: None,
        runs: 0,
        accepted: 0,
        rejected: 0,
        unknown: 0,
        failed: 0,
        cut: 0,
        first_problem: None,
        kept_trace: None,
        max_states: 0,
    };
    if interp.free_threaded {
        // Generated programs assume a GIL build's rules for records; none can be had here.
        outcome.not_applicable = Some("free-threaded builds are not run yet".into());
        return outcome;
    }
    let model = match model_for(scenario, interp, settings.cores) {
        Ok(m) => m,
        Err(e) => {
            outcome.not_applicable = Some(e);
            return outcome;
        }
    };
    let source = match python::program(&model.sys, interp.version) {
        Ok(s) => s,
        Err(why) => {
            outcome.not_applicable = Some(why);
            return outcome;
        }
    };
    let slug = scenario.name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
    let program = dir.join(format!("{slug}-{}.py", interp.full));
    if let Err(e) = std::fs::write(&program, source) {
        outcome.failed = settings.runs;
        outcome.first_problem = Some(format!("{}: {e}", program.display()));
        return outcome;
    }
    for run in 0..settings.runs {
        outcome.runs += 1;
        let trace_path = dir.join(format!("{slug}-{}-{run}.jsonl", interp.full));
        let trace = match run_program(interp, &program, &trace_path, cal, settings, scenario.runtime.switch_interval) {
            Ok(t) => t,
            Err(e) => {
                outcome.failed += 1;
                outcome.first_problem.get_or_insert(e);
                continue;
            }
        };
        if !trace.complete {
            outcome.cut += 1;
        }
        match membership::check(&model, &trace, settings.max_states, settings.timeout) {
            Ok(Membership::Accepted { states }) => {
                outcome.accepted += 1;
                outcome.max_states = outcome.max_states.max(states);
                let _ = std::fs::remove_file(&trace_path);
            }
            Ok(Membership::Rejected { states, why }) => {
                outcome.rejected += 1;
                outcome.max_states = outcome.max_states.max(states);
                if outcome.first_problem.is_none() {
                    outcome.first_problem = Some(why.to_string());
                    outcome.kept_trace = Some(trace_path.display().to_string());
                }
            }
            Ok(Membership::Unknown { states, why }) => {
                outcome.unknown += 1;
                outcome.max_states = outcome.max_states.max(states);
                outcome.first_problem.get_or_insert(why);
            }
            Err(e) => {
                outcome.failed += 1;
                outcome.first_problem.get_or_insert(format!("the trace does not fit the scenario: {e}"));
                outcome.kept_trace.get_or_insert(trace_path.display().to_string());
            }
        }
    }
    outcome
}

/// One run of a generated program; its trace.
pub fn run_program(
    interp: &Interpreter,
    program: &Path,
    trace_path: &PathBuf,
    cal: &Calibration,
    settings: &Settings,
    scenario_interval: u32,
) -> Result<Trace, String> {
    let interval = settings.switch_interval.unwrap_or(f64::from(scenario_interval) * settings.tick_ms / 1000.0);
    let _ = std::fs::remove_file(trace_path);
    let mut child = Command::new(&interp.path)
        .arg(program)
        .arg(format!("{}", settings.tick_ms))
        .args([cal.spin, cal.sumk, cal.zipb].map(|n| n.to_string()))
        .arg(format!("{}", settings.repeat_for.as_secs_f64()))
        .arg(format!("{}", settings.limit.as_secs_f64()))
        .arg(trace_path)
        .arg(format!("{interval}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", interp.path.display()))?;
    // The program bounds itself; this is the backstop for one that hangs anyway.
    let deadline = Instant::now() + settings.limit + settings.repeat_for + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the program did not end within {:.0} s and was killed",
                    (settings.limit + settings.repeat_for).as_secs_f64() + 10.0
                ));
            }
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(trace_path).map_err(|_| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no output").to_string();
        format!("the program wrote no trace ({})", last)
    })?;
    Trace::parse(trace_path, &text).map_err(|e| e.to_string())
}
