//! The built-in questions `gilcheck check app.py` asks of an extracted program, as claims on
//! its scenario, so that each answer comes from exploring the model like any other claim:
//!
//! | id | asks | check |
//! |---|---|---|
//! | `python.loop-never-blocked` | no task of the loop is late by more than `--max-stall` ticks | `always lateness(T) <= S` for every task (ticks mode) |
//! | `python.no-lost-update` | every shared global ends with the value of a serial run | `always (all_done -> var(X) == V ‖ …)` over the values of every serial order |
//! | `python.no-deadlock` | the program always finishes | `eventually all_done` (or the threads and main task it waits for) |
//! | `python.offload-in-parallel` | work handed to threads or an executor overlaps in time | `sometimes working(A) && working(B)` for some two pieces |
//!
//! A question that does not apply (no event loop, no shared global, nothing offloaded) is
//! answered by construction, with the reason.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use super::program::{Actor, ActorKind, Extracted, Placed, LOOP_THREAD};
use super::Extraction;
use crate::cpython::program::{System, ThreadKind};
use crate::input::claim::{parse_claim_file, Claim};
use crate::input::located::InputError;
use crate::input::scenario::{Scenario, Step, TimeMode, WriteValue, MAX_HORIZON};

/// The question ids, in the order they are asked.
pub const QUESTIONS: [&str; 4] =
    ["python.loop-never-blocked", "python.no-lost-update", "python.no-deadlock", "python.offload-in-parallel"];

/// The scenarios (the extracted one, and its ticks-mode twin when it has an event loop) and
/// the question claims on them, under each of `variants`.
pub fn ask(ex: &Extraction, variants: &[String], max_stall: u32) -> Result<(Vec<Scenario>, Vec<Claim>), InputError> {
    let p = &ex.program;
    let untimed = ex.scenario.clone();
    let mut scenarios = vec![untimed.clone()];
    let tasks = expanded(p.of_kind(ActorKind::Task).filter(|t| !t.future));
    let ticks_name = format!("{}@ticks", p.name);
    if !tasks.is_empty() {
        let mut ticks = untimed.clone();
        ticks.name = ticks_name.clone();
        ticks.runtime.time = TimeMode::Ticks;
        ticks.runtime.horizon = horizon(p);
        scenarios.push(ticks);
    }
    let mut toml = String::new();
    // 1. The loop is never blocked for long.
    if tasks.is_empty() {
        let why = "the program runs no asyncio event loop";
        claim(
            &mut toml,
            QUESTIONS[0],
            "No task of the event loop is ever late by more than the stall bound.",
            &p.name,
            "always 0 == 0",
            Some(why),
            variants,
        );
    } else {
        let terms: Vec<String> = tasks.iter().map(|t| format!("lateness({t}) <= {max_stall}")).collect();
        let check = format!("always {}", terms.join(" && "));
        claim(
            &mut toml,
            QUESTIONS[0],
            &format!("No task of the event loop is ever late by more than {max_stall} ticks."),
            &ticks_name,
            &check,
            None,
            variants,
        );
    }
    // 2. No lost update.
    let quote = "Every shared global ends with the value of a serial run.";
    let repeats = p.actors.iter().any(|a| a.repeat);
    match serial_values(p) {
        _ if repeats => {
            let why = "the program runs a `while True:` loop, so it has no final values";
            claim(&mut toml, QUESTIONS[1], quote, &p.name, "always 0 == 0", Some(why), variants);
        }
        values if values.is_empty() => {
            let why = "no thread or task writes a shared global";
            claim(&mut toml, QUESTIONS[1], quote, &p.name, "always 0 == 0", Some(why), variants);
        }
        values => {
            let each: Vec<String> = values
                .iter()
                .map(|(x, vs)| {
                    let alts: Vec<String> = vs.iter().map(|v| format!("var({x}) == {v}")).collect();
                    format!("({})", alts.join(" || "))
                })
                .collect();
            let check = format!("always (all_done -> {})", each.join(" && "));
            claim(&mut toml, QUESTIONS[1], quote, &p.name, &check, None, variants);
        }
    }
    // 3. No deadlock: the program ends.
    let waited = must_finish(p);
    let everything = waited.len() == expanded(p.actors.iter().filter(|a| a.kind != ActorKind::Job)).len();
    let check = if everything {
        "eventually all_done".to_owned()
    } else if waited.is_empty() {
        "never deadlock".to_owned()
    } else {
        let done: Vec<String> = waited.iter().map(|n| format!("done({n})")).collect();
        format!("eventually {}", done.join(" && "))
    };
    claim(&mut toml, QUESTIONS[2], "The program always finishes: it never deadlocks.", &p.name, &check, None, variants);
    // 4. Offloaded work overlaps.
    let quote = "Work handed to threads or an executor runs at the same time as other work.";
    let pieces = offloaded(p, &untimed);
    let mut pairs: Vec<String> = Vec::new();
    for (i, a) in pieces.iter().enumerate() {
        for b in &pieces[i + 1..] {
            pairs.push(format!("working({a}) && working({b})"));
        }
    }
    if p.loop_thread.is_some() && pieces.len() == 1 {
        pairs.push(format!("working({}) && running_tasks >= 1", pieces[0]));
    }
    if pairs.is_empty() {
        let why = if pieces.is_empty() {
            "nothing is handed to a thread or an executor"
        } else {
            "only one piece of work is offloaded, and nothing runs beside it"
        };
        claim(&mut toml, QUESTIONS[3], quote, &p.name, "always 0 == 0", Some(why), variants);
    } else {
        let check = format!("sometimes {}", pairs.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" || "));
        claim(&mut toml, QUESTIONS[3], quote, &p.name, &check, None, variants);
    }
    let claims = parse_claim_file(Path::new(&format!("{}.questions.toml", p.file)), &toml)?;
    Ok((scenarios, claims))
}

/// One `[[claims]]` entry.
fn claim(
    out: &mut String,
    id: &str,
    quote: &str,
    model: &str,
    check: &str,
    by_construction: Option<&str>,
    variants: &[String],
) {
    let q = super::program::quote;
    let variants: Vec<String> = variants.iter().map(|v| q(v)).collect();
    let _ = writeln!(out, "[[claims]]\nid = {}\nquote = {}\nsource = \"gilcheck check\"", q(id), q(quote));
    let _ = writeln!(
        out,
        "models = [{}]\ncheck = {}\nexpect = \"holds\"\nvariants = [{}]",
        q(model),
        q(check),
        variants.join(", ")
    );
    if let Some(why) = by_construction {
        let _ = writeln!(out, "by_construction = {}", q(why));
    }
    out.push('\n');
}

/// The names of actors' copies, as claims name them.
fn expanded<'a>(actors: impl Iterator<Item = &'a Actor>) -> Vec<String> {
    actors
        .flat_map(|a| {
            if a.count > 1 {
                (0..a.count).map(|i| format!("{}{i}", a.name)).collect()
            } else {
                vec![a.name.clone()]
            }
        })
        .collect()
}

/// What the program waits for before it exits: its non-daemon threads, and the main task of
/// `asyncio.run` (which cancels the other tasks when it returns: `Lib/asyncio/runners.py:
/// _cancel_all_tasks`).
fn must_finish(p: &Extracted) -> Vec<String> {
    let threads = p.of_kind(ActorKind::Thread).filter(|t| !t.daemon);
    let main_task = p.of_kind(ActorKind::Task).take(1);
    expanded(threads.chain(main_task))
}

/// The pieces of offloaded work: thread copies (not the main thread's own work) and the
/// loop's executor workers, by the names the model gives them.
fn offloaded(p: &Extracted, scenario: &Scenario) -> Vec<String> {
    let threads = p.of_kind(ActorKind::Thread).filter(|t| t.name != super::program::MAIN_THREAD);
    let mut pieces = expanded(threads);
    if p.of_kind(ActorKind::Job).next().is_some() || has_to_thread(p) {
        if let Ok(sys) = System::compile(scenario, &scenario.runtime) {
            pieces
                .extend(sys.threads.iter().filter(|t| matches!(t.kind, ThreadKind::Worker(_))).map(|t| t.name.clone()));
        }
    }
    let _ = LOOP_THREAD;
    pieces
}

fn has_to_thread(p: &Extracted) -> bool {
    p.actors.iter().flat_map(|a| &a.steps).any(|s| matches!(s.step, Step::AwaitToThread(_) | Step::AwaitJob { .. }))
}

/// The ticks-mode horizon: every step's longest duration added up (all actors one after
/// another), plus slack, within the model's bound.
fn horizon(p: &Extracted) -> u32 {
    let total: u32 = p.actors.iter().map(|a| a.count * a.steps.iter().map(|s| ticks_of(&s.step)).sum::<u32>()).sum();
    (total + 20).clamp(30, MAX_HORIZON)
}

fn ticks_of(step: &Step) -> u32 {
    match step {
        Step::Compute(d) | Step::CCall(d) | Step::CNoGil(d) | Step::Io(d) | Step::Sleep(d) => d.hi,
        Step::AwaitSleep(d) | Step::AwaitIo(d) => d.hi,
        Step::AwaitToThread(inner) | Step::AwaitTimeout(_, inner) => ticks_of(inner),
        Step::AwaitWaitFor(_, n) => *n as u32,
        _ => 1,
    }
}

/// Each shared global some step writes, with the values it ends with over every serial
/// order of the threads and tasks that touch shared globals (each runs to its end before
/// the next starts; a job runs where its task awaits it).
fn serial_values(p: &Extracted) -> Vec<(String, BTreeSet<i64>)> {
    let job_steps =
        |name: &str| p.of_kind(ActorKind::Job).find(|j| j.name == name).map(|j| j.steps.clone()).unwrap_or_default();
    let inline = |steps: &[Placed]| -> Vec<Step> {
        let mut out = Vec::new();
        for s in steps {
            match &s.step {
                Step::AwaitJob { job, .. } => out.extend(job_steps(job).into_iter().map(|p| p.step)),
                Step::AwaitToThread(inner) => out.push((**inner).clone()),
                other => out.push(other.clone()),
            }
        }
        out
    };
    // Copies run the same steps: only the orders of distinct programs differ.
    let mut kinds: Vec<(Vec<Step>, usize)> = Vec::new();
    for actor in p.actors.iter().filter(|a| a.kind != ActorKind::Job) {
        let steps = inline(&actor.steps);
        if !steps.iter().any(|s| s.variable().is_some()) {
            continue;
        }
        match kinds.iter_mut().find(|(k, _)| *k == steps) {
            Some((_, n)) => *n += actor.count as usize,
            None => kinds.push((steps, actor.count as usize)),
        }
    }
    let writes = |s: &Step| matches!(s, Step::Incr(_) | Step::IncrCall(_) | Step::Write(..) | Step::Append(_));
    let written: BTreeSet<String> = kinds
        .iter()
        .flat_map(|(k, _)| k)
        .filter(|s| writes(s))
        .filter_map(|s| s.variable().map(str::to_owned))
        .collect();
    let mut ends: Vec<(String, BTreeSet<i64>)> = written.iter().map(|x| (x.clone(), BTreeSet::new())).collect();
    let mut left: Vec<usize> = kinds.iter().map(|(_, n)| *n).collect();
    let mut order = Vec::new();
    let mut run = |order: &[usize]| {
        let mut vars = p.shared.vars.clone();
        for &k in order {
            let mut local = 0;
            for step in &kinds[k].0 {
                let Some(slot) = step.variable().and_then(|x| vars.iter_mut().find(|(n, _)| n == x)) else { continue };
                let v = &mut slot.1;
                match step {
                    Step::Read(_) => local = *v,
                    Step::Write(_, WriteValue::Const(c)) => *v = *c,
                    Step::Write(_, WriteValue::LocalPlus(k)) => *v = local + k,
                    Step::Incr(_) | Step::IncrCall(_) | Step::Append(_) => *v += 1,
                    _ => {}
                }
            }
        }
        for (x, set) in &mut ends {
            if let Some((_, v)) = vars.iter().find(|(n, _)| n == x) {
                set.insert(*v);
            }
        }
    };
    let mut budget = MAX_ORDERS;
    orders(&mut left, &mut order, &mut budget, &mut run);
    ends
}

/// The most serial orders tried; past it the values found so far stand (a question on more
/// distinct programs than that is beyond what one model checks anyway).
const MAX_ORDERS: usize = 100_000;

/// Calls `f` on every distinct order of a multiset of programs (`left[k]` copies of program k).
fn orders(left: &mut [usize], order: &mut Vec<usize>, budget: &mut usize, f: &mut dyn FnMut(&[usize])) {
    if *budget == 0 {
        return;
    }
    if left.iter().all(|n| *n == 0) {
        *budget -= 1;
        f(order);
        return;
    }
    for k in 0..left.len() {
        if left[k] > 0 {
            left[k] -= 1;
            order.push(k);
            orders(left, order, budget, f);
            order.pop();
            left[k] += 1;
        }
    }
}
