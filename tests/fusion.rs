//! Fused chains of forced steps (`check/fusion.rs`) against the search that stores every
//! state, on generated programs (proptest, a fixed seed), untimed and in ticks mode, with
//! and without thread symmetry, on one core and on several:
//!
//! - the same verdict, the same length of the counterexample or witness (a shortest one),
//!   the same antecedents seen, horizon and fault, and no level past a refutation explored;
//! - every step of a fused path's replay is an enabled action of the state before it, and
//!   the path ends in a state that decides the check;
//! - never more states, and on several cores exactly the states, depths and paths of one;
//! - `max`/`min` checks are not fused (every state there is observed).
//!
//! And the GIL's last holder, kept only when a claim reads the hand-off counters (a dead
//! variable otherwise): the same verdicts, values and path lengths as a model that keeps it.

mod common;

use gilcheck::check::atoms::{BExpr, BTerm, Bound, Goal};
use gilcheck::check::explore::{explore, Exploration};
use gilcheck::check::resources::{Budget, Cores};
use gilcheck::cpython::model::GilModel;
use gilcheck::fuzz::generate;
use gilcheck::input::claim::CmpOp;
use gilcheck::input::scenario::{parse_scenario, Scenario};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use stateright::Model;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, rng_seed: RngSeed::Fixed(20261206), ..ProptestConfig::default() }
}

fn model(scenario: &Scenario, ticks: bool, symmetry: bool) -> GilModel {
    let mut m = common::generated_model(scenario, ticks);
    m.symmetry &= symmetry;
    m
}

/// `always` and `sometimes` checks refuted or witnessed early, late or never, with and
/// without antecedents (some of them fleeting), and the extremes.
fn goals(vars: usize, bound: i64) -> Vec<Goal> {
    let le = |t: Bound, b: i64| BExpr::Cmp(BTerm::Atom(t), CmpOp::Le, BTerm::Int(b));
    let mut goals = vec![
        Goal::Always(le(Bound::RunningPython, 1)),
        Goal::Always(le(Bound::GilHandoffs, bound)),
        Goal::Sometimes(BExpr::Atom(Bound::AllDone)),
        Goal::Always(BExpr::Not(Box::new(BExpr::Atom(Bound::AllDone)))),
        Goal::Max(BTerm::Atom(Bound::GilHandoffs), None),
        // Antecedents that hold only for a moment (a fused chain must not skip them).
        Goal::Always(BExpr::Implies(Box::new(BExpr::Atom(Bound::GilFree)), Box::new(le(Bound::RunningPython, 1)))),
        Goal::Always(BExpr::Implies(
            Box::new(BExpr::Cmp(BTerm::Atom(Bound::RunningPython), CmpOp::Ge, BTerm::Int(1))),
            Box::new(le(Bound::RunningTasks, 1)),
        )),
    ];
    for x in 0..vars as u8 {
        goals.push(Goal::Always(le(Bound::Var(x), bound)));
        goals.push(Goal::Always(BExpr::Implies(
            Box::new(BExpr::Atom(Bound::AllDone)),
            Box::new(le(Bound::Var(x), bound)),
        )));
        goals.push(Goal::Sometimes(BExpr::Cmp(BTerm::Atom(Bound::Var(x)), CmpOp::Ge, BTerm::Int(bound + 1))));
        goals.push(Goal::Min(BTerm::Atom(Bound::Var(x)), Some(BExpr::Atom(Bound::AllDone))));
    }
    goals
}

fn budget(fuse: bool, cores: Cores) -> Budget {
    Budget { fuse, cores, ..Budget::default() }
}

/// What fusing must not change.
fn verdict(e: &Exploration) -> impl PartialEq + std::fmt::Debug {
    (
        e.hit.as_ref().map(|t| t.len()),
        e.value,
        e.value_at_horizon,
        e.antecedent_seen,
        e.horizon_hit,
        e.fault.as_ref().map(|(f, t)| (*f, t.len())),
        e.stopped.is_some(),
    )
}

/// Everything: two fused searches on different cores must agree on it.
fn answer(e: &Exploration) -> impl PartialEq + std::fmt::Debug {
    (e.states, e.max_depth, e.hit.as_ref().map(|t| t.iter().map(|(a, _)| *a).collect::<Vec<_>>()), verdict(e))
}

/// Each step of the path is an enabled action of the state before it, leading to the state
/// after it.
fn replays(m: &GilModel, e: &Exploration) -> bool {
    e.hit.as_ref().is_none_or(|trace| {
        let mut actions = Vec::new();
        trace.windows(2).all(|w| {
            let ((_, before), (action, after)) = (&w[0], &w[1]);
            actions.clear();
            m.actions(before, &mut actions);
            action.is_some_and(|a| actions.contains(&a) && m.apply(before, a) == *after)
        })
    })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn fusing_keeps_verdicts_and_shortest_paths(
        case in generate::cases(&common::small_programs(), &[]),
        ticks in any::<bool>(),
        symmetry in any::<bool>(),
        bound in 0i64..3,
    ) {
        let m = model(&case.scenario, ticks, symmetry);
        let toml = case.scenario.to_toml();
        for goal in goals(case.scenario.vars.len(), bound) {
            let plain = explore(&m, &goal, budget(false, Cores::Fixed(1)));
            let fused = explore(&m, &goal, budget(true, Cores::Fixed(1)));
            prop_assert_eq!(verdict(&plain), verdict(&fused), "{:?}\n{}", goal, toml);
            prop_assert!(fused.states <= plain.states, "{:?}\n{}", goal, toml);
            prop_assert!(replays(&m, &fused), "{:?}\n{}", goal, toml);
            match &goal {
                Goal::Always(e) | Goal::Sometimes(e) => {
                    if let Some(trace) = &fused.hit {
                        let last = &trace.last().expect("a path").1;
                        prop_assert_eq!(m.eval(last, e), matches!(goal, Goal::Sometimes(_)));
                    }
                    if matches!(goal, Goal::Always(_)) {
                        if let Some(trace) = &fused.hit {
                            prop_assert!(fused.max_depth < trace.len(), "a level past the refutation: {:?}\n{}", goal, toml);
                        }
                    }
                }
                // Not fused: every state observed.
                _ => prop_assert_eq!(answer(&plain), answer(&fused)),
            }
            let many = explore(&m, &goal, budget(true, Cores::Split(2, 3)));
            prop_assert_eq!(answer(&fused), answer(&many), "{:?}\n{}", goal, toml);
        }
    }

    #[test]
    fn dropping_the_unread_last_holder_keeps_verdicts(
        case in generate::cases(&common::small_programs(), &[]),
        ticks in any::<bool>(),
        bound in 0i64..3,
    ) {
        let dropped = model(&case.scenario, ticks, false);
        // A hand-off counter kept (and with it the last holder), read by no check below.
        let mut kept = model(&case.scenario, ticks, false);
        kept.caps.handoffs = 1;
        let toml = case.scenario.to_toml();
        let reads_handoffs = |g: &Goal| g.atoms().contains(&Bound::GilHandoffs);
        for goal in goals(case.scenario.vars.len(), bound).iter().filter(|g| !reads_handoffs(g)) {
            let (a, b) = (explore(&dropped, goal, Budget::default()), explore(&kept, goal, Budget::default()));
            prop_assert_eq!(verdict(&a), verdict(&b), "{:?}\n{}", goal, toml);
            prop_assert!(a.states <= b.states, "{:?}\n{}", goal, toml);
        }
    }
}

fn bench_model(toml: &str, check: &str) -> (GilModel, Goal) {
    let scenario = parse_scenario(std::path::Path::new("fusion.toml"), toml, "fusion").expect("a scenario");
    gilcheck::check::job::adhoc_model(&scenario, check, None).expect("a check")
}

/// A convoy in ticks mode: a thread computing for 30 ticks is one chain of forced ticks.
#[test]
fn a_long_computation_is_one_chain() {
    let (m, goal) = bench_model(
        "title = \"c\"\n[runtime]\npython = \"3.11\"\ntime = \"ticks\"\nhorizon = 40\n\n\
         [[threads]]\nname = \"io\"\nsteps = [\"io 1\", \"compute 1\"]\n\n\
         [[threads]]\nname = \"cpu\"\nsteps = [\"compute 30\"]\n",
        "always running_python <= 1",
    );
    let plain = explore(&m, &goal, budget(false, Cores::Fixed(1)));
    let fused = explore(&m, &goal, budget(true, Cores::Fixed(1)));
    assert!(plain.hit.is_none() && fused.hit.is_none());
    assert!(fused.states * 4 < plain.states, "fused {} plain {}", fused.states, plain.states);
    // A check that reads the clock sees every tick: no tick is fused.
    let (m, goal) = bench_model(
        "title = \"c\"\n[runtime]\npython = \"3.11\"\ntime = \"ticks\"\nhorizon = 40\n\n\
         [[threads]]\nname = \"cpu\"\nsteps = [\"compute 30\"]\n",
        "always now >= 0",
    );
    let (plain, fused) =
        (explore(&m, &goal, budget(false, Cores::Fixed(1))), explore(&m, &goal, budget(true, Cores::Fixed(1))));
    assert!(fused.states > 30 && fused.states <= plain.states, "fused {} plain {}", fused.states, plain.states);
    // A witness of a state the clock does not decide: the ticks before it are fused, and the
    // witness is as short.
    let (m, goal) = bench_model(
        "title = \"c\"\n[runtime]\npython = \"3.11\"\ntime = \"ticks\"\nhorizon = 40\n\n\
         [[threads]]\nname = \"cpu\"\nsteps = [\"compute 30\"]\n",
        "sometimes all_done",
    );
    let (plain, fused) =
        (explore(&m, &goal, budget(false, Cores::Fixed(1))), explore(&m, &goal, budget(true, Cores::Fixed(1))));
    assert!(plain.hit.is_some());
    assert_eq!(fused.hit.as_ref().map(|t| t.len()), plain.hit.as_ref().map(|t| t.len()));
    assert!(fused.states < plain.states, "fused {} plain {}", fused.states, plain.states);
}
