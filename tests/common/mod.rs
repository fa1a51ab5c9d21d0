//! What several test files share: tiny scenarios checked in one call, and the committed suite.
#![allow(dead_code)] // each test file uses a part

pub mod project;

use std::path::Path;

use gilcheck::check::job::check_one;
use gilcheck::input::claim::{load_claims, Claim};
use gilcheck::input::scenario::{load_scenarios, parse_scenario, Scenario};

pub fn scenario(toml: &str) -> Scenario {
    parse_scenario(Path::new("test.toml"), toml, "test").unwrap_or_else(|e| panic!("{e}"))
}

/// One loop thread `main` running `tasks` (name, steps), after extra top-level `head` text.
pub fn aio(head: &str, tasks: &[(&str, &[&str])]) -> String {
    let names: Vec<String> = tasks.iter().map(|(n, _)| format!("{n:?}")).collect();
    let mut out = format!("{head}\n[[threads]]\nname = \"main\"\nloop = [{}]\n", names.join(", "));
    for (name, steps) in tasks {
        let steps: Vec<String> = steps.iter().map(|s| format!("{s:?}")).collect();
        out.push_str(&format!("\n[[tasks]]\nname = {name:?}\nsteps = [{}]\n", steps.join(", ")));
    }
    out
}

/// The message of the error a scenario file gives.
pub fn parse_error(toml: &str) -> String {
    parse_scenario(Path::new("s.toml"), toml, "s").unwrap_err().to_string()
}

/// The verdict of `check` on the scenario under `variant`.
pub fn verdict(toml: &str, check: &str, variant: &str) -> String {
    check_one(&scenario(toml), check, Some(variant)).unwrap_or_else(|e| panic!("{e}")).verdict
}

/// The value of a `max`/`min` check on the scenario under `variant`.
pub fn value(toml: &str, check: &str, variant: &str) -> serde_json::Value {
    let row = check_one(&scenario(toml), check, Some(variant)).unwrap_or_else(|e| panic!("{e}"));
    row.value.clone().unwrap_or_else(|| panic!("no value: {row:?}"))
}

/// The committed `models/` and `properties/`.
pub fn committed_suite() -> (Vec<Scenario>, Vec<Claim>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenarios = load_scenarios(&[root.join("models")]).unwrap_or_else(|e| panic!("{e}"));
    let claims = load_claims(&[root.join("properties")]).unwrap_or_else(|e| panic!("{e}"));
    (scenarios, claims)
}

/// The row of `claim` on `model`.
pub fn row_of<'a>(rows: &'a [gilcheck::check::job::Row], claim: &str, model: &str) -> &'a gilcheck::check::job::Row {
    rows.iter().find(|r| r.claim == claim && r.model == model).unwrap_or_else(|| panic!("no row {claim} on {model}"))
}

/// Small generated programs for the search's proptests: up to three threads and a loop of two
/// tasks, a few steps each.
pub fn small_programs() -> gilcheck::input::claim::ForAll {
    gilcheck::input::claim::ForAll {
        threads: (1, 3),
        loops: (0, 1),
        tasks: (1, 2),
        steps: (1, 3),
        ticks: (1, 2),
        horizon: 10,
        ..Default::default()
    }
}

/// The model of a generated scenario, untimed or in ticks mode (horizon 10).
pub fn generated_model(scenario: &Scenario, ticks: bool) -> gilcheck::cpython::model::GilModel {
    let mut scenario = scenario.clone();
    if ticks {
        scenario.runtime.time = gilcheck::input::scenario::TimeMode::Ticks;
        scenario.runtime.horizon = 10;
    }
    let sys = gilcheck::cpython::program::System::compile(&scenario, &scenario.runtime)
        .expect("a generated scenario compiles");
    gilcheck::cpython::model::GilModel::new(sys, Default::default())
}
