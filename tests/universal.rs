//! Universal claims (`for_all`): the claim format, the fuzz driver (same seed, same result;
//! failures shrunk to small programs that refute the claim on their own), the `same_end`
//! check, the report files and `gilcheck fuzz`.

use std::path::Path;
use std::process::Command;

use gilcheck::check::ends::explore_ends;
use gilcheck::check::job::check_one;
use gilcheck::check::resources::Budget;
use gilcheck::cpython::model::GilModel;
use gilcheck::cpython::program::System;
use gilcheck::fuzz::universal::{self as fuzz, Options};
use gilcheck::input::claim::{load_claims, parse_claim_file, Claim, Shape};
use gilcheck::input::scenario::{parse_scenario, Scenario, Step, ThreadBody};

mod common;
use common::committed_suite;
use gilcheck::suite::report;
use gilcheck::suite::{plan, run_all};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn universal() -> Vec<Claim> {
    load_claims(&[root().join("properties/universal.toml")]).unwrap_or_else(|e| panic!("{e}"))
}

fn claim(id: &str) -> Claim {
    universal().into_iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no claim {id}"))
}

fn opts(cases: u32, seed: u64) -> Options {
    Options { cases: Some(cases), seed, ..Options::default() }
}

fn scenario(text: &str) -> Scenario {
    parse_scenario(Path::new("t.toml"), text, "t").unwrap_or_else(|e| panic!("{e}"))
}

fn error(source: &str) -> String {
    match parse_claim_file(Path::new("p.toml"), source) {
        Ok(claims) => panic!("parsed: {claims:?}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = "[[claims]]\nid = \"u\"\nquote = \"q\"\nsource = \"s\"\nexpect = \"holds\"\n";

#[test]
fn universal_claims_have_for_all_instead_of_models() {
    let claims = universal();
    assert!(claims.len() >= 5);
    for c in &claims {
        let f = c.for_all.as_ref().unwrap_or_else(|| panic!("{} has no for_all", c.id));
        assert!(c.models.is_empty(), "{}", c.id);
        assert!(f.cases >= 100, "{}", c.id);
    }
    let blocking = claim("universal.blocking-call-delays-ready-tasks");
    let f = blocking.for_all.unwrap();
    assert_eq!((f.shape, f.ticks_mode, f.block), (Shape::BlockingCall, true, (2, 8)));
    assert!(blocking.check_text.contains("{D}"));
    // Each universal claim is one job per variant, on the stand-in scenario `for_all`.
    let (scenarios, _) = committed_suite();
    let jobs: Vec<_> = plan(&claims, &scenarios).unwrap().into_iter().filter(|j| !j.counter).collect();
    assert!(jobs.iter().all(|j| j.scenario.name == "for_all"));
    assert_eq!(jobs.len(), claims.iter().map(|c| c.variants.len().max(1)).sum::<usize>());
}

#[test]
fn for_all_tables_are_validated() {
    let ok = format!("{HEAD}check = \"always running_python <= 1\"\nfor_all = {{ threads = [1, 3], steps = 2, kinds = [\"compute\", \"io\"] }}\n");
    let c = &parse_claim_file(Path::new("p.toml"), &ok).unwrap()[0];
    let f = c.for_all.as_ref().unwrap();
    assert_eq!((f.threads, f.steps, f.kinds.len()), ((1, 3), (2, 2), 2));

    let both = format!("{HEAD}models = [\"a\"]\ncheck = \"always gil_free\"\nfor_all = {{}}\n");
    assert!(error(&both).contains("checked on generated programs, not on `models`"), "{}", error(&both));
    let unknown = format!("{HEAD}check = \"always gil_free\"\nfor_all = {{ thread = [1, 2] }}\n");
    assert!(error(&unknown).ends_with("did you mean `threads`?"), "{}", error(&unknown));
    let reversed = format!("{HEAD}check = \"always gil_free\"\nfor_all = {{ threads = [3, 1] }}\n");
    assert!(error(&reversed).contains("expected [min, max] with min <= max"), "{}", error(&reversed));
    let kind = format!("{HEAD}check = \"always gil_free\"\nfor_all = {{ kinds = [\"compte\"] }}\n");
    assert!(error(&kind).contains("did you mean `compute`?"), "{}", error(&kind));
    let clock = format!("{HEAD}check = \"always lateness(ticker) <= 3\"\nfor_all = {{}}\n");
    assert!(error(&clock).contains("needs a clock"), "{}", error(&clock));
    let param = format!("{HEAD}check = \"always now >= {{D}}\"\nfor_all = {{ time = \"ticks\" }}\n");
    assert!(error(&param).contains("unknown parameter `{D}`"), "{}", error(&param));
    let max = format!("{HEAD}check = \"max now\"\nfor_all = {{ time = \"ticks\" }}\n");
    assert!(error(&max).contains("cannot be `max`"), "{}", error(&max));
    let big = format!("{HEAD}check = \"always gil_free\"\nfor_all = {{ threads = 8, loops = 2 }}\n");
    assert!(error(&big).contains("expected at most 8"), "{}", error(&big));
    let none = format!("{HEAD}check = \"always gil_free\"\nfor_all = {{ threads = 0, loops = 0 }}\n");
    assert!(error(&none).contains("a program needs a thread"), "{}", error(&none));
}

#[test]
fn the_same_seed_gives_the_same_result() {
    let c = claim("universal.gil-makes-increments-atomic");
    let a = fuzz::fuzz(&c, "3.9", &opts(60, 7), &|| {}).unwrap();
    let b = fuzz::fuzz(&c, "3.9", &opts(60, 7), &|| {}).unwrap();
    assert_eq!(a.verdict, "refuted");
    assert_eq!(
        (a.cases, a.failing_case, a.shrink_steps, a.states, &a.shrunk_toml),
        (b.cases, b.failing_case, b.shrink_steps, b.states, &b.shrunk_toml)
    );
    // A holding claim explores the same programs, state for state, on every run.
    let h = claim("universal.one-task-per-loop-runs");
    let x = fuzz::fuzz(&h, "3.9", &opts(40, 1), &|| {}).unwrap();
    let y = fuzz::fuzz(&h, "3.9", &opts(40, 1), &|| {}).unwrap();
    assert_eq!((x.verdict.as_str(), x.cases, x.states), ("holds", 40, y.states));
    let z = fuzz::fuzz(&h, "3.9", &opts(40, 2), &|| {}).unwrap();
    assert_ne!(x.states, z.states, "another seed generates other programs");
}

#[test]
fn free_threading_is_refuted_by_two_threads_computing() {
    let c = claim("universal.gil-one-thread-runs-python");
    for seed in 0..4 {
        let f = fuzz::fuzz(&c, "3.13t", &opts(200, seed), &|| {}).unwrap();
        assert_eq!(f.verdict, "refuted", "seed {seed}");
        let shrunk = scenario(f.shrunk_toml.as_deref().unwrap());
        let programs: Vec<&ThreadBody> = shrunk.threads.iter().map(|t| &t.body).collect();
        assert_eq!(programs.len(), 2, "seed {seed}: {}", shrunk.to_toml());
        for body in programs {
            let ThreadBody::Steps(steps) = body else { panic!("seed {seed}: a loop is left: {}", shrunk.to_toml()) };
            assert_eq!(steps.iter().map(|s| s.to_string()).collect::<Vec<_>>(), ["compute 1"]);
        }
        // The shrunk file refutes the claim on its own, and holds under a GIL.
        assert_eq!(check_one(&shrunk, &c.check_text, Some("3.13t")).unwrap().verdict, "refuted");
        assert_eq!(check_one(&shrunk, &c.check_text, Some("3.11")).unwrap().verdict, "holds");
    }
}

#[test]
fn lost_increments_shrink_to_two_one_step_programs() {
    let c = claim("universal.gil-makes-increments-atomic");
    // `x += 1` alone: atomic on 3.10+ under the GIL (no switch point between load and store).
    let f = fuzz::fuzz(&c, "3.11", &opts(200, 0), &|| {}).unwrap();
    assert_eq!(f.verdict, "holds");
    for variant in ["2.7", "3.9", "3.13t"] {
        let f = fuzz::fuzz(&c, variant, &opts(200, 0), &|| {}).unwrap();
        assert_eq!(f.verdict, "refuted", "{variant}");
        let case = f.shrunk.as_ref().unwrap();
        let steps: Vec<&Step> = case
            .scenario
            .threads
            .iter()
            .flat_map(|t| match &t.body {
                ThreadBody::Steps(s) => s.iter().collect::<Vec<_>>(),
                ThreadBody::Loop(_) => Vec::new(),
            })
            .chain(case.scenario.tasks.iter().flat_map(|t| t.steps.iter()))
            .collect();
        assert_eq!(steps.len(), 2, "{variant}: {}", case.scenario.to_toml());
        assert!(steps.iter().all(|s| matches!(s, Step::Incr(_))), "{variant}");
        let row = fuzz::check_case(&c, case, variant, Budget::default()).unwrap();
        assert_eq!(row.verdict, "refuted");
        assert!(row.notes.iter().any(|n| n.starts_with("one schedule ends with")), "{:?}", row.notes);
    }
}

#[test]
fn a_false_universal_claim_is_refuted() {
    // Lateness reaches D, never D + 1: the claim with `+ 1` must fail, shrunk to D = 2.
    let text = format!(
        "{HEAD}check = \"always (progress(blocker) >= {{K}} && progress(ticker) == 0 && ready(ticker) -> lateness(ticker) >= {{D}} + 1)\"\n\
         for_all = {{ shape = \"blocking-call\", time = \"ticks\", horizon = 24, block = [2, 8], threads = [0, 1], tasks = [0, 1], steps = [1, 2] }}\n"
    );
    let c = &parse_claim_file(Path::new("p.toml"), &text).unwrap()[0];
    let f = fuzz::fuzz(c, "3.11", &opts(100, 0), &|| {}).unwrap();
    assert_eq!(f.verdict, "refuted");
    let case = f.shrunk.unwrap();
    assert_eq!(case.param("D"), Some(2));
    assert_eq!(case.param("K"), Some(1));
    assert!(f.shrunk_toml.unwrap().starts_with("# parameters of the check: D = 2, K = 1\n"));
    // And the claim as written holds on the same programs.
    let holds = claim("universal.blocking-call-delays-ready-tasks");
    assert_eq!(fuzz::fuzz(&holds, "3.11", &opts(100, 0), &|| {}).unwrap().verdict, "holds");
}

fn ends_of(text: &str, python: &str) -> gilcheck::check::ends::Ends {
    let s = scenario(text);
    let runtime = s.runtime.with_python(python).unwrap();
    let model = GilModel::new(System::compile(&s, &runtime).unwrap(), Default::default());
    explore_ends(&model, Budget::default())
}

#[test]
fn same_end_tells_races_from_determinism() {
    let racing = "[[threads]]\nname = \"a\"\nsteps = [\"incr x\"]\n[[threads]]\nname = \"b\"\nsteps = [\"incr x\"]\n";
    let lost = ends_of(racing, "3.9");
    let (first, _) = lost.first.as_ref().unwrap();
    let (other, path) = lost.other.as_ref().unwrap();
    assert_eq!((first.to_string().as_str(), other.to_string().as_str()), ("x = 2; all done", "x = 1; all done"));
    assert!(path.len() > 2);
    let kept = ends_of(racing, "3.11");
    assert!(kept.other.is_none() && kept.stopped.is_none());
    assert_eq!(kept.first.unwrap().0.to_string(), "x = 2; all done");
    // A deadlock is an end too: whether the program finishes depends on the schedule.
    let deadlock = "[[threads]]\nname = \"a\"\nsteps = [\"lock A\", \"lock B\", \"unlock B\", \"unlock A\"]\n\
                    [[threads]]\nname = \"b\"\nsteps = [\"lock B\", \"lock A\", \"unlock A\", \"unlock B\"]\n";
    let stuck = ends_of(deadlock, "3.11");
    let ends = [stuck.first.unwrap().0, stuck.other.unwrap().0];
    assert!(ends.iter().any(|e| e.all_done) && ends.iter().any(|e| !e.all_done), "{ends:?}");
}

#[test]
fn reports_show_the_shrunk_program_beside_its_counterexample() {
    let claims = vec![claim("universal.gil-one-thread-runs-python")];
    let (scenarios, _) = committed_suite();
    let jobs = plan(&claims, &scenarios).unwrap();
    let mut rows = run_all(&jobs, Budget::default(), 2).unwrap();
    report::link_graphs(&mut rows, Path::new("reports"));
    let refuted = rows.iter().find(|r| r.variant == "3.13t").unwrap();
    assert_eq!((refuted.model.as_str(), refuted.verdict.as_str(), refuted.as_expected), ("for_all", "refuted", true));
    assert!(rows.iter().filter(|r| r.variant != "3.13t").all(|r| r.verdict == "holds" && r.shrunk.is_none()));
    let files = report::render(&claims, &rows, &Default::default(), "gilcheck check");
    let toml = report::shrunk_path(refuted);
    assert_eq!(toml, report::graph_path(refuted).with_extension("toml"));
    assert!(files.contains_key(&toml) && files.contains_key(&report::graph_path(refuted)));
    scenario(&files[&toml]);
    let page = &files[Path::new("claims/universal.gil-one-thread-runs-python.md")];
    assert!(page.contains("For all generated programs: "), "{page}");
    assert!(page.contains(&format!("```toml\n{}```", refuted.shrunk.as_ref().unwrap())), "{page}");
    assert!(page.contains("## Counterexample: for_all under 3.13t"));
    // `shrunk` is in JSON only where there is one.
    let json = serde_json::to_value(&rows).unwrap();
    assert!(json[0].get("shrunk").is_none());
    assert!(json.as_array().unwrap().iter().any(|r| r["shrunk"].is_string()));
}

fn gilcheck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gilcheck")).args(args).current_dir(root()).output().expect("gilcheck runs")
}

#[test]
fn fuzz_command_is_deterministic_and_prints_the_shrunk_program() {
    let args = ["fuzz", "--claim", "universal.gil-one-*", "--cases", "30", "--seed", "5"];
    // The same seed, the same results (all but the elapsed times).
    let results = || {
        let out = gilcheck(&[&args[..], &["--format", "json"]].concat());
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for row in v["results"].as_array_mut().unwrap() {
            row.as_object_mut().unwrap().remove("elapsed_ms");
        }
        v
    };
    assert_eq!(results(), results());
    let a = gilcheck(&args);
    assert_eq!(a.status.code(), Some(0), "{}", String::from_utf8_lossy(&a.stderr));
    let out = String::from_utf8(a.stdout).unwrap();
    assert!(out.contains("universal.gil-one-thread-runs-python under 3.13t: the smallest refuting program found"));
    assert!(out.contains("steps = [\"compute 1\"]"), "{out}");
    // No progress bar when stderr is not a terminal.
    assert!(a.stderr.is_empty(), "{}", String::from_utf8_lossy(&a.stderr));

    let json = gilcheck(&["fuzz", "--claim", "universal.one-task-*", "--cases", "10", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["verdict"] == "holds" && r["model"] == "for_all"));

    let none = gilcheck(&["fuzz", "--claim", "seed.*"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no universal claim matching `seed.*`"));
}
