//! What a run's rows become, for `check` and `merge` alike: the report folder, then the
//! table or the JSON, and the exit status.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{emit, signal_name, Format};
use crate::check::job::Row;
use crate::conform::report::Conformance;
use crate::input::claim::Claim;
use crate::input::located::InputError;
use crate::suite::figures::Figures;
use crate::suite::publish::write_atomically;
use crate::suite::publish::{publish, PublishError};
use crate::suite::report;

/// What `check` and `merge` do with a run's rows: the report folder (when there is one),
/// then the table or the JSON; the exit status says whether every verdict is as expected.
pub(super) fn finish(
    claims: &[Claim],
    rows: &mut [Row],
    out_dir: Option<&PathBuf>,
    format: Format,
    command: &str,
) -> Result<ExitCode, InputError> {
    if let Some(dir) = out_dir {
        report::note_realisations(rows, dir);
        if let Some(code) = write_report(claims, rows, dir, command)? {
            return Ok(code);
        }
    }
    Ok(emit_rows(rows, format, |rows| table(rows, out_dir)))
}

/// Writes the report folder of the rows (graphs linked from them); a signal during the
/// write leaves the old folder and gives the exit status to end with.
pub(super) fn write_report(
    claims: &[Claim],
    rows: &mut [Row],
    dir: &Path,
    command: &str,
) -> Result<Option<ExitCode>, InputError> {
    report::link_graphs(rows, dir);
    let files = report::render(claims, rows, &Figures::load(dir), command);
    match publish(dir, &files) {
        Ok(()) => Ok(None),
        Err(PublishError::Interrupted(signal)) => Ok(Some(interrupted_exit(signal, Some(dir)))),
        Err(PublishError::Io(e)) => {
            Err(InputError::new(dir, 1, 1, format!("cannot write the report: {e}; the old report is untouched")))
        }
    }
}

/// Prints the rows as JSON or, for people, as `text` makes them; exit status 0 when every
/// verdict is as expected, else 1.
pub(super) fn emit_rows(rows: &[Row], format: Format, text: impl FnOnce(&[Row]) -> String) -> ExitCode {
    match format {
        Format::Json => {
            let json = serde_json::to_string(&serde_json::json!({ "results": rows })).expect("rows serialize");
            emit(&(json + "\n"));
        }
        Format::Text => emit(&text(rows)),
    }
    if rows.iter().all(|r| r.as_expected) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Says that `signal` ended the run and what it left of the report folder: exit 130 or 143.
pub(super) fn interrupted_exit(signal: i32, out_dir: Option<&std::path::Path>) -> ExitCode {
    let left = out_dir.map_or(String::new(), |d| format!("; {} left as it was", d.display()));
    eprintln!("gilcheck: interrupted by {}{left}", signal_name(signal));
    ExitCode::from(128 + signal as u8)
}

/// The table `check` prints.
fn table(rows: &[Row], out_dir: Option<&PathBuf>) -> String {
    let color = std::io::stdout().is_terminal();
    let mut out = String::new();
    let w_claim = rows.iter().map(|r| r.claim.len()).max().unwrap_or(5).max(5);
    let w_model = rows.iter().map(|r| r.model.len()).max().unwrap_or(5).max(5);
    out.push_str(&format!(
        "{:<w_claim$}  {:<w_model$}  {:<6}  {:<22}  {:<16}  {:>9}  {:>7}\n",
        "claim", "model", "python", "verdict", "expected", "states", "ms"
    ));
    for r in rows {
        let verdict = match &r.value {
            Some(v) => format!("{} ({})", r.verdict, v),
            None => r.verdict.clone(),
        };
        let mark = if r.as_expected { "" } else { "  <- not as expected" };
        let (on, off) = if color && !r.as_expected { ("\x1b[31m", "\x1b[0m") } else { ("", "") };
        out.push_str(&format!(
            "{on}{:<w_claim$}  {:<w_model$}  {:<6}  {:<22}  {:<16}  {:>9}  {:>7}{mark}{off}\n",
            r.claim, r.model, r.variant, verdict, r.expected, r.states, r.elapsed_ms
        ));
        for note in r.notes.iter().filter(|n| !n.starts_with("untimed")) {
            if !r.as_expected {
                out.push_str(&format!("    {note}\n"));
            }
        }
    }
    let bad = rows.iter().filter(|r| !r.as_expected).count();
    let states: u64 = rows.iter().map(|r| r.states).sum();
    out.push_str(&format!(
        "\n{} checks, {} as expected, {} not; {} states explored",
        rows.len(),
        rows.len() - bad,
        bad,
        states
    ));
    if let Some(dir) = out_dir {
        out.push_str(&format!("; report in {}", dir.display()));
    }
    out.push('\n');
    out
}

/// Where kept (rejected) traces go, relative to the report folder.
const KEPT_TRACES: &str = "conformance-traces/";

/// Copies each kept (rejected) trace of `report`, in `from` or its `conformance-traces/`, to
/// `OUT/conformance-traces/`, so that `conform --trace` can replay it, and names it there;
/// returns the traces that could not be copied (they keep their old names). A trace named
/// anywhere else (a shard file is user input) is not read.
pub(super) fn keep_traces(report: &mut Conformance, from: &Path, out: &Path) -> Vec<String> {
    let dir = out.join(KEPT_TRACES);
    let mut lost = Vec::new();
    for kept in report.results.iter_mut().filter_map(|o| o.kept_trace.as_mut()) {
        let source = from.join(&*kept);
        let inside = source.parent().is_some_and(|p| p == from || p == from.join(KEPT_TRACES));
        let Some(name) = source.file_name().map(|n| n.to_string_lossy().into_owned()) else { continue };
        let copied = if inside {
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::copy(&source, dir.join(&name)))
        } else {
            Err(std::io::ErrorKind::PermissionDenied.into())
        };
        match copied {
            Ok(_) => *kept = format!("{KEPT_TRACES}{name}"),
            Err(_) => lost.push(kept.clone()),
        }
    }
    lost
}

/// Prints a report's JSON with `--format json` (text runs print as they go).
pub(super) fn print_json(report: &impl serde::Serialize, format: Format) {
    if format == Format::Json {
        emit(&(serde_json::to_string(report).expect("serializes") + "\n"));
    }
}

/// Writes `conform`'s report `STEM.md` and `STEM.json` to the report folder.
pub(super) fn write_conform_report(
    out: &std::path::Path,
    stem: &str,
    markdown: &str,
    json: &impl serde::Serialize,
) -> Result<(), InputError> {
    let write = |name: String, text: &str| {
        let path = out.join(name);
        std::fs::create_dir_all(out)
            .and_then(|_| write_atomically(&path, text))
            .map_err(|e| InputError::new(&path, 1, 1, format!("cannot write the report: {e}")))
    };
    write(format!("{stem}.md"), markdown)?;
    write(format!("{stem}.json"), &(serde_json::to_string_pretty(json).expect("serializes") + "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A conformance report whose outcomes kept these traces.
    fn kept(traces: &[&str]) -> Conformance {
        let outcome = |t: &&str| {
            serde_json::json!({"model": "m", "python": "3.11", "not_applicable": null, "runs": 1, "accepted": 0,
                "rejected": 1, "unknown": 0, "failed": 0, "cut": 0, "first_problem": null, "kept_trace": t,
                "max_states": 0})
        };
        serde_json::from_value(serde_json::json!({"date": "", "cores": 2, "tick_ms": 2.0, "runs_per_scenario": 1,
            "interpreters": [], "results": traces.iter().map(outcome).collect::<Vec<_>>(), "realisations": [],
            "timings": [], "generated": []}))
        .unwrap()
    }

    #[test]
    fn kept_traces_are_copied_beside_the_report_and_only_from_where_they_were_kept() {
        let (scratch, shard, out) =
            (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::write(scratch.path().join("a.jsonl"), "a").unwrap();
        std::fs::create_dir_all(shard.path().join(KEPT_TRACES)).unwrap();
        std::fs::write(shard.path().join(KEPT_TRACES).join("b.jsonl"), "b").unwrap();
        std::fs::write(shard.path().join("secret"), "s").unwrap();

        // A run's traces, kept in its scratch folder by absolute path.
        let mut run = kept(&[scratch.path().join("a.jsonl").to_str().unwrap()]);
        assert!(keep_traces(&mut run, scratch.path(), out.path()).is_empty());
        assert_eq!(run.results[0].kept_trace.as_deref(), Some("conformance-traces/a.jsonl"));
        // A shard's, named relative to its folder; one that names a path outside is not read.
        let mut part = kept(&["conformance-traces/b.jsonl", "conformance-traces/../secret"]);
        assert_eq!(keep_traces(&mut part, shard.path(), out.path()), ["conformance-traces/../secret"]);
        assert_eq!(part.results[0].kept_trace.as_deref(), Some("conformance-traces/b.jsonl"));
        assert_eq!(std::fs::read_to_string(out.path().join("conformance-traces/a.jsonl")).unwrap(), "a");
        assert_eq!(std::fs::read_to_string(out.path().join("conformance-traces/b.jsonl")).unwrap(), "b");
        assert!(!out.path().join("conformance-traces/secret").exists());
    }
}
