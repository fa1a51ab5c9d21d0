//! Generators of scenarios for universal claims (`for_all`): proptest strategies that build
//! valid scenarios of bounded size, composed the way proptest's own are:
//!
//! ```text
//! step(kind) → item (a step, or a lock section) → program → thread / loop of tasks → scenario
//! ```
//!
//! Every strategy shrinks toward the simplest program: collections toward fewer threads,
//! tasks and steps; durations toward their minimum; a choice among step kinds toward the
//! first kind in [`STEP_KINDS`] (`compute`); `repeat` toward false; `count` toward one copy;
//! an event loop toward a plain thread doing its tasks' blocking steps (when the bounds allow
//! fewer loops); the runtime's intervals toward 1. `compute`, what most Python code is, is
//! drawn [`COMPUTE_WEIGHT`] times as often as any other step kind.
//! A scenario comes out of [`Scenario::to_toml`] and [`parse_scenario`], so whatever is
//! generated is exactly what a scenario file with that text would give.

use std::path::Path;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::input::claim::{ForAll, Shape, STEP_KINDS};
use crate::input::scenario::{
    parse_scenario, Duration, Runtime, Scenario, Step, TaskSpec, ThreadBody, ThreadSpec, TimeMode, WriteValue,
    PYTHON_VERSIONS,
};

/// Kinds that use shared state: dropped by `shared_vars = false`.
const SHARED_KINDS: [&str; 14] = [
    "read",
    "write",
    "incr",
    "incr_call",
    "append",
    "lock",
    "await lock",
    "semaphore",
    "await semaphore",
    "event",
    "queue",
    "cancel",
    "timeout",
    "await wait_for",
];

/// Kinds drawn as sections (`lock L … unlock L` and the like), with the names they take: one
/// semaphore of each class (a nested one is taken twice), so that every kind fits the
/// model's four events, semaphores and queues together.
const SECTION_KINDS: [(&str, [&str; 2]); 4] = [
    ("lock", ["L1", "L2"]),
    ("await lock", ["A1", "A2"]),
    ("semaphore", ["S1", "S1"]),
    ("await semaphore", ["B1", "B1"]),
];

/// Blocking steps that cannot wait for another thread: they run in `await to_thread`, before
/// a blocking call of the `blocking-call` shape, and as the blocking call itself (the first five).
const PLAIN_BLOCKING: [&str; 10] =
    ["compute", "c_call", "c_nogil", "io", "time.sleep", "read", "write", "incr", "incr_call", "append"];

/// One generated program with the values of its shape's parameters (`{D}` in a check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub scenario: Scenario,
    pub params: Vec<(String, i64)>,
}

impl Case {
    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<i64> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// The step kinds of a `for_all` table, shared ones dropped when `shared_vars = false`.
pub fn allowed_kinds(fa: &ForAll) -> Vec<&'static str> {
    STEP_KINDS
        .iter()
        .copied()
        .filter(|k| fa.kinds.iter().any(|x| x == k))
        .filter(|k| fa.shared_vars || !SHARED_KINDS.contains(k))
        .collect()
}

/// A duration from `lo` to `hi` ticks: mostly fixed, sometimes a range `a..b`.
pub fn duration(lo: u32, hi: u32) -> BoxedStrategy<Duration> {
    let fixed = (lo..=hi).prop_map(|n| Duration { lo: n, hi: n });
    if lo == hi {
        return fixed.boxed();
    }
    let range = (lo..=hi, lo..=hi).prop_map(|(a, b)| Duration { lo: a.min(b), hi: a.max(b) });
    prop_oneof![3 => fixed, 1 => range].boxed()
}

fn var() -> BoxedStrategy<String> {
    prop_oneof![Just("x"), Just("y")].prop_map(String::from).boxed()
}

/// One step of `kind` (a section's opening step for `lock` and `await lock`); `await to_thread`
/// runs a blocking step of `kinds` (`compute` if none). `await task` names `#r`, a reference
/// resolved when the loop's tasks are known.
pub fn step(kind: &str, ticks: (u32, u32), kinds: &[&'static str]) -> BoxedStrategy<Step> {
    let d = || duration(ticks.0, ticks.1);
    match kind {
        "compute" => d().prop_map(Step::Compute).boxed(),
        "c_call" => d().prop_map(Step::CCall).boxed(),
        "c_nogil" => d().prop_map(Step::CNoGil).boxed(),
        "io" => d().prop_map(Step::Io).boxed(),
        "time.sleep" => d().prop_map(Step::Sleep).boxed(),
        "read" => var().prop_map(Step::Read).boxed(),
        "write" => {
            let value = prop_oneof![(0..=3i64).prop_map(WriteValue::Const), Just(WriteValue::LocalPlus(1))];
            (var(), value).prop_map(|(x, v)| Step::Write(x, v)).boxed()
        }
        "incr" => var().prop_map(Step::Incr).boxed(),
        "incr_call" => var().prop_map(Step::IncrCall).boxed(),
        "append" => var().prop_map(Step::Append).boxed(),
        "lock" => prop_oneof![Just("L1"), Just("L2")].prop_map(|l| Step::Lock(l.into(), None)).boxed(),
        "await coro" => Just(Step::AwaitCoro).boxed(),
        "await asyncio.sleep" => duration(0, ticks.1).prop_map(Step::AwaitSleep).boxed(),
        "await io" => d().prop_map(Step::AwaitIo).boxed(),
        "await to_thread" => {
            let mut inner: Vec<BoxedStrategy<Step>> =
                PLAIN_BLOCKING.iter().filter(|k| kinds.contains(k)).map(|k| step(k, ticks, kinds)).collect();
            if inner.is_empty() {
                inner.push(step("compute", ticks, kinds));
            }
            one_of(inner).prop_map(|s| Step::AwaitToThread(Box::new(s))).boxed()
        }
        "await lock" => prop_oneof![Just("A1"), Just("A2")].prop_map(|l| Step::AwaitLock(l.into())).boxed(),
        "await task" => (0u8..8).prop_map(|r| Step::AwaitTask(format!("#{r}"))).boxed(),
        // `threading.Event` E1 and `queue.Queue` Q1: a set or a wait, a put or a get.
        "event" => prop_oneof![Just(Step::EventSet("E1".into())), Just(Step::EventWait("E1".into(), None))].boxed(),
        "queue" => prop_oneof![Just(Step::Put("Q1".into(), None)), Just(Step::Get("Q1".into(), None))].boxed(),
        "cancel" => (0u8..8).prop_map(|r| Step::Cancel(format!("#{r}"))).boxed(),
        "timeout" => (0u8..=2, any::<bool>())
            .prop_map(
                |(n, get)| if get { Step::Get("Q1".into(), Some(n)) } else { Step::EventWait("E1".into(), Some(n)) },
            )
            .boxed(),
        "await wait_for" => (0u8..8, 1u8..=3).prop_map(|(r, n)| Step::AwaitWaitFor(format!("#{r}"), n)).boxed(),
        _ => d().prop_map(Step::Compute).boxed(),
    }
}

/// A choice among strategies that shrinks toward the first.
fn one_of(options: Vec<BoxedStrategy<Step>>) -> BoxedStrategy<Step> {
    match options.len() {
        0 => Just(Step::AwaitCoro).boxed(),
        1 => options.into_iter().next().expect("one option"),
        _ => proptest::strategy::Union::new(options).boxed(),
    }
}

/// A step of one of `kinds`; `compute` (pure Python, what most code is) comes
/// [`COMPUTE_WEIGHT`] times as often as any other kind.
fn step_of(kinds: &[&'static str], ticks: (u32, u32), all: &[&'static str]) -> BoxedStrategy<Step> {
    if kinds.len() <= 1 {
        return one_of(kinds.iter().map(|k| step(k, ticks, all)).collect());
    }
    let weighted =
        kinds.iter().map(|k| (if *k == "compute" { COMPUTE_WEIGHT } else { 1 }, step(k, ticks, all))).collect();
    proptest::strategy::Union::new_weighted(weighted).boxed()
}

/// How much more often `compute` is drawn than any other step kind.
pub const COMPUTE_WEIGHT: u32 = 4;

/// One item of a program: a step, or a section (`lock L`, at most one step or, when `nested`,
/// one nested section of the other lock, `unlock L`; likewise `await lock A … release A` and
/// the semaphore sections `acquire S … release S`, `await acquire B … release B`), so that a
/// program only gives back the locks it holds, and two programs may take two locks in
/// opposite orders.
pub fn item(kinds: &[&'static str], ticks: (u32, u32), nested: bool) -> BoxedStrategy<Vec<Step>> {
    let is_section = |k: &str| SECTION_KINDS.iter().any(|(s, _)| *s == k);
    let plain: Vec<&'static str> = kinds.iter().copied().filter(|k| !is_section(k)).collect();
    let plain = if plain.is_empty() { vec!["compute"] } else { plain };
    let single = step_of(&plain, ticks, kinds).prop_map(|s| vec![s]).boxed();
    let mut options: Vec<BoxedStrategy<Vec<Step>>> = vec![single.clone()];
    for &(kind, names) in SECTION_KINDS.iter().filter(|(k, _)| kinds.contains(k)) {
        // Inside: nothing, or one step, or one step inside the other lock (shrinking in that
        // order: the inner list first, then the nesting).
        let nesting = if nested { any::<bool>().boxed() } else { Just(false).boxed() };
        let inside = vec((nesting, single.clone()), 0..=1);
        let section = (0..2usize, inside).prop_map(move |(first, inside)| {
            let mut steps = open(kind, names[first]);
            for (nested, inner) in inside {
                if nested {
                    let other = names[1 - first];
                    steps.extend(open(kind, other));
                    steps.extend(inner);
                    steps.push(close(kind, other));
                } else {
                    steps.extend(inner);
                }
            }
            steps.push(close(kind, names[first]));
            steps
        });
        options.push(section.boxed());
    }
    if options.len() == 1 {
        return options.pop().expect("one option");
    }
    // Sections are rarer than single steps (as rare as one other kind would be, when only a
    // few kinds are allowed); shrinking still prefers the single step.
    let single_weight = (plain.len() as u32).min(4);
    let weighted: Vec<(u32, BoxedStrategy<Vec<Step>>)> =
        options.into_iter().enumerate().map(|(i, s)| (if i == 0 { single_weight } else { 1 }, s)).collect();
    proptest::strategy::Union::new_weighted(weighted).boxed()
}

/// The step that takes lock or semaphore `name` of section `kind`.
fn open(kind: &str, name: &str) -> Vec<Step> {
    vec![match kind {
        "lock" => Step::Lock(name.into(), None),
        "semaphore" => Step::Acquire(name.into(), None),
        "await semaphore" => Step::AwaitAcquire(name.into()),
        _ => Step::AwaitLock(name.into()),
    }]
}

/// The step that gives lock or semaphore `name` of section `kind` back (`release X` in a
/// task is resolved by X's uses).
fn close(kind: &str, name: &str) -> Step {
    match kind {
        "lock" => Step::Unlock(name.into()),
        "semaphore" => Step::SemRelease(name.into()),
        _ => Step::Release(name.into()),
    }
}

/// A program of `steps` items (`steps` is a `(min, max)` count of items).
pub fn program(kinds: &[&'static str], steps: (u32, u32), ticks: (u32, u32), nested: bool) -> BoxedStrategy<Vec<Step>> {
    vec(item(kinds, ticks, nested), steps.0 as usize..=steps.1 as usize)
        .prop_map(|items| items.into_iter().flatten().collect())
        .boxed()
}

/// A thread or task entry before it is named: `count`, `repeat` and its steps.
#[derive(Clone, Debug)]
pub struct Entry {
    pub count: u32,
    pub repeat: bool,
    pub steps: Vec<Step>,
}

/// An entry running `program`, with `count` copies and, when allowed, `repeat`.
pub fn entry(fa: &ForAll, program: BoxedStrategy<Vec<Step>>) -> BoxedStrategy<Entry> {
    let repeat = if fa.repeat { any::<bool>().boxed() } else { Just(false).boxed() };
    (fa.count.0..=fa.count.1, repeat, program).prop_map(|(count, repeat, steps)| Entry { count, repeat, steps }).boxed()
}

/// A plain thread's entry: blocking steps only.
pub fn thread(fa: &ForAll) -> BoxedStrategy<Entry> {
    let kinds: Vec<&'static str> =
        allowed_kinds(fa).into_iter().filter(|k| !k.starts_with("await") && *k != "cancel").collect();
    entry(fa, program(&kinds, fa.steps, fa.ticks, fa.nested_locks))
}

/// A task's entry: any allowed step.
pub fn task(fa: &ForAll) -> BoxedStrategy<Entry> {
    entry(fa, program(&allowed_kinds(fa), fa.steps, fa.ticks, fa.nested_locks))
}

/// The tasks of one event loop, in creation order.
pub fn event_loop(fa: &ForAll) -> BoxedStrategy<Vec<Entry>> {
    vec(task(fa), fa.tasks.0 as usize..=fa.tasks.1 as usize).boxed()
}

/// The `[runtime]` table: `python` from `pythons` (a claim's variant, or any version).
pub fn runtime(fa: &ForAll, pythons: &[String]) -> BoxedStrategy<Runtime> {
    let pythons =
        if pythons.is_empty() { PYTHON_VERSIONS.iter().map(|v| v.to_string()).collect() } else { pythons.to_vec() };
    let time = if fa.ticks_mode { TimeMode::Ticks } else { TimeMode::Untimed };
    let horizon = fa.horizon;
    (select(pythons), 1u32..=5, 1u32..=2, fa.cores.0..=fa.cores.1)
        .prop_map(move |(python, switch_interval, check_interval, cores)| {
            let base = Runtime { switch_interval, check_interval, cores, time, horizon, ..Runtime::default() };
            base.with_python(&python).unwrap_or(base)
        })
        .boxed()
}

/// A thread running an event loop, or, when the bounds allow fewer loops, one that shrinks
/// into a plain thread running its tasks' blocking steps one after the other (a loop is more
/// machinery than a thread: a counterexample without it is simpler). Always generated as a loop.
pub fn loop_slot(fa: &ForAll) -> BoxedStrategy<Result<Vec<Entry>, Entry>> {
    let is_loop = if fa.loops.0 == 0 { proptest::bool::weighted(1.0).boxed() } else { Just(true).boxed() };
    (is_loop, event_loop(fa))
        .prop_map(|(is_loop, tasks)| if is_loop { Ok(tasks) } else { Err(as_thread(&tasks)) })
        .boxed()
}

/// A plain thread doing what `tasks` do without awaiting: their blocking steps in order, and
/// the step of each `await to_thread` (`compute 1` when nothing is left).
fn as_thread(tasks: &[Entry]) -> Entry {
    let blocking = |e: &Entry| -> Vec<Step> {
        e.steps
            .iter()
            .filter_map(|s| match s {
                Step::AwaitToThread(inner) => Some((**inner).clone()),
                // A task's `release B` (an asyncio semaphore) is awaiting-only too.
                s if s.is_awaiting() => None,
                s => Some(s.clone()),
            })
            .collect()
    };
    let mut steps: Vec<Step> = tasks.iter().flat_map(blocking).collect();
    if steps.len() > crate::input::scenario::MAX_STEPS {
        steps = tasks.first().map(blocking).unwrap_or_default();
    }
    if steps.is_empty() {
        steps.push(Step::Compute(Duration { lo: 1, hi: 1 }));
    }
    Entry { count: 1, repeat: false, steps }
}

/// Any program within the bounds of `fa`: plain threads `t1`, `t2` … and event loops
/// (`main`, or `main1`, `main2` …) running tasks `task1`, `task2` ….
pub fn scenario(fa: &ForAll, pythons: &[String]) -> BoxedStrategy<Case> {
    let threads = vec(thread(fa), fa.threads.0 as usize..=fa.threads.1 as usize);
    let loops = vec(loop_slot(fa), fa.loops.0 as usize..=fa.loops.1 as usize);
    let ticks = fa.ticks_mode;
    (runtime(fa, pythons), threads, loops)
        .prop_map(move |(runtime, threads, slots)| {
            let mut threads = threads;
            let mut loops = Vec::new();
            for slot in slots {
                match slot {
                    Ok(tasks) => loops.push(tasks),
                    Err(thread) => threads.push(thread),
                }
            }
            if threads.is_empty() && loops.is_empty() {
                // Bounds allowing neither are refused with the claim; keep a thread anyway.
                threads.push(Entry { count: 1, repeat: false, steps: vec![Step::Compute(Duration { lo: 1, hi: 1 })] });
            }
            let mut specs: Vec<ThreadSpec> = Vec::new();
            let mut tasks: Vec<TaskSpec> = Vec::new();
            for (i, e) in threads.into_iter().enumerate() {
                specs.push(thread_spec(format!("t{}", i + 1), e, ticks));
            }
            let single = loops.len() == 1;
            for (l, entries) in loops.into_iter().enumerate() {
                let names: Vec<String> = (0..entries.len()).map(|j| format!("task{}", tasks.len() + j + 1)).collect();
                let loop_name = if single { "main".to_string() } else { format!("main{}", l + 1) };
                tasks.extend(loop_tasks(&names, entries, ticks));
                specs.push(ThreadSpec { name: loop_name, count: 1, repeat: false, body: ThreadBody::Loop(names) });
            }
            finish(runtime, specs, tasks, Vec::new())
        })
        .boxed()
}

/// The `blocking-call` family: a loop `main` whose first task `blocker` runs `{K} - 1` steps
/// that do not suspend, then a blocking call of `{D}` ticks (`time.sleep`, `io`, `compute`,
/// `c_call` or `c_nogil`), then anything; the task created next, `ticker`, is in the ready
/// queue all that time (its first step does not suspend either, so `progress(ticker) == 0`
/// means it has not been resumed yet). Other tasks on the loop and plain threads beside it
/// come from the bounds.
pub fn blocking_call(fa: &ForAll, pythons: &[String]) -> BoxedStrategy<Case> {
    let kinds = allowed_kinds(fa);
    let calm: Vec<&'static str> =
        PLAIN_BLOCKING.iter().copied().filter(|k| kinds.contains(k)).chain(["await coro"]).collect();
    let calm_step = step_of(&calm, fa.ticks, &kinds);
    let block_kinds: Vec<&'static str> = PLAIN_BLOCKING[..5].iter().copied().filter(|k| kinds.contains(k)).collect();
    let block_kinds = if block_kinds.is_empty() { vec!["time.sleep"] } else { block_kinds };
    let rest = program(&kinds, (0, fa.steps.1.saturating_sub(1)), fa.ticks, fa.nested_locks);
    let threads = vec(thread(fa), fa.threads.0 as usize..=fa.threads.1 as usize);
    let others = vec(task(fa), fa.tasks.0 as usize..=fa.tasks.1 as usize);
    let ticks = fa.ticks_mode;
    let blocker = (vec(calm_step.clone(), 0..=2), select(block_kinds), fa.block.0..=fa.block.1, rest.clone());
    let ticker = (calm_step, rest);
    (runtime(fa, pythons), threads, blocker, ticker, others)
        .prop_map(move |(runtime, threads, (prefix, kind, d, after), (first, then), others)| {
            let k = prefix.len() as i64 + 1;
            let call = {
                let d = Duration { lo: d, hi: d };
                match kind {
                    "io" => Step::Io(d),
                    "compute" => Step::Compute(d),
                    "c_call" => Step::CCall(d),
                    "c_nogil" => Step::CNoGil(d),
                    _ => Step::Sleep(d),
                }
            };
            let mut blocker = prefix;
            blocker.push(call);
            blocker.extend(after);
            let mut ticker = vec![first];
            ticker.extend(then);
            let mut entries = vec![
                Entry { count: 1, repeat: false, steps: blocker },
                Entry { count: 1, repeat: false, steps: ticker },
            ];
            entries.extend(others);
            let mut names = vec!["blocker".to_string(), "ticker".to_string()];
            names.extend((0..entries.len() - 2).map(|j| format!("task{}", j + 1)));
            let mut specs: Vec<ThreadSpec> =
                threads.into_iter().enumerate().map(|(i, e)| thread_spec(format!("t{}", i + 1), e, ticks)).collect();
            let tasks = loop_tasks(&names, entries, ticks);
            specs.push(ThreadSpec { name: "main".into(), count: 1, repeat: false, body: ThreadBody::Loop(names) });
            finish(runtime, specs, tasks, vec![("D".into(), i64::from(d)), ("K".into(), k)])
        })
        .boxed()
}

/// The programs of a universal claim, by its shape.
pub fn cases(fa: &ForAll, pythons: &[String]) -> BoxedStrategy<Case> {
    match fa.shape {
        Shape::Any => scenario(fa, pythons),
        Shape::BlockingCall => blocking_call(fa, pythons),
    }
}

/// `repeat` needs a step that takes a tick in ticks mode (else time would stand still).
fn repeat_ok(e: &Entry, ticks: bool) -> bool {
    e.repeat && (!ticks || e.steps.iter().any(Step::takes_ticks))
}

fn thread_spec(name: String, e: Entry, ticks: bool) -> ThreadSpec {
    let repeat = repeat_ok(&e, ticks);
    ThreadSpec { name, count: e.count, repeat, body: ThreadBody::Steps(e.steps) }
}

/// The tasks of one loop, named, with each `await task #r` pointing at a task created
/// earlier on the same loop (so no two tasks await each other), or `await coro` for the first.
fn loop_tasks(names: &[String], entries: Vec<Entry>, ticks: bool) -> Vec<TaskSpec> {
    let copy_name = |j: usize, count: u32| if count == 1 { names[j].clone() } else { format!("{}0", names[j]) };
    let counts: Vec<u32> = entries.iter().map(|e| e.count).collect();
    entries
        .into_iter()
        .enumerate()
        .map(|(j, e)| {
            let repeat = repeat_ok(&e, ticks);
            let steps = resolve_awaits(e.steps, |r| (j > 0).then(|| copy_name(r % j, counts[r % j])));
            TaskSpec { name: names[j].clone(), count: e.count, repeat, steps }
        })
        .collect()
}

/// Replaces each `await task #r` by `await task NAME` (`target(r)`), or `await coro` when
/// there is no earlier task.
fn resolve_awaits(steps: Vec<Step>, target: impl Fn(usize) -> Option<String>) -> Vec<Step> {
    steps
        .into_iter()
        .map(|s| match s {
            Step::AwaitTask(r) if r.starts_with('#') => {
                let r: usize = r[1..].parse().unwrap_or(0);
                target(r).map_or(Step::AwaitCoro, Step::AwaitTask)
            }
            Step::Cancel(r) if r.starts_with('#') => {
                let r: usize = r[1..].parse().unwrap_or(0);
                target(r).map_or(Step::AwaitCoro, Step::Cancel)
            }
            Step::AwaitWaitFor(r, n) if r.starts_with('#') => {
                let r: usize = r[1..].parse().unwrap_or(0);
                target(r).map_or(Step::AwaitCoro, |t| Step::AwaitWaitFor(t, n))
            }
            other => other,
        })
        .collect()
}

/// The scenario, through its file text: what a scenario file saying the same would give.
fn finish(runtime: Runtime, threads: Vec<ThreadSpec>, tasks: Vec<TaskSpec>, params: Vec<(String, i64)>) -> Case {
    let draft = Scenario {
        name: "generated".into(),
        title: "A generated program".into(),
        path: Default::default(),
        runtime,
        threads,
        tasks,
        vars: Vec::new(),
        queues: Vec::new(),
        semaphores: Vec::new(),
        jobs: Vec::new(),
        conditions: Vec::new(),
        origins: Default::default(),
    };
    let text = draft.to_toml();
    let scenario = parse_scenario(Path::new("generated.toml"), &text, "generated")
        .unwrap_or_else(|e| panic!("the generator made an invalid scenario: {e}\n{text}"));
    Case { scenario, params }
}
