//! One test per modelled CPython rule that tests/semantics.rs leaves open: each fails when
//! its rule is changed (SPEC §7). Verdicts and values of small scenarios where the rule
//! shows in what a claim can see; where the model never reaches the situation a rule is
//! about by its own actions, the test builds the state and applies the action directly.

mod common;

use gilcheck::cpython::gil;
use gilcheck::cpython::model::{Action, GilModel};
use gilcheck::cpython::program::{default_executor_workers, System};
use gilcheck::cpython::state::{GilRel, Phase, State, WaitRound};

use common::{scenario, value, verdict};
use serde_json::json;

/// The model of `toml` under `python`, with the counters and clocks of `caps`.
fn model(toml: &str, python: &str, caps: gil::Caps) -> GilModel {
    let s = scenario(toml);
    let runtime = s.runtime.with_python(python).unwrap();
    GilModel::new(System::compile(&s, &runtime).unwrap(), caps)
}

fn enabled(m: &GilModel, s: &State) -> Vec<Action> {
    let mut out = Vec::new();
    m.enabled(s, &mut out);
    out
}

/// Applies `actions` from the initial state, each of which must be enabled.
fn drive(m: &GilModel, actions: &[Action]) -> State {
    let mut s = m.initial();
    for &a in actions {
        assert!(enabled(m, &s).contains(&a), "{a:?} not enabled in {}", m.describe_state(&s));
        s = m.apply(&s, a);
    }
    s
}

fn int(v: serde_json::Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not a number: {v}"))
}

// ---------------------------------------------------------------------------------------------
// The GIL
// ---------------------------------------------------------------------------------------------

const TWO_CPU: &str = r#"
[runtime]
time = "ticks"
switch_interval = 2
check_interval = 2
horizon = 12

[[threads]]
name = "a"
steps = ["compute 6"]

[[threads]]
name = "b"
steps = ["compute 6"]
"#;

/// Threads that hand the GIL over only by blocking calls and by exiting (ticks, a switch
/// interval longer than any wait, a check interval longer than any run).
const VOLUNTARY: &str = r#"
[runtime]
time = "ticks"
switch_interval = 9
check_interval = 9
horizon = 20

[[threads]]
name = "a"
steps = ["compute 1", "io 1", "compute 1"]

[[threads]]
name = "b"
steps = ["compute 1"]
"#;

/// `forced_switches` counts the hand-offs where the holder was made to let go: a drop
/// request seen at a switch point (`Python/ceval_gil.c: take_gil` sets `gil_drop_request`,
/// `Python/ceval.c: _Py_HandlePending` drops) and 2.7's check interval (`Python/ceval.c:
/// PyEval_EvalFrameEx`, `--_Py_Ticker < 0`), but not a release for a blocking call
/// (`Py_BEGIN_ALLOW_THREADS` → `PyEval_SaveThread`) nor a thread exiting
/// (`Modules/_threadmodule.c: thread_run` → `PyThreadState_DeleteCurrent`).
#[test]
fn forced_switches_count_drop_requests_and_check_intervals_only() {
    for python in ["3.9", "3.11", "2.7"] {
        assert_eq!(verdict(TWO_CPU, "sometimes forced_switches >= 1", python), "holds", "{python}");
        // A forced release that the holder wins straight back is no switch.
        assert_eq!(verdict(TWO_CPU, "always forced_switches <= gil_handoffs", python), "holds", "{python}");
        // A blocking call hands over (`a`'s I/O lets `b` in) and so does an exit; neither is forced.
        assert_eq!(verdict(VOLUNTARY, "sometimes (gil_handoffs >= 1 && !done(b))", python), "holds", "{python}");
        assert_eq!(verdict(VOLUNTARY, "sometimes gil_handoffs >= 2", python), "holds", "{python}");
        assert_eq!(verdict(VOLUNTARY, "never forced_switches >= 1", python), "holds", "{python}");
    }
    // An exit alone: `a` runs to its end, then `b` takes the GIL.
    let exit = VOLUNTARY.replace(r#"["compute 1", "io 1", "compute 1"]"#, r#"["compute 2"]"#);
    assert_eq!(verdict(&exit, "sometimes (gil_handoffs >= 1 && done(a) && !done(b))", "3.11"), "holds");
    assert_eq!(verdict(&exit, "never forced_switches >= 1", "3.11"), "holds");
}

/// The old GIL, ticks mode: the holder lets go every `check_interval` ticks of bytecode
/// (2.7 `Python/ceval.c: PyEval_EvalFrameEx`: `if (--_Py_Ticker < 0)`, set by
/// `sys.setcheckinterval`); a C call is one instruction however long it runs.
#[test]
fn old_gil_lets_go_every_check_interval_ticks_of_bytecode() {
    // `b` sleeps first (or waits for `a`'s first release to start), then needs one tick.
    let toml = |interval: u32, first: &str| {
        format!(
            r#"
[runtime]
time = "ticks"
check_interval = {interval}
horizon = 30

[[threads]]
name = "a"
steps = [{first}"compute 12"]

[[threads]]
name = "b"
steps = ["time.sleep 1", "compute 1"]
"#
        )
    };
    for k in [2, 3, 5] {
        // `b` sleeps at 0 and wants the GIL at 1, but `a` keeps it until its k-th tick.
        assert_eq!(value(&toml(k, ""), "min now when done(b)", "2.7"), json!(k + 1), "check_interval {k}");
        assert_eq!(value(&toml(k, ""), "min now when forced_switches >= 1", "2.7"), json!(k), "{k}");
    }
    // Three ticks inside a C call count as no bytecode: `a` passes its check at 3 + 2.
    assert_eq!(value(&toml(2, r#""c_call 3", "#), "min now when done(b)", "2.7"), json!(6));
    // The new GIL has no check interval: `b`'s switch interval (5) decides.
    assert_eq!(value(&toml(2, ""), "min now when done(b)", "3.11"), json!(7));
}

/// 2.7 resets its ticker to the check interval on a check-interval release (`_Py_Ticker =
/// _Py_CheckInterval` before `PyThread_release_lock` in `Python/ceval.c: PyEval_EvalFrameEx`);
/// a release for a blocking call (`Py_BEGIN_ALLOW_THREADS`) leaves `_Py_Ticker` alone, so
/// the next holder inherits the count.
#[test]
fn old_gil_resets_its_ticker_on_a_check_interval_release_only() {
    // The holder that wins its check-interval release back runs a full interval again: `b`
    // can still be waiting after `a`'s second interval began.
    let hog = r#"
[runtime]
time = "ticks"
check_interval = 3
horizon = 20

[[threads]]
name = "a"
steps = ["compute 12"]

[[threads]]
name = "b"
steps = ["compute 1"]
"#;
    assert_eq!(verdict(hog, "sometimes (now == 5 && holds_gil(a) && progress(b) == 0)", "2.7"), "holds");
    assert_eq!(
        verdict(hog, "never (now < 3 && holds_gil(b) && progress(a) == 0 && forced_switches >= 1)", "2.7"),
        "holds"
    );
    // `a` computes 3 ticks and blocks; `b` takes over with the count at 3 and passes the
    // check (5) after 2 more ticks, not 5: the first forced hand-off comes at 5, not 8.
    let carry = r#"
[runtime]
time = "ticks"
check_interval = 5
horizon = 30

[[threads]]
name = "a"
steps = ["compute 3", "io 1"]

[[threads]]
name = "b"
steps = ["time.sleep 1", "compute 10"]
"#;
    assert_eq!(value(carry, "min now when forced_switches >= 1", "2.7"), json!(5));
}

/// Any drop while a drop request is pending waits until another thread has taken the GIL,
/// a thread entering a blocking call included (`Python/ceval_gil.c: drop_gil` under
/// `FORCE_SWITCHING`: `if (gil_drop_request && tstate != NULL)` wait on `switch_cond` until
/// `last_holder != tstate`); a thread that exits drops without waiting (`tstate == NULL`).
///
/// On 3.10+ the boundary between `compute` and a blocking call is no switch point (no eval
/// breaker before a C call begins), so a request that arrives there is still pending when
/// the call releases the GIL. The end of a program is a switch point, so the model never
/// exits with a request pending by its own actions: the exit part sets the request.
#[test]
fn a_voluntary_drop_with_a_request_pending_waits_for_the_switch() {
    let toml = r#"
[[threads]]
name = "a"
steps = ["compute 1", "io 1", "compute 1"]

[[threads]]
name = "b"
steps = ["compute 1"]
"#;
    let m = model(toml, "3.11", Default::default());
    // `a` holds the GIL at the step boundary before `io 1`.
    let at_io = drive(&m, &[Action::TakeGil(0), Action::Step(0, 1), Action::Step(0, 0)]);
    // No request pending: `a` releases and its call may return at once.
    let free = drive(&m, &[Action::TakeGil(0), Action::Step(0, 1), Action::Step(0, 0), Action::Step(0, 1)]);
    assert_eq!(free.threads[0].gil, GilRel::No);
    assert!(enabled(&m, &free).contains(&Action::Return(0)));
    // `b`'s interval runs out there; `a` still enters its call, but waits in it until `b`
    // has taken the GIL.
    let requested = m.apply(&at_io, Action::Timeout(1));
    assert!(requested.gil.drop_request);
    assert!(!enabled(&m, &requested).contains(&Action::ForcedDrop(0)), "no switch point before a C call");
    let waiting = drive(
        &m,
        &[Action::TakeGil(0), Action::Step(0, 1), Action::Step(0, 0), Action::Timeout(1), Action::Step(0, 1)],
    );
    assert!(matches!(waiting.threads[0].phase, Phase::Blocked { .. }));
    assert_eq!(waiting.threads[0].gil, GilRel::Switching);
    assert!(!waiting.gil.drop_request);
    assert_eq!(enabled(&m, &waiting), vec![Action::TakeGil(1)]);
    let switched = m.apply(&waiting, Action::TakeGil(1));
    assert_eq!(switched.threads[0].gil, GilRel::No);
    assert!(enabled(&m, &switched).contains(&Action::Return(0)));
    // `b` exits with a request pending: it does not wait.
    let at_end = drive(&m, &[Action::TakeGil(1), Action::Step(1, 1), Action::Step(1, 0)]);
    let mut requested = at_end;
    requested.gil.drop_request = true;
    let exited = m.apply(&requested, Action::Step(1, 0));
    assert_eq!(exited.threads[1].phase, Phase::Done);
    assert_eq!(exited.threads[1].gil, GilRel::No);
    assert!(enabled(&m, &exited).contains(&Action::TakeGil(0)));
}

/// A holder forced to drop still wants the GIL while it waits in `drop_gil` for the switch
/// (`Python/ceval_gil.c: drop_gil`, `FORCE_SWITCHING`; it calls `take_gil` right after), so
/// it counts as waiting (`waiting_gil`) and its `gil_wait` keeps counting (SPEC §7).
///
/// In ticks mode the thread that asked takes the GIL in zero time, so no tick starts while
/// a forced holder waits for the switch; the clock part applies a tick to that state.
#[test]
fn gil_wait_keeps_counting_while_a_forced_holder_waits_for_the_switch() {
    let toml = r#"
[[threads]]
name = "a"
steps = ["compute 1", "compute 1"]

[[threads]]
name = "b"
steps = ["compute 3"]
"#;
    // With the GIL free, both wait, yet `a` has moved: only a forced drop leaves that state.
    let check = "sometimes (gil_free && waiting_gil(a) && waiting_gil(b) && progress(a) == 1 && progress(b) == 0)";
    assert_eq!(verdict(toml, check, "3.11"), "holds");
    let ticks = format!("[runtime]\ntime = \"ticks\"\nswitch_interval = 1\nhorizon = 10\n{toml}");
    let caps = gil::Caps { gil_wait: true, ..Default::default() };
    let m = model(&ticks, "3.11", caps);
    // `a` takes the GIL, computes a tick (b's interval of 1 runs out), drops at the boundary.
    let s = drive(&m, &[Action::TakeGil(0), Action::Step(0, 1), Action::Tick { swap: None }, Action::ForcedDrop(0)]);
    assert_eq!(s.threads[0].gil, GilRel::Switching);
    assert!(gil::waiting(&s, 0));
    let later = m.apply(&s, Action::Tick { swap: None });
    assert_eq!(later.threads[0].gil_wait, s.threads[0].gil_wait + 1);
    assert_eq!(later.threads[1].gil_wait, s.threads[1].gil_wait + 1);
}

// ---------------------------------------------------------------------------------------------
// asyncio
// ---------------------------------------------------------------------------------------------

/// In one round the loop queues the callbacks of ready I/O before the due timers
/// (`Lib/asyncio/base_events.py: _run_once`: `_process_events(event_list)`, then the loop over
/// `_scheduled`). Here the timer falls due first, the I/O a tick later, and the loop collects
/// both together when a blocking step lets it poll again: `b` (I/O) still runs before `a`.
#[test]
fn io_callbacks_go_before_timers_in_a_round() {
    let toml = r#"
[runtime]
time = "ticks"
horizon = 20

[[threads]]
name = "main"
loop = ["a", "b", "c"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep 1", "write x 1"]

[[tasks]]
name = "b"
steps = ["await io 2", "write x 2"]

[[tasks]]
name = "c"
steps = ["time.sleep 3"]
"#;
    assert_eq!(value(toml, "min var(x) when all_done", "3.11"), json!(1));
    assert_eq!(value(toml, "max var(x) when all_done", "3.11"), json!(1));
    // Collected in separate rounds (no blocking step), the timer's task runs first.
    let apart = toml.replace("\"time.sleep 3\"", "\"compute 1\"");
    assert_eq!(value(&apart, "min var(x) when all_done", "3.11"), json!(2));
}

/// A loop whose task `w` resumes after `{wait}` and then writes `x`, beside a task `b` that
/// yields with `asyncio.sleep(0)` each round: `b`'s progress when `x` is written counts the
/// loop's rounds. `{extra}` adds tasks, created between `w` and `b`.
fn rounds_scenario(wait: &str, extra: &str, python: &str) -> i64 {
    let toml = format!(
        r#"
[[threads]]
name = "main"
loop = ["w", {extra_names}"b"]

[[tasks]]
name = "w"
steps = [{wait}, "write x 1"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep 0", "await asyncio.sleep 0", "await asyncio.sleep 0", "await asyncio.sleep 0", "await asyncio.sleep 0", "await asyncio.sleep 0"]
{extra}
"#,
        extra_names = if extra.is_empty() { "" } else { "\"h\", " },
    );
    // b is suspended in its next `sleep(0)` when w writes (w is running): the rounds are the
    // yields b has completed plus that one.
    int(value(&toml, "min progress(b) when var(x) == 1", python)) + 1
}

/// How many rounds a wake-up takes (`Lib/asyncio/base_events.py: _run_once`,
/// `Lib/asyncio/futures.py: Future.__schedule_callbacks`, `Lib/asyncio/tasks.py:
/// Task.__wakeup`): an I/O readiness (the reader callback sets the future) and an executor
/// job (`_chain_future`'s `call_soon_threadsafe(_call_set_state)`) take two, a lock handed
/// over (`Lib/asyncio/locks.py: Lock.release` → `_wake_up_first` → `fut.set_result`) and a
/// finished awaited task (its done-callback `Task.__wakeup`) one. The unit is `sleep(0)`,
/// which takes one round (`tasks.py: __sleep0`).
#[test]
fn wakeups_take_cpythons_number_of_rounds() {
    // sleep(0): `w` yields in round 1 and writes in round 2, after `b`'s first yield.
    assert_eq!(rounds_scenario("\"await asyncio.sleep 0\"", "", "3.11"), 1);
    // I/O: ready at once (untimed), collected in round 2, its callback sets the future there,
    // `w` runs in round 3.
    assert_eq!(rounds_scenario("\"await io 1\"", "", "3.11"), 3);
    // Executor job: done at the earliest while round 1 still runs (the worker takes the GIL
    // at a switch point of the loop), its `_call_set_state` runs in round 2, `w` in round 3.
    // (3.9: switch points everywhere, so the earliest job does not depend on where 3.10+ has them.)
    assert_eq!(rounds_scenario("\"await to_thread time.sleep 1\"", "", "3.9"), 2);
    // A lock handed over: `h` releases in round 2, `w` runs in round 3.
    let holder = r#"
[[tasks]]
name = "h"
steps = ["await lock L", "await asyncio.sleep 0", "release L"]
"#;
    assert_eq!(rounds_scenario("\"await asyncio.sleep 0\", \"await lock L\"", holder, "3.11"), 2);
    // An awaited task: `h` finishes in round 2, `w` runs in round 3.
    let child = r#"
[[tasks]]
name = "h"
steps = ["await asyncio.sleep 0"]
"#;
    assert_eq!(rounds_scenario("\"await task h\"", child, "3.11"), 2);
}

/// The default executor has at most `min(32, os.cpu_count() + 4)` workers
/// (`Lib/concurrent/futures/thread.py: ThreadPoolExecutor.__init__`); a job submitted when
/// all are busy waits in the work queue (`ThreadPoolExecutor.submit`, `_adjust_thread_count`).
#[test]
fn the_executor_has_min_32_cores_plus_4_workers_and_queues_the_rest() {
    assert_eq!(default_executor_workers("3.11", 1), 5);
    assert_eq!(default_executor_workers("3.11", 2), 6);
    assert_eq!(default_executor_workers("3.11", 28), 32);
    assert_eq!(default_executor_workers("3.11", 64), 32);
    let toml = |cores: u32, tasks: u32| {
        format!(
            r#"
[runtime]
time = "ticks"
cores = {cores}
horizon = 30

[[threads]]
name = "main"
loop = ["job"]

[[tasks]]
name = "job"
count = {tasks}
steps = ["await to_thread time.sleep 4"]
"#
        )
    };
    let workers = |cores, tasks| {
        let m = model(&toml(cores, tasks), "3.11", Default::default());
        m.sys.loops[0].workers.len()
    };
    assert_eq!(workers(1, 4), 4, "one worker per offloading task");
    assert_eq!(workers(1, 6), 5);
    assert_eq!(workers(2, 6), 6);
    // Five sleeps run at once on one core; the sixth job waits for a worker.
    let makespan = |cores, tasks| int(value(&toml(cores, tasks), "min now when all_done", "3.11"));
    assert_eq!(makespan(1, 5), makespan(2, 5));
    assert_eq!(makespan(1, 6), makespan(1, 5) + 4);
    assert_eq!(makespan(2, 6), makespan(1, 5));
}

/// Threads that run C code without the GIL (`Py_BEGIN_ALLOW_THREADS`) still need a CPU: on
/// a GIL build with fewer cores than such threads, they cannot all run at once (the OS
/// scheduler; `Python/ceval_gil.c` plays no part).
#[test]
fn gil_builds_run_no_more_threads_than_cores() {
    let toml = |cores: u32| {
        format!(
            r#"
[runtime]
time = "ticks"
cores = {cores}
horizon = 30

[[threads]]
name = "t"
count = 3
steps = ["c_nogil 4"]
"#
        )
    };
    let all_three = "sometimes (running(t0) && running(t1) && running(t2))";
    assert_eq!(verdict(&toml(3), all_three, "3.11"), "holds");
    assert_eq!(verdict(&toml(2), all_three, "3.11"), "refuted");
    assert_eq!(verdict(&toml(2), "sometimes (running(t0) && running(t1))", "3.11"), "holds");
    // Which two run is the OS's choice, and a thread it moved a CPU to keeps it: `t2` runs
    // while `t0`, in its C call too, waits for a CPU.
    let t0_off_cpu = "sometimes (running(t2) && running(t1) && gil_free && !done(t0) && !waiting_gil(t0))";
    assert_eq!(verdict(&toml(2), t0_off_cpu, "3.11"), "holds");
    assert_eq!(value(&toml(3), "min now when all_done", "3.11"), json!(4));
    assert_eq!(value(&toml(2), "min now when all_done", "3.11"), json!(6));
    assert_eq!(value(&toml(1), "min now when all_done", "3.11"), json!(12));
    // One core: the GIL holder's Python and another thread's C code take turns.
    let mixed = r#"
[runtime]
time = "ticks"
cores = 1
horizon = 30

[[threads]]
name = "py"
steps = ["compute 4"]

[[threads]]
name = "c"
steps = ["c_nogil 4"]
"#;
    assert_eq!(verdict(mixed, "sometimes (running(py) && running(c))", "3.11"), "refuted");
    assert_eq!(value(mixed, "min now when all_done", "3.11"), json!(8));
    let two = mixed.replace("cores = 1", "cores = 2");
    assert_eq!(verdict(&two, "sometimes (running(py) && running(c))", "3.11"), "holds");
}

// ---------------------------------------------------------------------------------------------
// Rules the mutation run (`cargo mutants`, .cargo/mutants.toml) found untested
// ---------------------------------------------------------------------------------------------

/// The loop's own code between callbacks is Python (`Lib/asyncio/base_events.py:
/// _run_once`: `handle._run()` in a `for` loop, whose calls and back-edge check the eval
/// breaker), so a drop request is served there: the CPU-bound thread can take the GIL after
/// `a`'s callback and before `b`'s in the same round (`b` resumes before `write y 1`, no
/// switch point on 3.10+).
#[test]
fn a_loop_can_be_made_to_drop_the_gil_between_callbacks() {
    let toml = r#"
[[threads]]
name = "main"
loop = ["a", "b"]

[[threads]]
name = "cpu"
steps = ["compute 3"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep 0", "await asyncio.sleep 0"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep 0", "write y 1"]
"#;
    // a has run its round-2 callback (it is suspended in its second yield), b not yet.
    let between = "sometimes (holds_gil(cpu) && progress(a) == 1 && ready(a) && var(y) == 0)";
    assert_eq!(verdict(toml, between, "3.11"), "holds");
}

/// `task_switches` counts the times a loop resumes a task other than the one it ran last
/// (`Lib/asyncio/tasks.py: Task.__step`, `_enter_task`); the first resumption is no switch,
/// nor is resuming the same task again (SPEC §3).
#[test]
fn task_switches_count_resuming_another_task() {
    let two = r#"
[[threads]]
name = "main"
loop = ["a", "b"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep 0", "compute 1"]

[[tasks]]
name = "b"
steps = ["compute 1"]
"#;
    // a, b, a.
    assert_eq!(value(two, "max task_switches", "3.11"), json!(2));
    let one = r#"
[[threads]]
name = "main"
loop = ["a"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep 0", "await asyncio.sleep 0", "compute 1"]
"#;
    assert_eq!(value(one, "max task_switches", "3.11"), json!(0));
}

/// `asyncio.Lock`: the woken first waiter takes the lock when it resumes
/// (`Lib/asyncio/locks.py: Lock.acquire` after `await fut`), so it holds it alone and its
/// `release` wakes the next one: nobody is left waiting, no two are inside at once.
#[test]
fn an_asyncio_lock_handed_over_is_held_by_the_woken_waiter() {
    let toml = r#"
[[threads]]
name = "main"
loop = ["h", "w"]

[[tasks]]
name = "h"
steps = ["await lock L", "await asyncio.sleep 0", "release L"]

[[tasks]]
name = "w"
count = 2
steps = ["await lock L", "incr inside", "await asyncio.sleep 0", "write inside 0", "release L"]
"#;
    assert_eq!(verdict(toml, "never deadlock", "3.11"), "holds");
    assert_eq!(verdict(toml, "sometimes all_done", "3.11"), "holds");
    assert_eq!(verdict(toml, "never var(inside) >= 2", "3.11"), "holds");
}

/// A `repeat` task (`while True:` in its coroutine) starts over at its end and is never done
/// (`Lib/asyncio/tasks.py: Task.__step` only finishes the task when the coroutine returns).
#[test]
fn a_repeating_task_starts_over() {
    let toml = r#"
[[threads]]
name = "main"
loop = ["r", "b"]

[[tasks]]
name = "r"
repeat = true
steps = ["write n 1", "await asyncio.sleep 0", "write n 2", "await asyncio.sleep 0"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep 0", "await asyncio.sleep 0", "await asyncio.sleep 0"]
"#;
    assert_eq!(verdict(toml, "never done(r)", "3.11"), "holds");
    // `r` writes 1 in rounds 1, 3, 5 …; `b` finishes in round 4.
    assert_eq!(verdict(toml, "sometimes (done(b) && var(n) == 1)", "3.11"), "holds");
}

/// Untimed, timers fire in deadline order: never before one armed earlier (or at the same
/// time) with an equal or shorter delay (`Lib/asyncio/base_events.py: call_at` pushes on the
/// `_scheduled` heap, `_run_once` pops it in `_when` order); one armed earlier with a longer
/// delay may fire either side.
#[test]
fn untimed_timers_fire_in_deadline_order() {
    let toml = |da: u32, db: u32| {
        format!(
            r#"
[[threads]]
name = "main"
loop = ["a", "b"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep {da}", "write x 1"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep {db}", "write y 1"]
"#
        )
    };
    let b_first = "sometimes (var(y) == 1 && var(x) == 0)";
    assert_eq!(verdict(&toml(1, 2), b_first, "3.11"), "refuted");
    assert_eq!(verdict(&toml(1, 1), b_first, "3.11"), "refuted");
    assert_eq!(verdict(&toml(2, 1), b_first, "3.11"), "holds");
    assert_eq!(verdict(&toml(2, 1), "sometimes (var(x) == 1 && var(y) == 0)", "3.11"), "holds");
}

/// A thread that finds a `threading.Lock` held waits with the GIL released and acquires it
/// once it is released (`Modules/_threadmodule.c: acquire_timed`; 2.7 `Modules/threadmodule.c:
/// lock_PyThread_acquire_lock` releases the GIL around every acquire): no deadlock, and
/// never two holders.
#[test]
fn a_threading_lock_waiter_acquires_it_after_the_release_and_alone() {
    let toml = r#"
[[threads]]
name = "t"
count = 2
steps = ["lock L", "incr inside", "compute 1", "write inside 0", "unlock L"]
"#;
    for python in ["2.7", "3.9", "3.11", "3.13t"] {
        assert_eq!(verdict(toml, "never deadlock", python), "holds", "{python}");
        assert_eq!(verdict(toml, "never var(inside) >= 2", python), "holds", "{python}");
        assert_eq!(verdict(toml, "sometimes (blocked(t0) && !holds_gil(t0))", python), "holds", "{python}");
    }
}

/// Weak fairness treats each task's timer as its own unit (README, "Liveness and fairness"):
/// a thread spinning beside the loop cannot keep a due timer from firing forever.
#[test]
fn a_timer_is_fair_beside_a_spinning_thread() {
    let toml = r#"
[[threads]]
name = "spin"
repeat = true
steps = ["compute 1"]

[[threads]]
name = "main"
loop = ["a", "b"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep 1"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep 2"]
"#;
    assert_eq!(verdict(toml, "eventually (done(a) && done(b))", "3.11"), "holds");
}

/// The clock advances only while something changes as time passes (SPEC §7, "Time"): a step
/// on a CPU, a blocked call, a timer; once everything is done it stops short of the horizon.
#[test]
fn the_clock_stops_when_nothing_is_left_to_happen() {
    let toml = r#"
[runtime]
time = "ticks"
horizon = 30

[[threads]]
name = "a"
steps = ["compute 3"]

[[threads]]
name = "b"
steps = ["time.sleep 5"]
"#;
    // With a GIL `b` may start its sleep only after `a`'s 3 ticks; without one both start at 0.
    assert_eq!(value(toml, "max now", "3.11"), json!(8));
    assert_eq!(value(toml, "max now", "3.13t"), json!(5));
}

/// Each loop thread runs its own loop: its own ready queue, timers and tasks
/// (`Lib/asyncio/events.py: get_event_loop` is per thread).
#[test]
fn each_loop_thread_runs_its_own_tasks() {
    let toml = r#"
[[threads]]
name = "main1"
loop = ["a"]

[[threads]]
name = "main2"
loop = ["b"]

[[tasks]]
name = "a"
steps = ["await asyncio.sleep 1", "compute 1"]

[[tasks]]
name = "b"
steps = ["await asyncio.sleep 0", "compute 1"]
"#;
    assert_eq!(verdict(toml, "sometimes all_done", "3.11"), "holds");
    assert_eq!(verdict(toml, "sometimes (done(b) && !done(a))", "3.11"), "holds");
    assert_eq!(verdict(toml, "sometimes running_tasks >= 2", "3.13t"), "holds");
}

/// `v = x; x = v + 1` (`read`, then `write … local+1`) loses an update where a switch point
/// separates the two (every bytecode on <= 3.9, `Python/ceval.c` checks the eval breaker
/// between instructions), not on 3.10+ (no call between them), and always without a GIL.
#[test]
fn read_then_write_loses_updates_only_where_a_switch_point_separates_them() {
    let toml = r#"
[[threads]]
name = "t"
count = 2
steps = ["read x", "write x local+1"]
"#;
    let lowest = "min var(x) when all_done";
    assert_eq!(value(toml, lowest, "3.9"), json!(1));
    assert_eq!(value(toml, lowest, "3.11"), json!(2));
    assert_eq!(value(toml, lowest, "3.13t"), json!(1));
    assert_eq!(value(toml, "max var(x) when all_done", "3.9"), json!(2));
}

/// `lst.append(v)` is one C call that updates the list with no switch point inside
/// (`Objects/listobject.c: list_append`; on free-threaded builds under the list's critical
/// section): no update is ever lost.
#[test]
fn append_never_loses_an_update() {
    let toml = r#"
[[threads]]
name = "t"
count = 2
steps = ["append x", "append x"]
"#;
    for python in ["2.7", "3.9", "3.11", "3.13t"] {
        assert_eq!(value(toml, "min var(x) when all_done", python), json!(4), "{python}");
    }
}

/// Symmetry reduction renames the GIL's holder with the copy it belongs to: in every
/// representative state the holder is the thread that has the GIL.
#[test]
fn symmetry_keeps_the_gil_holder_with_its_thread() {
    let toml = r#"
[[threads]]
name = "t"
count = 3
steps = ["compute 1", "io 1", "compute 1"]
"#;
    let mut m = model(toml, "3.11", Default::default());
    m.symmetry = true;
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![m.representative(&m.initial()).into_owned()];
    while let Some(s) = stack.pop() {
        if !seen.insert(s) {
            continue;
        }
        if s.gil.holder != gilcheck::cpython::state::NONE {
            assert_eq!(s.threads[s.gil.holder as usize].gil, GilRel::Has, "{}", m.describe_state(&s));
        }
        for a in enabled(&m, &s) {
            stack.push(m.representative(&m.apply(&s, a)).into_owned());
        }
    }
    assert!(seen.len() > 20, "{} states", seen.len());
}

/// The model is a stateright `Model` (`gilcheck explore` runs stateright's Explorer on it):
/// stateright's own search reaches every state that `enabled`/`apply` reach.
#[test]
fn stateright_explores_the_whole_model() {
    use stateright::{Checker, Model};
    let toml = r#"
[[threads]]
name = "a"
steps = ["compute 2", "io 1"]

[[threads]]
name = "b"
steps = ["compute 1"]
"#;
    let m = model(toml, "3.11", Default::default());
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![m.initial()];
    while let Some(s) = stack.pop() {
        if seen.insert(s) {
            stack.extend(enabled(&m, &s).into_iter().map(|a| m.apply(&s, a)));
        }
    }
    assert!(seen.len() > 10);
    assert_eq!(m.checker().spawn_bfs().join().unique_state_count(), seen.len());
}

/// Liveness runs assume that a thread the OS lets take the GIL moves at least one step before
/// it can be made to let go (README, "Liveness and fairness"): on the new GIL after every
/// hand-off, voluntary releases included, since each waiter then waits a full fresh interval
/// (`Python/ceval_gil.c: take_gil`); on the old GIL only after a check-interval release, whose
/// ticker starts over (2.7 `Python/ceval.c`), so there the taker may give the GIL back at once.
#[test]
fn after_a_hand_off_the_taker_moves_before_it_must_let_go() {
    let toml = r#"
[[threads]]
name = "io"
repeat = true
steps = ["compute 1", "io 1"]

[[threads]]
name = "b"
steps = ["compute 1"]
"#;
    let check = "(holds_gil(b) && progress(b) == 0) leads_to running(b)";
    assert_eq!(verdict(toml, check, "3.11"), "holds");
    assert_eq!(verdict(toml, check, "3.9"), "holds");
    assert_eq!(verdict(toml, check, "2.7"), "refuted");
}

/// `take_gil` (new GIL): a timed wait during which another thread took the GIL sets no drop
/// request when it times out; the waiter asks one interval after its old deadline, not one
/// interval after the hand-off. b takes the GIL at 25; c, waiting since 17, lets 37 pass and
/// asks at 57: 40 ticks of waiting (20 + 8 if it restarted at the hand-off).
#[test]
fn a_waiter_that_saw_a_switch_keeps_its_deadline_and_asks_one_interval_later() {
    let toml = include_str!("../models/gil/waiter-after-handoff.toml");
    for py in ["3.9", "3.11"] {
        assert_eq!(int(value(toml, "max gil_wait(c)", py)), 40, "{py}");
        assert_eq!(int(value(toml, "max gil_wait(b)", py)), 40, "{py}");
    }
}

/// `take_gil`: a thread that asks for the GIL while it is free and beats the waiter that
/// `drop_gil`'s signal woke leaves that waiter to start a fresh interval: the model lists
/// which waiter was woken, and that one asks a whole interval after the hand-off.
#[test]
fn the_woken_waiter_that_loses_the_race_starts_a_fresh_interval() {
    let toml = r#"
[runtime]
time = "ticks"
switch_interval = 4
horizon = 30

[[threads]]
name = "h"
steps = ["compute 2"]

[[threads]]
name = "w"
steps = ["compute 8"]

[[threads]]
name = "r"
steps = ["compute 8"]
"#;
    let m = model(toml, "3.11", gil::Caps::default());
    // The GIL was just dropped; w has waited 3 ticks of its interval, r asks now.
    let mut s = m.initial();
    s.threads[0].gil = GilRel::No;
    s.threads[1].round = WaitRound::Timing;
    s.threads[1].window = 3;
    assert!(gil::in_timed_wait(&s, 1) && !gil::in_timed_wait(&s, 2));
    let acts = enabled(&m, &s);
    assert!(acts.contains(&Action::TakeGilBefore(2, 1)), "{acts:?}");
    assert!(!acts.contains(&Action::TakeGil(2)), "the release woke w: {acts:?}");
    assert!(acts.contains(&Action::TakeGil(1)), "{acts:?}");
    let beaten = m.apply(&s, Action::TakeGilBefore(2, 1));
    assert_eq!((beaten.threads[1].window, beaten.threads[1].round), (0, WaitRound::Timing));
    let won = m.apply(&s, Action::TakeGil(1));
    assert_eq!(won.threads[2].round, WaitRound::Timing, "r finds the GIL taken and starts its wait");
}
