//! Scenario files (SPEC §2): what parses, what is refused and where, printing back, loading.

use std::path::{Path, PathBuf};

use gilcheck::input::located::InputError;
use gilcheck::input::scenario::{
    load_scenarios, parse_scenario, Duration, GilKind, Scenario, Step, SwitchPoints, ThreadBody, TimeMode, WriteValue,
};
use proptest::prelude::*;

/// SPEC §2's example, verbatim.
const SPEC_EXAMPLE: &str = r#"name = "asyncio/blocking-sleep"        # unique; defaults to the path under models/ without .toml
title = "A coroutine calls time.sleep while another waits on asyncio.sleep"

[runtime]
python = "3.11"         # the CPython modelled
# gil = "new"
# switch_points = "calls"
switch_interval = 5     # new GIL
check_interval = 1      # old GIL
cores = 2               # CPUs the OS scheduler has; default 2
time = "ticks"          # "ticks" or "untimed"
horizon = 60            # ticks mode

[[threads]]
name = "main"
loop = ["sleeper", "ticker"]   # this thread runs an asyncio event loop with these tasks, created in this order

[[threads]]
name = "worker"
count = 1               # optional
repeat = false          # optional
steps = ["compute 3", "io 2", "compute 1"]

[[tasks]]
name = "sleeper"
steps = ["compute 1", "time.sleep 3", "compute 1"]

[[tasks]]
name = "ticker"
steps = ["await asyncio.sleep 1", "compute 1"]
"#;

fn try_parse(source: &str) -> Result<Scenario, InputError> {
    parse_scenario(Path::new("m.toml"), source, "default/name")
}

fn parse(source: &str) -> Scenario {
    try_parse(source).unwrap_or_else(|e| panic!("should parse: {e}\n{source}"))
}

/// The full `path:line:col: message` of a refused file.
fn error(source: &str) -> String {
    match try_parse(source) {
        Ok(s) => panic!("should be refused, parsed as {s:?}\n{source}"),
        Err(e) => e.to_string(),
    }
}

/// Asserts where a refused file's error points and a piece of what it says.
fn refused_at(source: &str, line: usize, col: usize, says: &str) {
    let e = try_parse(source).expect_err(source);
    assert_eq!((e.line, e.col), (line, col), "{e}\n{source}");
    assert!(e.message.contains(says), "`{e}` should say `{says}`");
    assert!(e.message.contains("expected"), "`{e}` should say what was expected");
}

/// A file with one thread running `steps` (a TOML array body).
fn thread_with(steps: &str) -> String {
    format!("[[threads]]\nname = \"t\"\nsteps = [{steps}]\n")
}

/// A file with a loop thread running one task with `steps`.
fn task_with(steps: &str) -> String {
    format!("[[threads]]\nname = \"main\"\nloop = [\"a\"]\n\n[[tasks]]\nname = \"a\"\nsteps = [{steps}]\n")
}

fn d(lo: u32, hi: u32) -> Duration {
    Duration { lo, hi }
}

#[test]
fn spec_example_parses() {
    let s = parse(SPEC_EXAMPLE);
    assert_eq!(s.name, "asyncio/blocking-sleep");
    assert_eq!(s.title, "A coroutine calls time.sleep while another waits on asyncio.sleep");
    assert_eq!(s.path, PathBuf::from("m.toml"));
    let r = &s.runtime;
    assert_eq!(r.python, "3.11");
    assert_eq!((r.gil, r.gil_explicit), (GilKind::New, false));
    assert_eq!((r.switch_points, r.switch_points_explicit), (SwitchPoints::Calls, false));
    assert_eq!((r.switch_interval, r.check_interval, r.cores), (5, 1, 2));
    assert_eq!((r.time, r.horizon), (TimeMode::Ticks, 60));
    assert_eq!(s.threads.len(), 2);
    assert_eq!(s.threads[0].name, "main");
    assert_eq!(s.threads[0].body, ThreadBody::Loop(vec!["sleeper".into(), "ticker".into()]));
    let worker = &s.threads[1];
    assert_eq!((worker.name.as_str(), worker.count, worker.repeat), ("worker", 1, false));
    assert_eq!(worker.body, ThreadBody::Steps(vec![Step::Compute(d(3, 3)), Step::Io(d(2, 2)), Step::Compute(d(1, 1))]));
    assert_eq!(s.tasks.len(), 2);
    assert_eq!(s.tasks[0].steps[1], Step::Sleep(d(3, 3)));
    assert_eq!(s.tasks[1].steps[0], Step::AwaitSleep(d(1, 1)));
    assert!(s.vars.is_empty());
}

#[test]
fn defaults_fill_what_is_left_out() {
    let s = parse(&thread_with("\"compute 1\""));
    assert_eq!((s.name.as_str(), s.title.as_str()), ("default/name", "default/name"));
    assert_eq!(s.runtime, gilcheck::input::scenario::Runtime::default());
    assert_eq!(s.runtime.python, "3.11");
    assert_eq!((s.threads[0].count, s.threads[0].repeat), (1, false));
    let named = parse(&format!("name = \"x\"\n{}", thread_with("\"compute 1\"")));
    assert_eq!(named.title, "x");
}

#[test]
fn python_version_sets_gil_and_switch_points_unless_written() {
    let with = |runtime: &str| parse(&format!("[runtime]\n{runtime}\n{}", thread_with("\"compute 1\""))).runtime;
    let old = with("python = \"2.7\"");
    assert_eq!((old.gil, old.switch_points), (GilKind::Old, SwitchPoints::Bytecode));
    let free = with("python = \"3.13t\"");
    assert_eq!((free.gil, free.switch_points), (GilKind::None, SwitchPoints::Calls));
    let pinned = with("python = \"3.9\"\ngil = \"none\"\nswitch_points = \"calls\"");
    assert_eq!((pinned.gil, pinned.gil_explicit), (GilKind::None, true));
    assert_eq!((pinned.switch_points, pinned.switch_points_explicit), (SwitchPoints::Calls, true));
    let variant = pinned.with_python("2.7").expect("known");
    assert_eq!(
        (variant.gil, variant.switch_points, variant.python.as_str()),
        (GilKind::None, SwitchPoints::Calls, "2.7")
    );
    let untimed = with("time = \"untimed\"\nhorizon = 5");
    assert_eq!((untimed.time, untimed.horizon), (TimeMode::Untimed, 5));
}

#[test]
fn every_step_kind_parses_in_a_file() {
    let s = parse(&format!(
        "{}\n[[tasks]]\nname = \"b\"\nsteps = [\"await coro\"]\n",
        task_with(
            "\"compute 1..3\", \"c_call 2\", \"c_nogil 3\", \"io 4\", \"time.sleep 5\", \"read x\", \
             \"write x local+1\", \"incr y\", \"incr_call y\", \"lock L\", \"unlock L\", \
             \"await asyncio.sleep 0\", \"await io 2\", \"await coro\", \"await to_thread c_nogil 2\", \
             \"await lock A\", \"release A\", \"await task b\""
        )
        .replace("loop = [\"a\"]", "loop = [\"a\", \"b\"]")
    ));
    let steps = &s.tasks[0].steps;
    assert_eq!(steps.len(), 18);
    assert_eq!(steps[0], Step::Compute(d(1, 3)));
    assert_eq!(steps[6], Step::Write("x".into(), WriteValue::LocalPlus(1)));
    assert_eq!(steps[14], Step::AwaitToThread(Box::new(Step::CNoGil(d(2, 2)))));
    assert_eq!(steps[17], Step::AwaitTask("b".into()));
    assert_eq!(s.vars, vec![("x".to_string(), 0), ("y".to_string(), 0)]);
}

#[test]
fn vars_come_declared_first_then_in_order_of_use() {
    let source = "[vars]\nz = 5\nunused = 255\n\n\
                  [[threads]]\nname = \"t\"\nsteps = [\"read b\", \"incr z\", \"write a 1\"]\n\n\
                  [[threads]]\nname = \"u\"\nsteps = [\"incr c\", \"read a\"]\n";
    let s = parse(source);
    let names: Vec<(&str, i64)> = s.vars.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    assert_eq!(names, [("z", 5), ("unused", 255), ("b", 0), ("a", 0), ("c", 0)]);
}

#[test]
fn copies_are_named_in_order() {
    let s = parse(
        "[[threads]]\nname = \"w\"\ncount = 3\nsteps = [\"incr x\"]\n\n\
         [[threads]]\nname = \"main\"\nloop = [\"t\", \"one\"]\n\n\
         [[tasks]]\nname = \"t\"\ncount = 2\nsteps = [\"await task one\"]\n\n\
         [[tasks]]\nname = \"one\"\nsteps = [\"await task t1\"]\n",
    );
    let threads: Vec<String> = s.expanded_threads().into_iter().map(|(n, _)| n).collect();
    assert_eq!(threads, ["w0", "w1", "w2", "main"]);
    let tasks: Vec<String> = s.expanded_tasks().into_iter().map(|(n, _)| n).collect();
    assert_eq!(tasks, ["t0", "t1", "one"]);
}

#[test]
fn errors_carry_the_full_location_and_expectation() {
    assert_eq!(
        error(&thread_with("\"compute 1\", \"compte 3\"")),
        "m.toml:3:24: unknown step `compte 3`; expected one of: compute N, c_call N, c_nogil N, io N, \
         time.sleep N, read X, write X V, incr X, incr_call X, append X, lock L, lock L timeout N, \
         unlock L, event.set E, event.clear E, event.wait E, event.wait E timeout N, acquire S, \
         acquire S timeout N, release S, put Q, put Q timeout N, get Q, get Q timeout N, cond.wait C, \
         cond.notify C, cond.notify_all C, await asyncio.sleep N, await io N, await coro, \
         await to_thread STEP, await to_thread J, await run_in_executor J, await lock L, release L, \
         await task T, await wait_for T N, await timeout N STEP, cancel T, await event.wait E, \
         await acquire S, await queue.put Q, await queue.get Q"
    );
    assert_eq!(
        error(&format!("[runtime]\npython = \"3.1\"\n{}", thread_with("\"compute 1\""))),
        "m.toml:2:11: unknown python version `3.1`; expected one of \"2.7\", \"3.2\", \"3.3\", \"3.4\", \
         \"3.5\", \"3.6\", \"3.7\", \"3.8\", \"3.9\", \"3.10\", \"3.11\", \"3.12\", \"3.13\", \"3.14\", \
         \"3.13t\", \"3.14t\""
    );
    assert_eq!(
        error("[runtime]\ncores = 0\n"),
        "m.toml:2:9: cores = 0 is out of range; expected an integer from 1 to 64"
    );
    assert_eq!(
        error(&format!("{}colour = 1\n", thread_with("\"compute 1\""))),
        "m.toml:4:1: unknown field `colour`; expected one of `name`, `count`, `repeat`, `steps`, `loop`"
    );
    assert_eq!(
        error(&thread_with("\"io 0\"")),
        "m.toml:3:11: zero-tick duration `0` in step `io 0`; expected at least 1 tick (a blocking step \
         takes time; only `await asyncio.sleep` may take 0)"
    );
}

#[test]
fn bad_steps_are_located_inside_their_quotes() {
    refused_at(&thread_with("\"await io 1\""), 3, 11, "a thread cannot await");
    // In a thread, `release S` is `threading.Semaphore.release`.
    let released = parse(&thread_with("\"acquire L\", \"release L\""));
    assert!(matches!(&released.threads[0].body, ThreadBody::Steps(s) if s[1] == Step::SemRelease("L".into())));
    refused_at(&thread_with("\"await lock L\""), 3, 11, "a thread cannot await");
    refused_at(&thread_with("\"compute x\""), 3, 11, "bad duration `x`");
    refused_at(&thread_with("\"compute 3..1\""), 3, 11, "empty range");
    refused_at(&thread_with("\"compute 256\""), 3, 11, "too long");
    refused_at(&thread_with("\"c_nogil 0..2\""), 3, 11, "zero-tick");
    refused_at(&thread_with("'time.sleep 0'"), 3, 11, "zero-tick");
    refused_at(&thread_with("\"\"\"compute 0\"\"\""), 3, 13, "zero-tick");
    refused_at(&thread_with("\"write x 300\""), 3, 11, "does not fit");
    refused_at(&thread_with("\"incr 9x\""), 3, 11, "bad name");
    refused_at(&thread_with("\"compute\t3\""), 3, 11, "unknown step");
    refused_at(&task_with("\"await io 0\""), 7, 11, "zero-tick");
    refused_at(&task_with("\"await to_thread await coro\""), 7, 11, "cannot run in `await to_thread`");
    refused_at(&task_with("\"await to_thread release L\""), 7, 11, "cannot run in `await to_thread`");
    refused_at(&task_with("\"await nothing\""), 7, 11, "unknown step");
    parse(&task_with("\"await asyncio.sleep 0\", \"await asyncio.sleep 0..2\""));
}

#[test]
fn runtime_values_out_of_range_are_refused() {
    for (field, says) in [
        ("cores = 0", "cores = 0"),
        ("cores = 65", "cores = 65"),
        ("switch_interval = 0", "switch_interval = 0"),
        ("switch_interval = 256", "switch_interval = 256"),
        ("check_interval = 0", "check_interval = 0"),
        ("horizon = 0", "horizon = 0"),
        ("horizon = 1001", "horizon = 1001"),
        ("cores = -3", "cores = -3"),
    ] {
        refused_at(
            &format!("[runtime]\n{field}\n{}", thread_with("\"compute 1\"")),
            2,
            field.find(" = ").unwrap_or(0) + 4,
            says,
        );
    }
    refused_at("[runtime]\ngil = \"big\"\n", 2, 8, "unknown gil `big`; expected one of \"new\", \"old\", \"none\"");
    refused_at("[runtime]\nswitch_points = \"ops\"\n", 2, 18, "unknown switch_points `ops`");
    refused_at("[runtime]\ntime = \"wall\"\n", 2, 9, "unknown time `wall`; expected one of \"untimed\", \"ticks\"");
}

#[test]
fn counts_must_be_positive_and_fit() {
    refused_at("[[threads]]\nname = \"t\"\ncount = 0\nsteps = []\n", 3, 9, "count = 0");
    refused_at("[[threads]]\nname = \"t\"\ncount = 9\nsteps = []\n", 3, 9, "count = 9");
    refused_at(
        "[[threads]]\nname = \"a\"\ncount = 5\nsteps = []\n[[threads]]\nname = \"b\"\ncount = 4\nsteps = []\n",
        6,
        9,
        "too many threads: this entry makes 9; expected at most 8",
    );
    let loop_with = |tasks: &str| format!("[[threads]]\nname = \"main\"\nloop = [\"a\", \"b\"]\n{tasks}");
    refused_at(
        &loop_with("[[tasks]]\nname = \"a\"\ncount = 8\nsteps = []\n[[tasks]]\nname = \"b\"\nsteps = []\n"),
        9,
        9,
        "too many tasks",
    );
}

#[test]
fn duplicate_names_are_refused_counting_copies() {
    let two = |a: &str, b: &str| format!("[[threads]]\n{a}\nsteps = []\n[[threads]]\n{b}\nsteps = []\n");
    refused_at(&two("name = \"t\"", "name = \"t\""), 5, 9, "duplicate name `t`");
    refused_at(&two("name = \"w\"\ncount = 2", "name = \"w1\""), 6, 9, "duplicate name `w1`: thread `w` (count 2)");
    refused_at(&two("name = \"w0\"", "name = \"w\"\ncount = 2"), 5, 9, "duplicate name `w0`");
    parse(&two("name = \"w\"\ncount = 2", "name = \"w2\""));
    refused_at(
        "[[threads]]\nname = \"a\"\nloop = [\"a\"]\n[[tasks]]\nname = \"a\"\nsteps = []\n",
        5,
        9,
        "duplicate name `a`: thread `a`",
    );
    refused_at(&thread_with("").replace("\"t\"", "\"my thread\""), 2, 9, "bad thread name `my thread`");
}

#[test]
fn loops_and_tasks_must_match() {
    let file = |loops: &str, tasks: &[&str]| {
        let mut s = loops.to_string();
        for t in tasks {
            s += &format!("[[tasks]]\nname = \"{t}\"\nsteps = []\n");
        }
        s
    };
    let one_loop = "[[threads]]\nname = \"main\"\nloop = [\"a\", \"x\"]\n";
    refused_at(&file(one_loop, &["a"]), 3, 15, "unknown task `x` in `loop`; expected the name of a [[tasks]] entry: a");
    refused_at(&file("[[threads]]\nname = \"main\"\nloop = [\"a\"]\n", &["a", "b"]), 8, 9, "task `b` runs on no loop");
    refused_at(
        &file("[[threads]]\nname = \"main\"\nloop = [\"a\", \"a\"]\n", &["a"]),
        3,
        15,
        "task `a` is already on the loop of thread `main`",
    );
    refused_at(
        &file("[[threads]]\nname = \"m1\"\nloop = [\"a\"]\n[[threads]]\nname = \"m2\"\nloop = [\"a\"]\n", &["a"]),
        6,
        10,
        "already on the loop of thread `m1`",
    );
    refused_at("[[threads]]\nname = \"t\"\n", 2, 9, "neither `steps` nor `loop`");
    refused_at("[[threads]]\nname = \"t\"\nsteps = []\nloop = []\n", 4, 8, "both `steps` and `loop`");
    refused_at("[[threads]]\nname = \"m\"\ncount = 2\nloop = []\n", 3, 9, "count on a loop thread");
    refused_at("[[threads]]\nname = \"m\"\nrepeat = true\nloop = []\n", 3, 10, "repeat = true on a loop thread");
    let five_loops: String = (0..5).map(|i| format!("[[threads]]\nname = \"m{i}\"\nloop = []\n")).collect();
    refused_at(&five_loops, 15, 8, "too many event loops");
}

#[test]
fn awaited_tasks_must_exist_on_the_same_loop() {
    refused_at(&task_with("\"await task zz\""), 7, 11, "`await task zz` names no task; expected one of: a");
    refused_at(&task_with("\"await task a\""), 7, 11, "task `a` would await itself");
    let counted = task_with("\"await task a1\"").replace("name = \"a\"\n", "name = \"a\"\ncount = 2\n");
    refused_at(&counted, 8, 11, "would await itself");
    let two_loops = "[[threads]]\nname = \"m1\"\nloop = [\"a\"]\n[[threads]]\nname = \"m2\"\nloop = [\"b\"]\n\
                     [[tasks]]\nname = \"a\"\nsteps = [\"await task b\"]\n[[tasks]]\nname = \"b\"\nsteps = []\n";
    refused_at(two_loops, 9, 11, "task `b` runs on the loop of thread `m2`, not on this task's loop");
}

#[test]
fn unknown_keys_and_wrong_types_are_refused() {
    refused_at(
        "nmae = \"x\"\n",
        1,
        1,
        "unknown field `nmae`; expected one of `name`, `title`, `runtime`, `threads`, `tasks`, `vars`",
    );
    refused_at("[runtime]\npyton = \"3.9\"\n", 2, 1, "unknown field `pyton`; expected one of `python`, `gil`");
    refused_at(
        "[[tasks]]\nname = \"a\"\nsteps = []\nloop = []\n",
        4,
        1,
        "unknown field `loop`; expected one of `name`, `count`, `repeat`, `steps`",
    );
    refused_at("[runtime]\ncores = \"2\"\n", 2, 9, "invalid type: string \"2\"; expected an integer");
    refused_at("[[threads]]\nname = 3\nsteps = []\n", 2, 8, "invalid type: integer `3`; expected a string");
    refused_at("[[threads]]\nname = \"t\"\nsteps = \"compute 1\"\n", 3, 9, "expected a sequence");
    refused_at("[[threads]]\nname = \"t\"\nrepeat = 1\nsteps = []\n", 3, 10, "expected a boolean");
    refused_at("[vars]\nx = 1.5\n", 2, 5, "invalid type: floating point `1.5`; expected an integer");
    refused_at("vars = 3\n", 1, 8, "expected a table of variable names");
    refused_at("[[tasks]]\nname = \"a\"\n", 1, 1, "missing field `steps`");
}

#[test]
fn toml_syntax_errors_are_located() {
    let e = try_parse("name = \"x\"\ntitle = \"unterminated\n").expect_err("bad TOML");
    assert_eq!(e.line, 2, "{e}");
    let e = try_parse("[[threads]\n").expect_err("bad TOML");
    assert_eq!(e.line, 1, "{e}");
    assert!(!e.message.contains('\n'), "one line: {e}");
    refused_at("name = \"a\"\nname = \"b\"\n", 2, 1, "duplicate key");
}

#[test]
fn locks_are_given_back_only_when_held() {
    refused_at(
        &thread_with("\"compute 1\", \"unlock L\""),
        3,
        24,
        "`unlock L` gives back `L`, which this program does not hold here; expected a `lock L` earlier",
    );
    refused_at(&thread_with("\"lock L\", \"unlock L\", \"unlock L\""), 3, 33, "does not hold");
    refused_at(&task_with("\"release A\""), 7, 11, "expected a `await lock A` earlier");
    refused_at(&task_with("\"lock A\", \"release A\""), 7, 21, "does not hold");
    parse(&task_with(
        "\"await lock A\", \"release A\", \"lock L\", \"unlock L\", \"await to_thread lock M\", \"unlock M\"",
    ));
    // the other program's lock does not count
    let two = "[[threads]]\nname = \"a\"\nsteps = [\"lock L\"]\n[[threads]]\nname = \"b\"\nsteps = [\"unlock L\"]\n";
    refused_at(two, 6, 11, "does not hold");
}

#[test]
fn a_lock_name_is_one_kind_of_lock() {
    let source = format!(
        "{}[[threads]]\nname = \"t\"\nsteps = [\"lock A\", \"unlock A\"]\n",
        task_with("\"await lock A\", \"release A\"")
    );
    refused_at(
        &source,
        7,
        11,
        "`A` is used here as an asyncio.Lock (await lock/release) but earlier as a threading.Lock",
    );
}

#[test]
fn ticks_mode_refuses_repeat_bodies_that_take_no_time() {
    let ticks = |body: &str| format!("[runtime]\ntime = \"ticks\"\n{body}");
    let repeated = |steps: &str| thread_with(steps).replace("steps", "repeat = true\nsteps");
    refused_at(&ticks(&repeated("\"incr x\", \"read x\"")), 5, 10, "time would never pass");
    let task = task_with("\"await asyncio.sleep 0..3\", \"await coro\"").replace("steps", "repeat = true\nsteps");
    refused_at(&ticks(&task), 9, 10, "time would never pass");
    parse(&ticks(&task_with("\"await to_thread compute 1\"").replace("steps", "repeat = true\nsteps")));
    parse(&ticks(&repeated("\"incr x\", \"compute 0..0\"").replace("0..0", "1")));
    parse(&repeated("\"incr x\""));
    refused_at(&repeated(""), 3, 10, "repeat = true with no steps");
}

#[test]
fn vars_are_one_byte_identifiers() {
    refused_at("[vars]\nx = 256\n", 2, 5, "x = 256 is out of range; expected an integer from 0 to 255");
    refused_at("[vars]\nx = -1\n", 2, 5, "x = -1 is out of range");
    refused_at("[vars]\n\"a b\" = 1\n", 2, 2, "bad variable name `a b`");
}

#[test]
fn limits_of_the_model_are_enforced() {
    let many_vars: Vec<String> = (0..9).map(|i| format!("\"incr v{i}\"")).collect();
    refused_at(&thread_with(&many_vars.join(", ")), 3, 11 + 11 * 8, "`v8` is one shared variable too many");
    let declared: String = (0..9).map(|i| format!("v{i} = 0\n")).collect();
    refused_at(&format!("[vars]\n{declared}"), 10, 1, "too many shared variables");
    let many_locks: Vec<String> = (0..5).map(|i| format!("\"lock L{i}\"")).collect();
    refused_at(&thread_with(&many_locks.join(", ")), 3, 11 + 11 * 4, "`L4` is one lock too many");
    let many_steps = vec!["\"read x\""; 33].join(",");
    refused_at(&thread_with(&many_steps), 3, 11 + 9 * 32, "too many steps; expected at most 32");
    parse(&thread_with(&vec!["\"read x\""; 32].join(",")));
    refused_at("title = \"nothing\"\n", 1, 1, "no threads");
    refused_at(&format!("name = \"\"\n{}", thread_with("")), 1, 9, "empty scenario name");
}

#[test]
fn printing_parses_back_to_the_same_scenario() {
    let rich = "name = \"rich\"\ntitle = \"a \\\"quoted\\\" title\\nwith a newline and 'apostrophes'\"\n\
                [runtime]\npython = \"2.7\"\ngil = \"none\"\ncheck_interval = 3\ntime = \"ticks\"\nhorizon = 99\n\
                [vars]\nq = 4\n\
                [[threads]]\nname = \"w\"\ncount = 2\nrepeat = true\n\
                steps = [\"compute 1..3\", \"write q local-2\", \"lock L\", \"unlock L\", \"incr_call q\"]\n\
                [[threads]]\nname = \"main\"\nloop = [\"b\", \"a\"]\n\
                [[tasks]]\nname = \"a\"\nsteps = [\"await lock A\", \"release A\", \"await task b1\", \"await to_thread write r 9\"]\n\
                [[tasks]]\nname = \"b\"\ncount = 2\nrepeat = true\nsteps = [\"await asyncio.sleep 0..4\", \"await io 1\", \"await coro\"]\n";
    for source in [SPEC_EXAMPLE, rich] {
        let original = parse(source);
        let printed = original.to_toml();
        let again = parse_scenario(Path::new("other.toml"), &printed, "ignored")
            .unwrap_or_else(|e| panic!("printed file should parse: {e}\n{printed}"));
        assert_eq!(again, Scenario { path: again.path.clone(), ..original }, "{printed}");
    }
}

/// Writes `text` at `relative` under `root`, making folders.
fn write_file(root: &Path, relative: &str, text: &str) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    path
}

fn loaded_names(dirs: &[PathBuf]) -> Vec<String> {
    let loaded = load_scenarios(dirs).unwrap_or_else(|e| panic!("{e}"));
    loaded.into_iter().map(|s| s.name).collect()
}

#[test]
fn loading_folders_and_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let body = thread_with("\"compute 1\"");
    write_file(root, "gil/b.toml", &body);
    write_file(root, "gil/a.toml", &body);
    write_file(root, "asyncio/deep/z.toml", &body);
    write_file(root, "notes.txt", "not a scenario");
    write_file(root, "named.toml", &format!("name = \"custom\"\n{body}"));
    assert_eq!(loaded_names(&[root.to_path_buf()]), ["asyncio/deep/z", "gil/a", "gil/b", "custom"]);
    assert_eq!(loaded_names(&[root.join("gil"), root.join("named.toml")]), ["a", "b", "custom"]);
    assert_eq!(loaded_names(&[root.join("gil/b.toml")]), ["b"]);
    assert!(loaded_names(&[]).is_empty());
}

#[test]
fn loading_refuses_duplicates_and_missing_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let body = thread_with("\"compute 1\"");
    write_file(root, "a.toml", &body);
    let second = write_file(root, "x/a.toml", &format!("# same name\n\nname = \"a\"\n{body}"));
    let e = load_scenarios(&[root.to_path_buf()]).expect_err("duplicate");
    assert_eq!((e.path.as_path(), e.line, e.col), (second.as_path(), 3, 1), "{e}");
    assert!(e.message.contains("duplicate scenario name `a`"), "{e}");
    // a default name clashing: located at 1:1
    let e = load_scenarios(&[root.join("a.toml"), root.join("x")]).expect_err("duplicate");
    assert!(e.message.contains("duplicate scenario name `a`"), "{e}");
    let e = load_scenarios(&[root.join("a.toml"), root.join("a.toml")]).expect_err("duplicate");
    assert_eq!((e.line, e.col), (1, 1), "{e}");
    let missing = root.join("missing");
    let e = load_scenarios(std::slice::from_ref(&missing)).expect_err("missing");
    assert_eq!((e.path, e.line, e.col), (missing, 1, 1));
    assert!(e.message.contains("cannot read"), "{}", e.message);
    write_file(root, "bad/broken.toml", "[[threads]]\nname = \"t\"\nsteps = [\"nope\"]\n");
    let e = load_scenarios(&[root.join("bad")]).expect_err("bad step");
    assert_eq!(
        e.to_string().split(": ").next(),
        Some(format!("{}:3:11", root.join("bad/broken.toml").display()).as_str())
    );
}

#[cfg(unix)]
#[test]
fn loading_survives_a_symbolic_link_loop() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_file(root, "s/a.toml", &thread_with("\"compute 1\""));
    std::os::unix::fs::symlink(root.join("s"), root.join("s/again")).expect("symlink");
    assert_eq!(loaded_names(&[root.join("s")]), ["a"]);
}

/// A step the parser accepts, built from parts.
fn any_step() -> impl Strategy<Value = Step> {
    let duration = (0u32..=255, 0u32..=255).prop_map(|(a, b)| d(a.min(b).max(1), a.max(b).max(1)));
    let name = "[a-z_][a-z0-9_]{0,5}";
    let blocking = prop_oneof![
        duration.clone().prop_map(Step::Compute),
        duration.clone().prop_map(Step::CCall),
        duration.clone().prop_map(Step::CNoGil),
        duration.clone().prop_map(Step::Io),
        duration.clone().prop_map(Step::Sleep),
        name.prop_map(Step::Read),
        (name, 0i64..=255).prop_map(|(x, v)| Step::Write(x, WriteValue::Const(v))),
        (name, -255i64..=255).prop_map(|(x, k)| Step::Write(x, WriteValue::LocalPlus(k))),
        name.prop_map(Step::Incr),
        name.prop_map(Step::IncrCall),
        (name, proptest::option::of(0u8..=255)).prop_map(|(l, t)| Step::Lock(l, t)),
        name.prop_map(Step::Unlock),
        (name, proptest::option::of(0u8..=255)).prop_map(|(q, t)| Step::Get(q, t)),
        (name, proptest::option::of(0u8..=255)).prop_map(|(e, t)| Step::EventWait(e, t)),
    ];
    prop_oneof![
        blocking.clone(),
        (0u32..=255).prop_map(|n| Step::AwaitSleep(d(0, n))),
        duration.prop_map(Step::AwaitIo),
        Just(Step::AwaitCoro),
        blocking.prop_map(|s| Step::AwaitToThread(Box::new(s))),
        name.prop_map(Step::AwaitLock),
        name.prop_map(Step::Release),
        name.prop_map(Step::AwaitTask),
        (name, 1u8..=255).prop_map(|(t, n)| Step::AwaitWaitFor(t, n)),
        (1u8..=255, name).prop_map(|(n, l)| Step::AwaitTimeout(n, Box::new(Step::AwaitLock(l)))),
    ]
}

proptest! {
    #[test]
    fn steps_print_and_parse_back(step in any_step()) {
        prop_assert_eq!(step.to_string().parse::<Step>(), Ok(step));
    }

    #[test]
    fn garbage_files_never_panic(source in "\\PC{0,200}") {
        let _ = try_parse(&source);
    }

    #[test]
    fn garbage_steps_never_panic(step in "[a-z_.0-9 +\\-é\"']{0,40}", in_task in any::<bool>()) {
        let quoted = format!("{:?}", step);
        let source = if in_task { task_with(&quoted) } else { thread_with(&quoted) };
        if let Err(e) = try_parse(&source) {
            prop_assert!(e.line >= 1 && e.col >= 1);
        }
    }

    #[test]
    fn near_miss_files_never_panic(cut in 0usize..1400, junk in "\\PC{0,8}") {
        let mut source = SPEC_EXAMPLE.to_string();
        let mut at = cut.min(source.len());
        while !source.is_char_boundary(at) {
            at -= 1;
        }
        source.insert_str(at, &junk);
        let _ = try_parse(&source);
    }
}
