//! One focused test per modelled CPython rule, each on a scenario of a few lines.

mod common;

use gilcheck::cpython::model::{Action, GilModel};
use gilcheck::cpython::program::System;
use gilcheck::cpython::state::GilRel;

use common::{scenario, value, verdict};

const TWO_INCR: &str = r#"
[[threads]]
name = "t"
count = 2
steps = ["incr x", "incr x"]
"#;

#[test]
fn incr_is_atomic_only_where_switch_points_are_calls() {
    let check = "always (all_done -> var(x) == 4)";
    assert_eq!(verdict(TWO_INCR, check, "2.7"), "refuted");
    assert_eq!(verdict(TWO_INCR, check, "3.9"), "refuted");
    assert_eq!(verdict(TWO_INCR, check, "3.10"), "holds");
    assert_eq!(verdict(TWO_INCR, check, "3.11"), "holds");
    assert_eq!(verdict(TWO_INCR, check, "3.13"), "holds");
    assert_eq!(verdict(TWO_INCR, check, "3.13t"), "refuted");
}

#[test]
fn incr_with_a_call_races_on_every_version() {
    let toml = TWO_INCR.replace("incr x", "incr_call x");
    for v in ["2.7", "3.9", "3.11", "3.13t"] {
        assert_eq!(verdict(&toml, "always (all_done -> var(x) == 4)", v), "refuted", "{v}");
    }
}

#[test]
fn lost_update_loses_exactly_the_interleaved_increment() {
    assert_eq!(value(TWO_INCR, "min var(x) when all_done", "3.9"), serde_json::json!(2));
    assert_eq!(value(TWO_INCR, "min var(x) when all_done", "3.11"), serde_json::json!(4));
}

const SLEEP_BESIDE_CPU: &str = r#"
[[threads]]
name = "t1"
steps = ["compute 1", "time.sleep 2", "compute 1"]

[[threads]]
name = "t2"
steps = ["compute 2"]
"#;

#[test]
fn time_sleep_releases_the_gil() {
    for v in ["2.7", "3.9", "3.11"] {
        assert_eq!(verdict(SLEEP_BESIDE_CPU, "never (sleeping(t1) && holds_gil(t1))", v), "holds", "{v}");
        assert_eq!(verdict(SLEEP_BESIDE_CPU, "sometimes (sleeping(t1) && running(t2))", v), "holds", "{v}");
    }
}

#[test]
fn a_voluntary_release_may_be_won_straight_back() {
    let toml = r#"
[[threads]]
name = "a"
steps = ["compute 1", "io 1", "compute 1"]

[[threads]]
name = "b"
steps = ["compute 2"]
"#;
    // `a` goes first, releases the GIL for its I/O and wins it back before `b` ever runs.
    assert_eq!(verdict(toml, "sometimes (done(a) && gil_handoffs == 0)", "3.11"), "holds");
}

/// Under `FORCE_SWITCHING`, a thread that dropped the GIL with a drop request pending cannot
/// take it again before another thread has: checked on every reachable state.
#[test]
fn a_forced_drop_waits_for_another_taker() {
    let s = scenario(
        r#"
[[threads]]
name = "t"
count = 3
steps = ["compute 2", "io 1", "compute 1"]
"#,
    );
    let sys = System::compile(&s, &s.runtime).unwrap();
    let n = sys.threads.len();
    // Hand-offs counted, so that the GIL's last holder is kept.
    let caps = gilcheck::cpython::gil::Caps { handoffs: 1, ..Default::default() };
    let model = GilModel::new(sys, caps);
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![model.initial()];
    let mut switching_seen = false;
    while let Some(st) = stack.pop() {
        if !seen.insert(st) {
            continue;
        }
        let mut actions = Vec::new();
        model.enabled(&st, &mut actions);
        for t in 0..n {
            if st.threads[t].gil == GilRel::Switching {
                switching_seen = true;
                assert!(!actions.contains(&Action::TakeGil(t as u8)), "a switching thread retook the GIL");
            }
        }
        for a in actions {
            let next = model.apply(&st, a);
            if st.threads.iter().any(|th| th.gil == GilRel::Switching) {
                if let Action::TakeGil(t) = a {
                    assert_ne!(next.gil.last_holder, st.gil.last_holder, "switch by {t}");
                }
            }
            stack.push(next);
        }
    }
    assert!(switching_seen, "the scenario never forced a switch");
}

#[test]
fn await_coro_does_not_yield_but_sleep_zero_does() {
    let toml = |first: &str| {
        format!(
            r#"
[[threads]]
name = "main"
loop = ["a", "b"]

[[tasks]]
name = "a"
steps = ["{first}", "compute 1"]

[[tasks]]
name = "b"
steps = ["compute 1"]
"#
        )
    };
    let check = "never (done(b) && !done(a))";
    assert_eq!(verdict(&toml("await coro"), check, "3.11"), "holds");
    assert_eq!(verdict(&toml("await asyncio.sleep 0"), check, "3.11"), "refuted");
}

#[test]
fn the_ready_queue_is_fifo() {
    let toml = r#"
[[threads]]
name = "main"
loop = ["a", "b", "c"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep 0", "compute 1"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep 0", "compute 1"]

[[tasks]]
name = "c"
steps = ["await asyncio.sleep 0", "compute 1"]
"#;
    assert_eq!(verdict(toml, "never (done(b) && !done(a)) ", "3.11"), "holds");
    assert_eq!(verdict(toml, "never (done(c) && !done(b))", "3.11"), "holds");
    assert_eq!(verdict(toml, "always running_tasks <= 1", "3.13t"), "holds");
}

#[test]
fn a_timer_wakeup_takes_two_rounds_and_sleep_zero_one() {
    // `b` yields with sleep(0) twice while `a`'s timer fires at once (untimed: any moment):
    // a timer's callback sets the future in one round, the task runs the round after.
    let toml = r#"
[[threads]]
name = "main"
loop = ["a", "b"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep 1", "write x 1"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep 0", "await asyncio.sleep 0", "write y 1"]

[vars]
x = 0
"#;
    // Even if the timer is due at once, `a` resumes no earlier than b's second resumption.
    assert_eq!(verdict(toml, "never (var(x) == 1 && progress(b) < 2)", "3.11"), "holds");
}

#[test]
fn blocking_call_in_a_task_stalls_the_loop() {
    let toml = r#"
[runtime]
time = "ticks"
horizon = 40

[[threads]]
name = "main"
loop = ["ticker", "sleeper"]

[[tasks]]
name = "ticker"
steps = ["await asyncio.sleep 1", "compute 1"]

[[tasks]]
name = "sleeper"
steps = ["time.sleep 20", "compute 1"]
"#;
    // Due at t=1; the loop is stuck in time.sleep until t=20, then the sleeper's compute 1.
    assert_eq!(value(toml, "max lateness(ticker)", "3.11"), serde_json::json!(20));
    let offloaded = toml.replace("\"time.sleep 20\"", "\"await to_thread time.sleep 20\"");
    assert_eq!(value(&offloaded, "max lateness(ticker)", "3.11"), serde_json::json!(0));
}

#[test]
fn executor_jobs_share_the_gil_except_free_threaded() {
    let toml = r#"
[runtime]
time = "ticks"

[[threads]]
name = "main"
loop = ["a", "b"]

[[tasks]]
name = "a"
steps = ["await to_thread compute 4"]

[[tasks]]
name = "b"
steps = ["await to_thread compute 4"]
"#;
    assert_eq!(value(toml, "min now when all_done", "3.11"), serde_json::json!(8));
    assert_eq!(value(toml, "min now when all_done", "2.7"), serde_json::json!(8));
    assert_eq!(value(toml, "min now when all_done", "3.13t"), serde_json::json!(4));
    // c_nogil work runs in parallel even under the GIL.
    let nogil = toml.replace("compute 4", "c_nogil 4");
    assert_eq!(value(&nogil, "min now when all_done", "3.11"), serde_json::json!(4));
}

#[test]
fn free_threading_is_bounded_by_cores() {
    let toml = |cores: u32| {
        format!(
            r#"
[runtime]
time = "ticks"
cores = {cores}

[[threads]]
name = "t"
count = 3
steps = ["compute 2"]
"#
        )
    };
    assert_eq!(value(&toml(1), "max running_python", "3.13t"), serde_json::json!(1));
    assert_eq!(value(&toml(2), "max running_python", "3.13t"), serde_json::json!(2));
    assert_eq!(value(&toml(4), "max running_python", "3.13t"), serde_json::json!(3));
    assert_eq!(value(&toml(2), "min now when all_done", "3.13t"), serde_json::json!(3));
    assert_eq!(value(&toml(4), "min now when all_done", "3.13t"), serde_json::json!(2));
    assert_eq!(value(&toml(4), "min now when all_done", "3.11"), serde_json::json!(6));
}

const CONVOY: &str = r#"
[runtime]
time = "ticks"
switch_interval = 5
horizon = 40

[[threads]]
name = "io"
steps = ["io 1", "compute 1", "io 1", "compute 1"]

[[threads]]
name = "cpu"
count = 1
steps = ["compute 40"]
"#;

#[test]
fn convoy_waits_one_switch_interval_beside_one_cpu_thread() {
    assert_eq!(value(CONVOY, "max gil_wait(io)", "3.11"), serde_json::json!(5));
    let fast = CONVOY.replace("switch_interval = 5", "switch_interval = 1");
    assert_eq!(value(&fast, "max gil_wait(io)", "3.11"), serde_json::json!(1));
}

#[test]
fn convoy_is_unbounded_beside_two_cpu_threads() {
    let two = CONVOY.replace("count = 1", "count = 2");
    // Nothing bounds the wait: the I/O thread can wait until the horizon cuts the path, so the
    // value is only a lower bound.
    let v = value(&two, "max gil_wait(io)", "3.11");
    let at_least: i64 = v.as_str().and_then(|s| s.strip_prefix(">= ")).and_then(|n| n.parse().ok()).unwrap();
    assert!(at_least >= 30, "max gil_wait {v}");
}

#[test]
fn old_gil_lets_the_holder_win_back_every_time() {
    let toml = r#"
[runtime]
time = "ticks"
horizon = 20

[[threads]]
name = "a"
steps = ["compute 20"]

[[threads]]
name = "b"
steps = ["compute 1"]
"#;
    assert_eq!(verdict(toml, "sometimes (now >= 20 && !done(b))", "2.7"), "holds");
    // The new GIL hands over within a switch interval.
    assert_eq!(verdict(toml, "sometimes (now >= 20 && !done(b))", "3.11"), "refuted");
}

#[test]
fn c_call_has_no_switch_point_inside() {
    let toml = r#"
[runtime]
time = "ticks"
switch_interval = 1
horizon = 30

[[threads]]
name = "c"
steps = ["c_call 10"]

[[threads]]
name = "py"
steps = ["io 1", "compute 1"]
"#;
    // The waiter asks after 1 tick, but the C call keeps the GIL until it returns.
    let v = value(toml, "max gil_wait(py)", "3.11").as_i64().unwrap();
    assert!(v >= 9, "max gil_wait {v}");
}

#[test]
fn asyncio_lock_is_fifo_and_threading_lock_is_not() {
    let alock = r#"
[[threads]]
name = "main"
loop = ["holder", "w1", "w2"]

[[tasks]]
name = "holder"
steps = ["await lock L", "await asyncio.sleep 1", "release L"]

[[tasks]]
name = "w1"
steps = ["await lock L", "write first 1", "release L"]

[[tasks]]
name = "w2"
steps = ["await lock L", "write first 2", "release L"]
"#;
    assert_eq!(verdict(alock, "never (var(first) == 2 && !done(w1))", "3.11"), "holds");
    let tlock = r#"
[[threads]]
name = "holder"
steps = ["lock L", "compute 1", "unlock L"]

[[threads]]
name = "w1"
steps = ["compute 1", "lock L", "write first 1", "unlock L"]

[[threads]]
name = "w2"
steps = ["compute 2", "lock L", "write first 2", "unlock L"]
"#;
    assert_eq!(verdict(tlock, "never (var(first) == 2 && !done(w1))", "3.11"), "refuted");
}

#[test]
fn await_task_waits_for_it_to_finish() {
    let toml = r#"
[[threads]]
name = "main"
loop = ["parent", "child"]

[[tasks]]
name = "parent"
steps = ["await task child", "write x 1"]

[[tasks]]
name = "child"
steps = ["await asyncio.sleep 1", "compute 1"]
"#;
    assert_eq!(verdict(toml, "never (var(x) == 1 && !done(child))", "3.11"), "holds");
    assert_eq!(verdict(toml, "sometimes all_done", "3.11"), "holds");
}

#[test]
fn loop_thread_waits_for_the_gil_beside_a_cpu_thread_but_not_on_free_threading() {
    let toml = r#"
[runtime]
time = "ticks"
horizon = 20

[[threads]]
name = "main"
loop = ["ticker"]

[[threads]]
name = "cpu"
steps = ["compute 20"]

[[tasks]]
name = "ticker"
repeat = true
steps = ["await asyncio.sleep 1", "compute 1"]
"#;
    assert_eq!(verdict(toml, "never gil_wait(main) > 0", "3.11"), "refuted");
    assert_eq!(verdict(toml, "never gil_wait(main) > 0", "3.13t"), "holds");
    assert_eq!(verdict(toml, "always gil_handoffs == 0", "3.11"), "refuted");
}

#[test]
fn a_counter_that_grows_around_a_cycle_has_an_unbounded_max() {
    let endless = r#"
[[threads]]
name = "t"
count = 2
repeat = true
steps = ["compute 1"]
"#;
    assert_eq!(value(endless, "max gil_handoffs", "3.11"), serde_json::json!("unbounded"));
    // Untimed covers an OS that delays each new holder for a whole interval before it moves,
    // so even threads that finish may hand the GIL over without bound; with a clock that runs
    // the holder they hand it over a bounded number of times.
    let finite = endless.replace("repeat = true\n", "");
    assert_eq!(value(&finite, "max gil_handoffs", "3.11"), serde_json::json!("unbounded"));
    let timed = format!("[runtime]\ntime = \"ticks\"\n{finite}");
    let v = value(&timed, "max gil_handoffs", "3.11").as_i64().unwrap();
    assert!((1..10).contains(&v), "{v}");
}

/// Walks `actions` from the initial state of `toml` under `python`, each of which must be
/// enabled; returns the model and the state reached.
fn walk(toml: &str, python: &str, actions: &[Action]) -> (GilModel, gilcheck::cpython::state::State) {
    let s = scenario(toml);
    let sys = System::compile(&s, &s.runtime.with_python(python).unwrap()).unwrap();
    let model = GilModel::new(sys, Default::default());
    let mut st = model.initial();
    for &a in actions {
        let mut enabled = Vec::new();
        model.enabled(&st, &mut enabled);
        assert!(enabled.contains(&a), "{a:?} not enabled on {python}: {enabled:?}");
        st = model.apply(&st, a);
    }
    (model, st)
}

fn enabled(model: &GilModel, st: &gilcheck::cpython::state::State) -> Vec<Action> {
    let mut out = Vec::new();
    model.enabled(st, &mut out);
    out
}

/// 3.10+ `CALL` checks the eval breaker once a C function has returned
/// (`Python/bytecodes.c`), so a drop request pending at the end of `sorted(a)` is honoured
/// before a following `v = x`; measured by `experiments/eval_breaker_side_of_call.py`.
#[test]
fn a_switch_can_come_right_after_a_c_call_returns() {
    let toml = "[[threads]]\nname = \"a\"\nsteps = [\"c_call 1\", \"read x\", \"write x local+1\"]\n\n[[threads]]\nname = \"b\"\nsteps = [\"compute 1\"]\n";
    let path = [Action::TakeGil(0), Action::Step(0, 1), Action::Timeout(1), Action::Step(0, 0)];
    for python in ["3.10", "3.11", "3.13"] {
        let (model, st) = walk(toml, python, &path);
        assert!(enabled(&model, &st).contains(&Action::ForcedDrop(0)), "{python}");
    }
}

/// Nothing checks the eval breaker before a C call begins (`LOAD_GLOBAL`, `LOAD_ATTR`,
/// `CALL`'s own start do not): `x = 1; lock.acquire()` cannot switch between the two on 3.10+.
#[test]
fn no_switch_comes_before_a_c_call_begins() {
    let toml = "[[threads]]\nname = \"a\"\nsteps = [\"write x 1\", \"lock L\", \"unlock L\"]\n\n[[threads]]\nname = \"b\"\nsteps = [\"compute 1\"]\n";
    let (model, st) = walk(toml, "3.11", &[Action::TakeGil(0), Action::Step(0, 0), Action::Timeout(1)]);
    assert_eq!(enabled(&model, &st), vec![Action::Step(0, 0)], "only `lock L` may come next");
    let (model, st) = walk(toml, "3.9", &[Action::TakeGil(0), Action::Step(0, 0), Action::Timeout(1)]);
    assert!(enabled(&model, &st).contains(&Action::ForcedDrop(0)), "3.9 switches at any bytecode");
}

/// 2.7 has no non-blocking first try: `lock_PyThread_acquire_lock` releases the GIL around
/// every acquire, free lock or not (`Modules/threadmodule.c`); 3.x keeps it for a free lock
/// (`acquire_timed`). Measured by `experiments/gil_release_probe.py`.
#[test]
fn a_free_lock_acquire_releases_the_gil_only_on_2_7() {
    let toml = "[[threads]]\nname = \"a\"\nsteps = [\"lock L\", \"unlock L\"]\n";
    let (_, st) = walk(toml, "2.7", &[Action::TakeGil(0), Action::Step(0, 0)]);
    assert_ne!(st.threads[0].gil, GilRel::Has);
    let (_, st) = walk(toml, "3.9", &[Action::TakeGil(0), Action::Step(0, 0)]);
    assert_eq!(st.threads[0].gil, GilRel::Has);
}

/// `ThreadPoolExecutor(max_workers=None)`: `cpu_count * 5` on 3.5–3.7, `min(32, cpu_count + 4)`
/// from 3.8 (`Lib/concurrent/futures/thread.py`).
#[test]
fn the_default_executor_is_larger_before_3_8() {
    let mut toml = String::from("[runtime]\ncores = 1\n\n[[threads]]\nname = \"main\"\nloop = [\"job\"]\n\n[[tasks]]\nname = \"job\"\ncount = 7\nsteps = [\"await to_thread time.sleep 1\"]\n");
    let workers = |toml: &str, python: &str| {
        let s = scenario(toml);
        let sys = System::compile(&s, &s.runtime.with_python(python).unwrap()).unwrap();
        sys.loops[0].workers.len()
    };
    assert_eq!((workers(&toml, "3.7"), workers(&toml, "3.8")), (5, 5));
    toml = toml.replace("cores = 1", "cores = 2");
    assert_eq!((workers(&toml, "3.6"), workers(&toml, "3.8"), workers(&toml, "3.11")), (7, 6, 6));
}
