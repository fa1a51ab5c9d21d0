//! Differential testing on generated programs (`conform --generated N --seed S`): the same
//! proptest generators as `fuzz` draw programs, each runs for real and each trace must be a
//! projection of the model; a program whose trace is rejected is shrunk (proptest) to the
//! smallest one found that still gets a trace rejected. A real run is not repeatable, so a
//! shrinking step that happens to pass is only a lost step, never a wrong answer: what is
//! reported is a program and a trace the model rejected.

use std::cell::RefCell;
use std::path::Path;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde::{Deserialize, Serialize};

use crate::conform::interpreters::Interpreter;
use crate::conform::run::{self, Calibration, Settings};
use crate::fuzz::generate;
use crate::input::claim::ForAll;

/// What the generated programs showed on one interpreter.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Differential {
    pub python: String,
    pub seed: u64,
    /// Programs drawn (shrinking steps not counted).
    pub programs: u32,
    /// Of those, programs with no real counterpart on this interpreter (asyncio on 2.7, …).
    pub not_applicable: u32,
    pub runs: u32,
    pub accepted: u32,
    /// Runs that failed or whose check ran out of budget.
    pub failed: u32,
    /// The first failure, for people.
    pub first_failure: Option<String>,
    /// The smallest program found whose trace the model rejected, as a scenario file, and why.
    pub rejected_program: Option<String>,
    pub rejection: Option<String>,
    pub shrink_steps: u32,
}

/// The programs drawn: every step kind, up to three threads and a loop of two tasks, copies,
/// `repeat`, this machine's cores, untimed (the model then covers every timing).
pub fn shape(cores: u32) -> ForAll {
    ForAll {
        threads: (1, 3),
        loops: (0, 1),
        tasks: (1, 2),
        steps: (1, 4),
        ticks: (1, 3),
        count: (1, 2),
        cores: (cores, cores),
        repeat: true,
        ..ForAll::default()
    }
}

#[derive(Default)]
struct Tally {
    programs: u32,
    not_applicable: u32,
    runs: u32,
    accepted: u32,
    failed: u32,
    shrinking: bool,
    shrink_steps: u32,
    last_rejection: Option<String>,
    first_failure: Option<String>,
}

/// Runs `n` generated programs (each `settings.runs` times) on `interp`.
pub fn differential(
    interp: &Interpreter,
    cal: &Calibration,
    settings: &Settings,
    n: u32,
    seed: u64,
    dir: &Path,
) -> Differential {
    let fa = shape(settings.cores);
    let strategy = generate::scenario(&fa, &[interp.family()]);
    let config = Config {
        cases: n,
        max_shrink_iters: 64,
        max_shrink_time: 0,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        verbose: 0,
        ..Config::default()
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..8 + interp.full.len().min(24)].copy_from_slice(&interp.full.as_bytes()[..interp.full.len().min(24)]);
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    let tally = RefCell::new(Tally::default());
    let result = runner.run(&strategy, |case| {
        let mut scenario = case.scenario.clone();
        scenario.name = "generated".into();
        let shrinking = tally.borrow().shrinking;
        let outcome = run::conform_one(&scenario, interp, cal, settings, dir);
        let mut t = tally.borrow_mut();
        if shrinking {
            t.shrink_steps += 1;
        } else {
            t.programs += 1;
            t.not_applicable += u32::from(outcome.not_applicable.is_some());
            t.runs += outcome.runs;
            t.accepted += outcome.accepted;
            t.failed += outcome.failed + outcome.unknown;
            if outcome.rejected == 0 && outcome.failed + outcome.unknown > 0 && t.first_failure.is_none() {
                t.first_failure = outcome.first_problem.clone().map(|p| format!("{p}\n{}", scenario.to_toml()));
            }
        }
        if outcome.rejected > 0 {
            t.shrinking = true;
            t.last_rejection = outcome.first_problem.clone();
            return Err(TestCaseError::fail("rejected"));
        }
        Ok(())
    });
    let t = tally.into_inner();
    let mut out = Differential {
        python: interp.full.clone(),
        seed,
        programs: t.programs,
        not_applicable: t.not_applicable,
        runs: t.runs,
        accepted: t.accepted,
        failed: t.failed,
        first_failure: t.first_failure,
        rejected_program: None,
        rejection: None,
        shrink_steps: t.shrink_steps,
    };
    if let Err(TestError::Fail(_, case)) = result {
        out.rejected_program = Some(case.scenario.to_toml());
        out.rejection = t.last_rejection;
    }
    out
}
