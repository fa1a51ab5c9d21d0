//! Past one machine: `--shard I/N` runs the I-th of N deterministic slices of a run's claims
//! and writes its rows to a shard file; `gilcheck merge` joins the N shard files into the
//! same reports one run writes, byte for byte. Running the shards is left to an existing job
//! runner (GNU parallel, a Slurm job array); README shows both.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use super::{Format, Sources};
use crate::check::job::Row;
use crate::conform::experiments::Experiments;
use crate::conform::report::Conformance;
use crate::input::claim::Claim;
use crate::input::files::read_file_of_at_most;
use crate::input::located::InputError;
use crate::suite::publish::{write_atomically, ReportLock};

/// The I-th (from 1) of N slices of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// `I/N` with 1 ≤ I ≤ N.
pub fn parse_shard(text: &str) -> Result<Shard, String> {
    let bad = || format!("`{text}` is not a shard; expected I/N with 1 <= I <= N, e.g. 2/4");
    let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
    let (index, count) = (i.trim().parse::<usize>().map_err(|_| bad())?, n.trim().parse::<usize>().map_err(|_| bad())?);
    if index == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

impl Shard {
    /// This shard's claims: every N-th, from the I-th, in the order the run lists them. A
    /// claim's rows stay together (its series and counter-models are judged across them).
    pub fn claims(self, claims: Vec<Claim>) -> Vec<Claim> {
        self.slice(claims)
    }

    /// This shard's items: every N-th, from the I-th.
    pub fn slice<T>(self, items: Vec<T>) -> Vec<T> {
        items.into_iter().enumerate().filter(|(k, _)| k % self.count == self.index - 1).map(|(_, c)| c).collect()
    }

    /// Where a shard's rows go in `dir`.
    pub fn file(self, dir: &Path) -> PathBuf {
        dir.join(format!("shard-{}-of-{}.json", self.index, self.count))
    }
}

/// A row with what the report draws from it but the JSON of SPEC §4 leaves out.
#[derive(Serialize, Deserialize)]
struct ShardRow {
    row: Row,
    dot: Option<String>,
    #[serde(default)]
    svg: Option<String>,
    timeline: Option<String>,
}

/// What one shard ran and found.
#[derive(Serialize, Deserialize)]
struct ShardFile {
    shard: Shard,
    /// The command of the whole run the shard is part of, as the report's index states it.
    #[serde(default)]
    command: String,
    claims: Vec<String>,
    rows: Vec<ShardRow>,
}

/// The reports `conform` writes, each of which its shards can make together.
const CONFORM_REPORTS: [&str; 3] = ["conformance", "conformance-generated", "experiments"];

/// What one shard of `conform` ran and found: a slice of the run's scenarios and claims (or
/// of its experiments, or with `--generated` of its interpreters).
#[derive(Serialize, Deserialize)]
pub struct ConformShard {
    /// The report the shards make together: `conformance`, `conformance-generated` or
    /// `experiments` (first in the file: `merge` tells the two kinds of shard file by it).
    pub report: String,
    pub shard: Shard,
    /// The whole run's scenarios (experiments with `--experiments`) and claims, in its order.
    pub units: Vec<String>,
    pub claims: Vec<String>,
    pub conformance: Option<Conformance>,
    pub experiments: Option<Experiments>,
}

impl ConformShard {
    /// Writes the shard to `STEM-shard-I-of-N.json` in `dir` (atomically).
    pub fn write(&self, dir: &Path) -> Result<PathBuf, InputError> {
        let path = dir.join(format!("{}-shard-{}-of-{}.json", self.report, self.shard.index, self.shard.count));
        write_shard(dir, path, self)
    }
}

/// Writes a shard's rows to its file in `dir` (atomically).
pub fn write(shard: Shard, claims: &[Claim], rows: &[Row], dir: &Path, command: &str) -> Result<PathBuf, InputError> {
    let file = ShardFile {
        shard,
        command: command.to_string(),
        claims: claims.iter().map(|c| c.id.clone()).collect(),
        rows: rows
            .iter()
            .map(|r| ShardRow {
                row: r.clone(),
                dot: r.counterexample.as_ref().map(|c| c.dot.clone()),
                svg: r.counterexample.as_ref().map(|c| c.svg.clone()),
                timeline: r.counterexample.as_ref().map(|c| c.timeline.clone()),
            })
            .collect(),
    };
    write_shard(dir, shard.file(dir), &file)
}

/// Writes a shard file (atomically) and returns its path.
fn write_shard(dir: &Path, path: PathBuf, file: &impl Serialize) -> Result<PathBuf, InputError> {
    let json = serde_json::to_string(file).expect("shards serialize") + "\n";
    std::fs::create_dir_all(dir)
        .and_then(|()| write_atomically(&path, &json))
        .map_err(|e| InputError::new(&path, 1, 1, format!("cannot write the shard file: {e}")))?;
    Ok(path)
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The shard files (`shard-I-of-N.json`, or `conform`'s `STEM-shard-I-of-N.json`), all N
    /// of one run.
    #[arg(value_name = "SHARD.json", required = true)]
    pub files: Vec<PathBuf>,
    /// The claims and scenarios the shards ran (as given to `check`).
    #[command(flatten)]
    pub sources: Sources,
    /// Report folder.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
    /// `text`: the table `check` prints; `json`: its JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// The first field of a shard file: `conform`'s name the report they make, `check`'s have none.
#[derive(Deserialize)]
struct Kind {
    report: Option<String>,
}

/// Reads a shard file as `T`.
fn read_shard<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, InputError> {
    let expected = "expected a shard file that `check --shard` or `conform --shard` wrote";
    let text = read_file_of_at_most(path, "the shard file", expected, 1 << 30)?;
    serde_json::from_str(&text)
        .map_err(|e| InputError::new(path, e.line(), e.column(), format!("not a shard file: {e}; {expected}")))
}

/// Each of the shards 1..N given once, all of one N.
fn check_complete(shards: &[(PathBuf, Shard)]) -> Result<(), InputError> {
    let count = shards[0].1.count;
    if let Some((path, shard)) = shards.iter().find(|(_, s)| s.count != count) {
        return Err(InputError::new(
            path,
            1,
            1,
            format!("shard {}/{} is not one of {count}", shard.index, shard.count),
        ));
    }
    for index in 1..=count {
        let with = shards.iter().filter(|(_, s)| s.index == index).count();
        if with != 1 {
            let what = if with == 0 { "missing" } else { "given twice" };
            let at = shards.iter().find(|(_, s)| s.index == index).map_or(Path::new("gilcheck"), |(p, _)| p);
            return Err(InputError::new(
                at,
                1,
                1,
                format!("shard {index}/{count} is {what}; expected each of 1..{count} once"),
            ));
        }
    }
    Ok(())
}

/// The rows of every shard, in the order one run gives them (claims in the run's order), and
/// the command of that run.
fn read_shards(files: &[PathBuf], claims: &[Claim]) -> Result<(Vec<Row>, String), InputError> {
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for path in files {
        shards.push((path.clone(), read_shard(path)?));
    }
    check_complete(&shards.iter().map(|(p, f)| (p.clone(), f.shard)).collect::<Vec<_>>())?;
    let command = shards[0].1.command.clone();
    for (path, file) in &shards {
        if let Some(unknown) = file.claims.iter().find(|id| !claims.iter().any(|c| &c.id == *id)) {
            return Err(InputError::new(path, 1, 1, format!("claim `{unknown}` is not among the claims loaded")));
        }
    }
    let mut rows: Vec<Row> = shards
        .into_iter()
        .flat_map(|(_, f)| f.rows)
        .map(|mut r| {
            if let Some(cx) = &mut r.row.counterexample {
                cx.dot = r.dot.unwrap_or_default();
                cx.svg = r.svg.unwrap_or_default();
                cx.timeline = r.timeline.unwrap_or_default();
            }
            r.row
        })
        .collect();
    let position = |row: &Row| claims.iter().position(|c| c.id == row.claim).unwrap_or(usize::MAX);
    rows.sort_by_key(position);
    Ok((rows, command))
}

pub(super) fn run(args: &MergeArgs) -> Result<ExitCode, InputError> {
    if read_shard::<Kind>(&args.files[0])?.report.is_some() {
        return merge_conform(args);
    }
    let claims = args.sources.claims()?;
    let (mut rows, command) = read_shards(&args.files, &claims)?;
    let _lock = ReportLock::take(&args.out).map_err(|e| InputError::new(&args.out, 1, 1, e.to_string()))?;
    super::output::finish(&claims, &mut rows, Some(&args.out), args.format, &command)
}

/// `merge` of `conform --shard` files: the report of one whole run (`conformance`,
/// `conformance-generated` or `experiments`), with the rejected traces the shards kept
/// copied beside it.
fn merge_conform(args: &MergeArgs) -> Result<ExitCode, InputError> {
    let mut shards: Vec<(PathBuf, ConformShard)> = Vec::new();
    for path in &args.files {
        let file: ConformShard = read_shard(path)?;
        // The report's name becomes a file name: only `conform`'s own are taken.
        if !CONFORM_REPORTS.contains(&file.report.as_str()) {
            let why =
                format!("`{}` is no report of `conform`; expected one of {}", file.report, CONFORM_REPORTS.join(", "));
            return Err(InputError::new(path, 1, 1, why));
        }
        shards.push((path.clone(), file));
    }
    check_complete(&shards.iter().map(|(p, f)| (p.clone(), f.shard)).collect::<Vec<_>>())?;
    shards.sort_by_key(|(_, f)| f.shard.index);
    let first = &shards[0].1;
    let (report, units, claims) = (first.report.clone(), first.units.clone(), first.claims.clone());
    if let Some((path, _)) = shards.iter().find(|(_, f)| f.report != report || f.units != units || f.claims != claims) {
        let why = format!("not a shard of the same `{report}` run: its scenarios, claims or report differ");
        return Err(InputError::new(path, 1, 1, why));
    }
    let _lock = ReportLock::take(&args.out).map_err(|e| InputError::new(&args.out, 1, 1, e.to_string()))?;
    let text = args.format == Format::Text;
    if report == "experiments" {
        let parts = shards.into_iter().filter_map(|(_, f)| f.experiments).collect();
        let merged = Experiments::merge(parts, &units);
        super::output::write_conform_report(&args.out, &report, &merged.to_markdown(), &merged)?;
        super::output::print_json(&merged, args.format);
        return Ok(if merged.all_ran() { ExitCode::SUCCESS } else { ExitCode::from(1) });
    }
    let mut parts = Vec::new();
    for (path, file) in shards {
        let Some(mut part) = file.conformance else { continue };
        // A shard names its kept traces relative to its own folder.
        let from = path.parent().unwrap_or(Path::new("."));
        for lost in super::output::keep_traces(&mut part, from, &args.out) {
            if text {
                eprintln!("gilcheck merge: {}: the kept trace {lost} could not be copied", path.display());
            }
        }
        parts.push(part);
    }
    let merged = Conformance::merge(parts, &units, &claims).map_err(|e| InputError::new(&args.files[0], 1, 1, e))?;
    super::output::write_conform_report(&args.out, &report, &merged.to_markdown(), &merged)?;
    super::output::print_json(&merged, args.format);
    Ok(if merged.all_accepted() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
