//! What the committed conformance files say of each claim's `evidence`: for `conform:NAME`,
//! how many of the scenario's real traces the model accepted on each interpreter; for
//! `experiment:PATH ARGS`, the figure the experiment printed on each. Both files are written
//! by `gilcheck conform` and read here as inputs, so `check`'s reports stay byte-identical for
//! the same files.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::evidence::chart;
use crate::input::claim::{Claim, Evidence};

/// What `gilcheck conform` wrote to the report folder: traces and timings, and experiments.
pub const CONFORMANCE_JSON: &str = "conformance.json";
pub const EXPERIMENTS_JSON: &str = "experiments.json";

/// The two conformance files of a report folder, as found (missing or unreadable: empty).
#[derive(Clone, Debug, Default)]
pub struct Figures {
    conformance: Value,
    experiments: Value,
}

impl Figures {
    pub fn load(dir: &Path) -> Figures {
        let read = |name: &str| {
            fs::read_to_string(dir.join(name)).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null)
        };
        Figures { conformance: read(CONFORMANCE_JSON), experiments: read(EXPERIMENTS_JSON) }
    }

    /// The claim page's "Evidence" section; empty for a claim that names none.
    pub fn section(&self, claim: &Claim) -> String {
        if claim.evidence.is_empty() {
            return if claim.source.contains("measured") {
                "## Evidence\n\nThe source says this was measured, but the claim names no evidence that can be \
                 rerun (`evidence = [\"conform:SCENARIO\", \"experiment:PATH ARGS\"]`).\n\n"
                    .into()
            } else {
                String::new()
            };
        }
        let mut out = String::from("## Evidence\n\n");
        for evidence in &claim.evidence {
            let lines = match evidence {
                Evidence::Conform(model) => self.traces(model) + &self.timings(&claim.id, model),
                Evidence::Experiment { path, args } => self.figures(&evidence.spelling(), path, args),
            };
            let _ = writeln!(out, "- `{}`: {lines}", evidence.spelling());
        }
        out.push('\n');
        out
    }

    /// "accepted 20 of 20 traces on 3.11.7; …" from `conformance.json`'s results.
    fn traces(&self, model: &str) -> String {
        let rows: Vec<&Value> = self.conformance["results"]
            .as_array()
            .map(|rs| rs.iter().filter(|r| r["model"] == model).collect())
            .unwrap_or_default();
        let parts: Vec<String> = rows
            .iter()
            .filter(|r| r["not_applicable"].is_null())
            .map(|r| format!("{} {}/{}", text(&r["python"]), r["accepted"], r["runs"]))
            .collect();
        if parts.is_empty() {
            return "not run yet (`gilcheck conform --model NAME`)".replace("NAME", model);
        }
        format!("real traces the model accepted, per interpreter: {}", parts.join(", "))
    }

    /// Each ticks-mode prediction of the claim on this scenario set against the real median.
    fn timings(&self, claim: &str, model: &str) -> String {
        let Some(rows) = self.conformance["timings"].as_array() else { return String::new() };
        let lines: Vec<String> = rows
            .iter()
            .filter(|t| t["claim"] == claim && t["model"] == model && t["median"].is_number())
            .map(|t| {
                format!(
                    "\n  - {} on {}: predicted {} ticks, measured median {} (lowest {}, highest {}) in {} runs: {}",
                    text(&t["check"]),
                    text(&t["python"]),
                    text(&t["predicted"]),
                    t["median"],
                    t["lowest"],
                    t["highest"],
                    t["measured_runs"],
                    text(&t["verdict"])
                )
            })
            .collect();
        lines.concat()
    }

    /// Conformance's timings as a chart: per (scenario, version) the model's value and the
    /// median measured on the real interpreter, in ticks; `None` without a measured timing.
    pub fn timing_chart(&self) -> Option<String> {
        let rows = self.conformance["timings"].as_array()?;
        let predicted =
            |t: &Value| t["predicted"].as_str()?.trim_start_matches(['>', '<', '=', ' ']).parse::<f64>().ok();
        let measured: Vec<&Value> = rows.iter().filter(|t| t["median"].is_number() && predicted(t).is_some()).collect();
        if measured.is_empty() {
            return None;
        }
        let categories: Vec<String> = measured
            .iter()
            .map(|t| format!("{} {}", text(&t["model"]).rsplit('/').next().unwrap_or(""), text(&t["variant"])))
            .collect();
        let lines = [
            chart::Line { name: "model's value".into(), values: measured.iter().map(|t| predicted(t)).collect() },
            chart::Line {
                name: "median of the real runs".into(),
                values: measured.iter().map(|t| t["median"].as_f64()).collect(),
            },
        ];
        chart::svg("Predicted against measured (conformance.json)", &categories, "ticks", &lines).ok()
    }

    /// The experiment's command and its figure on each interpreter, from `experiments.json`.
    fn figures(&self, spelling: &str, path: &str, args: &[String]) -> String {
        let command = format!("`python {path}{}{}`", if args.is_empty() { "" } else { " " }, args.join(" "));
        let runs: Vec<String> = self.experiments["runs"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter(|r| r["evidence"] == spelling)
                    .map(|r| {
                        let result = r["figure"]
                            .as_str()
                            .map_or_else(|| format!("failed ({})", text(&r["failed"])), str::to_owned);
                        format!("\n  - {}: {}", text(&r["python"]), result.replace('|', "\\|"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if runs.is_empty() {
            return format!("{command}; not run yet (`gilcheck conform --experiments`)");
        }
        format!("{command}, measured on{}", runs.concat())
    }
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}
