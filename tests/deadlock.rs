//! A deadlock is reported in words, first: who waits for which lock, held by whom.

use gilcheck::check::job::check_one;

mod common;

use common::scenario;

fn first_note(toml: &str, check: &str) -> String {
    let row = check_one(&scenario(toml), check, Some("3.11")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(row.verdict, "refuted", "{row:?}");
    row.notes.first().cloned().unwrap_or_default()
}

#[test]
fn threads_taking_two_locks_in_opposite_orders() {
    let toml = r#"
[[threads]]
name = "a"
steps = ["lock first", "compute 1", "lock second", "unlock second", "unlock first"]

[[threads]]
name = "b"
steps = ["lock second", "compute 1", "lock first", "unlock first", "unlock second"]
"#;
    let words = "deadlock: a waits for lock `second`, held by b; b waits for lock `first`, held by a";
    assert_eq!(first_note(toml, "never deadlock"), words);
    // A liveness counterexample that ends there says the same, instead of "no move left".
    assert_eq!(first_note(toml, "eventually all_done"), words);
}

#[test]
fn tasks_awaiting_locks_and_each_other() {
    let toml = r#"
[[threads]]
name = "main"
loop = ["x", "y"]

[[tasks]]
name = "x"
steps = ["await lock m", "await task y", "release m"]

[[tasks]]
name = "y"
steps = ["await asyncio.sleep 0", "await lock m", "release m"]
"#;
    assert_eq!(
        first_note(toml, "never deadlock"),
        "deadlock: task x awaits task y; task y awaits asyncio lock `m`, held by task x"
    );
}

#[test]
fn no_deadlock_no_words() {
    let toml = r#"
[[threads]]
name = "a"
steps = ["lock first", "unlock first"]
"#;
    let row = check_one(&scenario(toml), "sometimes all_done", Some("3.11")).unwrap();
    assert!(row.notes.iter().all(|n| !n.starts_with("deadlock")), "{:?}", row.notes);
}
