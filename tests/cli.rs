//! The command-line contract (SPEC sections 2, 3, 4 and 6), tested on the real binary: the JSON
//! rows and their types, exit statuses, located errors for bad input, budgets, filters, `list`, and
//! reproducible reports. Every test writes its own small scenarios and claims to a temporary folder.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Map, Value};

mod common;

use common::project::{claim, status, stderr, stdout, Project};

// ---------------------------------------------------------------------------------------------
// Scenarios used by several tests (all tiny: a few hundred states at most).

/// Two CPU-bound threads, untimed, 3.11.
const TWO_CPU: &str = r#"title = "Two CPU-bound threads"

[runtime]
python = "3.11"

[[threads]]
name = "t"
count = 2
steps = ["compute 2"]
"#;

/// A thread that sleeps beside one that computes, untimed, 3.9.
const SLEEPER: &str = r#"title = "time.sleep beside a computing thread"

[runtime]
python = "3.9"

[[threads]]
name = "t1"
steps = ["compute 1", "time.sleep 2", "compute 1"]

[[threads]]
name = "t2"
steps = ["compute 2"]
"#;

/// One thread computing N ticks, ticks mode, horizon 50: finishes at now = N.
fn worker_ticks(n: u32) -> String {
    format!(
        "title = \"{n} ticks of Python\"\n\n[runtime]\ntime = \"ticks\"\nhorizon = 50\n\n\
         [[threads]]\nname = \"w\"\nsteps = [\"compute {n}\"]\n"
    )
}

/// A `while True:` thread in ticks mode: never done, the clock runs into the horizon.
const FOREVER: &str = r#"title = "A server loop that never ends"

[runtime]
time = "ticks"
horizon = 10

[[threads]]
name = "w"
repeat = true
steps = ["compute 1"]
"#;

/// A thread with a shared variable, untimed.
const WRITER: &str = r#"title = "One thread writes x"

[[threads]]
name = "t"
steps = ["compute 1", "write x 1"]
"#;

// ---------------------------------------------------------------------------------------------
// A temporary project (`common::project`), and its rows.

/// `check … --format json --no-report <extra>`: the exit status and the rows.
trait CheckJson {
    fn check_json(&self, extra: &[&str]) -> (i32, Vec<Value>);
}

impl CheckJson for Project {
    fn check_json(&self, extra: &[&str]) -> (i32, Vec<Value>) {
        let mut args = vec!["--format", "json", "--no-report"];
        args.extend_from_slice(extra);
        let out = self.check(&args);
        let code = status(&out);
        assert!(code == 0 || code == 1, "exit {code}; stderr:\n{}", stderr(&out));
        (code, results(&out))
    }
}

/// stdout must be exactly one JSON object `{"results": [...]}`; returns the rows, each checked
/// against the row contract.
fn results(out: &Output) -> Vec<Value> {
    let text = stdout(out);
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{text}"));
    let object = value.as_object().expect("stdout is a JSON object");
    assert_eq!(object.keys().collect::<Vec<_>>(), vec!["results"], "the object has exactly the key `results`");
    let rows = object["results"].as_array().expect("`results` is an array").clone();
    for row in &rows {
        check_row_shape(row);
    }
    rows
}

const ROW_KEYS: [&str; 16] = [
    "claim",
    "model",
    "variant",
    "check",
    "verdict",
    "value",
    "expected",
    "as_expected",
    "states",
    "max_depth",
    "elapsed_ms",
    "counterexample",
    "horizon_hit",
    "vacuous",
    "by_construction",
    "counter_models",
];

/// The keys and JSON types of a result row (SPEC section 4).
fn check_row_shape(row: &Value) {
    let o = row.as_object().unwrap_or_else(|| panic!("a row is an object: {row}"));
    let mut keys: BTreeSet<&str> = o.keys().map(|k| k.as_str()).collect();
    keys.remove("notes");
    assert_eq!(keys, ROW_KEYS.iter().copied().collect::<BTreeSet<_>>(), "row keys of {row}");
    for k in ["claim", "model", "variant", "check", "verdict", "expected"] {
        assert!(o[k].is_string(), "`{k}` is a string in {row}");
    }
    let verdict = o["verdict"].as_str().unwrap();
    assert!(["holds", "refuted", "unknown"].contains(&verdict), "verdict `{verdict}`");
    for k in ["as_expected", "horizon_hit", "vacuous", "by_construction"] {
        assert!(o[k].is_boolean(), "`{k}` is a boolean in {row}");
    }
    for k in ["states", "max_depth", "elapsed_ms"] {
        assert!(o[k].is_u64(), "`{k}` is a non-negative integer in {row}");
    }
    if verdict == "unknown" {
        assert_eq!(o["as_expected"], false, "unknown is never as expected: {row}");
    }
    let counters = o["counter_models"].as_array().unwrap_or_else(|| panic!("`counter_models` is an array: {row}"));
    for c in counters {
        assert!(c["model"].is_string() && c["verdict"].is_string(), "a counter-model is {{model, verdict}}: {row}");
    }
    let falsifiable = verdict != "holds" || counters.iter().all(|c| c["verdict"] == "refuted");
    if (verdict == "holds" || verdict == "refuted") && (o["expected"] == "holds" || o["expected"] == "refuted") {
        let plain = o["expected"] == o["verdict"] && o["vacuous"] == false && falsifiable;
        assert_eq!(o["as_expected"].as_bool().unwrap(), plain, "as_expected of {row}");
    }
    if o["vacuous"] == true {
        assert_eq!(o["as_expected"], false, "a vacuous row is never as expected: {row}");
    }
    let value = &o["value"];
    if o["model"] == "series" {
        assert!(value.is_null() || value.is_array(), "a series row's value: {row}");
    } else {
        let at_least = value.as_str().is_some_and(|s| s.strip_prefix(">= ").is_some_and(|n| n.parse::<i64>().is_ok()));
        assert!(
            value.is_null() || value.is_number() || value == "unbounded" || at_least,
            "value is null, a number, \">= N\" or \"unbounded\": {row}"
        );
    }
    if let Some(notes) = o.get("notes") {
        let notes = notes.as_array().unwrap_or_else(|| panic!("`notes` is an array: {row}"));
        assert!(notes.iter().all(Value::is_string), "notes are strings: {row}");
    }
    let cx = &o["counterexample"];
    if !cx.is_null() {
        let c = cx.as_object().unwrap_or_else(|| panic!("counterexample is null or an object: {row}"));
        let keys: BTreeSet<&str> = c.keys().map(|k| k.as_str()).collect();
        // SPEC §4's keys, and the folded view of the steps beside them.
        assert_eq!(
            keys,
            BTreeSet::from(["kind", "loop_start", "steps", "graph", "folded"]),
            "counterexample keys: {row}"
        );
        match c["kind"].as_str() {
            Some("path") => assert!(c["loop_start"].is_null(), "a path has no loop_start: {row}"),
            Some("lasso") => assert!(c["loop_start"].is_u64(), "a lasso has a loop_start: {row}"),
            _ => panic!("kind is path or lasso: {row}"),
        }
        assert!(c["graph"].is_null() || c["graph"].is_string(), "graph is null or a string: {row}");
        let steps = c["steps"].as_array().unwrap_or_else(|| panic!("steps is an array: {row}"));
        assert!(!steps.is_empty(), "a counterexample has steps: {row}");
        for step in steps {
            let s = step.as_object().unwrap_or_else(|| panic!("a step is an object: {step}"));
            let keys: BTreeSet<&str> = s.keys().map(|k| k.as_str()).collect();
            assert_eq!(keys, BTreeSet::from(["action", "state"]), "step keys: {step}");
            assert!(s["action"].as_str().is_some_and(|a| !a.is_empty()), "action is a non-empty string: {step}");
            assert!(s["state"].as_str().is_some_and(|a| !a.is_empty()), "state is a non-empty string: {step}");
        }
    }
}

/// The rows of one claim (in output order).
fn rows_of<'a>(rows: &'a [Value], claim: &str) -> Vec<&'a Map<String, Value>> {
    rows.iter().filter(|r| r["claim"] == claim).map(|r| r.as_object().unwrap()).collect()
}

/// The single row of a claim on a model under a variant.
fn row<'a>(rows: &'a [Value], claim: &str, model: &str, variant: &str) -> &'a Map<String, Value> {
    let found: Vec<_> =
        rows_of(rows, claim).into_iter().filter(|r| r["model"] == model && r["variant"] == variant).collect();
    assert_eq!(found.len(), 1, "one row for {claim} on {model} under {variant}; rows: {rows:?}");
    found[0]
}

fn notes(row: &Map<String, Value>) -> Vec<String> {
    row.get("notes")
        .and_then(Value::as_array)
        .map(|n| n.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Located errors.

/// The first stderr line that names `path` with a location, split as (line, col, message). The
/// line may carry a leading `error: ` (see `errors_start_with_their_location`).
fn location(out: &Output, path: &Path) -> (usize, usize, String) {
    let err = stderr(out);
    let prefix = format!("{}:", path.display());
    for l in err.lines() {
        let l = l.strip_prefix("error: ").unwrap_or(l);
        if let Some(rest) = l.strip_prefix(&prefix) {
            let mut parts = rest.splitn(3, ':');
            let line = parts.next().and_then(|s| s.parse().ok());
            let col = parts.next().and_then(|s| s.parse().ok());
            if let (Some(line), Some(col), Some(msg)) = (line, col, parts.next()) {
                return (line, col, msg.trim().to_string());
            }
        }
    }
    panic!("stderr has no `{}:LINE:COL: message` line:\n{err}", path.display());
}

/// The run was refused: exit 2, no panic, and stderr locates the error in `path` at `line`
/// (and `col`, when given) with a message containing each fragment.
fn refused(out: &Output, path: &Path, line: usize, col: Option<usize>, fragments: &[&str]) -> (usize, String) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "gilcheck panicked:\n{err}");
    assert_eq!(status(out), 2, "bad input exits 2; stdout:\n{}\nstderr:\n{err}", stdout(out));
    let (l, c, msg) = location(out, path);
    assert_eq!(l, line, "error line in {}: {err}", path.display());
    if let Some(col) = col {
        assert_eq!(c, col, "error column in {}: {err}", path.display());
    }
    assert!(c >= 1, "columns count from 1: {err}");
    for f in fragments {
        assert!(msg.contains(f), "the message should mention `{f}`: {err}");
    }
    (c, msg)
}

// =============================================================================================
// 1. The JSON contract.

#[test]
fn json_is_one_object_of_rows_with_the_contract_keys() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.scenario("gil/sleeper", SLEEPER);
    p.claim_file(
        "c.toml",
        claim("j.plain", &["gil/sleeper"], "never (sleeping(t1) && holds_gil(t1))", "\"holds\"")
            + "\n"
            + &claim("j.witness", &["gil/sleeper"], "sometimes sleeping(t1)", "\"holds\""),
    );
    let (code, rows) = p.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(rows.len(), 2, "{rows:?}");

    // No variants: the row's variant is the scenario's python.
    let plain = row(&rows, "j.plain", "gil/sleeper", "3.9");
    assert_eq!(plain["check"], "never (sleeping(t1) && holds_gil(t1))");
    assert_eq!(plain["verdict"], "holds");
    assert_eq!(plain["expected"], "holds");
    assert_eq!(plain["as_expected"], true);
    assert_eq!(plain["value"], Value::Null);
    assert_eq!(plain["counterexample"], Value::Null, "a safety claim that holds has no counterexample");
    assert_eq!(plain["horizon_hit"], false);
    assert_eq!(plain["vacuous"], false);
    assert!(plain["states"].as_u64().unwrap() > 1);
    assert!(plain["max_depth"].as_u64().unwrap() >= 1);

    // A `sometimes` that holds has a witness path.
    let witness = row(&rows, "j.witness", "gil/sleeper", "3.9");
    assert_eq!(witness["verdict"], "holds");
    let cx = witness["counterexample"].as_object().expect("a sometimes that holds has a witness");
    assert_eq!(cx["kind"], "path");
    assert_eq!(cx["graph"], Value::Null, "--no-report: no graph");
}

#[test]
fn refuted_always_has_a_path_and_variants_come_from_the_expect_table() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.claim_file(
        "c.toml",
        claim(
            "j.table",
            &["gil/two-cpu"],
            "always running_python <= 1",
            r#"{ "3.11" = "holds", "3.13t" = "refuted" }"#,
        ),
    );
    let (code, rows) = p.check_json(&[]);
    assert_eq!(code, 0, "{rows:?}");
    let variants: BTreeSet<&str> = rows.iter().map(|r| r["variant"].as_str().unwrap()).collect();
    assert_eq!(variants, BTreeSet::from(["3.11", "3.13t"]), "one row per key of the expect table");
    assert_eq!(rows.len(), 2);

    let gil = row(&rows, "j.table", "gil/two-cpu", "3.11");
    assert_eq!(gil["verdict"], "holds");
    assert_eq!(gil["expected"], "holds");
    assert_eq!(gil["counterexample"], Value::Null);

    let free = row(&rows, "j.table", "gil/two-cpu", "3.13t");
    assert_eq!(free["verdict"], "refuted");
    assert_eq!(free["expected"], "refuted");
    assert_eq!(free["as_expected"], true);
    let cx = free["counterexample"].as_object().expect("a refuted always has a counterexample");
    assert_eq!(cx["kind"], "path");
    assert_eq!(cx["loop_start"], Value::Null);
    assert_eq!(cx["graph"], Value::Null, "--no-report writes no graph");
    let steps = cx["steps"].as_array().unwrap();
    assert!(steps.len() >= 2, "the bad state is reached by at least one action: {steps:?}");
    // The last state is the bad one: both copies are in their compute step at once.
    let last = steps.last().unwrap()["state"].as_str().unwrap();
    assert!(last.contains("t0") && last.contains("t1"), "the last state shows both threads: {last}");
}

#[test]
fn with_out_the_counterexample_graph_is_a_dot_file_that_exists() {
    let p = Project::new();
    // A free-threaded python: the plain claim is refuted.
    p.scenario("gil/two-cpu", TWO_CPU.replace("python = \"3.11\"", "python = \"3.13t\""));
    p.claim_file("c.toml", claim("j.free", &["gil/two-cpu"], "always running_python <= 1", "\"refuted\""));
    let out = p.check(&["--format", "json", "--out", "out"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let rows = results(&out);
    let free = row(&rows, "j.free", "gil/two-cpu", "3.13t");
    assert_eq!(free["verdict"], "refuted");
    let graph = free["counterexample"]["graph"].as_str().expect("with --out the graph is a path");
    assert!(graph.ends_with(".dot"), "graph path ends in .dot: {graph}");
    let file = p.root().join(graph);
    let dot = fs::read_to_string(&file).unwrap_or_else(|e| panic!("graph {} is written: {e}", file.display()));
    assert!(dot.contains("digraph"), "a DOT digraph: {dot}");
}

#[test]
fn the_index_states_the_command_and_options_that_made_it() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.claim_file("c.toml", claim("j.one", &["gil/two-cpu"], "always running_python <= 1", "\"holds\""));
    let out = p.check(&["--out", "out", "--claim", "j.*", "--max-states", "5000", "--fuse", "--threads", "1"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let index = fs::read_to_string(p.root().join("out/README.md")).expect("an index");
    let line = index.lines().find(|l| l.starts_with("Generated by")).expect("a line naming the command");
    for part in ["`gilcheck check --models ", "--claim 'j.*' --max-states 5000 --fuse`"] {
        assert!(line.contains(part), "{part} in {line}");
    }
    // Where it went and how many cores it took change nothing in it.
    assert!(!line.contains("--out") && !line.contains("--threads"), "{line}");
}

#[test]
fn max_gives_a_number_and_series_give_a_row_per_model_and_one_for_the_trend() {
    let p = Project::new();
    p.scenario("w2", worker_ticks(2));
    p.scenario("w3", worker_ticks(3));
    p.claim_file(
        "c.toml",
        claim("j.max", &["w2"], "max now", "\"== 2\"")
            + "\n"
            + &claim("j.up", &["w2", "w3"], "max now", "\"non-decreasing\"")
            + "\n"
            + &claim("j.down", &["w3", "w2"], "max now", "\"non-decreasing\""),
    );
    let (code, rows) = p.check_json(&[]);
    assert_eq!(code, 1, "j.down is not as expected: {rows:?}");

    let max = row(&rows, "j.max", "w2", "3.11");
    assert_eq!(max["verdict"], "holds");
    assert_eq!(max["value"], 2, "the makespan of 2 ticks of compute");
    assert_eq!(max["expected"], "== 2");
    assert_eq!(max["horizon_hit"], false, "it ends at now = 2, before the horizon 50");
    assert_eq!(max["vacuous"], false);

    let up: Vec<&str> = rows_of(&rows, "j.up").iter().map(|r| r["model"].as_str().unwrap()).collect();
    assert_eq!(up, vec!["w2", "w3", "series"], "a row per model in order, then the series");
    assert_eq!(row(&rows, "j.up", "w2", "3.11")["value"], 2);
    assert_eq!(row(&rows, "j.up", "w3", "3.11")["value"], 3);
    let series = row(&rows, "j.up", "series", "3.11");
    assert_eq!(series["verdict"], "holds");
    assert_eq!(series["expected"], "non-decreasing");
    assert_eq!(series["as_expected"], true);

    // The same models in the other order: the trend is broken.
    let down: Vec<&str> = rows_of(&rows, "j.down").iter().map(|r| r["model"].as_str().unwrap()).collect();
    assert_eq!(down, vec!["w3", "w2", "series"]);
    let series = row(&rows, "j.down", "series", "3.11");
    assert_eq!(series["verdict"], "refuted");
    assert_eq!(series["as_expected"], false);
}

#[test]
fn horizon_hit_and_vacuous_are_reported() {
    let p = Project::new();
    p.scenario("forever", FOREVER);
    p.scenario("w2", worker_ticks(2));
    p.claim_file(
        "c.toml",
        claim("j.vacuous", &["forever"], "always (all_done -> now >= 1000)", "\"holds\"")
            + "\n"
            + &claim("j.real", &["w2"], "always (all_done -> now >= 2)", "\"holds\""),
    );
    let (code, rows) = p.check_json(&[]);
    assert_eq!(code, 1, "a vacuous row is not as expected: {rows:?}");

    // all_done is never reached within the horizon: the implication is vacuous, and says so.
    let vac = row(&rows, "j.vacuous", "forever", "3.11");
    assert_eq!(vac["horizon_hit"], true, "the clock reaches the horizon 10");
    assert_eq!(vac["vacuous"], true);
    assert_eq!(vac["verdict"], "holds", "reported as holds, flagged vacuous");
    assert_eq!(vac["as_expected"], false, "a vacuous holds says nothing");
    assert!(
        notes(vac).iter().any(|n| n.contains("vacuous")),
        "a vacuous result is never silent: notes {:?}",
        notes(vac)
    );

    // The same shape of claim on a scenario that finishes: neither flag.
    let real = row(&rows, "j.real", "w2", "3.11");
    assert_eq!(real["verdict"], "holds");
    assert_eq!(real["horizon_hit"], false);
    assert_eq!(real["vacuous"], false);
}

// =============================================================================================
// 2. Exit statuses.

#[test]
fn exit_0_when_every_verdict_is_as_expected() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.claim_file("c.toml", claim("e.ok", &["gil/two-cpu"], "always running_python <= 1", "\"holds\""));
    let out = p.check(&["--no-report"]);
    assert_eq!(status(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("e.ok") && text.contains("gil/two-cpu"), "the table names the claim and model:\n{text}");
    assert!(!text.contains("not as expected"), "{text}");
}

#[test]
fn exit_1_when_a_verdict_differs_and_the_table_says_so() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.claim_file(
        "c.toml",
        claim("e.ok", &["gil/two-cpu"], "always running_python <= 1", "\"holds\"")
            + "\n"
            + &claim("e.wrong", &["gil/two-cpu"], "always running_python <= 1", "\"refuted\""),
    );
    let out = p.check(&["--no-report"]);
    assert_eq!(status(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let wrong = text.lines().find(|l| l.starts_with("e.wrong")).unwrap_or_else(|| panic!("a row for e.wrong:\n{text}"));
    assert!(wrong.contains("holds") && wrong.contains("refuted"), "verdict and expectation: {wrong}");
    assert!(wrong.contains("not as expected"), "the differing row is marked: {wrong}");
    let ok = text.lines().find(|l| l.starts_with("e.ok")).unwrap();
    assert!(!ok.contains("not as expected"), "{ok}");

    let (code, rows) = p.check_json(&[]);
    assert_eq!(code, 1);
    let wrong = row(&rows, "e.wrong", "gil/two-cpu", "3.11");
    assert_eq!(wrong["verdict"], "holds");
    assert_eq!(wrong["expected"], "refuted");
    assert_eq!(wrong["as_expected"], false);
}

#[test]
fn exit_2_on_bad_input_with_a_located_error() {
    let p = Project::new();
    let path = p.scenario("s", "title = \"x\"\n[[threads]]\nname = \"t\"\nsteps = [\"compute 1\", \"frobnicate 2\"]\n");
    p.claim_file("c.toml", claim("e.c", &["s"], "always running_python <= 1", "\"holds\""));
    let out = p.check(&["--no-report"]);
    refused(&out, &path, 4, Some(24), &["unknown step", "frobnicate"]);
    assert!(stdout(&out).is_empty(), "nothing on stdout: {}", stdout(&out));
    // In JSON mode too.
    let out = p.check(&["--no-report", "--format", "json"]);
    refused(&out, &path, 4, Some(24), &["unknown step"]);
}

#[test]
fn exit_2_on_bad_usage() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.claim_file("c.toml", claim("e.ok", &["gil/two-cpu"], "always running_python <= 1", "\"holds\""));
    let out = p.check(&["--no-report", "--no-such-option"]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("--no-such-option"), "{}", stderr(&out));
    let out = p.check(&["--no-report", "--format", "xml"]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("xml"), "{}", stderr(&out));
    let missing = p.root().join("no-such-folder");
    let out = p.run(&["check", "--no-report", "--models", missing.to_str().unwrap()]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains(&*missing.to_string_lossy()), "{}", stderr(&out));
}

#[test]

fn errors_start_with_their_location() {
    let p = Project::new();
    let path =
        p.scenario("s", "title = \"x\"\n[runtime]\ncores = 0\n[[threads]]\nname = \"t\"\nsteps = [\"compute 1\"]\n");
    p.claim_file("c.toml", claim("e.c", &["s"], "always running_python <= 1", "\"holds\""));
    let out = p.check(&["--no-report"]);
    assert_eq!(status(&out), 2);
    let err = stderr(&out);
    let prefix = format!("{}:3:9: ", path.display());
    assert!(err.lines().any(|l| l.starts_with(&prefix)), "a line starts with `{prefix}`:\n{err}");
}

// =============================================================================================
// 3. Bad input (SPEC section 6): refused with exit 2 at the right file and line.

/// A project with a valid claim on scenario `s` and the given scenario text.
fn bad_scenario(text: &str) -> (Project, PathBuf, Output) {
    let p = Project::new();
    let path = p.scenario("s", text);
    p.claim_file("c.toml", claim("e.c", &["s"], "always running_python <= 1", "\"holds\""));
    let out = p.check(&["--no-report"]);
    (p, path, out)
}

/// A project with the scenario `s` and one claim with this check.
fn bad_claim(scenario: &str, check: &str) -> (Project, PathBuf, Output) {
    let p = Project::new();
    p.scenario("s", scenario);
    let path = p.claim_file("c.toml", claim("e.c", &["s"], check, "\"holds\""));
    let out = p.check(&["--no-report"]);
    (p, path, out)
}

/// The column where a check's text starts on line 6: `check = "` is 9 characters.
const CHECK_COL: usize = 10;

#[test]
fn scenario_toml_syntax_error() {
    let (_p, path, out) = bad_scenario("title = \"x\"\n[[threads]\nname = \"t\"\nsteps = [\"compute 1\"]\n");
    refused(&out, &path, 2, None, &["table header"]);
}

#[test]
fn scenario_unknown_step() {
    let (_p, path, out) =
        bad_scenario("title = \"x\"\n\n[[threads]]\nname = \"t\"\nsteps = [\"compute 1\", \"frobnicate 2\"]\n");
    // Column 24 is the `f` of the step, inside its quotes.
    refused(&out, &path, 5, Some(24), &["unknown step", "frobnicate 2", "compute N"]);
}

#[test]
fn scenario_negative_duration() {
    let (_p, path, out) = bad_scenario("title = \"x\"\n[[threads]]\nname = \"t\"\nsteps = [\"compute -1\"]\n");
    refused(&out, &path, 4, Some(11), &["-1"]);
}

#[test]
fn scenario_zero_cores() {
    let (_p, path, out) =
        bad_scenario("title = \"x\"\n[runtime]\ncores = 0\n[[threads]]\nname = \"t\"\nsteps = [\"compute 1\"]\n");
    refused(&out, &path, 3, Some(9), &["cores"]);
}

#[test]
fn scenario_task_on_no_loop() {
    let (_p, path, out) = bad_scenario(
        "title = \"x\"\n[[threads]]\nname = \"t\"\nsteps = [\"compute 1\"]\n[[tasks]]\nname = \"k\"\nsteps = [\"compute 1\"]\n",
    );
    refused(&out, &path, 6, Some(9), &["`k`", "no loop"]);
}

#[test]
fn scenario_duplicate_thread_name() {
    let (_p, path, out) = bad_scenario(
        "title = \"x\"\n[[threads]]\nname = \"t\"\nsteps = [\"compute 1\"]\n[[threads]]\nname = \"t\"\nsteps = [\"compute 1\"]\n",
    );
    // The second `t` is the duplicate.
    refused(&out, &path, 6, Some(9), &["duplicate", "`t`"]);
}

#[test]
fn claim_check_that_does_not_parse() {
    let (_p, path, out) = bad_claim(WRITER, "always running_python <=");
    let (col, _) = refused(&out, &path, 6, None, &["always running_python <="]);
    assert!(col >= CHECK_COL, "the error points into the check string, column {col}");
}

#[test]
fn claim_unknown_atom() {
    let (_p, path, out) = bad_claim(WRITER, "always frob >= 1");
    // `frob` starts 7 characters into the check.
    refused(&out, &path, 6, Some(CHECK_COL + 7), &["unknown atom", "`frob`"]);
}

#[test]
fn claim_names_a_thread_the_scenario_lacks() {
    let check = "never holds_gil(nobody)";
    let (_p, path, out) = bad_claim(WRITER, check);
    let (col, _) = refused(&out, &path, 6, None, &["nobody"]);
    assert!(
        (CHECK_COL..CHECK_COL + check.len()).contains(&col),
        "the error points into the check string (columns {CHECK_COL}..{}), got {col}",
        CHECK_COL + check.len()
    );
}

#[test]
fn claim_names_a_variable_the_scenario_lacks() {
    let check = "always var(zz) == 0";
    let (_p, path, out) = bad_claim(WRITER, check);
    let (col, _) = refused(&out, &path, 6, None, &["zz"]);
    assert!((CHECK_COL..CHECK_COL + check.len()).contains(&col), "column {col} is inside the check");
    // The variable the scenario does have is fine.
    let (_p, _, out) = bad_claim(WRITER, "always var(x) <= 1");
    assert_eq!(status(&out), 0, "{}", stderr(&out));
}

#[test]
fn clock_atoms_on_an_untimed_scenario_are_refused() {
    let check = "never gil_wait(t) > 0";
    let (_p, path, out) = bad_claim(WRITER, check);
    let (col, _) = refused(&out, &path, 6, None, &["gil_wait", "ticks"]);
    assert!((CHECK_COL..CHECK_COL + check.len()).contains(&col), "column {col} is inside the check");
    // `now` and `lateness` need the clock too, in quantitative checks as well.
    let (_p, path, out) = bad_claim(WRITER, "always now <= 3");
    refused(&out, &path, 6, Some(CHECK_COL + 7), &["now", "ticks"]);
    let (_p, path, out) = bad_claim(WRITER, "never lateness(t) > 0");
    refused(&out, &path, 6, Some(CHECK_COL + 6), &["lateness", "ticks"]);
    // And the same check on a ticks scenario is accepted.
    let (_p, _, out) = bad_claim(&worker_ticks(2), "never gil_wait(w) > 0");
    assert_eq!(status(&out), 0, "{}", stderr(&out));
}

/// A claim whose check is written as a multi-line TOML string: `check = """sometimes` on line 6,
/// then `  <rest>"""` on line 7.
fn multiline_check(rest: &str) -> String {
    format!(
        "[[claims]]\nid = \"e.c\"\nquote = \"q\"\nsource = \"s\"\nmodels = [\"s\"]\ncheck = \"\"\"sometimes\n  {rest}\"\"\"\n\
         expect = \"holds\"\n"
    )
}

#[test]
fn syntax_errors_in_a_multiline_check_are_located_on_their_own_line() {
    let p = Project::new();
    p.scenario("s", WRITER);
    let path = p.claim_file("c.toml", multiline_check("frob"));
    let out = p.check(&["--no-report"]);
    // `frob` is on line 7, after two spaces.
    refused(&out, &path, 7, Some(3), &["unknown atom", "`frob`"]);
}

#[test]

fn name_errors_in_a_multiline_check_are_located_on_their_own_line() {
    let p = Project::new();
    p.scenario("s", WRITER);
    let path = p.claim_file("c.toml", multiline_check("holds_gil(nobody)"));
    let out = p.check(&["--no-report"]);
    // `holds_gil(nobody)` is on line 7, after two spaces.
    refused(&out, &path, 7, Some(3), &["nobody"]);

    let path = p.claim_file("c.toml", multiline_check("var(zz) > 0"));
    let out = p.check(&["--no-report"]);
    refused(&out, &path, 7, Some(3), &["zz"]);
}

#[test]
fn liveness_on_a_ticks_scenario_is_refused() {
    let (_p, path, out) = bad_claim(&worker_ticks(2), "eventually all_done");
    let (col, msg) = refused(&out, &path, 6, None, &["ticks"]);
    assert!(col >= CHECK_COL, "{msg}");
    let (_p, path, out) = bad_claim(&worker_ticks(2), "waiting_gil(w) leads_to holds_gil(w)");
    refused(&out, &path, 6, None, &["ticks"]);
}

#[test]
fn duplicate_scenario_names_and_claim_ids_across_files_are_refused() {
    // --models and --claims repeat; names must stay unique over all of them.
    let p = Project::new();
    p.scenario("a/s", worker_ticks(2));
    let second = p.scenario("b/s", format!("name = \"a/s\"\n{}", worker_ticks(3)));
    p.claim_file("c.toml", claim("d.c", &["a/s"], "max now", "\"== 2\""));
    let out = p.check(&["--no-report"]);
    refused(&out, &second, 1, None, &["duplicate", "a/s"]);

    let p = Project::new();
    p.scenario("s", worker_ticks(2));
    p.claim_file("one.toml", claim("d.c", &["s"], "max now", "\"== 2\""));
    let second = p.claim_file("two.toml", claim("d.c", &["s"], "max now", "\"== 2\""));
    let out = p.check(&["--no-report"]);
    refused(&out, &second, 2, None, &["duplicate", "d.c"]);
}

#[test]
fn models_and_claims_options_repeat_and_take_files() {
    let p = Project::new();
    let one = p.root().join("one");
    let two = p.root().join("two");
    fs::create_dir_all(&one).unwrap();
    fs::create_dir_all(&two).unwrap();
    fs::write(one.join("w2.toml"), worker_ticks(2)).unwrap();
    fs::write(two.join("w3.toml"), worker_ticks(3)).unwrap();
    let c2 = p.claim_file("c2.toml", claim("o.two", &["w2"], "max now", "\"== 2\""));
    let c3 = p.claim_file("c3.toml", claim("o.three", &["w3"], "max now", "\"== 3\""));
    let (one, two, c2, c3) = (one.to_str().unwrap(), two.to_str().unwrap(), c2.to_str().unwrap(), c3.to_str().unwrap());
    let out = p.run(&[
        "check",
        "--format",
        "json",
        "--no-report",
        "--models",
        one,
        "--models",
        two,
        "--claims",
        c2,
        "--claims",
        c3,
    ]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let rows = results(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(row(&rows, "o.two", "w2", "3.11")["value"], 2);
    assert_eq!(row(&rows, "o.three", "w3", "3.11")["value"], 3);
    // Only the claim file given: the other claim is not run.
    let out = p.run(&["check", "--format", "json", "--no-report", "--models", one, "--models", two, "--claims", c3]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let rows = results(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["claim"], "o.three");
}

#[test]

fn claim_models_glob_matching_nothing() {
    let p = Project::new();
    p.scenario("s", WRITER);
    let path = p.claim_file("c.toml", claim("e.c", &["nothing/*"], "always running_python <= 1", "\"holds\""));
    let out = p.check(&["--no-report"]);
    // `models = [...]` is line 5 of the claim.
    refused(&out, &path, 5, None, &["nothing/*"]);
}

#[test]
fn claim_models_glob_matching_nothing_is_refused() {
    // What holds today whatever line is named: exit 2, the claim file and the pattern.
    let p = Project::new();
    p.scenario("s", WRITER);
    let path = p.claim_file("c.toml", claim("e.c", &["nothing/*"], "always running_python <= 1", "\"holds\""));
    let out = p.check(&["--no-report"]);
    assert_eq!(status(&out), 2);
    let (_, _, msg) = location(&out, &path);
    assert!(msg.contains("nothing/*") && msg.contains("e.c"), "{msg}");
}

#[test]
fn claim_toml_syntax_error() {
    let p = Project::new();
    p.scenario("s", WRITER);
    let path = p.claim_file("c.toml", "[[claims]\nid = \"x\"\n");
    let out = p.check(&["--no-report"]);
    refused(&out, &path, 1, None, &["table header"]);
}

/// A small deterministic generator (xorshift64*), so that failures reproduce.
fn bytes(seed: u64, len: usize, alphabet: Option<&[u8]>) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32;
            match alphabet {
                Some(a) => a[r as usize % a.len()],
                None => r as u8,
            }
        })
        .collect()
}

#[test]
fn garbage_never_panics() {
    let tomlish: &[u8] = b"[]{}=\"'.,#\n\t abcdefghijklmnopqrstuvwxyz0123456789-_";
    for seed in 1..=12u64 {
        for (kind, data) in [
            ("bytes", bytes(seed, 64 + 37 * seed as usize, None)),
            ("text", bytes(seed, 64 + 37 * seed as usize, Some(tomlish))),
        ] {
            // As a scenario file.
            let p = Project::new();
            let path = p.scenario("s", &data);
            p.claim_file("c.toml", claim("e.c", &["s"], "always running_python <= 1", "\"holds\""));
            let out = p.check(&["--no-report"]);
            let err = stderr(&out);
            assert!(!err.contains("panicked"), "{kind} seed {seed} as a scenario: panic\n{err}");
            assert_eq!(status(&out), 2, "{kind} seed {seed} as a scenario: {err}");
            location(&out, &path);

            // As a claim file.
            let p = Project::new();
            p.scenario("s", WRITER);
            let path = p.claim_file("c.toml", &data);
            let out = p.check(&["--no-report"]);
            let err = stderr(&out);
            assert!(!err.contains("panicked"), "{kind} seed {seed} as claims: panic\n{err}");
            if kind == "bytes" {
                assert_eq!(status(&out), 2, "{kind} seed {seed} as claims: {err}");
                location(&out, &path);
            } else {
                assert!([0, 2].contains(&status(&out)), "{kind} seed {seed} as claims: {err}");
            }
        }
    }
}

#[test]
fn truncated_files_never_panic() {
    let scenario = "title = \"x\"\n\n[runtime]\ntime = \"ticks\"\nhorizon = 8\n\n[[threads]]\nname = \"main\"\n\
                    loop = [\"a\"]\n\n[[tasks]]\nname = \"a\"\nsteps = [\"compute 1\", \"await asyncio.sleep 1..2\"]\n";
    let p = Project::new();
    p.claim_file("c.toml", claim("e.c", &["s"], "always running_tasks <= 1", "\"holds\""));
    for cut in (0..scenario.len()).step_by(4) {
        p.scenario("s", &scenario[..cut]);
        let out = p.check(&["--no-report"]);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "cut at {cut}: panic\n{err}");
        assert!([0, 2].contains(&status(&out)), "cut at {cut}: exit {}\n{err}", status(&out));
    }
}

// =============================================================================================
// 4. Budgets.

#[test]
fn a_state_budget_makes_the_verdict_unknown() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.claim_file("c.toml", claim("b.c", &["gil/two-cpu"], "always running_python <= 1", "\"holds\""));
    let (code, rows) = p.check_json(&[]);
    assert_eq!(code, 0);
    let full = row(&rows, "b.c", "gil/two-cpu", "3.11")["states"].as_u64().unwrap();
    assert!(full > 10, "the scenario has more than 10 states ({full})");

    let (code, rows) = p.check_json(&["--max-states", "10"]);
    assert_eq!(code, 1, "unknown is not as expected");
    let r = row(&rows, "b.c", "gil/two-cpu", "3.11");
    assert_eq!(r["verdict"], "unknown");
    assert_eq!(r["as_expected"], false);
    assert!(r["states"].as_u64().unwrap() <= 10, "stopped within the budget: {r:?}");
    assert!(notes(r).iter().any(|n| n.contains("budget")), "the notes say why: {:?}", notes(r));
}

#[test]
fn a_zero_timeout_makes_the_verdict_unknown() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.claim_file("c.toml", claim("b.c", &["gil/two-cpu"], "always running_python <= 1", "\"holds\""));
    let (code, rows) = p.check_json(&["--timeout", "0"]);
    assert_eq!(code, 1);
    let r = row(&rows, "b.c", "gil/two-cpu", "3.11");
    assert_eq!(r["verdict"], "unknown");
    assert!(notes(r).iter().any(|n| n.contains("budget") || n.contains("timeout")), "{:?}", notes(r));
    let out = p.check(&["--no-report", "--timeout", "0"]);
    assert_eq!(status(&out), 1);
    assert!(stdout(&out).contains("unknown"), "{}", stdout(&out));
}

// =============================================================================================
// 5. Filters and `list`.

fn filter_project() -> Project {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.scenario("gil/sleeper", SLEEPER);
    p.scenario("ticks/w2", worker_ticks(2));
    p.claim_file(
        "a.toml",
        claim("x.one", &["gil/*"], "always running_python <= 1", "\"holds\"")
            + "\n"
            + &claim("x.two", &["gil/sleeper"], "never (sleeping(t1) && holds_gil(t1))", "\"holds\""),
    );
    p.claim_file("b.toml", claim("y.max", &["ticks/w2"], "max now", "\"== 2\""));
    p
}

#[test]
fn claim_filter_selects_rows() {
    let p = filter_project();
    let (_, rows) = p.check_json(&["--claim", "x.*"]);
    let claims: BTreeSet<&str> = rows.iter().map(|r| r["claim"].as_str().unwrap()).collect();
    assert_eq!(claims, BTreeSet::from(["x.one", "x.two"]));
    let models: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["claim"].as_str().unwrap(), r["model"].as_str().unwrap())).collect();
    assert_eq!(models.len(), 3, "x.one on two gil/ scenarios, x.two on one: {models:?}");
    let (_, rows) = p.check_json(&["--claim", "x.two"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["claim"], "x.two");
}

#[test]
fn model_filter_selects_rows() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.scenario("gil/sleeper", SLEEPER);
    p.scenario("ticks/w2", worker_ticks(2));
    p.claim_file(
        "a.toml",
        claim("m.all", &["gil/two-cpu", "gil/sleeper", "ticks/w2"], "always running_python <= 1", "\"holds\""),
    );
    let (code, rows) = p.check_json(&["--model", "gil/*"]);
    assert_eq!(code, 0);
    let models: BTreeSet<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    assert_eq!(models, BTreeSet::from(["gil/two-cpu", "gil/sleeper"]));
    let (_, rows) = p.check_json(&["--model", "ticks/*"]);
    let models: Vec<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    assert_eq!(models, vec!["ticks/w2"]);
    let (_, all) = p.check_json(&[]);
    assert_eq!(all.len(), 3);
}

#[test]
fn a_filtered_run_writes_no_report_unless_out_is_given() {
    let p = filter_project();
    let out = p.check(&["--claim", "x.two"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert!(!p.root().join("reports").exists(), "a filtered run leaves reports/ alone");
}

#[test]
fn list_prints_scenarios_and_claims() {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.scenario("ticks/w2", worker_ticks(2));
    p.scenario("named", format!("name = \"custom/name\"\n{}", worker_ticks(3)));
    p.claim_file(
        "a.toml",
        claim("l.one", &["gil/two-cpu"], "always running_python <= 1", "\"holds\"")
            + "\n"
            + &claim("l.two", &["ticks/w2"], "max now", "\"== 2\""),
    );
    let models = p.models();
    let claims = p.claims();
    let out = p.run(&["list", "--models", models.to_str().unwrap(), "--claims", claims.to_str().unwrap()]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let words: BTreeSet<&str> = text.split_whitespace().collect();
    for name in ["gil/two-cpu", "ticks/w2", "custom/name", "l.one", "l.two"] {
        assert!(words.contains(name), "list shows `{name}`:\n{text}");
    }
    assert!(!words.contains("named"), "a scenario's `name` replaces its path:\n{text}");
    assert!(text.contains("Two CPU-bound threads"), "titles are listed:\n{text}");
    assert!(text.contains("always running_python <= 1"), "checks are listed:\n{text}");
}

// =============================================================================================
// 6. Reports.

fn report_project() -> Project {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.scenario("gil/sleeper", SLEEPER);
    p.scenario("w2", worker_ticks(2));
    p.scenario("w3", worker_ticks(3));
    p.claim_file(
        "c.toml",
        claim(
            "r.table",
            &["gil/two-cpu"],
            "always running_python <= 1",
            r#"{ "3.11" = "holds", "3.13t" = "refuted" }"#,
        ) + "\n"
            + &claim("r.sleep", &["gil/sleeper"], "sometimes (sleeping(t1) && holds_gil(t1))", "\"refuted\"")
            + "\n"
            + &claim("r.series", &["w2", "w3"], "max now", "\"increasing\"")
            + "\n"
            + &claim("r.wrong", &["w2"], "min now when all_done", "\">= 3\""),
    );
    p
}

/// Every file under `dir`, by relative path, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push((path.strip_prefix(root).unwrap().to_path_buf(), fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `check --out out <extra>` into a fresh `out/`; its files.
fn report(p: &Project, extra: &[&str]) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = p.root().join("out");
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    let mut args = vec!["--out", "out"];
    args.extend_from_slice(extra);
    let out = p.check(&args);
    assert_eq!(status(&out), 1, "r.wrong differs: {}{}", stdout(&out), stderr(&out));
    snapshot(&dir)
}

#[test]
fn out_writes_the_index_results_and_claim_pages() {
    let p = report_project();
    let files = report(&p, &[]);
    let names: BTreeSet<String> = files.iter().map(|(f, _)| f.to_string_lossy().into_owned()).collect();
    for f in ["README.md", "results.json", "claims/r.table.md", "claims/r.sleep.md", "claims/r.series.md"] {
        assert!(names.contains(f), "{f} is written: {names:?}");
    }
    let readme = fs::read_to_string(p.root().join("out/README.md")).unwrap();
    assert!(readme.contains("r.table") && readme.contains("claims/r.table.md"), "the index links the claim:\n{readme}");

    let results = fs::read_to_string(p.root().join("out/results.json")).unwrap();
    assert!(!results.contains("elapsed_ms"), "results.json holds no elapsed times");
    let value: Value = serde_json::from_str(&results).expect("results.json is JSON");
    let rows = value["results"].as_array().expect("results.json has `results`");
    let claims: BTreeSet<&str> = rows.iter().map(|r| r["claim"].as_str().unwrap()).collect();
    assert_eq!(claims, BTreeSet::from(["r.table", "r.sleep", "r.series", "r.wrong"]));
    // The refuted row's graph is written where results.json says.
    let free = rows.iter().find(|r| r["claim"] == "r.table" && r["variant"] == "3.13t").unwrap();
    let graph = free["counterexample"]["graph"].as_str().expect("a graph path");
    assert!(graph.ends_with(".dot"), "{graph}");
    assert!(p.root().join(graph).is_file(), "{graph} exists");
}

/// Runs the report project twice, then with `--threads 1` and `--threads 4`; asserts every file
/// that `keep` accepts is the same, byte for byte, in all four runs (and the same files exist).
fn assert_reproducible(keep: impl Fn(&Path) -> bool) {
    let p = report_project();
    let runs = [report(&p, &[]), report(&p, &[]), report(&p, &["--threads", "1"]), report(&p, &["--threads", "4"])];
    let what = ["a first run", "a second run", "--threads 1", "--threads 4"];
    let first = &runs[0];
    assert!(first.iter().any(|(f, _)| f == Path::new("results.json")), "results.json is written");
    for (run, label) in runs.iter().zip(what).skip(1) {
        assert_eq!(names(first), names(run), "the same files in {label}");
        for ((name, a), (_, b)) in first.iter().zip(run) {
            if keep(name) {
                assert!(a == b, "{} differs between {} and {label}", name.display(), what[0]);
            }
        }
    }
}

#[test]
fn reports_are_byte_identical_across_runs_and_threads() {
    // results.json, README.md, the claim pages and the DOT graphs. SVGs: see the next test.
    assert_reproducible(|f| f.extension().is_some_and(|e| e != "svg"));
}

#[test]

fn svg_graphs_are_byte_identical_across_runs_and_threads() {
    assert_reproducible(|_| true);
}

fn names(files: &[(PathBuf, Vec<u8>)]) -> Vec<&Path> {
    files.iter().map(|(f, _)| f.as_path()).collect()
}

// ---------------------------------------------------------------------------------------------
// conform --trace (SPEC §9 "Interface"): 0 accepted, 1 rejected, 2 bad input.

#[test]
fn conform_checks_a_trace_file_with_the_contract_exit_statuses() {
    let p = Project::new();
    p.scenario("race", "[[threads]]\nname = \"t\"\ncount = 2\nsteps = [\"incr x\", \"incr x\"]\n");
    let events = [("t0", "start", 0), ("t1", "start", 0), ("t0", "end", 1), ("t1", "end", 1)];
    let trace = |x: u32| {
        let mut text = String::from("{\"python\": \"3.11.7\"}\n");
        for (i, (who, ev, step)) in events.iter().enumerate() {
            text.push_str(&format!("{{\"t_ns\": {i}, \"who\": \"{who}\", \"event\": \"{ev}\", \"step\": {step}}}\n"));
        }
        text + &format!("{{\"vars\": {{\"x\": {x}}}}}\n")
    };
    fs::write(p.root().join("full.jsonl"), trace(4)).unwrap();
    fs::write(p.root().join("lost.jsonl"), trace(3)).unwrap();
    fs::write(p.root().join("bad.jsonl"), "{\"python\": \"3.11.7\"}\n{\"t_ns\": 1}\n").unwrap();
    let models = p.models();
    let conform = |file: &str, python: &str| {
        p.run(&[
            "conform",
            "--models",
            models.to_str().unwrap(),
            "--trace",
            file,
            "--model",
            "race",
            "--python",
            python,
        ])
    };
    assert_eq!(status(&conform("full.jsonl", "3.11")), 0, "{}", stderr(&conform("full.jsonl", "3.11")));
    let lost = conform("lost.jsonl", "3.11");
    assert_eq!(status(&lost), 1);
    assert!(stdout(&lost).contains("no path ends with these values"), "{}", stdout(&lost));
    assert_eq!(status(&conform("lost.jsonl", "3.9")), 0, "3.9 loses updates between load and store");
    let bad = conform("bad.jsonl", "3.11");
    assert_eq!(status(&bad), 2);
    assert!(stderr(&bad).starts_with("bad.jsonl:2:1: no `who`"), "{}", stderr(&bad));
    assert_eq!(status(&conform("full.jsonl", "4.0")), 2);
}

/// `bench` prints its table, a row per model, and with `--chart` draws the rows.
#[test]
fn bench_prints_the_scale_table_and_draws_it() {
    let p = Project::new();
    let out = p.run(&["bench", "--only", "race-2", "--threads", "1", "--chart", "scale.svg"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let table = stdout(&out);
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| race-2")).collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(rows[1].contains("| 410 |"), "race-2 without symmetry has SPIN's 410 states: {table}");
    let svg = fs::read_to_string(p.root().join("scale.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("circle")).count(), 4, "two lines of two points");
}
