//! `gilcheck bench`: the scale table. Three families of models grow one knob at a time (the
//! race's threads, an asyncio loop's task copies, the convoy's horizon); each row is one
//! exhaustive search of a check that observes every state, run in a child process of its own
//! so that its peak memory is its own. Prints a Markdown table with the machine it ran on.

use std::path::Path;
use std::process::{Command as Process, ExitCode};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::check::explore::explore;
use crate::check::job::adhoc_model;
use crate::check::resources::{Budget, Cores};
use crate::evidence::chart::{self, Line};
use crate::input::located::InputError;
use crate::input::scenario::parse_scenario;
use crate::suite::publish::write_atomically;

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Only the rows whose name starts with this (e.g. `race`, `race-5`, `asyncio`, `convoy`).
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub only: String,
    /// Cores each search expands its levels on [default: every CPU].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Stop a row's search after this many states (the row says so).
    #[arg(long, value_name = "N", default_value_t = 100_000_000)]
    pub max_states: usize,
    /// Fuse chains of forced steps the check does not observe, as `check --fuse` does (the
    /// rows' checks then no longer observe every state).
    #[arg(long)]
    pub fuse: bool,
    /// Also draw the rows as a chart (SVG): millions of states and seconds per row.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<std::path::PathBuf>,
    /// Print one row's figures as JSON and nothing else (how the table runs each row in a
    /// process of its own).
    #[arg(long, value_name = "ROW", hide = true)]
    pub row: Option<String>,
}

/// One row of the table: a model, whether copies are reduced by symmetry, the check.
struct Spec {
    name: String,
    scenario: String,
    symmetry: bool,
    check: &'static str,
}

/// N threads racing on `x += 1` and `x += f()` under 3.9 (a switch point at every bytecode),
/// untimed.
fn race(n: usize) -> String {
    format!(
        "title = \"{n} threads race on x += 1 and x += f()\"\n[runtime]\npython = \"3.9\"\n\n\
         [[threads]]\nname = \"t\"\ncount = {n}\nsteps = [\"incr x\", \"incr_call x\"]\n"
    )
}

/// One loop running K copies of a task that sleeps, computes, waits for I/O and takes an
/// `asyncio.Lock`, beside a CPU-bound thread, under 3.11.
fn asyncio(k: usize) -> String {
    format!(
        "title = \"{k} task copies on one loop beside a CPU-bound thread\"\n[runtime]\npython = \"3.11\"\n\n\
         [[threads]]\nname = \"main\"\nloop = [\"w\"]\n\n[[threads]]\nname = \"cpu\"\nsteps = [\"compute 2\"]\n\n\
         [[tasks]]\nname = \"w\"\ncount = {k}\nsteps = [\"await asyncio.sleep 1\", \"await lock L\", \"compute 1\", \"release L\", \"await io 1\"]\n"
    )
}

/// The convoy effect in ticks mode: an I/O thread beside two CPU-bound ones, up to `horizon`.
fn convoy(horizon: usize) -> String {
    format!(
        "title = \"The convoy, horizon {horizon}\"\n[runtime]\npython = \"3.11\"\ntime = \"ticks\"\n\
         switch_interval = 5\nhorizon = {horizon}\n\n[[threads]]\nname = \"io\"\nrepeat = true\n\
         steps = [\"io 1\", \"compute 1\"]\n\n[[threads]]\nname = \"cpu\"\ncount = 2\nsteps = [\"compute {horizon}\"]\n"
    )
}

fn specs() -> Vec<Spec> {
    let spec =
        |name: String, scenario: String, symmetry: bool, check: &'static str| Spec { name, scenario, symmetry, check };
    let race_check = "always var(x) <= 255";
    let mut rows: Vec<Spec> = (2..=8).map(|n| spec(format!("race-{n}"), race(n), true, race_check)).collect();
    rows.extend((2..=5).map(|n| spec(format!("race-{n}-nosym"), race(n), false, race_check)));
    let tasks_check = "always running_tasks <= 1";
    rows.extend((2..=8).map(|k| spec(format!("asyncio-{k}"), asyncio(k), true, tasks_check)));
    rows.extend((2..=6).map(|k| spec(format!("asyncio-{k}-nosym"), asyncio(k), false, tasks_check)));
    rows.extend([60, 120, 180, 240].map(|h| spec(format!("convoy-{h}"), convoy(h), true, "always now >= 0")));
    rows
}

/// What one row measured.
#[derive(Serialize, Deserialize, Debug)]
struct Figures {
    states: usize,
    depth: usize,
    seconds: f64,
    peak_kib: u64,
    stopped: Option<String>,
}

/// This process's peak resident memory in KiB (Linux `VmHWM`), or 0.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs one row here.
fn measure(spec: &Spec, cores: usize, max_states: usize, fuse: bool) -> Result<Figures, String> {
    let scenario = parse_scenario(Path::new(&spec.name), &spec.scenario, &spec.name).map_err(|e| e.to_string())?;
    let (mut model, goal) = adhoc_model(&scenario, spec.check, None)?;
    model.symmetry &= spec.symmetry;
    let budget = Budget { max_states: Some(max_states), cores: Cores::Fixed(cores), fuse, ..Budget::default() };
    let start = Instant::now();
    let found = explore(&model, &goal, budget);
    Ok(Figures {
        states: found.states,
        depth: found.max_depth,
        seconds: start.elapsed().as_secs_f64(),
        peak_kib: peak_kib(),
        stopped: found.stopped.map(|s| s.to_string()),
    })
}

/// The machine, for the table's caption.
fn machine(cores: usize) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_string()))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let memory = crate::check::resources::machine_memory().map_or("unknown".into(), |m| format!("{} GiB", m >> 30));
    format!("{cpu}, {cpus} CPUs, {memory} memory; each search on {cores} core(s)")
}

pub(super) fn run(args: &BenchArgs) -> Result<ExitCode, InputError> {
    let usage = |message: String| InputError::new(Path::new("gilcheck"), 1, 1, message);
    let cores = args.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from);
    let specs = specs();
    if let Some(name) = &args.row {
        let spec = specs.iter().find(|s| &s.name == name).ok_or_else(|| usage(format!("no bench row `{name}`")))?;
        let figures = measure(spec, cores, args.max_states, args.fuse).map_err(usage)?;
        println!("{}", serde_json::to_string(&figures).expect("figures serialise"));
        return Ok(ExitCode::SUCCESS);
    }
    let chosen: Vec<&Spec> = specs.iter().filter(|s| s.name.starts_with(&args.only)).collect();
    if chosen.is_empty() {
        return Err(usage(format!(
            "`--only {}` matches no bench row; rows: race-N, race-N-nosym, asyncio-K, asyncio-K-nosym, convoy-H",
            args.only
        )));
    }
    let exe = std::env::current_exe().map_err(|e| usage(format!("cannot find this program to run a row: {e}")))?;
    let fused = if args.fuse { "; chains of forced steps fused" } else { "" };
    println!("Scale table ({}{fused}).\n", machine(cores));
    println!("| model | copies reduced | check | states | depth | seconds | states/s | peak MiB | bytes/state |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|");
    let mut drawn: Vec<(String, Figures)> = Vec::new();
    for spec in chosen {
        let out = Process::new(&exe)
            .args(["bench", "--row", &spec.name, "--threads", &cores.to_string(), "--max-states"])
            .arg(args.max_states.to_string())
            .args(args.fuse.then_some("--fuse"))
            .output()
            .map_err(|e| usage(format!("cannot run row {}: {e}", spec.name)))?;
        let figures: Figures = serde_json::from_slice(&out.stdout)
            .map_err(|_| usage(format!("row {} failed: {}", spec.name, String::from_utf8_lossy(&out.stderr).trim())))?;
        let rate = figures.states as f64 / figures.seconds.max(1e-9);
        let stopped = figures.stopped.as_ref().map_or(String::new(), |s| format!(" ({s})"));
        println!(
            "| {} | {} | `{}` | {}{} | {} | {:.2} | {:.0} | {:.0} | {:.1} |",
            spec.name,
            if spec.symmetry { "yes" } else { "no" },
            spec.check,
            figures.states,
            stopped,
            figures.depth,
            figures.seconds,
            rate,
            figures.peak_kib as f64 / 1024.0,
            figures.peak_kib as f64 * 1024.0 / figures.states.max(1) as f64,
        );
        drawn.push((spec.name.clone(), figures));
    }
    if let Some(path) = &args.chart {
        let names: Vec<String> = drawn.iter().map(|(n, _)| n.clone()).collect();
        let lines = [
            Line {
                name: "millions of states".into(),
                values: drawn.iter().map(|(_, f)| Some(f.states as f64 / 1e6)).collect(),
            },
            Line { name: "seconds".into(), values: drawn.iter().map(|(_, f)| Some(f.seconds)).collect() },
        ];
        let svg = chart::svg(&format!("Scale ({})", machine(cores)), &names, "millions of states; seconds", &lines)
            .map_err(|e| usage(format!("cannot draw the chart: {e}")))?;
        write_atomically(path, &svg)
            .map_err(|e| InputError::new(path, 1, 1, format!("cannot write the chart: {e}")))?;
    }
    Ok(ExitCode::SUCCESS)
}
