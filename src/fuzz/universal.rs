//! Universal claims (`for_all`): a claim checked over generated programs, each explored
//! exhaustively. proptest generates the programs ([`crate::fuzz::generate`]) from a fixed seed, so
//! the same seed gives the same programs, verdicts and shrunk counterexample on every machine;
//! a program that refutes the claim is shrunk to the smallest one proptest can find that still
//! refutes it, and that program (as a scenario file) comes with its counterexample.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::check::ends::explore_ends;
use crate::check::job::{self as run, Job, Row};
use crate::check::resources::{in_parallel, Budget, Stop};
use crate::fuzz::generate::{self, Case};
use crate::input::claim::{parse_check, substitute, Claim, Expect, Outcome, Verdict};
use crate::input::located::InputError;
use crate::input::scenario::{Runtime, Scenario};

/// The variant of a universal claim that gives no `variants`: each program runs on a CPython
/// drawn at random.
pub const ANY_VARIANT: &str = "any";

/// The `model` column of a universal claim's rows.
pub const FOR_ALL_MODEL: &str = "for_all";

/// States one generated program may take when no `--max-states` is given: a program past it
/// makes the claim `unknown` rather than the run endless.
pub const CASE_STATES: usize = 2_000_000;

/// How a universal claim is fuzzed.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Programs per variant; `None`: the claim's own `cases`.
    pub cases: Option<u32>,
    /// The seed; each claim and variant derives its own from it.
    pub seed: u64,
    /// At most this many shrinking steps.
    pub max_shrink_iters: u32,
    /// Limits of each program's exploration.
    pub budget: Budget,
}

impl Default for Options {
    fn default() -> Self {
        Options { cases: None, seed: 0, max_shrink_iters: 2048, budget: Budget::default() }
    }
}

/// What fuzzing a claim under one variant found.
#[derive(Clone, Debug)]
pub struct Fuzzed {
    /// "holds", "refuted" or "unknown".
    pub verdict: String,
    /// Generated programs checked (the failing one included).
    pub cases: u32,
    /// Which generated program refuted the claim first (1-based).
    pub failing_case: Option<u32>,
    /// Programs checked while shrinking.
    pub shrink_steps: u32,
    /// States explored in all, shrinking included.
    pub states: u64,
    pub max_depth: u64,
    /// Programs on which the check held vacuously, or that a budget cut short.
    pub vacuous: u32,
    /// Programs on which the check held by construction ([`crate::check::structure`]).
    pub by_construction: u32,
    pub unknown: u32,
    pub horizon_hit: bool,
    /// The run's time budget or an interrupt ended fuzzing before every program was checked.
    pub stopped: Option<Stop>,
    /// The smallest refuting program found, its scenario file, and its result row.
    pub shrunk: Option<Case>,
    pub shrunk_toml: Option<String>,
    pub counterexample: Option<Row>,
    pub elapsed: Duration,
}

/// A stand-in scenario for the jobs of universal claims (a [`Job`] names one scenario; theirs
/// are generated as they run).
pub fn placeholder() -> &'static Scenario {
    static PLACEHOLDER: OnceLock<Scenario> = OnceLock::new();
    PLACEHOLDER.get_or_init(|| Scenario {
        name: FOR_ALL_MODEL.into(),
        title: "generated programs".into(),
        path: Default::default(),
        runtime: Runtime::default(),
        threads: Vec::new(),
        tasks: Vec::new(),
        vars: Vec::new(),
        queues: Vec::new(),
        semaphores: Vec::new(),
        jobs: Vec::new(),
        conditions: Vec::new(),
        origins: Default::default(),
    })
}

/// The jobs of a universal claim: one per variant (or one `any`).
pub fn jobs(claim: &Claim) -> Result<Vec<Job<'_>>, InputError> {
    let variants = if claim.variants.is_empty() { vec![ANY_VARIANT.to_string()] } else { claim.variants.clone() };
    variants
        .into_iter()
        .map(|variant| {
            let expected = claim.expected(&variant)?;
            Ok(Job { claim, scenario: placeholder(), variant, expected, counter: false })
        })
        .collect()
}

/// The 32-byte ChaCha seed of one claim under one variant.
pub fn seed_bytes(seed: u64, claim: &str, variant: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let text = format!("{seed}/{claim}/{variant}/{i}");
        chunk.copy_from_slice(&xxhash_rust::xxh3::xxh3_64(text.as_bytes()).to_le_bytes());
    }
    out
}

/// Checks a universal claim's check (its parameters filled in) on one generated program, and
/// `same_end` when the claim asks for it. `variant` is the CPython, or [`ANY_VARIANT`] for the
/// program's own.
pub fn check_case(claim: &Claim, case: &Case, variant: &str, budget: Budget) -> Result<Row, String> {
    check_program(claim, &case.scenario, &|name| case.param(name), variant, budget)
}

/// A universal claim's counter-model job: its check with `counter_params`, and `same_end`
/// when the claim asks for it, on the counter-model's scenario.
pub fn run_counter_model(job: &Job, budget: Budget) -> Result<Row, InputError> {
    let claim = job.claim;
    let param = |name: &str| claim.counter_params.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    check_program(claim, job.scenario, &param, &job.variant, budget)
        .map_err(|e| InputError::new(&claim.path, claim.check_line, claim.check_col, e))
}

/// The check (parameters filled in by `param`) and `same_end` on one program.
fn check_program(
    claim: &Claim,
    scenario: &Scenario,
    param: &dyn Fn(&str) -> Option<i64>,
    variant: &str,
    budget: Budget,
) -> Result<Row, String> {
    let text = substitute(&claim.check_text, param)
        .map_err(|(at, what)| format!("claim `{}`: {what} at {at} of its check", claim.id))?;
    let check =
        parse_check(&text).map_err(|(at, what)| format!("claim `{}`: check `{text}` at {at}: {what}", claim.id))?;
    let adhoc = Claim {
        id: claim.id.clone(),
        quote: claim.quote.clone(),
        source: claim.source.clone(),
        models: vec![scenario.name.clone()],
        check,
        check_text: text,
        expect: Expect::All(Outcome::Verdict(Verdict::Holds)),
        variants: Vec::new(),
        path: claim.path.clone(),
        check_line: claim.check_line,
        check_col: claim.check_col,
        models_line: claim.models_line,
        models_col: claim.models_col,
        for_all: None,
        counter_models: Vec::new(),
        counter_params: Vec::new(),
        evidence: Vec::new(),
        negates_quote: false,
        evidence_line: 1,
        evidence_col: 1,
        by_construction: None,
    };
    let variant = if variant == ANY_VARIANT { scenario.runtime.python.clone() } else { variant.to_string() };
    let job = Job { claim: &adhoc, scenario, variant, expected: Outcome::Verdict(Verdict::Holds), counter: false };
    let mut row = run::run_job(&job, budget).map_err(|e| e.to_string())?;
    if claim.for_all.as_ref().is_some_and(|f| f.same_end) && row.verdict != "refuted" {
        let (model, _) = run::build(&job).map_err(|e| e.to_string())?;
        let ends = explore_ends(&model, budget);
        row.states += ends.states as u64;
        row.max_depth = row.max_depth.max(ends.max_depth as u64);
        row.horizon_hit |= ends.horizon_hit;
        if let (Some((first, _)), Some((other, steps))) = (&ends.first, &ends.other) {
            row.verdict = "refuted".into();
            row.counterexample = Some(run::counterexample(&model, &job, steps, None));
            row.notes.push(format!("one schedule ends with {first}; this one ends with {other}"));
        } else if let Some(why) = ends.stopped {
            row.verdict = "unknown".into();
            row.notes.push(why);
        }
    }
    Ok(row)
}

/// What the test closure saw, case by case.
#[derive(Default)]
struct Tally {
    generated: u32,
    failed_at: Option<u32>,
    shrink_steps: u32,
    states: u64,
    max_depth: u64,
    vacuous: u32,
    by_construction: u32,
    unknown: u32,
    horizon_hit: bool,
    stopped: Option<Stop>,
    error: Option<String>,
}

/// Fuzzes a universal claim under one variant; `progress` is called after each generated
/// program (not after shrinking steps).
pub fn fuzz(claim: &Claim, variant: &str, opts: &Options, progress: &(dyn Fn() + Sync)) -> Result<Fuzzed, String> {
    let start = Instant::now();
    let fa = claim.for_all.as_ref().ok_or_else(|| format!("claim `{}` has no `for_all`", claim.id))?;
    let pythons = if variant == ANY_VARIANT { Vec::new() } else { vec![variant.to_string()] };
    let strategy = generate::cases(fa, &pythons);
    let budget = Budget { max_states: opts.budget.max_states.or(Some(CASE_STATES)), ..opts.budget };
    let config = Config {
        cases: opts.cases.unwrap_or(fa.cases),
        max_shrink_iters: opts.max_shrink_iters,
        max_shrink_time: 0,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        verbose: 0,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(opts.seed, &claim.id, variant));
    let mut runner = TestRunner::new_with_rng(config, rng);
    let tally = RefCell::new(Tally::default());
    // The run's deadline and an interrupt end fuzzing between programs; a search's own
    // budget ends only that program's search.
    let run = Budget { max_states: None, timeout: None, max_memory: None, ..budget }.start();
    let result = runner.run(&strategy, |case| {
        if tally.borrow().error.is_some() || tally.borrow().stopped.is_some() {
            return Ok(());
        }
        let shrinking = tally.borrow().failed_at.is_some();
        if let Some(stop) = run.poll(0) {
            tally.borrow_mut().stopped = Some(stop);
            return Ok(());
        }
        let row = match check_case(claim, &case, variant, budget) {
            Ok(row) => row,
            Err(e) => {
                tally.borrow_mut().error = Some(e);
                return Ok(());
            }
        };
        let mut t = tally.borrow_mut();
        t.states += row.states;
        t.max_depth = t.max_depth.max(row.max_depth);
        if shrinking {
            t.shrink_steps += 1;
        } else {
            t.generated += 1;
            t.vacuous += u32::from(row.vacuous);
            t.by_construction += u32::from(row.by_construction);
            t.unknown += u32::from(row.verdict == "unknown");
            t.horizon_hit |= row.horizon_hit;
            progress();
        }
        if row.verdict == "refuted" {
            if t.failed_at.is_none() {
                t.failed_at = Some(t.generated);
            }
            return Err(TestCaseError::fail("refuted"));
        }
        Ok(())
    });
    let t = tally.into_inner();
    if let Some(e) = t.error {
        return Err(e);
    }
    let mut out = Fuzzed {
        verdict: if t.unknown > 0 || t.stopped.is_some() { "unknown" } else { "holds" }.into(),
        cases: t.generated,
        failing_case: t.failed_at,
        shrink_steps: t.shrink_steps,
        states: t.states,
        max_depth: t.max_depth,
        vacuous: t.vacuous,
        by_construction: t.by_construction,
        unknown: t.unknown,
        horizon_hit: t.horizon_hit,
        stopped: t.stopped.clone(),
        shrunk: None,
        shrunk_toml: None,
        counterexample: None,
        elapsed: Duration::ZERO,
    };
    match result {
        Ok(()) => {}
        Err(TestError::Fail(_, case)) => {
            let row = check_case(claim, &case, variant, budget)?;
            out.verdict = "refuted".into();
            out.shrunk_toml = Some(shrunk_file(claim, variant, &case));
            out.shrunk = Some(case);
            out.counterexample = Some(row);
        }
        Err(TestError::Abort(why)) => return Err(format!("claim `{}`: fuzzing gave up: {why}", claim.id)),
    }
    out.elapsed = start.elapsed();
    Ok(out)
}

/// The shrunk program as a scenario file, named after the claim, with its parameters noted.
fn shrunk_file(claim: &Claim, variant: &str, case: &Case) -> String {
    let mut scenario = case.scenario.clone();
    scenario.name = format!("shrunk/{}", claim.id);
    scenario.title = format!("The smallest program found that refutes {} under {variant}", claim.id);
    let mut text = String::new();
    if !case.params.is_empty() {
        let params: Vec<String> = case.params.iter().map(|(n, v)| format!("{n} = {v}")).collect();
        text.push_str(&format!("# parameters of the check: {}\n", params.join(", ")));
    }
    text.push_str(&scenario.to_toml());
    text
}

/// The result row of a universal claim's job (`model` = `for_all`).
pub fn row(job: &Job, f: &Fuzzed, opts: &Options) -> Row {
    let mut notes =
        vec![format!("checked on {} generated programs (seed {}), each explored exhaustively", f.cases, opts.seed)];
    if let (Some(i), Some(_)) = (f.failing_case, &f.shrunk) {
        notes
            .push(format!("refuted by generated program {i}; shrunk in {} steps to the program below", f.shrink_steps));
    }
    if f.vacuous > 0 {
        notes.push(format!("{} of the programs satisfy the check vacuously", f.vacuous));
    }
    if f.unknown > 0 {
        notes.push(format!("{} of the programs were cut short by a budget", f.unknown));
    }
    if let Some(stop) = &f.stopped {
        notes.push(format!("{stop}, after {} generated programs", f.cases));
    }
    let cx_row = f.counterexample.as_ref();
    if let Some(r) = cx_row {
        notes.extend(r.notes.iter().cloned());
    }
    let vacuous = f.cases > 0 && f.vacuous == f.cases;
    let as_expected = !vacuous
        && matches!(job.expected, Outcome::Verdict(v) if (v == Verdict::Holds && f.verdict == "holds") || (v == Verdict::Refuted && f.verdict == "refuted"));
    Row {
        claim: job.claim.id.clone(),
        model: FOR_ALL_MODEL.into(),
        variant: job.variant.clone(),
        check: job.claim.check_text.clone(),
        verdict: f.verdict.clone(),
        value: None,
        expected: job.expected.to_string(),
        as_expected,
        states: f.states,
        max_depth: f.max_depth,
        elapsed_ms: f.elapsed.as_millis() as u64,
        counterexample: cx_row.and_then(|r| r.counterexample.clone()),
        horizon_hit: cx_row.map_or(f.horizon_hit, |r| r.horizon_hit),
        vacuous,
        by_construction: f.verdict == "holds" && f.cases > 0 && f.by_construction == f.cases,
        counter_models: Vec::new(),
        notes,
        shrunk: f.shrunk_toml.clone(),
    }
}

/// Checks a universal claim's job with `opts` (for `gilcheck check`: the claim's own `cases`
/// and seed 0).
pub fn run_job_with(job: &Job, opts: &Options, progress: &(dyn Fn() + Sync)) -> Result<Row, InputError> {
    let claim = job.claim;
    let fuzzed = fuzz(claim, &job.variant, opts, progress)
        .map_err(|e| InputError::new(&claim.path, claim.check_line, claim.check_col, e))?;
    Ok(row(job, &fuzzed, opts))
}

/// The job of a universal claim as `gilcheck check` runs it.
pub fn run_job(job: &Job, budget: Budget) -> Result<Row, InputError> {
    run_job_with(job, &Options { budget, ..Options::default() }, &|| {})
}

/// Runs universal claims' jobs on `threads` worker threads; rows come back in job order.
pub fn run_jobs(
    jobs: &[Job],
    opts: &Options,
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Row>, InputError> {
    in_parallel(jobs, threads, |job| run_job_with(job, opts, progress)).into_iter().collect()
}
