//! The `reports/` folder: an index of claims × CPython variants, a page per claim with each
//! counterexample as numbered steps and a DOT graph, and `results.json`. Nothing here depends
//! on the clock or the machine, so the same inputs give the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use super::figures::Figures;
use crate::check::job::{Measured, Row};
use crate::evidence::chart::{self, Line};
use crate::input::claim::Claim;

/// Every file of a report, by path relative to the report folder.
pub type Files = BTreeMap<PathBuf, String>;

/// The CPython versions in release order, for the index's columns.
fn version_key(v: &str) -> (u32, u32, bool) {
    let free = v.ends_with('t');
    let v = v.trim_end_matches('t');
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0), free)
}

/// A file name made of a claim id or a scenario name.
pub fn slug(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' { c } else { '-' }).collect()
}

/// The graph file of a row's counterexample, relative to the report folder: one folder per
/// claim, the scenario name's segments as folders (so `gil/x` and `gil-x` never meet), and
/// the variant, which never contains `--`, after the last segment.
pub fn graph_path(row: &Row) -> PathBuf {
    let mut path = PathBuf::from("graphs").join(slug(&row.claim));
    let segments: Vec<&str> = row.model.split('/').collect();
    let (last, folders) = segments.split_last().expect("split gives one segment at least");
    for folder in folders {
        path.push(slug(folder));
    }
    path.join(format!("{}--{}.dot", slug(last), slug(&row.variant)))
}

/// Points each counterexample at its graph file under the report folder `dir`: a path from
/// the working folder (`reports/graphs/…`), or from the report folder when `dir` is an
/// absolute path elsewhere, so that no machine's path reaches a committed `results.json`.
pub fn link_graphs(rows: &mut [Row], dir: &Path) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let base = match dir.strip_prefix(&cwd) {
        Ok(inside) => inside.to_path_buf(),
        Err(_) if dir.is_absolute() => PathBuf::new(),
        Err(_) => dir.to_path_buf(),
    };
    for row in rows.iter_mut() {
        let graph = base.join(graph_path(row)).display().to_string();
        if let Some(cx) = row.counterexample.as_mut() {
            cx.graph = Some(graph);
        }
    }
}

/// The timeline file of a row's counterexample, relative to the report folder.
pub fn timeline_path(row: &Row) -> PathBuf {
    graph_path(row).with_extension("timeline.svg")
}

/// The shrunk program of a refuted universal claim, beside its counterexample's graph.
pub fn shrunk_path(row: &Row) -> PathBuf {
    graph_path(row).with_extension("toml")
}

/// Builds every report file from the claims and their result rows.
pub fn render(claims: &[Claim], rows: &[Row], figures: &Figures, command: &str) -> Files {
    let mut files = Files::new();
    // Each quantitative claim's chart, drawn once: its file, its page and the index show it.
    let charts: BTreeMap<&str, String> = claims
        .iter()
        .filter_map(|c| {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.claim == c.id).collect();
            values_chart(c, &mine).map(|svg| (c.id.as_str(), svg))
        })
        .collect();
    let timing_chart = figures.timing_chart();
    files.insert(PathBuf::from("README.md"), index(claims, rows, command, &charts, timing_chart.is_some()));
    if let Some(svg) = timing_chart {
        files.insert(PathBuf::from(TIMING_CHART), svg);
    }
    for claim in claims {
        let mine: Vec<&Row> = rows.iter().filter(|r| r.claim == claim.id).collect();
        if mine.is_empty() {
            continue;
        }
        let chart = charts.get(claim.id.as_str());
        let page = claim_page(claim, &mine, figures, chart.is_some());
        files.insert(PathBuf::from("claims").join(format!("{}.md", slug(&claim.id))), page);
        if let Some(svg) = chart {
            files.insert(chart_path(claim), svg.clone());
        }
        for row in mine {
            if let Some(program) = &row.shrunk {
                files.insert(shrunk_path(row), program.clone());
            }
            if let Some(cx) = &row.counterexample {
                let dot_path = graph_path(row);
                files.insert(dot_path.with_extension("svg"), cx.svg.clone());
                files.insert(timeline_path(row), cx.timeline.clone());
                files.insert(dot_path, cx.dot.clone());
            }
        }
    }
    let stable: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).expect("rows serialize");
            v.as_object_mut().expect("a row is an object").remove("elapsed_ms");
            v
        })
        .collect();
    let json = serde_json::to_string_pretty(&serde_json::json!({ "results": stable })).expect("json");
    files.insert(PathBuf::from("results.json"), json + "\n");
    files
}

/// Adds to each row what `gilcheck conform` found when it ran the row's counterexample (or
/// witness) for real: the `note` of each entry of `realisations` in the report folder's
/// `conformance.json`. That file is committed, an input like the others, so the reports stay
/// the same for the same files.
pub fn note_realisations(rows: &mut [Row], dir: &Path) {
    let Ok(text) = fs::read_to_string(dir.join(CONFORMANCE_JSON)) else { return };
    let Ok(found) = serde_json::from_str::<serde_json::Value>(&text) else { return };
    let Some(entries) = found["realisations"].as_array() else { return };
    for row in rows.iter_mut() {
        let same = |e: &&serde_json::Value| {
            e["claim"] == row.claim.as_str() && e["model"] == row.model.as_str() && e["variant"] == row.variant.as_str()
        };
        if let Some(note) = entries.iter().find(same).and_then(|e| e["note"].as_str()) {
            row.notes.push(note.to_string());
        }
    }
}

pub use super::figures::{CONFORMANCE_JSON, EXPERIMENTS_JSON};

/// The conformance report's files in the report folder: written by `gilcheck conform`, never
/// removed by `check`.
pub const CONFORMANCE_FILES: [&str; 6] = [
    "conformance.md",
    CONFORMANCE_JSON,
    "conformance-generated.md",
    "conformance-generated.json",
    "experiments.md",
    EXPERIMENTS_JSON,
];

/// The quote's verdict when the check is its negation: `refuted` turned around, else as is.
fn quote_verdict(claim: &Claim, verdict: &str) -> String {
    match (claim.negates_quote, verdict) {
        (true, "refuted") => "quote holds (check refuted)".into(),
        (true, "holds") => "quote refuted (check holds)".into(),
        _ => verdict.to_owned(),
    }
}

/// What a cell of the index says for one claim under one variant.
fn cell(claim: &Claim, rows: &[&Row]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for r in rows {
        let text = match &r.value {
            Some(v) if r.model != "series" || rows.len() == 1 => format!("{} = {}", r.verdict, compact(v)),
            _ => quote_verdict(claim, &r.verdict),
        };
        let text = if r.as_expected { text } else { format!("**{text}** (expected {})", r.expected) };
        let seen = r.notes.iter().any(|n| n.starts_with("real CPython") && n.contains("): seen in"));
        let text = if seen { format!("{text} (seen for real)") } else { text };
        if !parts.contains(&text) {
            parts.push(text);
        }
    }
    parts.join("; ")
}

fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Conformance's predicted against measured times, drawn from the committed `conformance.json`.
pub const TIMING_CHART: &str = "charts/conformance-timings.chart.svg";

/// The index: a table per claim file, the seed's first (it is the question gilcheck answers),
/// then the others by path; a column per CPython the file's claims were checked under.
fn index(claims: &[Claim], rows: &[Row], command: &str, charts: &BTreeMap<&str, String>, timed: bool) -> String {
    let mut out = String::new();
    out.push_str("# gilcheck results\n\n");
    let _ = write!(out, "Generated by `{}`; do not edit.", plain(command));
    out.push_str(" Each cell is the verdict of a claim under one CPython, over all its scenarios (a value for `max`/`min` checks). **Bold** marks a verdict that differs from the claim's expectation; *(seen for real)*, a counterexample or witness that `gilcheck conform` saw happen on a real interpreter (see `conformance.md`, where every refuted safety claim's counterexample was run).\n");
    let mut files: Vec<&Path> = claims.iter().map(|c| c.path.as_path()).collect();
    files.sort_by_key(|p| (p.file_stem().is_none_or(|s| s != "seed"), p.to_path_buf()));
    files.dedup();
    for file in files {
        let mine: Vec<&Claim> = claims.iter().filter(|c| c.path == file).collect();
        let file_rows: Vec<&Row> = rows.iter().filter(|r| mine.iter().any(|c| c.id == r.claim)).collect();
        if file_rows.is_empty() {
            continue;
        }
        let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
        let _ = writeln!(out, "\n## {name}\n");
        table(&mut out, &mine, &file_rows);
    }
    let charted: Vec<&Claim> = claims.iter().filter(|c| charts.contains_key(c.id.as_str())).collect();
    if !charted.is_empty() {
        out.push_str(
            "
## Measured values

Each chart shows a quantitative claim's value per scenario, a line per CPython (per CPython when it has one scenario).

",
        );
        for c in charted {
            let _ = writeln!(out, "[{}](claims/{}.md)  \n![{0}]({})\n", c.id, slug(&c.id), chart_path(c).display());
        }
    }
    if timed {
        let _ = write!(
            out,
            "\n## Predicted against measured\n\nThe quantitative checks on `ticks` scenarios that \
             `gilcheck conform` timed on real CPython ([conformance.md](conformance.md), section Timing): the \
             model's value and the median of the real runs, in ticks.\n\n![predicted against measured]({TIMING_CHART})\n"
        );
    }
    out
}

/// Where a claim's chart goes.
pub fn chart_path(claim: &Claim) -> PathBuf {
    PathBuf::from("charts").join(format!("{}.chart.svg", slug(&claim.id)))
}

/// The values of a quantitative claim as a chart: per scenario, a line per CPython (a series
/// shows its trend), or per CPython when it has one scenario; `None` for a claim without values.
fn values_chart(claim: &Claim, rows: &[&Row]) -> Option<String> {
    let measured: Vec<&Row> = rows.iter().copied().filter(|r| r.model != "series" && r.value.is_some()).collect();
    if measured.is_empty() {
        return None;
    }
    let mut models: Vec<&str> = Vec::new();
    let mut variants: Vec<&str> = Vec::new();
    for r in &measured {
        if !models.contains(&r.model.as_str()) {
            models.push(&r.model);
        }
        if !variants.contains(&r.variant.as_str()) {
            variants.push(&r.variant);
        }
    }
    let value = |model: &str, variant: &str| {
        let row = measured.iter().find(|r| r.model == model && r.variant == variant)?;
        match Measured::from_json(row.value.as_ref()?)? {
            Measured::Exact(v) | Measured::AtLeast(v) => Some(v as f64),
            Measured::Unbounded => None,
        }
    };
    let (categories, lines): (Vec<&str>, Vec<Line>) = if models.len() > 1 {
        let lines = variants
            .iter()
            .map(|v| Line { name: v.to_string(), values: models.iter().map(|m| value(m, v)).collect() })
            .collect();
        (models, lines)
    } else {
        let line = Line { name: models[0].to_string(), values: variants.iter().map(|v| value(models[0], v)).collect() };
        (variants, vec![line])
    };
    let categories: Vec<String> = categories.iter().map(|c| c.to_string()).collect();
    chart::svg(&claim.check_text, &categories, "value", &lines).ok()
}

fn table(out: &mut String, claims: &[&Claim], rows: &[&Row]) {
    let mut variants: Vec<String> = rows.iter().map(|r| r.variant.clone()).collect();
    variants.sort_by_key(|v| version_key(v));
    variants.dedup();
    let _ = write!(out, "| claim | quote (source) |");
    for v in &variants {
        let _ = write!(out, " {v} |");
    }
    out.push_str(" could it fail? |\n|---|---|");
    for _ in &variants {
        out.push_str("---|");
    }
    out.push_str("---|\n");
    for claim in claims {
        let mine: Vec<&Row> = rows.iter().copied().filter(|r| r.claim == claim.id).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "| [{}](claims/{}.md) | {} ({}) |",
            claim.id,
            slug(&claim.id),
            escape(&claim.quote),
            escape(&claim.source)
        );
        for v in &variants {
            let here: Vec<&Row> = mine
                .iter()
                .copied()
                .filter(|r| &r.variant == v && (r.model == "series" || !mine.iter().any(|m| m.model == "series")))
                .collect();
            let _ = write!(out, " {} |", if here.is_empty() { "".into() } else { cell(claim, &here) });
        }
        let _ = writeln!(out, " {} |", escape(&falsifiability(claim, &mine)));
    }
}

/// Whether the claim's `holds` verdicts could have failed (SPEC §3 "Falsifiability"): the
/// counter-models that refute its check, the reason it holds by construction, or a warning.
fn falsifiability(claim: &Claim, rows: &[&Row]) -> String {
    let holds: Vec<&&Row> = rows.iter().filter(|r| r.verdict == "holds").collect();
    if holds.is_empty() {
        return "refuted: yes".into();
    }
    let mut parts = Vec::new();
    if holds.iter().any(|r| r.by_construction) {
        parts.push(match &claim.by_construction {
            Some(why) => format!("holds by construction: {why}"),
            None => "**holds by construction**, with no reason given".into(),
        });
    }
    let mut refuted_on: Vec<String> = Vec::new();
    let mut not_refuted: Vec<String> = Vec::new();
    for r in &holds {
        for c in &r.counter_models {
            let entry = format!("{} ({})", c.model, r.variant);
            let list = if c.verdict == "refuted" { &mut refuted_on } else { &mut not_refuted };
            if !list.contains(&entry) {
                list.push(entry);
            }
        }
    }
    if !not_refuted.is_empty() {
        parts.push(format!("**not shown falsifiable**: not refuted on {}", not_refuted.join(", ")));
    } else if !refuted_on.is_empty() {
        parts.push(format!("can fail: refuted on {}", refuted_on.join(", ")));
    } else if claim.by_construction.is_none() {
        parts.push("**not shown falsifiable**: no counter-model".into());
    }
    parts.join("; ")
}

/// A user's text as Markdown shows it: raw HTML (`<script>`, `&`) as the characters typed.
fn plain(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A user's text inside a table cell: [`plain`], on one line, with no cell break.
fn escape(s: &str) -> String {
    plain(s).replace('|', "\\|").replace(['\r', '\n'], " ")
}

fn claim_page(claim: &Claim, rows: &[&Row], figures: &Figures, charted: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", claim.id);
    let _ = writeln!(out, "> {}\n", plain(&claim.quote).replace('\n', "\n> "));
    let _ = writeln!(out, "Source: {}\n", plain(&claim.source));
    let _ = writeln!(out, "Check: `{}`\n", claim.check_text);
    if claim.negates_quote {
        let _ = writeln!(
            out,
            "The check is the quote's negation: where it is refuted, the quote holds (the index shows the quote's verdict).\n"
        );
    }
    if let Some(f) = &claim.for_all {
        let _ = writeln!(out, "For all generated programs: {}\n", f.describe());
    }
    let _ = writeln!(out, "Could it fail? {}\n", falsifiability(claim, rows));
    // What every row says is said once, above the table.
    let shared: Vec<&String> = rows
        .first()
        .map_or(Vec::new(), |r| r.notes.iter().filter(|n| rows.iter().all(|o| o.notes.contains(n))).collect());
    if !shared.is_empty() && rows.len() > 1 {
        let joined: Vec<&str> = shared.iter().map(|n| n.as_str()).collect();
        let _ = writeln!(out, "Every row: {}.\n", escape(&joined.join("; ")));
    }
    out.push_str("| model | variant | verdict | value | expected | states | depth | notes |\n|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let mut notes: Vec<String> =
            r.notes.iter().filter(|n| rows.len() == 1 || !shared.contains(n)).cloned().collect();
        if r.horizon_hit {
            notes.push(match r.verdict.as_str() {
                "holds" => "horizon hit: the verdict holds within the horizon".into(),
                _ => "horizon hit: some paths were cut at the horizon; the counterexample lies within it".into(),
            });
        }
        // What decides how to read the row comes first: a deadlock, a horizon, a verdict by
        // construction.
        let first = ["deadlock", "the counterexample ends", "horizon", "holds by construction"];
        notes.sort_by_key(|n| !first.iter().any(|k| n.starts_with(k)));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.model,
            r.variant,
            if r.as_expected { r.verdict.clone() } else { format!("**{}**", r.verdict) },
            r.value.as_ref().map(compact).unwrap_or_default(),
            r.expected,
            r.states,
            r.max_depth,
            escape(&notes.join("; "))
        );
    }
    if charted {
        let _ = writeln!(out, "\n![values]({})", Path::new("..").join(chart_path(claim)).display());
    }
    let evidence = figures.section(claim);
    if !evidence.is_empty() {
        let _ = write!(out, "\n{evidence}");
    }
    for r in rows {
        let Some(cx) = &r.counterexample else { continue };
        let what = match r.verdict.as_str() {
            "refuted" => "Counterexample",
            _ if r.value.is_some() => "Path to the extreme value",
            _ => "Witness",
        };
        let _ = writeln!(out, "\n## {what}: {} under {}\n", r.model, r.variant);
        if let Some(program) = &r.shrunk {
            let _ = writeln!(
                out,
                "The smallest generated program found that refutes the claim ([scenario file](../{})):\n\n```toml\n{}```\n",
                shrunk_path(r).display(),
                program
            );
        }
        let dot = graph_path(r);
        let _ = writeln!(out, "Timeline:\n\n![timeline](../{})\n", timeline_path(r).display());
        if cx.kind == "lasso" {
            let _ = writeln!(
                out,
                "A lasso: steps 0 to {} lead into a cycle (from step {0} on) that a fair scheduler can repeat forever. {}\n",
                cx.loop_start.unwrap_or(0),
                crate::check::job::FAIRNESS_NOTE
            );
        }
        // The drawing is a column as long as the path: folded away until asked for.
        let svg = dot.with_extension("svg");
        let _ = writeln!(
            out,
            "Graph: [{}](../{}) ([DOT](../{}))\n\n<details><summary>The graph: a box per state</summary>\n\n\
             ![graph](../{})\n\n</details>\n",
            svg.display(),
            svg.display(),
            dot.display(),
            svg.display()
        );
        for step in &cx.folded {
            let at = match step.last - step.first {
                0 => step.first.to_string(),
                _ => format!("{}–{}", step.first, step.last),
            };
            let _ = writeln!(out, "{at}. {}  \n   `{}`", step.action, step.state);
        }
    }
    out
}
