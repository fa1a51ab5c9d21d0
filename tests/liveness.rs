//! Liveness under weak fairness, counterexample graphs and timelines.

mod common;

use gilcheck::check::job::{build, check_one, run_job};
use gilcheck::check::resources::Budget;
use gilcheck::cpython::model::GilModel;
use gilcheck::input::claim::Check;
use gilcheck::suite::plan;

use common::{committed_suite, scenario, verdict};

const HOG_AND_WAITER: &str = r#"
[[threads]]
name = "hog"
repeat = true
steps = ["compute 1"]

[[threads]]
name = "waiter"
steps = ["compute 1", "io 1", "compute 1"]
"#;

#[test]
fn a_waiter_beside_one_cpu_thread_always_gets_the_gil_except_on_the_old_gil() {
    for v in ["3.2", "3.9", "3.11", "3.13"] {
        assert_eq!(verdict(HOG_AND_WAITER, "eventually done(waiter)", v), "holds", "{v}");
        assert_eq!(verdict(HOG_AND_WAITER, "waiting_gil(waiter) leads_to holds_gil(waiter)", v), "holds", "{v}");
    }
    assert_eq!(verdict(HOG_AND_WAITER, "eventually done(waiter)", "2.7"), "refuted");
    assert_eq!(verdict(HOG_AND_WAITER, "eventually done(waiter)", "3.13t"), "holds");
}

#[test]
fn a_waiter_beside_two_cpu_threads_can_starve() {
    let two = HOG_AND_WAITER.replace("name = \"hog\"", "name = \"hog\"\ncount = 2");
    for v in ["2.7", "3.9", "3.11"] {
        assert_eq!(verdict(&two, "eventually done(waiter)", v), "refuted", "{v}");
    }
    // Without a GIL the OS gives every runnable thread time.
    assert_eq!(verdict(&two, "eventually done(waiter)", "3.13t"), "holds");
}

#[test]
fn a_program_that_ends_satisfies_eventually_all_done_and_a_deadlock_does_not() {
    let ends = r#"
[[threads]]
name = "t"
count = 2
steps = ["compute 1", "incr x"]
"#;
    assert_eq!(verdict(ends, "eventually all_done", "3.11"), "holds");
    let deadlock = r#"
[[threads]]
name = "a"
steps = ["lock L", "lock M", "unlock M", "unlock L"]

[[threads]]
name = "b"
steps = ["lock M", "lock L", "unlock L", "unlock M"]
"#;
    let row = check_one(&scenario(deadlock), "eventually all_done", Some("3.11")).unwrap();
    assert_eq!(row.verdict, "refuted");
    let cx = row.counterexample.unwrap();
    assert_eq!(cx.kind, "path", "a deadlock ends the run: no cycle");
    assert!(cx.steps.last().unwrap().state.contains("waits for lock"));
}

#[test]
fn asyncio_timers_and_sockets_fire_eventually() {
    let toml = r#"
[[threads]]
name = "main"
loop = ["a", "b"]

[[tasks]]
name = "a"
repeat = true
steps = ["await asyncio.sleep 0", "compute 1"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep 3", "await io 1", "write x 1"]
"#;
    // A task that yields forever does not starve a timer or a socket: each round polls.
    assert_eq!(verdict(toml, "eventually var(x) == 1", "3.11"), "holds");
    assert_eq!(verdict(toml, "ready(b) leads_to running(b)", "3.11"), "holds");
}

#[test]
fn leads_to_without_a_trigger_is_vacuous() {
    let row = check_one(&scenario(HOG_AND_WAITER), "sleeping(hog) leads_to done(hog)", Some("3.11")).unwrap();
    assert_eq!(row.verdict, "holds");
    assert!(row.vacuous);
}

/// Every liveness claim of `properties/`: a refuted one has a lasso (or a path that ends in a
/// state with no move) whose every step is a transition of the model and whose cycle closes;
/// one that holds has none.
#[test]
fn lassos_are_paths_of_the_model_and_their_cycles_close() {
    let (scenarios, claims) = committed_suite();
    let claims: Vec<_> =
        claims.into_iter().filter(|c| matches!(c.check, Check::Eventually(_) | Check::LeadsTo(..))).collect();
    let jobs = plan(&claims, &scenarios).unwrap();
    let mut lassos = 0;
    for job in &jobs {
        let row = run_job(job, Budget::default()).unwrap();
        let (model, _) = build(job).unwrap();
        match (row.verdict.as_str(), &row.counterexample) {
            ("holds", None) => {}
            // A path that ends where nothing can move: the report says who is stuck on what.
            ("refuted", Some(cx)) if cx.loop_start.is_none() => {
                assert_eq!(cx.kind, "path");
                assert!(row.notes.iter().any(|n| n.starts_with("deadlock: ")), "{}: {:?}", row.claim, row.notes);
                replay_matches(&model, cx);
            }
            ("refuted", Some(cx)) => {
                let loop_start = cx.loop_start.expect("checked above");
                assert_eq!(cx.kind, "lasso");
                assert!(loop_start < cx.steps.len() - 1, "the cycle has at least one step");
                // The cycle closes: its last state is the state where it started.
                assert_eq!(cx.steps[loop_start].state, cx.steps.last().unwrap().state, "{}", row.claim);
                replay_matches(&model, cx);
                lassos += 1;
            }
            other => panic!("{} on {} under {}: {other:?}", row.claim, row.model, row.variant),
        }
    }
    assert!(lassos >= 4, "only {lassos} lassos");
}

/// Each step's text is that of an enabled transition from the previous state.
fn replay_matches(model: &GilModel, cx: &gilcheck::check::job::Counterexample) {
    let mut state = model.initial();
    assert_eq!(model.describe_state(&state), cx.steps[0].state);
    for step in &cx.steps[1..] {
        let mut actions = Vec::new();
        model.enabled(&state, &mut actions);
        let next = actions
            .iter()
            .map(|&a| (model.describe_action(&state, a), model.apply(&state, a)))
            .find(|(text, s)| *text == step.action && model.describe_state(s) == step.state)
            .unwrap_or_else(|| panic!("`{}` is no transition of the model", step.action));
        state = next.1;
    }
}

#[test]
fn graphs_parse_as_dot_and_svgs_as_xml() {
    let row = check_one(&scenario(HOG_AND_WAITER), "eventually done(waiter)", Some("2.7")).unwrap();
    let cx = row.counterexample.unwrap();
    let mut parser = layout::gv::DotParser::new(&cx.dot);
    assert!(parser.process().is_ok(), "DOT does not parse:\n{}", cx.dot);
    let svg = gilcheck::evidence::graph::svg(&cx.dot).unwrap();
    roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("graph SVG is not XML: {e}"));
    // The report's drawing: the lasso's closing edge is a loop back into its cycle's first box.
    let drawn = roxmltree::Document::parse(&cx.svg).unwrap_or_else(|e| panic!("drawn SVG is not XML: {e}"));
    let loops = drawn.descendants().filter(|n| n.attribute("class") == Some("loop")).count();
    assert_eq!(loops, 1, "{}", cx.svg);
    let doc = roxmltree::Document::parse(&cx.timeline).unwrap_or_else(|e| panic!("timeline is not XML: {e}"));
    // One lane label per thread.
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.contains(&"hog") && texts.contains(&"waiter"), "{texts:?}");
}

#[test]
fn a_variable_leaving_its_byte_gives_no_liveness_verdict() {
    let toml = r#"
[vars]
x = 250

[[threads]]
name = "t"
repeat = true
steps = ["incr x"]
"#;
    let row = check_one(&scenario(toml), "eventually var(x) == 0", Some("3.11")).unwrap();
    assert_eq!(row.verdict, "unknown", "{row:?}");
    assert!(row.notes.iter().any(|n| n.contains("byte")), "{:?}", row.notes);
}

#[test]
fn an_event_loop_beside_a_cpu_thread_progresses_except_on_the_old_gil() {
    let toml = r#"
[[threads]]
name = "main"
loop = ["ticker", "other"]

[[threads]]
name = "hog"
repeat = true
steps = ["compute 1"]

[[tasks]]
name = "ticker"
steps = ["await asyncio.sleep 1", "compute 1", "await io 1"]

[[tasks]]
name = "other"
steps = ["await asyncio.sleep 0", "await to_thread compute 1"]
"#;
    let check = "eventually (done(ticker) && done(other))";
    assert_eq!(verdict(toml, check, "2.7"), "refuted");
    for v in ["3.9", "3.11", "3.13t"] {
        assert_eq!(verdict(toml, check, v), "holds", "{v}");
        assert_eq!(verdict(toml, "waiting_gil(main) leads_to holds_gil(main)", v), "holds", "{v}");
    }
}
