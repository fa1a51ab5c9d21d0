//! The rules of asyncio's events, semaphores and queues (`src/cpython/aio_sync.rs`), each with
//! a check that fails when the rule changes.

mod common;

use common::{aio, scenario, verdict};
use gilcheck::check::job::check_one;
use gilcheck::input::scenario::{parse_scenario, Step};

#[test]
fn a_newcomer_takes_a_released_permit_before_the_woken_waiter_only_up_to_3_8() {
    // a holds the permit, b waits for it, c asks just after a gives it back, before b resumes.
    let toml = aio(
        "[semaphores]\nS = 1\n",
        &[
            ("a", &["await acquire S", "await asyncio.sleep 0", "release S"]),
            ("b", &["await acquire S", "release S"]),
            ("c", &["await asyncio.sleep 0", "await acquire S", "release S"]),
        ],
    );
    let c_first = "sometimes (progress(c) == 2 && progress(b) == 0)";
    assert_eq!(verdict(&toml, c_first, "3.8"), "holds");
    for python in ["3.9", "3.10", "3.11", "3.12", "3.13", "3.13t"] {
        assert_eq!(verdict(&toml, c_first, python), "refuted", "{python}");
    }
    // Barging leaves b waiting again, at the back; it still gets in once c releases.
    for python in ["3.8", "3.11"] {
        assert_eq!(verdict(&toml, "eventually all_done", python), "holds", "{python}");
    }
}

#[test]
fn a_resumed_waiter_passes_on_one_permit_on_3_11_and_all_on_3_12() {
    // w's permit is handed over and two more are released before n1 and n2 ask; they wait
    // behind w (its future is done but it is still in `_waiters`). When w resumes with two
    // permits left, 3.11 wakes n1 only (n1 wakes n2 later), 3.12+ wakes both at once.
    let toml = aio(
        "[semaphores]\nS = 0\n",
        &[
            ("w", &["await acquire S"]),
            ("n1", &["await asyncio.sleep 0", "await acquire S"]),
            ("n2", &["await asyncio.sleep 0", "await acquire S"]),
            ("r", &["release S", "release S", "release S"]),
        ],
    );
    let both_woken = "sometimes (ready(n1) && ready(n2) && progress(n1) == 1 && progress(n2) == 1)";
    for python in ["3.10", "3.11"] {
        assert_eq!(verdict(&toml, both_woken, python), "refuted", "{python}");
    }
    for python in ["3.12", "3.13"] {
        assert_eq!(verdict(&toml, both_woken, python), "holds", "{python}");
    }
    for python in ["3.8", "3.11", "3.12"] {
        assert_eq!(verdict(&toml, "eventually all_done", python), "holds", "{python}");
    }
    // 3.9 wakes no one when w resumes: n1 and n2 wait while two permits are free
    // (`_wakeup_scheduled` kept them out, and only `release` wakes a waiter).
    let row = check_one(&scenario(&toml), "never deadlock", Some("3.9")).unwrap();
    assert_eq!(row.verdict, "refuted");
    assert!(row.notes[0].contains("task n1 awaits asyncio.Semaphore `S`"), "{}", row.notes[0]);
}

#[test]
fn a_woken_queue_getter_can_find_the_item_taken_and_wait_again() {
    // g1 waits on the empty queue; p puts one item and wakes g1; g2, scheduled before g1's
    // wake-up, runs first and takes it (`Queue.get` loops `while self.empty()`); g1 waits again.
    let toml = aio(
        "[queues]\nQ = { kind = \"asyncio\" }\n",
        &[
            ("g1", &["await queue.get Q", "write got1 1"]),
            ("g2", &["await asyncio.sleep 0", "await queue.get Q", "write got2 1"]),
            ("p", &["await queue.put Q"]),
        ],
    );
    assert_eq!(verdict(&toml, "sometimes (var(got2) == 1 && !done(g1) && qsize(Q) == 0)", "3.11"), "holds");
    let row = check_one(&scenario(&toml), "never deadlock", Some("3.11")).unwrap();
    assert_eq!(row.verdict, "refuted");
    assert_eq!(row.notes[0], "deadlock: task g1 awaits a get from empty asyncio.Queue `Q`");
    // With a second item g1 gets one too.
    let two = toml.replace("steps = [\"await queue.put Q\"]", "steps = [\"await queue.put Q\", \"await queue.put Q\"]");
    assert_eq!(verdict(&two, "never deadlock", "3.11"), "holds");
}

#[test]
fn a_full_asyncio_queue_suspends_put_until_a_get() {
    let toml = aio(
        "[queues]\nQ = { maxsize = 1 }\n",
        &[("p", &["await queue.put Q", "await queue.put Q", "write sent 2"]), ("c", &["await queue.get Q"])],
    );
    // The second put waits for c's get: the queue never holds two.
    assert_eq!(verdict(&toml, "always qsize(Q) <= 1", "3.11"), "holds");
    assert_eq!(verdict(&toml, "eventually all_done", "3.11"), "holds");
    let unbounded = toml.replace("{ maxsize = 1 }", "{}");
    assert_eq!(verdict(&unbounded, "always qsize(Q) <= 1", "3.11"), "refuted");
    let alone = aio("[queues]\nQ = { maxsize = 1 }\n", &[("p", &["await queue.put Q", "await queue.put Q"])]);
    let row = check_one(&scenario(&alone), "never deadlock", Some("3.11")).unwrap();
    assert_eq!(row.notes[0], "deadlock: task p awaits a put into full asyncio.Queue `Q`");
}

#[test]
fn an_event_waiter_woken_by_set_returns_even_if_clear_comes_first() {
    // s sets and at once clears E; w's future was set, so `wait` returns True on resuming.
    let toml = aio("", &[("w", &["await event.wait E", "write y 1"]), ("s", &["event.set E", "event.clear E"])]);
    assert_eq!(verdict(&toml, "eventually all_done", "3.11"), "holds");
    // A waiter that comes after the clear waits for good.
    let late =
        aio("", &[("w", &["await asyncio.sleep 0", "await event.wait E"]), ("s", &["event.set E", "event.clear E"])]);
    let row = check_one(&scenario(&late), "never deadlock", Some("3.11")).unwrap();
    assert_eq!(row.notes[0], "deadlock: task w awaits asyncio.Event `E`, which no one left will set");
    // A set event lets a waiter through without suspending (no one would wake it).
    let set_first = aio("", &[("s", &["event.set E"]), ("w", &["await event.wait E", "write y 1"])]);
    assert_eq!(verdict(&set_first, "eventually all_done", "3.11"), "holds");
}

#[test]
fn event_set_wakes_every_waiter_in_the_order_they_began_to_wait() {
    let toml = aio(
        "",
        &[
            ("w1", &["await event.wait E", "write order local+1"]),
            ("w2", &["await event.wait E", "read order", "write order local+2"]),
            ("s", &["event.set E"]),
        ],
    );
    // w1 resumes first and writes 1; w2 then reads it and writes 3.
    assert_eq!(verdict(&toml, "always (all_done -> var(order) == 3)", "3.11"), "holds");
}

#[test]
fn a_suspended_task_has_not_completed_the_await_it_is_suspended_in() {
    // Before the fix, a task waiting for its timer counted the `await asyncio.sleep` as done.
    let toml = aio("", &[("t", &["await asyncio.sleep 1", "compute 1"])]);
    assert_eq!(verdict(&toml, "never (progress(t) == 1 && ready(t))", "3.11"), "holds");
    assert_eq!(verdict(&toml, "sometimes (progress(t) == 0 && ready(t))", "3.11"), "holds");
    assert_eq!(verdict(&toml, "sometimes progress(t) == 1", "3.11"), "holds");
}

#[test]
fn shared_spellings_in_a_task_resolve_by_the_names_other_uses() {
    let parse = |toml: &str| parse_scenario(std::path::Path::new("t.toml"), toml, "t");
    let steps = |toml: &str| parse(toml).unwrap().tasks[0].steps.clone();
    // `release S` gives back an asyncio.Semaphore that a task acquires …
    let sem = aio("", &[("a", &["await acquire S", "release S"])]);
    assert_eq!(steps(&sem)[1], Step::AsyncSemRelease("S".into()));
    // … an asyncio.Lock otherwise …
    let lock = aio("", &[("a", &["await lock L", "release L"])]);
    assert_eq!(steps(&lock)[1], Step::Release("L".into()));
    // … and a threading.Semaphore that a thread acquires.
    let thread_sem =
        format!("{}\n[[threads]]\nname = \"t\"\nsteps = [\"acquire S\"]\n", aio("", &[("a", &["release S"])]));
    assert_eq!(steps(&thread_sem)[0], Step::SemRelease("S".into()));
    // `event.set E` in a task is asyncio's unless only threading steps use E.
    let async_event = aio("", &[("a", &["event.set E"])]);
    assert_eq!(steps(&async_event)[0], Step::AsyncEventSet("E".into()));
    let thread_event =
        format!("{}\n[[threads]]\nname = \"t\"\nsteps = [\"event.wait E\"]\n", aio("", &[("a", &["event.set E"])]));
    assert_eq!(steps(&thread_event)[0], Step::EventSet("E".into()));
    // One class per name, with the location.
    let mixed = format!(
        "{}\n[[threads]]\nname = \"t\"\nsteps = [\"event.wait E\"]\n",
        aio("", &[("a", &["await event.wait E"])])
    );
    let err = parse(&mixed).unwrap_err().to_string();
    assert!(err.contains("t.toml:8:11: `E` is used here as an asyncio.Event but is a threading.Event"), "{err}");
    let declared = aio("[queues]\nQ = { kind = \"thread\" }\n", &[("a", &["await queue.get Q"])]);
    let err = parse(&declared).unwrap_err().to_string();
    assert!(err.contains("`Q` is used here as an asyncio.Queue but is a queue.Queue"), "{err}");
    let bogus = aio("[queues]\nQ = { kind = \"trio\" }\n", &[("a", &["await queue.get Q"])]);
    let err = parse(&bogus).unwrap_err().to_string();
    assert!(err.contains("t.toml:2:") && err.contains("unknown queue kind `trio`"), "{err}");
    // A thread cannot await.
    let thread = "[[threads]]\nname = \"t\"\nsteps = [\"await queue.get Q\"]\n";
    assert!(parse(thread).unwrap_err().to_string().contains("a thread cannot await"));
}
