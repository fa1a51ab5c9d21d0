//! Verdicts that could have failed (SPEC §3 "Falsifiability"): counter-models, holds by
//! construction, vacuity at any depth, values cut at the horizon, and `running_tasks`
//! counting tasks that execute rather than slots that are set.

mod common;

use std::path::Path;

use gilcheck::check::job::{Measured, Row};
use gilcheck::check::resources::Budget;
use gilcheck::input::claim::{parse_claim_file, Trend};
use gilcheck::input::scenario::{parse_scenario, Scenario};
use gilcheck::suite::{plan, run_all, trend_holds};

use common::{row_of, value, verdict};

const ONE_THREAD: &str = "[[threads]]\nname = \"t\"\nsteps = [\"compute 2\"]\n";
const TWO_THREADS: &str = "[[threads]]\nname = \"t\"\ncount = 2\nsteps = [\"compute 2\"]\n";
const NO_GIL_PAIR: &str = "[runtime]\ngil = \"none\"\n[[threads]]\nname = \"t\"\ncount = 2\nsteps = [\"compute 2\"]\n";
const FOREVER: &str =
    "[runtime]\ntime = \"ticks\"\nhorizon = 10\n[[threads]]\nname = \"w\"\nrepeat = true\nsteps = [\"compute 1\"]\n";

fn named(name: &str, toml: &str) -> Scenario {
    parse_scenario(Path::new("m.toml"), toml, name).unwrap_or_else(|e| panic!("{e}"))
}

/// Every row of the claims in `claims_toml` over the named scenarios.
fn rows(scenarios: &[Scenario], claims_toml: &str) -> Vec<Row> {
    let claims = parse_claim_file(Path::new("c.toml"), claims_toml).unwrap_or_else(|e| panic!("{e}"));
    let jobs = plan(&claims, scenarios).unwrap_or_else(|e| panic!("{e}"));
    run_all(&jobs, Budget::default(), 1).unwrap_or_else(|e| panic!("{e}"))
}

fn claim(id: &str, models: &str, check: &str, extra: &str) -> String {
    format!("[[claims]]\nid = \"{id}\"\nquote = \"q\"\nsource = \"s\"\nmodels = [{models}]\ncheck = \"{check}\"\nexpect = \"holds\"\nvariants = [\"3.11\"]\n{extra}\n")
}

#[test]
fn a_counter_model_that_refutes_the_check_shows_it_could_fail() {
    let scenarios = [named("two", TWO_THREADS), named("free", NO_GIL_PAIR)];
    let found =
        rows(&scenarios, &claim("c.ok", "\"two\"", "always running_python <= 1", "counter_models = [\"free\"]"));
    let r = row_of(&found, "c.ok", "two");
    assert_eq!(r.verdict, "holds");
    assert_eq!(r.counter_models.len(), 1);
    assert_eq!((r.counter_models[0].model.as_str(), r.counter_models[0].verdict.as_str()), ("free", "refuted"));
    assert!(r.as_expected, "{r:?}");
    assert_eq!(found.len(), 1, "a counter-model's row is attached, not reported alone");
}

#[test]
fn a_counter_model_on_which_the_check_holds_leaves_the_claim_not_shown_falsifiable() {
    let scenarios = [named("two", TWO_THREADS), named("also-two", TWO_THREADS)];
    let found =
        rows(&scenarios, &claim("c.bad", "\"two\"", "always running_python <= 1", "counter_models = [\"also-two\"]"));
    let r = row_of(&found, "c.bad", "two");
    assert_eq!(r.verdict, "holds");
    assert_eq!(r.counter_models[0].verdict, "holds");
    assert!(!r.as_expected, "{r:?}");
    assert!(r.notes.iter().any(|n| n.contains("not shown falsifiable")), "{:?}", r.notes);
}

#[test]
fn a_check_decided_by_the_structure_holds_by_construction() {
    let scenarios = [named("one", ONE_THREAD), named("two", TWO_THREADS)];
    let found = rows(
        &scenarios,
        &(claim("c.one", "\"one\"", "always running_python <= 1", "")
            + &claim("c.handoffs", "\"one\"", "always gil_handoffs == 0", "")
            + &claim("c.two", "\"two\"", "always running_python <= 1", "")
            + &claim("c.why", "\"one\"", "always running_python <= 1", "by_construction = \"one thread\"")),
    );
    assert!(row_of(&found, "c.one", "one").by_construction);
    assert!(row_of(&found, "c.handoffs", "one").by_construction, "one thread: no hand-off can happen");
    assert!(!row_of(&found, "c.two", "two").by_construction, "two threads: the GIL decides it");
    let why = row_of(&found, "c.why", "one");
    assert!(why.notes.iter().any(|n| n == "holds by construction: one thread"), "{:?}", why.notes);
}

#[test]
fn an_antecedent_that_never_occurs_at_any_depth_makes_the_row_vacuous() {
    let scenarios = [named("forever", FOREVER)];
    let found = rows(
        &scenarios,
        &(claim("c.deep", "\"forever\"", "always (now >= 0 && (all_done -> now >= 1000))", "")
            + &claim("c.when", "\"forever\"", "always (all_done -> (done(w) -> now >= 1000))", "")),
    );
    for id in ["c.deep", "c.when"] {
        let r = row_of(&found, id, "forever");
        assert_eq!(r.verdict, "holds");
        assert!(r.vacuous, "{id}: {r:?}");
        assert!(!r.as_expected, "{id}: a vacuous row is never as expected");
    }
}

#[test]
fn a_maximum_reached_only_at_the_horizon_is_a_lower_bound() {
    assert_eq!(value(FOREVER, "max now", "3.11"), ">= 10");
    // A maximum also reached before the horizon is exact.
    let short = FOREVER.replace("repeat = true\n", "").replace("compute 1", "compute 3");
    assert_eq!(value(&short, "max now", "3.11"), 3);
    let scenarios = [named("forever", FOREVER)];
    let bound = |expect: &str| {
        let text =
            claim("c.b", "\"forever\"", "max now", "").replace("expect = \"holds\"", &format!("expect = \"{expect}\""));
        row_of(&rows(&scenarios, &text), "c.b", "forever").verdict.clone()
    };
    assert_eq!(bound(">= 5"), "holds", "every value from 10 up is >= 5");
    assert_eq!(bound("<= 5"), "refuted", "no value from 10 up is <= 5");
    assert_eq!(bound("<= 20"), "unknown", "beyond the horizon it may or may not stay <= 20");
}

#[test]
fn trends_over_lower_bounds_are_judged_only_where_the_bounds_decide() {
    use Measured::{AtLeast, Exact};
    assert_eq!(trend_holds(Trend::Increasing, &[Exact(5), AtLeast(30)]), Some(true));
    assert_eq!(trend_holds(Trend::Increasing, &[AtLeast(30), Exact(40)]), None);
    assert_eq!(trend_holds(Trend::Increasing, &[AtLeast(30), AtLeast(30)]), None);
    assert_eq!(trend_holds(Trend::NonDecreasing, &[Exact(30), AtLeast(30)]), Some(true));
    assert_eq!(trend_holds(Trend::Constant, &[Exact(3), AtLeast(30)]), Some(false));
    assert_eq!(trend_holds(Trend::Increasing, &[Exact(3), Exact(3)]), Some(false));
}

#[test]
fn running_tasks_counts_tasks_that_execute_not_loops_with_a_current_task() {
    let two_loops = |a: &str, b: &str| {
        format!(
            "[[threads]]\nname = \"m1\"\nloop = [\"a\"]\n[[threads]]\nname = \"m2\"\nloop = [\"b\"]\n\
             [[tasks]]\nname = \"a\"\nsteps = [\"{a}\"]\n[[tasks]]\nname = \"b\"\nsteps = [\"{b}\"]\n"
        )
    };
    let python = two_loops("compute 2", "compute 2");
    // Under the GIL one loop thread waits for it while the other's task runs.
    assert_eq!(verdict(&python, "always running_tasks <= 1", "3.11"), "holds");
    assert_eq!(verdict(&python, "always running_tasks <= 1", "3.13t"), "refuted");
    // C code that releases the GIL executes beside Python code, GIL or not.
    let nogil = two_loops("c_nogil 2", "compute 2");
    assert_eq!(verdict(&nogil, "always running_tasks <= 1", "3.11"), "refuted");
    // A task blocked in time.sleep is its loop's current task but executes nothing.
    let sleeping = two_loops("time.sleep 2", "compute 2");
    assert_eq!(verdict(&sleeping, "sometimes running(a) && running_tasks == 0", "3.11"), "holds");
}

#[test]
fn counter_model_keys_are_checked_where_they_are_written() {
    let bad = |extra: &str| {
        let text = claim("c.x", "\"two\"", "always running_python <= 1", extra);
        parse_claim_file(Path::new("c.toml"), &text).expect_err("refused").to_string()
    };
    assert!(bad("counter_models = \"free\"").contains("expected an array of strings"));
    assert!(bad("counter_models = [\"[\"]").contains("invalid glob"));
    assert!(bad("counter_params = { D = 3 }").contains("unknown parameter `D`"));
    assert!(bad("by_construction = 3").contains("`by_construction` is an integer"));
    let scenarios = [named("two", TWO_THREADS)];
    let claims = parse_claim_file(
        Path::new("c.toml"),
        &claim("c.x", "\"two\"", "always running_python <= 1", "counter_models = [\"nowhere\"]"),
    )
    .unwrap();
    let e = plan(&claims, &scenarios).expect_err("no such scenario").to_string();
    assert!(e.contains("no scenario matches `nowhere`"), "{e}");
}
