use super::*;

fn step(text: &str) -> Step {
    match text.parse() {
        Ok(step) => step,
        Err(e) => panic!("`{text}` should parse: {e}"),
    }
}

fn step_error(text: &str) -> String {
    match text.parse::<Step>() {
        Ok(step) => panic!("`{text}` should not parse, got {step:?}"),
        Err(e) => e,
    }
}

fn d(lo: u32, hi: u32) -> Duration {
    Duration { lo, hi }
}

#[test]
fn every_step_kind_parses_and_prints_back() {
    let cases = [
        ("compute 3", Step::Compute(d(3, 3))),
        ("c_call 1..4", Step::CCall(d(1, 4))),
        ("c_nogil 2", Step::CNoGil(d(2, 2))),
        ("io 255", Step::Io(d(255, 255))),
        ("time.sleep 20", Step::Sleep(d(20, 20))),
        ("read x", Step::Read("x".into())),
        ("write x 7", Step::Write("x".into(), WriteValue::Const(7))),
        ("write x local", Step::Write("x".into(), WriteValue::LocalPlus(0))),
        ("write x local+1", Step::Write("x".into(), WriteValue::LocalPlus(1))),
        ("write _y2 local-2", Step::Write("_y2".into(), WriteValue::LocalPlus(-2))),
        ("incr counter", Step::Incr("counter".into())),
        ("incr_call counter", Step::IncrCall("counter".into())),
        ("lock L", Step::Lock("L".into(), None)),
        ("lock L timeout 0", Step::Lock("L".into(), Some(0))),
        ("get q timeout 3", Step::Get("q".into(), Some(3))),
        ("put q timeout 1", Step::Put("q".into(), Some(1))),
        ("acquire s timeout 2", Step::Acquire("s".into(), Some(2))),
        ("event.wait e timeout 4", Step::EventWait("e".into(), Some(4))),
        ("await wait_for t1 3", Step::AwaitWaitFor("t1".into(), 3)),
        ("await timeout 2 await lock A", Step::AwaitTimeout(2, Box::new(Step::AwaitLock("A".into())))),
        (
            "await timeout 1 await to_thread compute 2",
            Step::AwaitTimeout(1, Box::new(Step::AwaitToThread(Box::new(Step::Compute(d(2, 2)))))),
        ),
        ("unlock L", Step::Unlock("L".into())),
        ("await asyncio.sleep 0", Step::AwaitSleep(d(0, 0))),
        ("await asyncio.sleep 0..2", Step::AwaitSleep(d(0, 2))),
        ("await io 2", Step::AwaitIo(d(2, 2))),
        ("await coro", Step::AwaitCoro),
        ("await to_thread time.sleep 20", Step::AwaitToThread(Box::new(Step::Sleep(d(20, 20))))),
        ("await to_thread incr x", Step::AwaitToThread(Box::new(Step::Incr("x".into())))),
        ("await lock A", Step::AwaitLock("A".into())),
        ("release A", Step::Release("A".into())),
        ("await task t1", Step::AwaitTask("t1".into())),
    ];
    for (text, expected) in cases {
        assert_eq!(step(text), expected, "{text}");
        assert_eq!(expected.to_string(), text);
    }
}

#[test]
fn spaces_between_words_may_repeat() {
    assert_eq!(step("  await   to_thread  compute   1..2 "), step("await to_thread compute 1..2"));
}

#[test]
fn durations_print_as_written() {
    assert_eq!(d(3, 3).to_string(), "3");
    assert_eq!(d(0, 5).to_string(), "0..5");
    assert_eq!(step("compute 4..4"), Step::Compute(d(4, 4)));
}

#[test]
fn bad_steps_say_what_was_expected() {
    assert!(step_error("compte 3").starts_with("unknown step `compte 3`; expected one of: compute N,"));
    assert_eq!(step_error("compute 0"), "zero-tick duration `0` in step `compute 0`; expected at least 1 tick (a blocking step takes time; only `await asyncio.sleep` may take 0)");
    assert_eq!(step_error("io 5..2"), "empty range `5..2` in step `io 5..2`; expected a..b with a <= b");
    assert_eq!(
        step_error("compute 256"),
        "duration `256` is too long in step `compute 256`; expected at most 255 ticks"
    );
    assert_eq!(step_error("compute"), "missing argument in step `compute`; expected `compute N`");
    assert_eq!(step_error("read x y"), "unexpected `y` in step `read x y`; expected `read X`");
    assert_eq!(step_error("await coro now"), "unexpected `now` in step `await coro now`; expected `await coro`");
    assert!(
        step_error("await to_thread await io 1").starts_with("`await io 1` cannot run in `await to_thread` in step")
    );
    assert!(step_error("await to_thread").contains("a blocking step: compute N"));
    assert!(step_error("write x -1").starts_with("bad value `-1`"));
    assert!(step_error("write x 256").starts_with("value `256` does not fit"));
    assert!(step_error("write x local+999").starts_with("value `local+999` does not fit"));
    assert!(step_error("read 1x").starts_with("bad name `1x`"));
    for bad in [
        "",
        "await",
        "await sleep 1",
        "compute -1",
        "compute 1.5",
        "compute 1..",
        "compute ..2",
        "io 99999999999999999999999",
    ] {
        step_error(bad);
    }
}

#[test]
fn steps_know_their_nature() {
    assert!(step("await to_thread compute 1").takes_ticks());
    assert!(!step("await to_thread read x").takes_ticks());
    assert!(!step("await asyncio.sleep 0..3").takes_ticks());
    assert!(step("await asyncio.sleep 1..3").takes_ticks());
    assert!(step("release L").is_awaiting());
    assert!(!step("unlock L").is_awaiting());
    assert_eq!(step("await to_thread write v local").variable(), Some("v"));
}

#[test]
fn versions_pick_gil_and_switch_points() {
    use GilKind::*;
    use SwitchPoints::*;
    assert_eq!(python_rules("2.7"), Some((Old, Bytecode)));
    assert_eq!(python_rules("3.2"), Some((New, Bytecode)));
    assert_eq!(python_rules("3.9"), Some((New, Bytecode)));
    assert_eq!(python_rules("3.10"), Some((New, Calls)));
    assert_eq!(python_rules("3.14"), Some((New, Calls)));
    assert_eq!(python_rules("3.13t"), Some((None, Calls)));
    assert_eq!(python_rules("3.14t"), Some((None, Calls)));
    for bad in ["3.1", "3.15", "3.12t", "3.010", "2.6", "", "3"] {
        assert_eq!(python_rules(bad), Option::None, "{bad}");
    }
    assert!(PYTHON_VERSIONS.iter().all(|v| python_rules(v).is_some()));
}

#[test]
fn with_python_keeps_what_the_file_wrote() {
    let base = Runtime::default();
    let old = base.with_python("2.7").expect("known version");
    assert_eq!((old.python.as_str(), old.gil, old.switch_points), ("2.7", GilKind::Old, SwitchPoints::Bytecode));
    let pinned = Runtime { gil: GilKind::New, gil_explicit: true, ..base.clone() };
    let free = pinned.with_python("3.13t").expect("known version");
    assert_eq!((free.gil, free.switch_points), (GilKind::New, SwitchPoints::Calls));
    assert_eq!(base.with_python("4.0"), Option::None);
}

#[test]
fn copy_names_keep_a_single_entry_plain() {
    assert_eq!(copy_names("w", 1), ["w"]);
    assert_eq!(copy_names("w", 3), ["w0", "w1", "w2"]);
}
