//! The Python front end: a `.py` file's concurrency structure as a scenario, each thread,
//! task and step naming the source line it comes from, and the built-in questions
//! ([`questions`]) that `gilcheck check app.py` asks of it.
//!
//! The file is read with tree-sitter-python ([`syntax`]); [`walk`] and [`aio`] follow the
//! entry code into threads, tasks and calls; [`calls`] says what each call costs;
//! [`program`] holds the result and writes it as TOML, which is then read back by the
//! scenario parser, so that an extracted scenario is checked exactly as a written one.

mod aio;
pub mod calls;
mod expressions;
pub mod program;
pub mod questions;
mod statements;
mod syntax;
mod walk;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use tree_sitter::Node;

use crate::input::located::InputError;
use crate::input::scenario::{parse_scenario, Duration, Scenario, Step};
use calls::Mapping;
use program::{ActorKind, Extracted, Note, Placed, Shared};
use syntax::{children, PyFile};
use walk::{Frame, Global, Walker};

/// A Python file turned into a scenario.
#[derive(Debug)]
pub struct Extraction {
    pub program: Extracted,
    /// The scenario file's text, commented with source lines.
    pub toml: String,
    /// The scenario, read back from `toml`, with every step's source line attached.
    pub scenario: Scenario,
}

/// Extracts the scenario of the Python file `path` (text `text`) under CPython `python`.
/// A syntax error, a bad `# gilcheck:` comment or a program beyond the model's limits is an
/// error at its line; what is only approximated is a note.
pub fn extract(path: &Path, text: &str, mapping: &Mapping, python: &str) -> Result<Extraction, InputError> {
    let file = PyFile::parse(path, text)?;
    let file_name = path.file_name().map_or("program.py".into(), |n| n.to_string_lossy().into_owned());
    let stem = path.file_stem().map_or("program".into(), |n| n.to_string_lossy().into_owned());
    let mut walker = Walker {
        file: &file,
        mapping,
        aliases: HashMap::new(),
        globals: BTreeMap::new(),
        functions: HashMap::new(),
        annotations: HashMap::new(),
        loop_bounds: HashMap::new(),
        out: Extracted {
            file: file_name,
            name: stem,
            python: python.to_owned(),
            actors: Vec::new(),
            loop_thread: None,
            shared: Shared::default(),
            notes: Vec::new(),
            ms_per_tick: 1,
            defaults: mapping.defaults.clone(),
        },
        started: Vec::new(),
        pools: Vec::new(),
        names: HashSet::from([program::LOOP_THREAD.to_owned()]),
        stack: Vec::new(),
        actor_depth: 0,
        effects: 0,
        serial_note: None,
    };
    read_comments(&file, file.root(), &mut walker)?;
    walker.out.ms_per_tick = tick_scale(&file, file.root());
    let entry = read_module(&mut walker);
    let mut frame = Frame::new("<module>", false);
    let mut main_steps = Vec::new();
    for statement in entry {
        walker.statement(&mut frame, statement, &mut main_steps);
    }
    finish(&mut walker, main_steps, file.root());
    let mut program = walker.out;
    program.notes.sort();
    if program.actors.is_empty() {
        let message = "found no thread, task or executor job to check; expected a program that starts threads \
                       (threading.Thread, ThreadPoolExecutor) or runs asyncio (asyncio.run)";
        return Err(InputError::new(path, 1, 1, message));
    }
    let toml = program.to_toml();
    let scenario_path = path.with_extension("py");
    let mut scenario = parse_scenario(&scenario_path, &toml, &program.name).map_err(|e| {
        InputError::new(path, 1, 1, format!("the program is beyond what gilcheck models: {}", e.message))
    })?;
    scenario.origins = origins(&program);
    Ok(Extraction { program, toml, scenario })
}

/// Every step's source label, by thread, task and job name.
fn origins(program: &Extracted) -> BTreeMap<String, Vec<String>> {
    let labels = |steps: &[Placed]| steps.iter().map(|p| p.origin.label(&program.file)).collect();
    program.actors.iter().map(|a| (a.name.clone(), labels(&a.steps))).collect()
}

/// `# gilcheck: STEP[; STEP]`, `# gilcheck: none` and `# gilcheck: loop N` comments.
fn read_comments(file: &PyFile, node: Node, walker: &mut Walker) -> Result<(), InputError> {
    if node.kind() == "comment" {
        let text = file.text(node);
        if let Some(rest) = text.trim_start_matches('#').trim().strip_prefix("gilcheck:") {
            let rest = rest.trim();
            let line = file.line(node);
            if let Some(n) = rest.strip_prefix("loop ") {
                let n: u32 = n
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| (1..=8).contains(n))
                    .ok_or_else(|| file.error(node, format!("`{rest}`: expected `loop N` with N from 1 to 8")))?;
                walker.loop_bounds.insert(line, n);
            } else {
                let steps =
                    calls::parse_steps(rest).map_err(|e| file.error(node, format!("`# gilcheck: {rest}`: {e}")))?;
                walker.annotations.insert(line, steps);
            }
        }
        return Ok(());
    }
    for child in children_all(node) {
        read_comments(file, child, walker)?;
    }
    Ok(())
}

fn children_all(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// Milliseconds per tick: 1, or 10, 100, 1000 when the longest sleep or timeout written in
/// the file would be more than 200 ticks (the model's durations are at most 255).
fn tick_scale(file: &PyFile, root: Node) -> u32 {
    let mut longest: f64 = 0.0;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            let name = node.child_by_field_name("function").map_or("", |f| file.text(f));
            if name.ends_with("sleep") || name.ends_with("wait_for") || name.ends_with("timeout") {
                for arg in node.child_by_field_name("arguments").map(children).unwrap_or_default() {
                    let value =
                        if arg.kind() == "keyword_argument" { arg.child_by_field_name("value") } else { Some(arg) };
                    if let Some(v) = value.filter(|v| matches!(v.kind(), "float" | "integer")) {
                        longest = longest.max(file.text(v).replace('_', "").parse().unwrap_or(0.0));
                    }
                }
            }
        }
        stack.extend(children_all(node));
    }
    [1, 10, 100, 1000].into_iter().find(|ms| longest * 1000.0 / *ms as f64 <= 200.0).unwrap_or(1000)
}

/// The module's imports, globals and functions; returns the entry code: the body of
/// `if __name__ == "__main__":` and every other top-level statement, in order.
fn read_module<'t>(walker: &mut Walker<'t>) -> Vec<Node<'t>> {
    let file = walker.file;
    let mut entry = Vec::new();
    for statement in children(file.root()) {
        match statement.kind() {
            "import_statement" | "import_from_statement" => read_import(walker, statement),
            "function_definition" => {
                if let Some(name) = statement.child_by_field_name("name") {
                    walker.functions.insert(file.text(name).to_owned(), statement);
                }
            }
            "decorated_definition" => {
                if let Some(def) =
                    statement.child_by_field_name("definition").filter(|d| d.kind() == "function_definition")
                {
                    if let Some(name) = def.child_by_field_name("name") {
                        walker.functions.insert(file.text(name).to_owned(), def);
                    }
                }
            }
            "class_definition" => walker.note(statement, "a class: its methods are not followed"),
            "expression_statement" if read_global(walker, statement) => {}
            "if_statement" if is_main_guard(file, statement) => {
                if let Some(body) = statement.child_by_field_name("consequence") {
                    entry.extend(children(body));
                }
            }
            _ => entry.push(statement),
        }
    }
    entry
}

/// `if __name__ == "__main__":`
fn is_main_guard(file: &PyFile, statement: Node) -> bool {
    statement
        .child_by_field_name("condition")
        .is_some_and(|c| file.text(c).replace('\'', "\"") == "__name__ == \"__main__\"")
}

fn read_import(walker: &mut Walker, statement: Node) {
    let file = walker.file;
    let module = statement.child_by_field_name("module_name").map(|m| file.text(m).to_owned());
    for name in children(statement) {
        if Some(name) == statement.child_by_field_name("module_name") {
            continue;
        }
        let (dotted, alias) = match name.kind() {
            "aliased_import" => (
                name.child_by_field_name("name").map_or("", |n| file.text(n)),
                name.child_by_field_name("alias").map_or("", |a| file.text(a)),
            ),
            "dotted_name" => (file.text(name), file.text(name)),
            _ => continue,
        };
        let full = match &module {
            Some(m) => format!("{m}.{dotted}"),
            None => dotted.to_owned(),
        };
        let local = if name.kind() == "dotted_name" && module.is_none() {
            dotted.split('.').next().unwrap_or(dotted)
        } else {
            alias
        };
        if module.is_some() || name.kind() == "aliased_import" {
            walker.aliases.insert(local.to_owned(), full);
        }
    }
}

/// A top-level `NAME = VALUE` that makes a shared object; false for any other statement.
fn read_global(walker: &mut Walker, statement: Node) -> bool {
    let file = walker.file;
    let Some(assign) = children(statement).first().copied().filter(|a| a.kind() == "assignment") else { return false };
    let (Some(left), Some(right)) = (assign.child_by_field_name("left"), assign.child_by_field_name("right")) else {
        return false;
    };
    if left.kind() != "identifier" {
        return false;
    }
    let name = file.text(left).to_owned();
    let frame = Frame::new("<module>", false);
    let global = match right.kind() {
        "integer" | "unary_operator" | "binary_operator" => match walker.constant(&frame, right) {
            Some(walk::Binding::Int(v)) => Global::Int(v),
            _ => return false,
        },
        "list" | "tuple" if !children(right).is_empty() => Global::Constant(children(right).len()),
        "list" | "dictionary" | "set" => Global::Collection,
        "call" => {
            let called = right.child_by_field_name("function").and_then(|f| walker.resolve(f)).unwrap_or_default();
            let size = |w: &Walker, key: &str| -> u8 {
                let arg = w.kwarg(right, key).or(w.args(right).first().copied());
                match arg.and_then(|a| w.constant(&frame, a)) {
                    Some(walk::Binding::Int(n)) => n.clamp(0, 255) as u8,
                    _ => 0,
                }
            };
            match called.as_str() {
                "threading.Lock" | "threading.RLock" => Global::ThreadLock,
                "asyncio.Lock" => Global::AsyncLock,
                "threading.Event" => Global::Event,
                "asyncio.Event" => Global::AsyncEvent,
                "threading.Semaphore" | "threading.BoundedSemaphore" => Global::Semaphore(size(walker, "value").max(1)),
                "asyncio.Semaphore" | "asyncio.BoundedSemaphore" => {
                    Global::AsyncSemaphore(size(walker, "value").max(1))
                }
                "queue.Queue" | "queue.SimpleQueue" | "queue.LifoQueue" => Global::Queue(size(walker, "maxsize")),
                "asyncio.Queue" => Global::AsyncQueue(size(walker, "maxsize")),
                "list" | "dict" | "set" | "collections.deque" | "collections.defaultdict" | "collections.Counter" => {
                    Global::Collection
                }
                _ => return false,
            }
        }
        _ => return false,
    };
    if called_rlock(walker, right) {
        walker.note(right, "a threading.RLock: modelled as a threading.Lock (no re-entry)");
    }
    walker.globals.insert(name, global);
    true
}

fn called_rlock(walker: &Walker, right: Node) -> bool {
    right.kind() == "call"
        && right.child_by_field_name("function").and_then(|f| walker.resolve(f)).as_deref() == Some("threading.RLock")
}

/// After the walk: pools still open run their jobs; threads never started are dropped (with
/// a note); the main thread's own work beside its threads becomes thread `main`; task
/// placeholders get their names; the shared objects the steps use are declared.
fn finish(walker: &mut Walker, main_steps: Vec<Placed>, root: Node) {
    for p in 0..walker.pools.len() {
        let origin = walker.origin(&Frame::new("<module>", false), root);
        walker.run_pool(p, &origin);
    }
    let mut keep = Vec::new();
    for (i, actor) in walker.out.actors.iter().enumerate() {
        let unstarted = actor.kind == ActorKind::Thread && !walker.started[i].0;
        if unstarted {
            let (line, col) = (actor.origin.line, actor.origin.col);
            walker.out.notes.push(Note {
                line,
                col,
                text: format!("thread `{}` is never started: left out", actor.name),
            });
        }
        keep.push(!unstarted);
    }
    let renamed: Vec<program::Actor> = walker
        .out
        .actors
        .iter()
        .map(|a| {
            let mut a = a.clone();
            for placed in &mut a.steps {
                rename_tasks(&mut placed.step, &|r| walker.task_name(r));
            }
            a
        })
        .collect();
    walker.out.actors = renamed.into_iter().zip(keep).filter(|(_, k)| *k).map(|(a, _)| a).collect();
    for i in 0..walker.out.actors.len() {
        if walker.out.actors[i].kind == ActorKind::Thread {
            let base = walker.out.actors[i].name.clone();
            walker.out.actors[i].name = walker.fresh_name(&base);
        }
    }
    if !main_steps.is_empty() {
        if walker.out.loop_thread.is_some() {
            let first = &main_steps[0].origin;
            walker.out.notes.push(Note {
                line: first.line,
                col: first.col,
                text: "the main thread's own work beside the event loop it runs: not modelled".into(),
            });
        } else {
            let origin = main_steps[0].origin.clone();
            let name = walker.fresh_name(program::MAIN_THREAD);
            walker.out.actors.insert(
                0,
                program::Actor {
                    kind: ActorKind::Thread,
                    name,
                    count: 1,
                    repeat: false,
                    steps: main_steps,
                    origin,
                    daemon: false,
                    future: false,
                },
            );
        }
    }
    for actor in &mut walker.out.actors {
        merge_computes(&mut actor.steps);
    }
    declare_shared(walker);
}

/// Renames the task placeholders a step names.
fn rename_tasks(step: &mut Step, name: &dyn Fn(&str) -> String) {
    match step {
        Step::AwaitTask(t) | Step::Cancel(t) | Step::AwaitWaitFor(t, _) => *t = name(t),
        Step::AwaitTimeout(_, inner) => rename_tasks(inner, name),
        _ => {}
    }
}

/// Consecutive `compute` steps are one (a longer stretch of Python).
fn merge_computes(steps: &mut Vec<Placed>) {
    let mut merged: Vec<Placed> = Vec::with_capacity(steps.len());
    for placed in steps.drain(..) {
        if let (Some(Placed { step: Step::Compute(a), .. }), Step::Compute(b)) = (merged.last_mut(), &placed.step) {
            let total = (a.hi + b.hi).min(255);
            *a = Duration { lo: total, hi: total };
            continue;
        }
        merged.push(placed);
    }
    *steps = merged;
}

/// The globals the steps use, with their starting values and sizes.
fn declare_shared(walker: &mut Walker) {
    let mut used: Vec<String> = Vec::new();
    for actor in &walker.out.actors {
        for placed in &actor.steps {
            let names = [placed.step.variable(), placed.step.sync_use().map(|(n, _)| n)];
            for name in names.into_iter().flatten() {
                if !used.iter().any(|u| u == name) {
                    used.push(name.to_owned());
                }
            }
        }
    }
    let shared = &mut walker.out.shared;
    for name in used {
        match walker.globals.get(&name) {
            Some(Global::Int(v)) => shared.vars.push((name, *v)),
            Some(Global::Collection) => shared.vars.push((name, 0)),
            Some(Global::Queue(n) | Global::AsyncQueue(n)) => shared.queues.push((name, *n)),
            Some(Global::Semaphore(n) | Global::AsyncSemaphore(n)) => shared.semaphores.push((name, *n)),
            _ => {}
        }
    }
}
