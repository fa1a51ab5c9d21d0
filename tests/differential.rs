//! Differential tests over generated programs (proptest, a fixed seed and case count):
//!
//! - the generator makes valid scenarios within its bounds, and printing a scenario then
//!   parsing it back gives the same scenario;
//! - `untimed` reaches every state projection that `ticks` reaches (it covers every timing);
//! - our breadth-first checker and stateright's depth-first one count the same states;
//! - reducing `count` copies by symmetry changes no verdict and no value.

use std::collections::{HashSet, VecDeque};
use std::path::Path;

use gilcheck::check::atoms::{BExpr, BTerm, Bound, Goal};
use gilcheck::check::explore::explore;
use gilcheck::check::resources::Budget;
use gilcheck::cpython::model::GilModel;
use gilcheck::cpython::program::System;
use gilcheck::cpython::state::{GilRel, Phase, State, Wait};
use gilcheck::fuzz::generate::{self, Case};
use gilcheck::input::claim::{CmpOp, ForAll};
use gilcheck::input::scenario::{parse_scenario, GilKind, Scenario, SwitchPoints, ThreadBody, TimeMode};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use stateright::{Checker, Model};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, rng_seed: RngSeed::Fixed(20240601), ..ProptestConfig::default() }
}

/// Small programs of every step kind, threads and loops, on a clock.
fn small(ticks: bool) -> ForAll {
    ForAll {
        threads: (1, 2),
        loops: (0, 1),
        tasks: (1, 2),
        steps: (1, 2),
        ticks: (1, 2),
        ticks_mode: ticks,
        horizon: 10,
        ..ForAll::default()
    }
}

fn model(scenario: &Scenario) -> GilModel {
    let sys = System::compile(scenario, &scenario.runtime).expect("a generated scenario compiles");
    GilModel::new(sys, Default::default())
}

/// Every state reachable in `model`.
fn reachable(model: &GilModel) -> HashSet<State> {
    let mut seen: HashSet<State> = model.init_states().into_iter().collect();
    let mut queue: VecDeque<State> = seen.iter().cloned().collect();
    let mut actions = Vec::new();
    while let Some(s) = queue.pop_front() {
        actions.clear();
        model.actions(&s, &mut actions);
        for &a in &actions {
            if let Some(next) = model.next_state(&s, a) {
                if seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
    }
    seen
}

/// What a program can observe of a state, apart from time: where each thread and task is in
/// its program and what it is doing, who holds the GIL, variables and locks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Projection {
    threads: Vec<(u8, u8, GilRel)>,
    tasks: Vec<(u8, bool, u8)>,
    vars: Vec<u8>,
    locks: Vec<bool>,
    holder: u8,
}

fn phase_kind(p: Phase) -> u8 {
    match p {
        Phase::Ready => 0,
        Phase::Cpu { python: true, .. } => 1,
        Phase::Cpu { python: false, .. } => 2,
        Phase::NoGil { .. } => 3,
        Phase::Blocked { sleep: false, .. } => 4,
        Phase::Blocked { sleep: true, .. } => 5,
        Phase::LockWait { .. } => 6,
        Phase::IncrLoaded { .. } => 7,
        Phase::Done => 8,
        Phase::Idle => 9,
        Phase::LoopTop => 10,
        Phase::Select => 11,
        Phase::LoopProcess => 12,
        Phase::LoopRun => 13,
        Phase::SyncWait { .. } => 14,
        Phase::CondWait { .. } => 15,
    }
}

fn wait_kind(w: Wait) -> u8 {
    match w {
        Wait::Nothing => 0,
        Wait::Timer { .. } => 1,
        Wait::Io { .. } => 2,
        Wait::Due { timer: true } => 3,
        Wait::Due { timer: false } => 4,
        Wait::Job => 5,
        Wait::Wakeup => 6,
        Wait::AsyncLock { .. } => 7,
        Wait::Task { .. } => 8,
        Wait::Scheduled => 9,
        Wait::AsyncSync { .. } => 10,
        Wait::WaitFor { .. } => 11,
    }
}

fn project(model: &GilModel, s: &State) -> Projection {
    let sys = &model.sys;
    let n = sys.threads.len();
    Projection {
        threads: (0..n).map(|t| (s.threads[t].pc, phase_kind(s.threads[t].phase), s.threads[t].gil)).collect(),
        tasks: (0..sys.tasks.len()).map(|k| (s.tasks[k].pc, s.tasks[k].done, wait_kind(s.tasks[k].wait))).collect(),
        vars: s.vars[..sys.vars.len()].to_vec(),
        locks: s.locks[..sys.locks.len()].to_vec(),
        holder: s.gil.holder,
    }
}

/// The same program, on a clock of horizon 10 when `ticks`.
fn on_a_clock(mut scenario: Scenario, ticks: bool) -> Scenario {
    if ticks {
        scenario.runtime.time = TimeMode::Ticks;
        scenario.runtime.horizon = 10;
    }
    scenario
}

/// The same program without a clock.
fn untimed(scenario: &Scenario) -> Scenario {
    let mut s = scenario.clone();
    s.runtime.time = TimeMode::Untimed;
    s
}

proptest! {
    #![proptest_config(config(128))]

    /// Generated scenarios are what their file says, and within the `for_all` bounds.
    #[test]
    fn generated_scenarios_are_valid_and_bounded(case in generate::cases(&small(false), &[])) {
        let fa = small(false);
        let s = &case.scenario;
        let again = parse_scenario(Path::new("again.toml"), &s.to_toml(), "again").map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&again, &Scenario { path: again.path.clone(), ..s.clone() });
        let plain = s.threads.iter().filter(|t| matches!(t.body, ThreadBody::Steps(_))).count() as u32;
        let loops = s.threads.iter().filter(|t| matches!(t.body, ThreadBody::Loop(_))).count() as u32;
        prop_assert!((fa.threads.0..=fa.threads.1).contains(&plain), "{} plain threads", plain);
        prop_assert!((fa.loops.0..=fa.loops.1).contains(&loops), "{} loops", loops);
        for t in &s.threads {
            match &t.body {
                ThreadBody::Loop(tasks) => prop_assert!((fa.tasks.0..=fa.tasks.1).contains(&(tasks.len() as u32))),
                // An item is a step or a lock section of at most five steps (one nested section).
                ThreadBody::Steps(steps) => prop_assert!(!steps.is_empty() && steps.len() <= 5 * fa.steps.1 as usize),
            }
        }
        prop_assert!(case.params.is_empty());
    }

    /// Copies, `repeat`, fewer cores than threads, either clock: still valid scenarios.
    #[test]
    fn generated_scenarios_with_copies_and_repeat_are_valid(
        case in generate::cases(&ForAll { count: (1, 2), repeat: true, cores: (1, 3), loops: (0, 2), ticks_mode: true, ..small(true) }, &[]),
    ) {
        let s = &case.scenario;
        let again = parse_scenario(Path::new("again.toml"), &s.to_toml(), "again").map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&again, &Scenario { path: again.path.clone(), ..s.clone() });
        System::compile(s, &s.runtime).map_err(TestCaseError::fail)?;
    }

    /// Printing any scenario and parsing it back gives it back: generated programs, with
    /// titles of any text, an explicit `gil` or `switch_points`, and variables' starting values.
    #[test]
    fn printing_then_parsing_gives_the_same_scenario(
        case in generate::cases(&small(true), &[]),
        title in any::<String>(),
        name in "[a-z][a-z0-9_-]{0,5}(/[a-z][a-z0-9_-]{0,5}){0,2}",
        gil in proptest::option::of(prop_oneof![Just(GilKind::Old), Just(GilKind::New), Just(GilKind::None)]),
        switch_points in proptest::option::of(prop_oneof![Just(SwitchPoints::Bytecode), Just(SwitchPoints::Calls)]),
        starts in proptest::collection::vec(0i64..=255, 8),
    ) {
        let mut s = case.scenario.clone();
        s.title = title;
        s.name = name;
        if let Some(g) = gil {
            s.runtime.gil = g;
            s.runtime.gil_explicit = true;
        }
        if let Some(p) = switch_points {
            s.runtime.switch_points = p;
            s.runtime.switch_points_explicit = true;
        }
        for (var, start) in s.vars.iter_mut().zip(starts) {
            var.1 = start;
        }
        let text = s.to_toml();
        let back = parse_scenario(Path::new("back.toml"), &text, "default").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(Scenario { path: s.path.clone(), ..back }, s, "{}", text);
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Untimed mode over-approximates every timing: every projection a ticks run reaches, an
    /// untimed run of the same program reaches too.
    #[test]
    fn untimed_reaches_every_projection_ticks_reaches(case in generate::cases(&small(true), &[])) {
        let Case { scenario, .. } = case;
        let timed = model(&scenario);
        let free = model(&untimed(&scenario));
        let covered: HashSet<Projection> = reachable(&free).iter().map(|s| project(&free, s)).collect();
        let mut missing: Vec<Projection> =
            reachable(&timed).iter().map(|s| project(&timed, s)).filter(|p| !covered.contains(p)).collect();
        missing.sort_by_key(|p| format!("{p:?}"));
        prop_assert!(missing.is_empty(), "untimed misses {} projections, e.g. {:?}\n{}", missing.len(), missing.first(), scenario.to_toml());
    }

    /// stateright's depth-first search and our breadth-first one find the same unique states
    /// (the model's properties include one that never settles, so stateright explores all).
    #[test]
    fn bfs_and_dfs_count_the_same_states(case in generate::cases(&small(false), &[]), ticks in any::<bool>()) {
        let scenario = on_a_clock(case.scenario, ticks);
        let m = model(&scenario);
        let goal = Goal::Always(BExpr::Cmp(BTerm::Int(0), CmpOp::Le, BTerm::Int(0)));
        let ours = explore(&m, &goal, Budget::default());
        let dfs = m.checker().spawn_dfs().join();
        prop_assert_eq!(dfs.unique_state_count(), ours.states, "{}", scenario.to_toml());
    }

    /// No rule writes a slot past the model's dims: every reachable state equals its copy of
    /// the used bytes onto a default state, as the search's successors are built
    /// (`State::copy_used`).
    #[test]
    fn rules_write_only_the_slots_a_model_uses(case in generate::cases(&small(false), &[]), ticks in any::<bool>()) {
        let scenario = on_a_clock(case.scenario, ticks);
        let m = model(&scenario);
        let used = m.sys.dims().used_bytes();
        for s in reachable(&m) {
            let mut copy = State::default();
            copy.copy_used(&s, used);
            prop_assert!(copy == s, "{:?} has a slot past the dims set\n{}", s, scenario.to_toml());
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Symmetry reduction of `count` copies keeps every verdict and value of checks that name
    /// no copy, and never explores more states.
    #[test]
    fn symmetry_reduction_keeps_verdicts_and_values(
        case in generate::cases(&ForAll { count: (2, 2), threads: (1, 2), loops: (0, 0), ..small(false) }, &[]),
    ) {
        let scenario = case.scenario;
        let reduced = |symmetric: bool| {
            let mut m = model(&scenario);
            m.symmetry = symmetric;
            m
        };
        let always = Goal::Always(BExpr::Cmp(BTerm::Atom(Bound::RunningPython), CmpOp::Le, BTerm::Int(1)));
        let sometimes = Goal::Sometimes(BExpr::Atom(Bound::AllDone));
        let handoffs = Goal::Max(BTerm::Atom(Bound::GilHandoffs), None);
        let vars: Vec<Goal> =
            (0..scenario.vars.len() as u8).map(|x| Goal::Min(BTerm::Atom(Bound::Var(x)), Some(BExpr::Atom(Bound::AllDone)))).collect();
        for goal in [always, sometimes, handoffs].iter().chain(&vars) {
            let with = explore(&reduced(true), goal, Budget::default());
            let without = explore(&reduced(false), goal, Budget::default());
            prop_assert_eq!(with.hit.is_some(), without.hit.is_some(), "{:?}\n{}", goal, scenario.to_toml());
            prop_assert_eq!(with.value, without.value, "{:?}\n{}", goal, scenario.to_toml());
            prop_assert!(with.states <= without.states);
        }
    }
}

/// The projection is fine enough to tell timings apart: untimed reaches an end that ticks,
/// with its real durations, never does (so the test above compares something).
#[test]
fn untimed_reaches_projections_that_ticks_does_not() {
    let text = r#"
[runtime]
python = "3.11"
time = "ticks"
horizon = 20

[[threads]]
name = "fast"
steps = ["time.sleep 5", "write x 1"]

[[threads]]
name = "slow"
steps = ["write x 2"]
"#;
    let scenario = parse_scenario(Path::new("t.toml"), text, "t").unwrap();
    let timed = model(&scenario);
    let free = model(&untimed(&scenario));
    let ends =
        |m: &GilModel| -> HashSet<u8> { reachable(m).iter().filter(|s| m.all_done(s)).map(|s| s.vars[0]).collect() };
    assert_eq!(ends(&timed), HashSet::from([1]));
    assert_eq!(ends(&free), HashSet::from([1, 2]));
    let timed_set: HashSet<Projection> = reachable(&timed).iter().map(|s| project(&timed, s)).collect();
    let free_set: HashSet<Projection> = reachable(&free).iter().map(|s| project(&free, s)).collect();
    assert!(timed_set.is_subset(&free_set));
    assert!(free_set.len() > timed_set.len());
}
