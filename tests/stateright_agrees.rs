//! Our deterministic BFS and stateright's own checker agree: same verdicts on every scenario a
//! seed claim uses, and the same unique state counts wherever ours explores every state (a
//! refutation or a witness ends our search with its level, and stateright's where it finds it).

mod common;

use gilcheck::check::explorable::Explorable;
use gilcheck::check::explore::explore;
use gilcheck::check::job::{build, Job};
use gilcheck::check::resources::Budget;
use gilcheck::input::claim::Check;
use gilcheck::suite::plan;
use stateright::{Checker, Model};

use common::committed_suite;

#[test]
fn stateright_finds_the_same_states_and_verdicts() {
    let (scenarios, claims) = committed_suite();
    let jobs = plan(&claims, &scenarios).unwrap();
    let (mut compared, mut counted) = (0, 0);
    let safety = |j: &&Job| matches!(j.claim.check, Check::Always(_) | Check::Never(_) | Check::Sometimes(_));
    // Universal claims run on generated programs, not on scenarios.
    for job in jobs.iter().filter(|j| j.claim.for_all.is_none()).filter(safety) {
        let (mut model, goal) = build(job).unwrap();
        // stateright's BFS ignores symmetry: compare full state spaces.
        model.symmetry = false;
        let ours = explore(&model, &goal, Budget::default());
        let ours_found = ours.hit.is_some();
        let checker = Explorable { model, goal: Some(goal) }.checker().spawn_bfs().join();
        counted += usize::from(ours.hit.is_none());
        assert!(
            ours.hit.is_some() || checker.unique_state_count() == ours.states,
            "{} on {} under {}: state counts differ",
            job.claim.id,
            job.scenario.name,
            job.variant
        );
        assert_eq!(checker.discovery("claim").is_some(), ours_found, "{} on {}", job.claim.id, job.scenario.name);
        compared += 1;
    }
    assert!(compared >= 20 && counted >= 10, "only {compared} jobs compared, {counted} counted");
}

/// Reducing `count` copies by symmetry changes state counts, never verdicts or values.
#[test]
fn symmetry_reduction_keeps_every_verdict() {
    let (scenarios, claims) = committed_suite();
    let jobs = plan(&claims, &scenarios).unwrap();
    let mut reduced = 0;
    for job in jobs.iter().filter(|j| j.claim.for_all.is_none()) {
        let (mut model, goal) = build(job).unwrap();
        if !model.symmetry || matches!(goal, gilcheck::check::atoms::Goal::LeadsTo { .. }) {
            continue;
        }
        let with = explore(&model, &goal, Budget::default());
        model.symmetry = false;
        let without = explore(&model, &goal, Budget::default());
        let what = format!("{} on {} under {}", job.claim.id, job.scenario.name, job.variant);
        assert_eq!(with.hit.is_some(), without.hit.is_some(), "{what}");
        assert_eq!(with.value, without.value, "{what}");
        assert_eq!(with.antecedent_seen, without.antecedent_seen, "{what}");
        assert!(with.states <= without.states, "{what}");
        if with.states < without.states {
            reduced += 1;
        }
    }
    assert!(reduced >= 5, "symmetry reduced only {reduced} jobs");
}

/// No rule of a committed scenario writes a slot past its model's dims (the search copies
/// only the used bytes of a state into each successor, `State::copy_used`): each state of
/// the first thousands a breadth-first walk reaches equals its used bytes on a default state.
#[test]
fn committed_scenarios_write_only_the_slots_they_use() {
    use gilcheck::cpython::state::State;
    use std::collections::{HashSet, VecDeque};
    let (scenarios, claims) = committed_suite();
    let jobs = plan(&claims, &scenarios).unwrap();
    let mut checked = 0;
    for job in jobs.iter().filter(|j| j.claim.for_all.is_none()) {
        let (model, _) = build(job).unwrap();
        let used = model.sys.dims().used_bytes();
        let mut seen: HashSet<State> = model.init_states().into_iter().collect();
        let mut queue: VecDeque<State> = seen.iter().copied().collect();
        let mut actions = Vec::new();
        while let Some(s) = queue.pop_front() {
            let mut copy = State::default();
            copy.copy_used(&s, used);
            assert!(copy == s, "{} under {}: {s:?} has a slot past the dims set", job.scenario.name, job.variant);
            checked += 1;
            actions.clear();
            model.actions(&s, &mut actions);
            for &a in &actions {
                if let Some(next) = model.next_state(&s, a) {
                    if seen.len() < 5_000 && seen.insert(next) {
                        queue.push_back(next);
                    }
                }
            }
        }
    }
    assert!(checked > 100_000, "only {checked} states checked");
}
