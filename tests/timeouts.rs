//! Timeouts (`src/cpython/timeouts.rs`, `src/cpython/give_up.rs`): each rule with a check that
//! fails when the rule changes.

mod common;

use common::{aio, parse_error, verdict};
use gilcheck::check::job::check_one;

/// Plain threads (name, steps).
fn threads(head: &str, list: &[(&str, &[&str])]) -> String {
    let mut out = head.to_string();
    for (name, steps) in list {
        let steps: Vec<String> = steps.iter().map(|s| format!("{s:?}")).collect();
        out.push_str(&format!("\n[[threads]]\nname = {name:?}\nsteps = [{}]\n", steps.join(", ")));
    }
    out
}

const TICKS: &str = "[runtime]\ntime = \"ticks\"\nhorizon = 20\n";

#[test]
fn wait_for_waits_for_its_cancelled_task_from_3_7_only() {
    let toml = aio(
        "",
        &[("target", &["await asyncio.sleep 5", "write x 1"]), ("waiter", &["await wait_for target 1", "write y 1"])],
    );
    // 3.6 raises TimeoutError right after `fut.cancel()`; 3.7+ await `_cancel_and_wait`.
    let early = "sometimes (var(y) == 1 && !done(target))";
    assert_eq!(verdict(&toml, early, "3.6"), "holds");
    for v in ["3.7", "3.9", "3.11", "3.12", "3.13"] {
        assert_eq!(verdict(&toml, early, v), "refuted", "{v}");
    }
    // Untimed, the target may also finish first: then it is not cancelled and x is set.
    assert_eq!(verdict(&toml, "sometimes (all_done && var(x) == 1 && var(y) == 1)", "3.11"), "holds");
    assert_eq!(verdict(&toml, "always (all_done -> var(y) == 1)", "3.11"), "holds");
}

#[test]
fn a_timeout_the_step_beats_is_disarmed() {
    let toml = aio(TICKS, &[("t", &["await timeout 3 await asyncio.sleep 1", "await asyncio.sleep 5", "write x 1"])]);
    // A handle left armed would cancel the task during its second sleep.
    assert_eq!(verdict(&toml, "always (all_done -> !cancelled(t) && var(x) == 1)", "3.12"), "holds");
    let late = aio(TICKS, &[("t", &["await timeout 1 await asyncio.sleep 3", "write x 1"])]);
    assert_eq!(verdict(&late, "always (all_done -> !cancelled(t) && var(x) == 1)", "3.12"), "holds");
    assert_eq!(verdict(&late, "sometimes (now == 1 && var(x) == 1)", "3.12"), "holds");
    assert_eq!(verdict(&late, "sometimes now >= 2", "3.12"), "refuted");
}

#[test]
fn another_cancel_inside_a_timeout_is_not_turned_into_timeout_error() {
    // The boss's cancel is a second request: `uncancel()` leaves one, CancelledError goes on.
    let toml = aio("", &[("t", &["await timeout 2 await asyncio.sleep 4", "write x 1"]), ("boss", &["cancel t"])]);
    assert_eq!(verdict(&toml, "always (all_done -> cancelled(t) && var(x) == 0)", "3.11"), "holds");
    let alone = aio("", &[("t", &["await timeout 2 await asyncio.sleep 4", "write x 1"])]);
    assert_eq!(verdict(&alone, "always (all_done -> !cancelled(t) && var(x) == 1)", "3.11"), "holds");
}

#[test]
fn asyncio_timeout_is_new_in_3_11() {
    let toml = aio("", &[("t", &["await timeout 2 await asyncio.sleep 1"])]);
    assert_eq!(verdict(&toml, "always (all_done -> !cancelled(t))", "3.11"), "holds");
    let message = check_one(&common::scenario(&toml), "always (all_done -> !cancelled(t))", Some("3.10"))
        .map(|row| row.verdict)
        .unwrap_err()
        .to_string();
    assert!(message.contains("new in Python 3.11"), "{message}");
}

#[test]
fn a_thread_gives_up_a_lock_and_skips_its_section() {
    let toml = threads(
        TICKS,
        &[
            ("holder", &["lock m", "io 6", "unlock m"]),
            ("waiter", &["time.sleep 1", "lock m timeout 2", "write x 1", "unlock m", "write y 1"]),
        ],
    );
    assert_eq!(verdict(&toml, "always (all_done -> var(x) == 0 && var(y) == 1)", "3.12"), "holds");
    assert_eq!(verdict(&toml, "never holds_lock(m, waiter)", "3.12"), "holds");
    // A zero timeout is a try that does not block.
    let now = toml.replace("timeout 2", "timeout 0");
    assert_eq!(verdict(&now, "always (all_done -> now <= 7)", "3.12"), "holds");
    assert_eq!(verdict(&now, "always (all_done -> var(x) == 0 && var(y) == 1)", "3.12"), "holds");
    let long = toml.replace("timeout 2", "timeout 9");
    assert_eq!(verdict(&long, "always (all_done -> var(x) == 1)", "3.12"), "holds");
}

#[test]
fn a_timed_get_tests_the_queue_once_more_and_may_come_back_empty() {
    let toml = threads("", &[("producer", &["io 1", "put q"]), ("consumer", &["get q timeout 3", "write got 1"])]);
    assert_eq!(verdict(&toml, "sometimes (all_done && qsize(q) == 1)", "3.11"), "holds");
    assert_eq!(verdict(&toml, "sometimes (all_done && qsize(q) == 0)", "3.11"), "holds");
    assert_eq!(verdict(&toml, "always (all_done -> var(got) == 1)", "3.11"), "holds");
    // Without a timeout the consumer always gets the item.
    let plain = toml.replace("get q timeout 3", "get q");
    assert_eq!(verdict(&plain, "always (all_done -> qsize(q) == 0)", "3.11"), "holds");
}

#[test]
fn timed_sections_must_nest_and_timeouts_are_located() {
    let cut = threads("", &[("t", &["lock a", "lock b timeout 1", "unlock a", "unlock b"])]);
    assert!(parse_error(&cut).contains("sections must nest"), "{}", parse_error(&cut));
    let open = threads("", &[("t", &["lock a timeout 1", "lock b", "unlock a", "unlock b"])]);
    assert!(parse_error(&open).contains("sections must nest"), "{}", parse_error(&open));
    let nested = threads("", &[("t", &["lock a timeout 1", "lock b", "unlock b", "unlock a"])]);
    common::scenario(&nested);
    let bad = threads("", &[("t", &["get q timeout x"])]);
    assert!(parse_error(&bad).contains("bad timeout `x`"), "{}", parse_error(&bad));
    let extra = threads("", &[("t", &["lock a later"])]);
    assert!(parse_error(&extra).contains("`lock L` or `lock L timeout N`"), "{}", parse_error(&extra));
    let zero = aio("", &[("t", &["await wait_for t 0"])]);
    assert!(parse_error(&zero).contains("at least 1 tick"), "{}", parse_error(&zero));
    let nest = aio("", &[("t", &["await timeout 1 await timeout 2 await coro"])]);
    assert!(parse_error(&nest).contains("a timeout inside a timeout"), "{}", parse_error(&nest));
}
