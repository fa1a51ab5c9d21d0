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
