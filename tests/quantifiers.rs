//! Claims over copies and names (SPEC §3): `all X in P: E`, `any X in P: E`, integer atoms
//! over a name pattern (`max lateness(job*)`), the symmetry reduction they keep, and the
//! decreasing trends.

use gilcheck::check::job::{check_one, Measured};
use gilcheck::input::claim::{name_matches, parse_check, Trend};
use gilcheck::suite::trend_holds;

mod common;

use common::{scenario, value, verdict};

/// Three identical workers that race on `x`, and a lone thread.
const WORKERS: &str = r#"
[runtime]
python = "3.9"

[[threads]]
name = "w"
count = 3
steps = ["incr x", "compute 1"]

[[threads]]
name = "solo"
steps = ["compute 1"]
"#;

/// Two tasks that sleep on one loop beside a CPU-bound task: late by different amounts.
const LATE: &str = r#"
[runtime]
time = "ticks"
horizon = 30

[[threads]]
name = "main"
loop = ["job_a", "job_b", "hog"]

[[tasks]]
name = "job_a"
steps = ["await asyncio.sleep 1", "compute 1"]

[[tasks]]
name = "job_b"
steps = ["await asyncio.sleep 2", "compute 1"]

[[tasks]]
name = "hog"
steps = ["compute 6"]
"#;

fn states(toml: &str, check: &str) -> u64 {
    check_one(&scenario(toml), check, Some("3.9")).unwrap_or_else(|e| panic!("{e}")).states
}

#[test]
fn quantifiers_expand_to_every_matching_name() {
    for (quantified, spelled_out) in [
        ("sometimes all X in w*: done(X)", "sometimes done(w0) && done(w1) && done(w2)"),
        (
            "sometimes any X in w*: done(X) && !done(solo)",
            "sometimes (done(w0) || done(w1) || done(w2)) && !done(solo)",
        ),
        ("always all X in *: done(X) -> progress(X) >= 1", "always all_done -> progress(w0) >= 1"),
        ("never all X in w*: running(X)", "never running(w0) && running(w1) && running(w2)"),
    ] {
        assert_eq!(verdict(WORKERS, quantified, "3.9"), verdict(WORKERS, spelled_out, "3.9"), "{quantified}");
    }
    // Nested, with two variables.
    assert_eq!(
        verdict(WORKERS, "always all X in w*: all Y in w*: progress(X) <= 2 && progress(Y) <= 2", "3.9"),
        "holds"
    );
    assert_eq!(verdict(WORKERS, "sometimes any X in w*: any Y in solo: done(X) && !done(Y)", "3.9"), "holds");
}

#[test]
fn a_pattern_over_all_copies_keeps_the_symmetry_reduction() {
    // Checks that hold, so that every state is explored and the counts compare the spaces.
    let reduced = states(WORKERS, "always all X in w*: progress(X) <= 99");
    let named = states(WORKERS, "always progress(w0) <= 99 && progress(w1) <= 99 && progress(w2) <= 99");
    assert!(reduced < named, "{reduced} states with the quantifier, {named} naming each copy");
    // A pattern that takes only some copies singles them out: no reduction.
    assert_eq!(states(WORKERS, "always all X in w0*: progress(X) <= 99"), states(WORKERS, "always progress(w0) <= 99"));
    assert!(states(WORKERS, "always progress(w0) <= 99") > reduced);
    // And the verdict is the same either way.
    assert_eq!(verdict(WORKERS, "sometimes all X in w*: done(X)", "3.9"), "holds");
}

/// Three identical tasks that wait for I/O and race on `x` on one loop, and a lone task.
const TASKS: &str = r#"
[[threads]]
name = "main"
loop = ["w", "solo"]

[[tasks]]
name = "w"
count = 3
steps = ["await io 1", "incr x"]

[[tasks]]
name = "solo"
steps = ["compute 1"]
"#;

#[test]
fn a_pattern_over_all_task_copies_keeps_the_symmetry_reduction() {
    let reduced = states(TASKS, "always all X in w*: progress(X) <= 99");
    let named = states(TASKS, "always progress(w0) <= 99 && progress(w1) <= 99 && progress(w2) <= 99");
    assert!(reduced * 2 < named, "{reduced} states with the quantifier, {named} naming each copy");
    assert_eq!(states(TASKS, "always all X in w0*: progress(X) <= 99"), states(TASKS, "always progress(w0) <= 99"));
    assert_eq!(states(TASKS, "always progress(w0) <= 99"), named);
    assert_eq!(verdict(TASKS, "sometimes all X in w*: done(X)", "3.9"), "holds");
}

#[test]
fn an_integer_atom_over_a_pattern_is_the_largest_of_them() {
    let each: Vec<i64> = ["job_a", "job_b"]
        .iter()
        .map(|j| value(LATE, &format!("max lateness({j})"), "3.11").as_i64().unwrap())
        .collect();
    let over = value(LATE, "max lateness(job*)", "3.11").as_i64().unwrap();
    assert_eq!(over, *each.iter().max().unwrap(), "each: {each:?}");
    assert!(each.iter().all(|&v| v > 0), "both jobs are late behind the hog: {each:?}");
    // `*` matches the threads too; `lateness` takes tasks, so the loop thread is skipped.
    assert_eq!(
        value(LATE, "max lateness(*)", "3.11").as_i64().unwrap(),
        over.max(value(LATE, "max lateness(hog)", "3.11").as_i64().unwrap())
    );
}

#[test]
fn misuse_is_refused_with_a_located_message() {
    let bind = |toml: &str, check: &str| check_one(&scenario(toml), check, Some("3.9")).unwrap_err();
    let e = bind(WORKERS, "always done(w*)");
    assert!(e.contains("`done(w*)` is a condition over several names; expected `all X in w*: done(X)`"), "{e}");
    let e = bind(WORKERS, "always all X in job*: done(X)");
    assert!(e.contains("`job*` matches no thread or task in scenario"), "{e}");
    let e = parse_check("always all done in w*: done(w0)").unwrap_err().1;
    assert!(e.contains("cannot name a quantifier's variable"), "{e}");
    let e = parse_check("always all X in w* done(X)").unwrap_err().1;
    assert!(e.contains("expected a name pattern and `:`"), "{e}");
}

#[test]
fn quantified_checks_print_as_they_parse() {
    for text in [
        "always all X in w*: done(X) -> progress(X) >= 1",
        "sometimes (any X in w*: done(X)) && done(solo)",
        "max lateness(job*) when all X in job*: done(X)",
        "always !(all X in *: blocked(X))",
    ] {
        let check = parse_check(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert_eq!(check.to_string(), text);
        assert_eq!(parse_check(&check.to_string()).unwrap(), check);
    }
}

#[test]
fn name_patterns_match_as_globs_of_one_star() {
    assert!(name_matches("job*", "job0"));
    assert!(name_matches("job*", "job"));
    assert!(name_matches("*", "anything"));
    assert!(name_matches("*_b", "job_b"));
    assert!(name_matches("j*b*", "job_b"));
    assert!(!name_matches("job*", "ajob"));
    assert!(!name_matches("w0", "w01"));
}

#[test]
fn decreasing_trends() {
    use Measured::{AtLeast, Exact};
    assert_eq!(trend_holds(Trend::Decreasing, &[Exact(5), Exact(3), Exact(1)]), Some(true));
    assert_eq!(trend_holds(Trend::Decreasing, &[Exact(5), Exact(5)]), Some(false));
    assert_eq!(trend_holds(Trend::NonIncreasing, &[Exact(5), Exact(5), Exact(2)]), Some(true));
    assert_eq!(trend_holds(Trend::NonIncreasing, &[Exact(2), Exact(3)]), Some(false));
    // A value known only from below cannot be shown to fall below an exact one.
    assert_eq!(trend_holds(Trend::Decreasing, &[Exact(5), AtLeast(3)]), None);
    assert_eq!("decreasing".parse(), Ok(gilcheck::input::claim::Outcome::Series(Trend::Decreasing)));
    assert_eq!("non-increasing".parse(), Ok(gilcheck::input::claim::Outcome::Series(Trend::NonIncreasing)));
}
