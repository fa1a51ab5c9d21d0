//! The level-synchronised search (proptest over generated programs, a fixed seed):
//!
//! - a state packed and unpacked is the same state;
//! - with symmetry, it counts the classes a plain search over representatives counts;
//! - on any number of cores, with levels cut into parts of any size, it finds the same
//!   states, depths, counterexamples and values as on one core;
//! - it agrees with a plain breadth-first search over whole states: every state when the
//!   check holds, and when an `always` is refuted at depth d, exactly the states of depth at
//!   most d and a counterexample of d steps (no level past d is explored).

use std::collections::{HashMap, VecDeque};

mod common;

use gilcheck::check::atoms::{BExpr, BTerm, Bound, Goal};
use gilcheck::check::explore::{explore, Exploration};
use gilcheck::check::packing::{pack, unpack};
use gilcheck::check::resources::{Budget, Cores};
use gilcheck::cpython::model::GilModel;
use gilcheck::cpython::state::State;
use gilcheck::fuzz::generate;
use gilcheck::input::claim::{CmpOp, ForAll};
use gilcheck::input::scenario::Scenario;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use stateright::Model;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, rng_seed: RngSeed::Fixed(20261204), ..ProptestConfig::default() }
}

fn small() -> ForAll {
    common::small_programs()
}

fn model(scenario: &Scenario, ticks: bool) -> GilModel {
    common::generated_model(scenario, ticks)
}

/// Checks of every kind: refuted early or late, witnessed, extremes over every state.
fn goals(vars: usize, bound: i64) -> Vec<Goal> {
    let mut goals = vec![
        Goal::Always(BExpr::Cmp(BTerm::Atom(Bound::RunningPython), CmpOp::Le, BTerm::Int(1))),
        Goal::Always(BExpr::Cmp(BTerm::Atom(Bound::GilHandoffs), CmpOp::Le, BTerm::Int(bound))),
        Goal::Sometimes(BExpr::Atom(Bound::AllDone)),
        Goal::Max(BTerm::Atom(Bound::GilHandoffs), None),
    ];
    for x in 0..vars as u8 {
        goals.push(Goal::Always(BExpr::Cmp(BTerm::Atom(Bound::Var(x)), CmpOp::Le, BTerm::Int(bound))));
        goals.push(Goal::Min(BTerm::Atom(Bound::Var(x)), Some(BExpr::Atom(Bound::AllDone))));
    }
    goals
}

fn on(cores: Cores) -> Budget {
    Budget { cores, ..Budget::default() }
}

/// What two searches must agree on.
fn answer(e: &Exploration) -> impl PartialEq + std::fmt::Debug {
    (
        e.states,
        e.max_depth,
        e.hit.as_ref().map(|t| t.iter().map(|(a, _)| *a).collect::<Vec<_>>()),
        e.value,
        e.value_at_horizon,
        e.antecedent_seen,
        e.horizon_hit,
        e.fault.as_ref().map(|(f, t)| (*f, t.len())),
    )
}

/// Every reachable state and its depth (shortest distance from the initial state).
fn depths(model: &GilModel) -> HashMap<State, usize> {
    let mut seen: HashMap<State, usize> = model.init_states().into_iter().map(|s| (s, 0)).collect();
    let mut queue: VecDeque<State> = seen.keys().cloned().collect();
    let mut actions = Vec::new();
    while let Some(s) = queue.pop_front() {
        let d = seen[&s];
        actions.clear();
        model.actions(&s, &mut actions);
        for &a in &actions {
            let next = model.apply(&s, a);
            if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(next) {
                slot.insert(d + 1);
                queue.push_back(next);
            }
        }
    }
    seen
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn every_reachable_state_decodes_to_itself(case in generate::cases(&small(), &[]), ticks in any::<bool>()) {
        let m = model(&case.scenario, ticks);
        let dims = m.sys.dims();
        let (mut bytes, mut packed, mut back) = (Vec::new(), Vec::new(), Vec::new());
        for s in depths(&m).into_keys() {
            s.encode(&dims, &mut bytes);
            packed.clear();
            pack(&bytes, &mut packed);
            prop_assert_eq!(&State::decode(&dims, unpack(&packed, &mut back)), &s);
        }
    }

    #[test]
    fn symmetry_counts_the_classes_of_a_plain_search(
        case in generate::cases(&ForAll { count: (2, 3), threads: (1, 1), loops: (0, 0), steps: (1, 2), ..small() }, &[]),
        ticks in any::<bool>(),
    ) {
        let mut m = model(&case.scenario, ticks);
        m.symmetry = true;
        let start: Vec<State> = m.init_states().iter().map(|s| m.representative(s).into_owned()).collect();
        let mut seen: std::collections::HashSet<State> = start.iter().copied().collect();
        let mut queue: VecDeque<State> = m.init_states().into_iter().collect();
        let mut actions = Vec::new();
        while let Some(s) = queue.pop_front() {
            actions.clear();
            m.actions(&s, &mut actions);
            for &a in &actions {
                let next = m.apply(&s, a);
                if seen.insert(m.representative(&next).into_owned()) {
                    queue.push_back(next);
                }
            }
        }
        let everything = Goal::Always(BExpr::Cmp(BTerm::Int(0), CmpOp::Le, BTerm::Int(0)));
        let found = explore(&m, &everything, on(Cores::Split(2, 4)));
        prop_assert_eq!(found.states, seen.len(), "{}", case.scenario.to_toml());
    }

    #[test]
    fn cores_and_parts_change_nothing(
        case in generate::cases(&small(), &[]),
        ticks in any::<bool>(),
        part in 1usize..6,
        cores in 2usize..4,
        bound in 0i64..3,
    ) {
        let m = model(&case.scenario, ticks);
        for goal in goals(case.scenario.vars.len(), bound) {
            let one = explore(&m, &goal, on(Cores::Fixed(1)));
            let many = explore(&m, &goal, on(Cores::Split(cores, part)));
            prop_assert_eq!(answer(&one), answer(&many), "{:?}\n{}", goal, case.scenario.to_toml());
            // A state budget stops both at the same state.
            let budget = |cores| Budget { max_states: Some(one.states / 2 + 1), cores, ..Budget::default() };
            let (a, b) = (explore(&m, &goal, budget(Cores::Fixed(1))), explore(&m, &goal, budget(Cores::Split(cores, part))));
            prop_assert_eq!(answer(&a), answer(&b), "{:?}\n{}", goal, case.scenario.to_toml());
            let max = one.states / 2 + 1;
            prop_assert_eq!(a.states, max.min(one.states));
            prop_assert_eq!(a.stopped.is_some(), one.states > max);
        }
    }

    #[test]
    fn search_agrees_with_a_plain_breadth_first_search(
        case in generate::cases(&small(), &[]),
        ticks in any::<bool>(),
        bound in 0i64..3,
    ) {
        let mut m = model(&case.scenario, ticks);
        m.symmetry = false;
        let all = depths(&m);
        let toml = case.scenario.to_toml();
        for goal in goals(case.scenario.vars.len(), bound) {
            let found = explore(&m, &goal, on(Cores::Split(2, 3)));
            match &goal {
                Goal::Always(e) => {
                    let refuted_at = all.iter().filter(|(s, _)| !m.eval(s, e)).map(|(_, &d)| d).min();
                    match refuted_at {
                        Some(d) => {
                            prop_assert_eq!(found.hit.as_ref().map(|t| t.len() - 1), Some(d), "{:?}\n{}", goal, toml);
                            prop_assert_eq!(found.max_depth, d, "{:?}\n{}", goal, toml);
                            prop_assert_eq!(found.states, all.values().filter(|&&k| k <= d).count(), "{:?}\n{}", goal, toml);
                            let last = &found.hit.as_ref().unwrap().last().unwrap().1;
                            prop_assert!(!m.eval(last, e));
                        }
                        None => {
                            prop_assert!(found.hit.is_none());
                            prop_assert_eq!(found.states, all.len(), "{:?}\n{}", goal, toml);
                            prop_assert_eq!(found.max_depth, all.values().copied().max().unwrap_or(0));
                        }
                    }
                }
                Goal::Max(t, None) => {
                    prop_assert_eq!(found.states, all.len());
                    prop_assert_eq!(found.value, all.keys().map(|s| m.value(s, t)).max(), "{:?}\n{}", goal, toml);
                }
                Goal::Min(t, Some(w)) => {
                    prop_assert_eq!(found.states, all.len());
                    let min = all.keys().filter(|s| m.eval(s, w)).map(|s| m.value(s, t)).min();
                    prop_assert_eq!(found.value, min, "{:?}\n{}", goal, toml);
                }
                _ => {}
            }
        }
    }
}
