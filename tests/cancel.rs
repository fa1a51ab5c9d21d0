//! Executor jobs of several steps and `Task.cancel` (`src/cpython/cancel.rs`): each rule with
//! a check that fails when the rule changes.

mod common;

use common::{parse_error, scenario, verdict};
use gilcheck::check::job::check_one;

/// One loop thread running `tasks` (name, steps), with extra top-level `tail` text.
fn aio(tasks: &[(&str, &[&str])], tail: &str) -> String {
    format!("{}{tail}", common::aio("", tasks))
}

#[test]
fn a_job_runs_its_steps_in_order_on_one_worker_holding_its_locks() {
    let toml = aio(
        &[("t", &["await to_thread J"])],
        "\n[[jobs]]\nname = \"J\"\nsteps = [\"lock a\", \"read x\", \"write x local+1\", \"unlock a\"]\n",
    );
    assert_eq!(verdict(&toml, "always (all_done -> var(x) == 1)", "3.11"), "holds");
    assert_eq!(verdict(&toml, "sometimes holds_lock(a, executor0)", "3.11"), "holds");
    // The task does not hold what its job took, and the lock is free again at the end.
    assert_eq!(verdict(&toml, "never holds_lock(a, t)", "3.11"), "holds");
    assert_eq!(verdict(&toml, "always (all_done -> !holds_lock(a, executor0))", "3.11"), "holds");
}

#[test]
fn two_jobs_racing_on_a_counter_lose_an_update_under_the_gil_without_a_lock() {
    let job = "\n[[jobs]]\nname = \"J\"\nsteps = [\"read x\", \"compute 1\", \"write x local+1\"]\n";
    let toml = aio(&[("a", &["await to_thread J"]), ("b", &["await run_in_executor J"])], job);
    assert_eq!(verdict(&toml, "always (all_done -> var(x) == 2)", "3.11"), "refuted");
    let locked =
        job.replace("[\"read x\"", "[\"lock l\", \"read x\"").replace("local+1\"]", "local+1\", \"unlock l\"]");
    let toml = aio(&[("a", &["await to_thread J"]), ("b", &["await run_in_executor J"])], &locked);
    assert_eq!(verdict(&toml, "always (all_done -> var(x) == 2)", "3.11"), "holds");
}

#[test]
fn jobs_are_checked_where_they_are_named() {
    let toml = aio(&[("t", &["await to_thread K"])], "\n[[jobs]]\nname = \"J\"\nsteps = [\"compute 1\"]\n");
    let e = parse_error(&toml);
    assert!(e.contains("`await to_thread K` names no job; expected the name of a [[jobs]] entry (J)"), "{e}");
    let toml = aio(&[("t", &["await to_thread J"])], "\n[[jobs]]\nname = \"J\"\nsteps = [\"await io 1\"]\n");
    let e = parse_error(&toml);
    assert!(e.contains("a job runs on an executor thread, which cannot await"), "{e}");
    // A blocking verb without its argument is still that step's error, not a job name.
    let toml = aio(&[("t", &["await to_thread compute"])], "");
    assert!(parse_error(&toml).contains("expected `compute N`"));
}

#[test]
fn a_deadlock_of_jobs_names_the_workers_their_locks_and_the_awaiting_tasks() {
    let row = check_one(
        &scenario(&std::fs::read_to_string("models/jobs/jobs-lock-order-deadlock.toml").unwrap()),
        "never deadlock",
        Some("3.12"),
    )
    .unwrap();
    assert_eq!(row.verdict, "refuted");
    let note = &row.notes[0];
    assert!(note.contains("executor0 waits for lock `b`, held by executor1"), "{note}");
    assert!(note.contains("task left awaits its executor job ab, running on executor0"), "{note}");
}

#[test]
fn a_cancelled_sleep_ends_the_task_cancelled_without_running_the_rest() {
    let toml = aio(&[("t", &["await asyncio.sleep 3", "write x 1"]), ("c", &["cancel t"])], "");
    let check = "always (all_done -> cancelled(t) && !cancelled(c) && var(x) == 0)";
    assert_eq!(verdict(&toml, check, "3.11"), "holds");
    // Cancelling a task that has not started yet throws the error before its first step.
    let toml = aio(&[("c", &["cancel t"]), ("t", &["write x 1"])], "");
    assert_eq!(verdict(&toml, "always var(x) == 0", "3.11"), "holds");
}

#[test]
fn a_task_that_cancels_itself_gets_the_error_at_its_next_suspension() {
    let toml = aio(&[("t", &["cancel t", "write x 1", "await asyncio.sleep 0", "write y 1"])], "");
    let check = "always (all_done -> cancelled(t) && var(x) == 1 && var(y) == 0)";
    assert_eq!(verdict(&toml, check, "3.11"), "holds");
}

#[test]
fn cancelling_a_woken_lock_waiter_wakes_the_next_one() {
    // h releases and wakes w1; c cancels w1 in the same round, before it resumes. w1's
    // `CancelledError` handler finds the lock free and wakes w2 (`_wake_up_first`).
    let toml = aio(
        &[
            ("h", &["await lock a", "await asyncio.sleep 0", "release a"]),
            ("w1", &["await lock a", "release a"]),
            ("w2", &["await lock a", "write y 1", "release a"]),
            ("c", &["await asyncio.sleep 0", "cancel w1"]),
        ],
        "",
    );
    assert_eq!(verdict(&toml, "sometimes (ready(w1) && cancelled(w1))", "3.11"), "refuted");
    assert_eq!(verdict(&toml, "always (all_done -> cancelled(w1) && var(y) == 1)", "3.11"), "holds");
    assert_eq!(verdict(&toml, "never deadlock", "3.11"), "holds");
}

#[test]
fn cancelling_a_woken_queue_getter_passes_the_item_on() {
    // p puts one item and wakes g1; c cancels g1 before it resumes; g1's handler sees the
    // queue not empty and its getter not cancelled, and wakes g2 (`Queue.get`).
    let toml = aio(
        &[
            ("g1", &["await queue.get Q"]),
            ("g2", &["await queue.get Q", "write y 1"]),
            ("p", &["await asyncio.sleep 0", "await queue.put Q"]),
            ("c", &["await asyncio.sleep 0", "cancel g1"]),
        ],
        "",
    );
    assert_eq!(verdict(&toml, "always (all_done -> var(y) == 1)", "3.11"), "holds");
    assert_eq!(verdict(&toml, "never deadlock", "3.11"), "holds");
}

#[test]
fn a_cancelled_semaphore_waiter_strands_a_later_task_on_3_9_only() {
    let toml = std::fs::read_to_string("models/cancel/semaphore-woken-waiter-cancelled.toml").unwrap();
    assert_eq!(verdict(&toml, "never deadlock", "3.9"), "refuted");
    for python in ["3.6", "3.8", "3.10", "3.11", "3.12", "3.13", "3.13t"] {
        assert_eq!(verdict(&toml, "never deadlock", python), "holds", "{python}");
    }
}

#[test]
fn cancel_names_a_task_of_its_own_loop() {
    let toml = aio(&[("t", &["cancel nobody"])], "");
    assert!(parse_error(&toml).contains("`cancel nobody` names no task"));
    let toml = "[[threads]]\nname = \"t\"\nsteps = [\"cancel t\"]\n";
    assert!(parse_error(toml).contains("a thread cannot await"));
}
