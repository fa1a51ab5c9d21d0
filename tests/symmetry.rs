//! Symmetry of `count` copies ([`gilcheck::cpython::symmetry`]), thread copies and task copies:
//!
//! - renaming the copies of a group commutes with every step of the model: the successors of
//!   a renamed state are the renamed successors (so a representative behaves as its class),
//!   on generated programs with copies of threads and of tasks, untimed and in ticks;
//! - the copies the model leaves alone are those for which this fails (I/O that comes due in
//!   one tick is collected in task order);
//! - reducing copies changes no verdict and no value, and never explores more states;
//! - task copies are reduced: fewer states, the same verdicts.

use std::collections::{HashSet, VecDeque};
use std::path::Path;

use gilcheck::check::atoms::{BExpr, BTerm, Bound, Goal};
use gilcheck::check::explore::explore;
use gilcheck::check::resources::Budget;
use gilcheck::cpython::model::{Action, GilModel};
use gilcheck::cpython::state::State;
use gilcheck::cpython::symmetry::Renaming;
use gilcheck::fuzz::generate;
use gilcheck::input::claim::{CmpOp, ForAll};
use gilcheck::input::scenario::{parse_scenario, Scenario};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use stateright::Model;

mod common;

use common::generated_model;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, rng_seed: RngSeed::Fixed(20261206), ..ProptestConfig::default() }
}

/// Small programs with two or three copies of each thread and task entry.
fn with_copies() -> ForAll {
    ForAll { threads: (1, 2), count: (2, 3), ..common::small_programs() }
}

fn model(scenario: &Scenario) -> GilModel {
    generated_model(scenario, false)
}

fn successors(m: &GilModel, s: &State) -> HashSet<State> {
    let mut actions: Vec<Action> = Vec::new();
    m.actions(s, &mut actions);
    actions.iter().map(|&a| m.apply(s, a)).collect()
}

/// Up to `limit` states reachable in `m`, breadth first.
fn reachable(m: &GilModel, limit: usize) -> Vec<State> {
    let mut seen: HashSet<State> = m.init_states().into_iter().collect();
    let mut queue: VecDeque<State> = seen.iter().copied().collect();
    let mut order = Vec::new();
    while let Some(s) = queue.pop_front() {
        order.push(s);
        if order.len() >= limit {
            break;
        }
        for next in successors(m, &s) {
            if seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    order
}

/// The swaps of neighbouring copies in each group (they generate every renaming of copies).
fn swaps(thread_groups: &[(usize, usize)], task_groups: &[(usize, usize)]) -> Vec<Renaming> {
    let mut out = Vec::new();
    for &(lo, hi) in thread_groups {
        for a in lo..hi - 1 {
            let mut r = Renaming::identity();
            r.threads.swap(a, a + 1);
            out.push(r);
        }
    }
    for &(lo, hi) in task_groups {
        for a in lo..hi - 1 {
            let mut r = Renaming::identity();
            r.tasks.swap(a, a + 1);
            out.push(r);
        }
    }
    out
}

/// The first reachable state (of at most `limit`) whose renamed successors are not the
/// successors of its renaming, under one of `renamings`.
fn first_not_commuting(m: &GilModel, renamings: &[Renaming], limit: usize) -> Option<(State, Renaming)> {
    for s in reachable(m, limit) {
        let after = successors(m, &s);
        for r in renamings {
            let renamed_after: HashSet<State> = after.iter().map(|y| m.renamed(y, r)).collect();
            if successors(m, &m.renamed(&s, r)) != renamed_after {
                return Some((s, *r));
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn renaming_copies_commutes_with_every_step(
        case in generate::cases(&with_copies(), &[]),
        ticks in any::<bool>(),
    ) {
        let m = generated_model(&case.scenario, ticks);
        let renamings = swaps(&m.sys.thread_copies, &m.sys.task_copies);
        let broken = first_not_commuting(&m, &renamings, 4000);
        prop_assert!(broken.is_none(), "ticks {}: {:?}\n{}", ticks, broken, case.scenario.to_toml());
    }

    /// Reducing copies keeps every verdict and value of checks that name no copy.
    #[test]
    fn reducing_copies_keeps_verdicts_and_values(
        case in generate::cases(&ForAll { count: (2, 2), steps: (1, 2), ..with_copies() }, &[]),
        ticks in any::<bool>(),
    ) {
        let scenario = case.scenario;
        let reduced = |symmetric: bool| {
            let mut m = generated_model(&scenario, ticks);
            m.symmetry = symmetric;
            m
        };
        let goals = [
            Goal::Always(BExpr::Cmp(BTerm::Atom(Bound::RunningPython), CmpOp::Le, BTerm::Int(1))),
            Goal::Sometimes(BExpr::Atom(Bound::AllDone)),
            Goal::Max(BTerm::Atom(Bound::RunningTasks), None),
            Goal::Max(BTerm::Atom(Bound::TaskSwitches), None),
            Goal::Max(BTerm::Atom(Bound::GilHandoffs), None),
        ];
        let vars = (0..scenario.vars.len() as u8).map(|x| Goal::Min(BTerm::Atom(Bound::Var(x)), Some(BExpr::Atom(Bound::AllDone))));
        for goal in goals.into_iter().chain(vars) {
            let with = explore(&reduced(true), &goal, Budget::default());
            let without = explore(&reduced(false), &goal, Budget::default());
            prop_assert_eq!(with.hit.is_some(), without.hit.is_some(), "{:?}\n{}", goal, scenario.to_toml());
            prop_assert_eq!(with.value, without.value, "{:?}\n{}", goal, scenario.to_toml());
            prop_assert!(with.states <= without.states);
        }
    }
}

fn parse(text: &str) -> Scenario {
    parse_scenario(Path::new("t.toml"), text, "t").unwrap()
}

/// In ticks mode, I/O that comes due in the same tick is collected in task order, so copies
/// that await I/O are not interchangeable there: renaming them does not commute with the
/// tick, and the model does not reduce them (untimed, it does).
#[test]
fn ticks_io_copies_are_left_alone_because_renaming_them_does_not_commute() {
    let text = |time: &str| {
        format!(
            "[runtime]\npython = \"3.11\"\ntime = \"{time}\"\nhorizon = 6\n\n[[threads]]\nname = \"main\"\nloop = [\"w\", \"v\"]\n\n\
             [[tasks]]\nname = \"w\"\ncount = 2\nsteps = [\"await io 1\", \"write x 1\"]\n\n\
             [[tasks]]\nname = \"v\"\nsteps = [\"write x 2\"]\n"
        )
    };
    let ticks = model(&parse(&text("ticks")));
    assert!(ticks.sys.task_copies.is_empty());
    let broken = first_not_commuting(&ticks, &swaps(&[], &[(0, 2)]), 10_000);
    assert!(broken.is_some(), "renaming ticks-mode I/O copies commutes: the exclusion is not needed");
    let untimed = model(&parse(&text("untimed")));
    assert_eq!(untimed.sys.task_copies, vec![(0, 2)]);
}

/// Copies named by a program (`await task w0`) are left alone, the others reduced.
#[test]
fn copies_a_program_names_are_left_alone() {
    let m = model(&parse(
        "[[threads]]\nname = \"main\"\nloop = [\"w\", \"v\", \"u\"]\n\n\
         [[tasks]]\nname = \"w\"\ncount = 2\nsteps = [\"compute 1\"]\n\n\
         [[tasks]]\nname = \"v\"\ncount = 2\nsteps = [\"compute 1\"]\n\n\
         [[tasks]]\nname = \"u\"\nsteps = [\"await task v1\"]\n",
    ));
    assert_eq!(m.sys.task_copies, vec![(0, 2)]);
}

/// Thread copies waiting on a `threading.Condition` are renamed in its waiters too: the
/// first waiter notified is the same thread in a state and in its representative.
#[test]
fn condition_waiters_are_renamed_with_their_threads() {
    let m = model(&parse(
        "[semaphores]\nS = 0\n\n[conditions]\nC = \"m\"\n\n\
         [[threads]]\nname = \"waiter\"\ncount = 3\nsteps = [\"lock m\", \"release S\", \"cond.wait C\", \"incr x\", \"unlock m\"]\n\n\
         [[threads]]\nname = \"notifier\"\nsteps = [\"acquire S\", \"lock m\", \"cond.notify C\", \"unlock m\"]\n",
    ));
    assert_eq!(m.sys.thread_copies, vec![(0, 3)]);
    let broken = first_not_commuting(&m, &swaps(&m.sys.thread_copies, &[]), 20_000);
    assert!(broken.is_none(), "{broken:?}");
    let mut reduced = model(&parse(&std::fs::read_to_string("models/sync/cond-notify-one.toml").unwrap()));
    let goal = Goal::Max(BTerm::Atom(Bound::Var(0)), Some(BExpr::Atom(Bound::AllDone)));
    let without = explore(&reduced, &goal, Budget::default());
    reduced.symmetry = true;
    let with = explore(&reduced, &goal, Budget::default());
    assert_eq!(with.value, without.value);
}

/// Task copies are reduced: on the scale table's asyncio program, fewer states and the same
/// verdict and values as without the reduction.
#[test]
fn task_copies_are_reduced() {
    let m = |symmetry: bool| {
        let mut m = model(&parse(
            "[runtime]\npython = \"3.11\"\n\n[[threads]]\nname = \"main\"\nloop = [\"w\"]\n\n\
             [[threads]]\nname = \"cpu\"\nsteps = [\"compute 2\"]\n\n[[tasks]]\nname = \"w\"\ncount = 4\n\
             steps = [\"await asyncio.sleep 1\", \"await lock L\", \"compute 1\", \"release L\", \"await io 1\"]\n",
        ));
        m.symmetry = symmetry;
        m
    };
    let goal = Goal::Max(BTerm::Atom(Bound::RunningTasks), None);
    let (with, without) = (explore(&m(true), &goal, Budget::default()), explore(&m(false), &goal, Budget::default()));
    assert_eq!(with.value, without.value);
    assert!(with.states * 2 < without.states, "{} against {}", with.states, without.states);
}
