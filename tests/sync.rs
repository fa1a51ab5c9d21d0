//! The rules of `threading`'s events, semaphores and queues (`src/cpython/sync.rs`), each with
//! a check that fails when the rule changes.

mod common;

use common::{scenario, verdict};
use gilcheck::check::job::check_one;

#[test]
fn a_full_queue_blocks_put_and_an_empty_one_blocks_get() {
    let producer = |maxsize: u8| {
        format!(
            "[queues]\nq = {{ maxsize = {maxsize} }}\n\n[[threads]]\nname = \"p\"\nsteps = [\"put q\", \"put q\"]\n"
        )
    };
    assert_eq!(verdict(&producer(1), "sometimes deadlock", "3.11"), "holds");
    assert_eq!(verdict(&producer(2), "never deadlock", "3.11"), "holds");
    // 0 is unbounded, as in CPython.
    assert_eq!(verdict(&producer(0), "never deadlock", "3.11"), "holds");
    let row = check_one(&scenario(&producer(1)), "never deadlock", Some("3.11")).unwrap();
    assert_eq!(row.notes[0], "deadlock: p waits to put into full queue `q`");
    let consumer = "[[threads]]\nname = \"c\"\nsteps = [\"get q\"]\n";
    let row = check_one(&scenario(consumer), "never deadlock", Some("3.11")).unwrap();
    assert_eq!(row.notes[0], "deadlock: c waits to get from empty queue `q`");
}

#[test]
fn a_semaphore_counts_permits_from_its_declared_value() {
    let toml = |permits: u8| {
        format!(
            "[semaphores]\ns = {permits}\n\n[[threads]]\nname = \"a\"\nsteps = [\"acquire s\", \"write x 1\"]\n\n\
             [[threads]]\nname = \"b\"\nsteps = [\"compute 1\", \"write y 1\", \"release s\"]\n"
        )
    };
    // Semaphore(0): a's acquire waits for b's release, so b's write comes first.
    let check = "always (var(x) == 1 -> var(y) == 1)";
    for python in ["2.7", "3.9", "3.11", "3.13t"] {
        assert_eq!(verdict(&toml(0), check, python), "holds", "{python}");
        assert_eq!(verdict(&toml(1), check, python), "refuted", "{python}");
    }
    // Undeclared: Semaphore(1), CPython's default.
    let undeclared = toml(0).replace("[semaphores]\ns = 0\n\n", "");
    assert_eq!(verdict(&undeclared, check, "3.11"), "refuted");
}

#[test]
fn an_event_waiter_notified_by_set_returns_even_if_clear_comes_first() {
    // The reader waits from tick 0 (the writer sleeps first); the writer sets and at once
    // clears the event at tick 2. `Event.wait` returns what `Condition.wait` returned
    // (notified: true), so the reader goes on even when it wakes after the clear; a model that
    // rechecked the flag would let the run stick.
    let toml = r#"
[runtime]
time = "ticks"
horizon = 20

[[threads]]
name = "reader"
steps = ["event.wait e"]

[[threads]]
name = "writer"
steps = ["time.sleep 2", "event.set e", "event.clear e"]
"#;
    assert_eq!(verdict(toml, "never deadlock", "3.11"), "holds");
    assert_eq!(verdict(toml, "sometimes all_done", "3.11"), "holds");
    // A waiter that comes after the clear waits for good.
    let late = toml.replace("steps = [\"event.wait e\"]", "steps = [\"time.sleep 4\", \"event.wait e\"]");
    assert_eq!(verdict(&late, "sometimes deadlock", "3.11"), "holds");
    assert_eq!(verdict(&late, "sometimes all_done", "3.11"), "refuted");
}

#[test]
fn waiting_releases_the_gil() {
    // While one thread is blocked in `get`, another runs Python: the waiter holds no GIL.
    let toml = r#"
[[threads]]
name = "c"
steps = ["get q"]

[[threads]]
name = "p"
steps = ["compute 2", "put q"]
"#;
    assert_eq!(verdict(toml, "sometimes blocked(c) && holds_gil(p)", "3.11"), "holds");
    assert_eq!(verdict(toml, "never blocked(c) && holds_gil(c)", "3.11"), "holds");
    assert_eq!(verdict(toml, "eventually all_done", "3.11"), "holds");
}

#[test]
fn one_kind_per_name_with_a_located_error() {
    let e = gilcheck::input::scenario::parse_scenario(
        std::path::Path::new("m.toml"),
        "[[threads]]\nname = \"t\"\nsteps = [\"put x\", \"acquire x\"]\n",
        "m",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "m.toml:3:20: `x` is used here as a threading.Semaphore but is a queue.Queue; expected one kind per name"
    );
    let e = gilcheck::input::scenario::parse_scenario(
        std::path::Path::new("m.toml"),
        "[queues]\nq = { maxsize = 1, kind = \"asyncio\" }\n\n[[threads]]\nname = \"t\"\nsteps = [\"get q\"]\n",
        "m",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "m.toml:6:11: `q` is used here as a queue.Queue but is an asyncio.Queue; expected one kind per name");
}

#[test]
fn qsize_and_local_read_the_state() {
    let buffer = |maxsize: u8| {
        format!(
            "[queues]\nq = {{ maxsize = {maxsize} }}\n\n[[threads]]\nname = \"p\"\nsteps = [\"put q\", \"put q\", \"put q\"]\n\n\
             [[threads]]\nname = \"c\"\nsteps = [\"get q\", \"get q\", \"get q\"]\n"
        )
    };
    assert_eq!(verdict(&buffer(1), "always qsize(q) <= 1", "3.11"), "holds");
    assert_eq!(verdict(&buffer(2), "always qsize(q) <= 1", "3.11"), "refuted");
    assert_eq!(verdict(&buffer(0), "sometimes qsize(q) == 3", "3.11"), "holds");
    let handoff = |wait: &str| {
        format!(
            "[[threads]]\nname = \"w\"\nsteps = [\"write x 1\", \"event.set e\"]\n\n\
             [[threads]]\nname = \"r\"\nsteps = [{wait}\"read x\"]\n"
        )
    };
    let check = "always (done(r) -> local(r) == 1)";
    assert_eq!(verdict(&handoff("\"event.wait e\", "), check, "3.11"), "holds");
    assert_eq!(verdict(&handoff(""), check, "3.11"), "refuted");
    let e = check_one(&scenario(&handoff("")), "max qsize(e)", Some("3.11")).unwrap_err();
    assert!(e.contains("no queue `e` in scenario"), "{e}");
}

fn cond_scenario(notify: &str) -> String {
    format!(
        "[conditions]\nC = \"m\"\n\n[[threads]]\nname = \"w\"\nsteps = [\"lock m\", \"cond.wait C\", \"write y 1\", \"unlock m\"]\n\n[[threads]]\nname = \"n\"\nsteps = [\"time.sleep 1\", \"lock m\", \"{notify}\", \"write y 2\", \"unlock m\"]\n"
    )
}

#[test]
fn a_condition_waiter_gives_the_lock_back_and_runs_after_the_notifier_releases_it() {
    let toml = cond_scenario("cond.notify C");
    // The notifier gets the lock while w waits, and w goes on only after it is given back.
    assert_eq!(verdict(&toml, "sometimes (holds_lock(m, n) && !done(w))", "3.11"), "holds");
    assert_eq!(verdict(&toml, "always (all_done -> var(y) == 1)", "3.11"), "holds");
    // A notify before the wait is lost.
    let row = check_one(&scenario(&toml), "never deadlock", Some("3.11")).unwrap();
    assert_eq!(row.verdict, "refuted");
    assert_eq!(row.notes[0], "deadlock: w waits on condition `C` (lock `m`), which no one left will notify");
}

#[test]
fn notify_wakes_the_first_waiter_and_notify_all_every_one() {
    let toml = |notify: &str| {
        format!(
            "[semaphores]\nS = 0\n\n[conditions]\nC = \"m\"\n\n[[threads]]\nname = \"a\"\nsteps = [\"lock m\", \"event.set E\", \"release S\", \"cond.wait C\", \"write x 1\", \"unlock m\"]\n\n[[threads]]\nname = \"b\"\nsteps = [\"event.wait E\", \"lock m\", \"release S\", \"cond.wait C\", \"write y 1\", \"unlock m\"]\n\n[[threads]]\nname = \"n\"\nsteps = [\"acquire S\", \"acquire S\", \"lock m\", \"{notify}\", \"unlock m\"]\n"
        )
    };
    // b takes the lock only once a waits (and gave it back), so a is first in `_waiters`:
    // `notify` wakes a and b waits forever; `notify_all` wakes both.
    let one = toml("cond.notify C");
    assert_eq!(verdict(&one, "sometimes (deadlock && var(x) == 1 && var(y) == 0)", "3.11"), "holds");
    assert_eq!(verdict(&one, "sometimes var(y) == 1", "3.11"), "refuted");
    assert_eq!(verdict(&toml("cond.notify_all C"), "never deadlock", "3.11"), "holds");
}

#[test]
fn a_condition_step_needs_its_declaration_and_its_lock() {
    let error = |steps: &str, head: &str| {
        let toml = format!("{head}[[threads]]\nname = \"t\"\nsteps = [{steps}]\n");
        gilcheck::input::scenario::parse_scenario(std::path::Path::new("s.toml"), &toml, "s").unwrap_err().to_string()
    };
    let e = error("\"lock m\", \"cond.wait C\", \"unlock m\"", "");
    assert!(e.contains("`cond.wait C` names no condition; expected a `[conditions]` entry"), "{e}");
    let e = error("\"cond.notify C\"", "[conditions]\nC = \"m\"\n\n");
    assert!(e.contains("needs condition `C`'s lock `m`, which this program does not hold here"), "{e}");
}

#[test]
fn a_task_in_condition_wait_blocks_its_loop_but_not_the_lock() {
    let toml = "[conditions]\nC = \"m\"\n\n[[threads]]\nname = \"main\"\nloop = [\"w\"]\n\n[[tasks]]\nname = \"w\"\nsteps = [\"lock m\", \"cond.wait C\", \"unlock m\"]\n\n[[threads]]\nname = \"n\"\nsteps = [\"time.sleep 1\", \"lock m\", \"cond.notify C\", \"unlock m\"]\n";
    assert_eq!(verdict(toml, "sometimes (holds_lock(m, n) && loop_blocked(main))", "3.11"), "holds");
    assert_eq!(verdict(toml, "never (holds_lock(m, n) && (holds_lock(m, w) || holds_lock(m, main)))", "3.11"), "holds");
}
