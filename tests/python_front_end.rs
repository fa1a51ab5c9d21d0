//! The Python front end (`gilcheck extract app.py`, `gilcheck check app.py`): each construct
//! it recognises, one by one; notes on what it cannot model; located errors; the corpus in
//! `examples/python/` with the answers each program's docstring expects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use gilcheck::python::calls::Mapping;
use gilcheck::python::extract;
use gilcheck::python::program::ActorKind;

/// Each thread, task and job of `source` (as `app.py`), with its steps as the scenario writes
/// them; `count` and `repeat` shown as `×N` and `forever`.
fn actors(source: &str) -> BTreeMap<String, Vec<String>> {
    let ex = extract(Path::new("app.py"), source, &Mapping::default(), "3.11").unwrap_or_else(|e| panic!("{e}"));
    let mut out = BTreeMap::new();
    for a in &ex.program.actors {
        let kind = match a.kind {
            ActorKind::Thread => "thread",
            ActorKind::Task => "task",
            ActorKind::Job => "job",
        };
        let mut key = format!("{kind} {}", a.name);
        if a.count > 1 {
            key.push_str(&format!(" ×{}", a.count));
        }
        if a.repeat {
            key.push_str(" forever");
        }
        out.insert(key, a.steps.iter().map(|p| p.step.to_string()).collect());
    }
    out
}

fn notes(source: &str) -> Vec<String> {
    let ex = extract(Path::new("app.py"), source, &Mapping::default(), "3.11").unwrap_or_else(|e| panic!("{e}"));
    ex.program.notes.iter().map(|n| format!("{}:{}: {}", n.line, n.col, n.text)).collect()
}

/// Some note of `notes` is at `at` (`line:col:`) and says `text`.
fn has_note(notes: &[String], at: &str, text: &str) -> bool {
    notes.iter().any(|n| n.starts_with(at) && n.contains(text))
}

fn steps_of<'a>(actors: &'a BTreeMap<String, Vec<String>>, key: &str) -> &'a [String] {
    actors.get(key).unwrap_or_else(|| panic!("no `{key}` in {actors:#?}"))
}

#[test]
fn threads_with_start_and_join_and_shared_globals() {
    let src = r#"
import threading
counter = 0
total = 0

def work():
    global counter, total
    counter += 1
    total += len("abc")
    snapshot = counter
    counter = snapshot + 2
    counter = 7

t = threading.Thread(target=work)
t.start()
t.join()
"#;
    let a = actors(src);
    assert_eq!(
        steps_of(&a, "thread work"),
        ["incr counter", "incr_call total", "read counter", "write counter local+2", "write counter 7"]
    );
}

#[test]
fn a_list_of_threads_is_one_entry_with_count() {
    let src = r#"
import threading, time
def w():
    time.sleep(0.005)
threads = [threading.Thread(target=w) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"#;
    assert_eq!(steps_of(&actors(src), "thread w ×3"), ["time.sleep 5"]);
    let unrolled = r#"
import threading, time
def w():
    time.sleep(0.005)
for i in range(2):
    t = threading.Thread(target=w)
    t.start()
"#;
    assert_eq!(steps_of(&actors(unrolled), "thread w ×2"), ["time.sleep 5"]);
}

#[test]
fn a_thread_never_started_is_left_out_with_a_note() {
    let src = "import threading\ndef w():\n    pass\nt = threading.Thread(target=w)\nu = threading.Thread(target=w)\nu.start()\n";
    assert_eq!(actors(src).keys().collect::<Vec<_>>(), ["thread w"]);
    assert!(has_note(&notes(src), "4:5:", "never started"), "{:?}", notes(src));
}

#[test]
fn thread_pool_submit_and_map() {
    let src = r#"
from concurrent.futures import ThreadPoolExecutor
import hashlib
URLS = ["a", "b", "c"]
def digest(u):
    return hashlib.sha256(b"x" * 100000).hexdigest()
with ThreadPoolExecutor(max_workers=4) as ex:
    ex.submit(digest, "a")
    list(ex.map(digest, URLS))
"#;
    let a = actors(src);
    assert_eq!(steps_of(&a, "thread digest ×4"), ["c_nogil 5"], "{a:#?}");
    let small_pool = src.replace("max_workers=4", "max_workers=2");
    let a = actors(&small_pool);
    assert_eq!(steps_of(&a, "thread digest ×2"), ["c_nogil 5", "c_nogil 5"], "{a:#?}");
    assert!(notes(&small_pool).iter().any(|n| n.contains("4 jobs on 2 pool workers")));
}

#[test]
fn asyncio_run_create_task_gather_and_inlined_coroutines() {
    let src = r#"
import asyncio
async def helper():
    await asyncio.sleep(0.002)
async def fetch(n):
    await helper()
async def ticker():
    await asyncio.sleep(0)
async def main():
    t = asyncio.create_task(ticker())
    await asyncio.gather(fetch(1), fetch(2))
    await t
asyncio.run(main())
"#;
    let a = actors(src);
    assert_eq!(steps_of(&a, "task main"), ["await task fetch", "await task fetch_2", "await task ticker"], "{a:#?}");
    assert_eq!(steps_of(&a, "task ticker"), ["await asyncio.sleep 0"]);
    assert_eq!(steps_of(&a, "task fetch"), ["await coro", "await asyncio.sleep 2"]);
    assert_eq!(steps_of(&a, "task fetch_2"), ["await coro", "await asyncio.sleep 2"]);
    let ex = extract(Path::new("app.py"), src, &Mapping::default(), "3.11").unwrap();
    assert!(ex.toml.contains("loop = [\"main\", \"ticker\", \"fetch\", \"fetch_2\"]"), "{}", ex.toml);
}

#[test]
fn gather_over_a_generator_counts_its_tasks() {
    let src = r#"
import asyncio
URLS = ["a", "b", "c"]
async def fetch(u):
    await asyncio.sleep(0.001)
async def main():
    await asyncio.gather(*(fetch(u) for u in URLS))
asyncio.run(main())
"#;
    let a = actors(src);
    assert_eq!(steps_of(&a, "task main"), ["await task fetch0", "await task fetch1", "await task fetch2"]);
    assert_eq!(steps_of(&a, "task fetch ×3"), ["await asyncio.sleep 1"]);
}

#[test]
fn task_group_awaits_its_tasks_at_the_end_of_its_block() {
    let src = r#"
import asyncio
async def job():
    await asyncio.sleep(0.003)
async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(job())
        tg.create_task(job())
    await asyncio.sleep(0)
asyncio.run(main())
"#;
    let a = actors(src);
    assert_eq!(steps_of(&a, "task main"), ["await task job", "await task job_2", "await asyncio.sleep 0"], "{a:#?}");
}

#[test]
fn to_thread_and_run_in_executor() {
    let src = r#"
import asyncio, time
def blocking():
    time.sleep(0.01)
def two_steps():
    time.sleep(0.01)
    sorted([3, 1, 2])
async def main():
    await asyncio.to_thread(blocking)
    await asyncio.to_thread(time.sleep, 0.02)
    await asyncio.to_thread(two_steps)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, blocking)
asyncio.run(main())
"#;
    let a = actors(src);
    assert_eq!(
        steps_of(&a, "task main"),
        [
            "await to_thread time.sleep 10",
            "await to_thread time.sleep 20",
            "await to_thread two_steps",
            "await run_in_executor blocking"
        ],
        "{a:#?}"
    );
    assert_eq!(steps_of(&a, "job two_steps"), ["time.sleep 10", "c_call 2"]);
    assert_eq!(steps_of(&a, "job blocking"), ["time.sleep 10"]);
}

#[test]
fn locks_threading_and_asyncio() {
    let src = r#"
import asyncio, threading
tlock = threading.Lock()
alock = asyncio.Lock()
n = 0
def thread_work():
    global n
    with tlock:
        n += 1
    tlock.acquire()
    tlock.release()
async def task_work():
    global n
    async with alock:
        n += 1
async def main():
    await task_work()
t = threading.Thread(target=thread_work)
t.start()
asyncio.run(main())
t.join()
"#;
    let a = actors(src);
    assert_eq!(
        steps_of(&a, "thread thread_work"),
        ["lock tlock", "incr n", "unlock tlock", "lock tlock", "unlock tlock"]
    );
    assert_eq!(steps_of(&a, "task main"), ["await coro", "await lock alock", "incr n", "release alock"]);
}

#[test]
fn queues_events_and_semaphores() {
    let src = r#"
import threading, queue
q = queue.Queue(maxsize=2)
ready = threading.Event()
slots = threading.Semaphore(2)
def producer():
    q.put(1)
    ready.set()
def consumer():
    ready.wait()
    q.get(timeout=0.004)
    with slots:
        pass
for f in (producer, consumer):
    pass
a = threading.Thread(target=producer)
b = threading.Thread(target=consumer)
a.start(); b.start()
"#;
    let a = actors(src);
    assert_eq!(steps_of(&a, "thread producer"), ["put q", "event.set ready"]);
    assert_eq!(
        steps_of(&a, "thread consumer"),
        ["event.wait ready", "get q timeout 4", "acquire slots", "release slots"]
    );
    let ex = extract(Path::new("app.py"), src, &Mapping::default(), "3.11").unwrap();
    assert!(ex.toml.contains("q = { maxsize = 2 }") && ex.toml.contains("slots = 2"), "{}", ex.toml);
}

#[test]
fn calls_map_by_the_table_comments_and_the_mapping_file() {
    let src = r#"
import threading, time, json, zlib, subprocess
import urllib.request
def w():
    urllib.request.urlopen("http://x").read()
    subprocess.run(["true"])
    zlib.compress(b"x" * 100000)
    json.dumps({})
    print("done")
    for i in range(200000):
        pass
    mystery()  # gilcheck: io 7
    helper_lib.crunch()
    fancy.call()  # gilcheck: none
t = threading.Thread(target=w)
t.start()
"#;
    let a = actors(src);
    assert_eq!(
        steps_of(&a, "thread w"),
        ["io 20", "io 20", "c_nogil 5", "c_call 2", "compute 20", "io 7", "c_call 1"],
        "{a:#?}"
    );
    assert!(has_note(&notes(src), "13:5:", "helper_lib.crunch"), "{:?}", notes(src));
    let mapping =
        Mapping::parse(Path::new("m.toml"), "[calls]\n\"helper_lib.crunch\" = \"c_nogil 9\"\n[defaults]\nio = 3\n")
            .unwrap();
    let ex = extract(Path::new("app.py"), src, &mapping, "3.11").unwrap();
    let steps: Vec<String> = ex.program.actors[0].steps.iter().map(|p| p.step.to_string()).collect();
    assert_eq!(steps, ["io 3", "io 3", "c_nogil 5", "c_call 2", "compute 20", "io 7", "c_nogil 9"]);
}

#[test]
fn loops_while_true_and_bounds() {
    let src = r#"
import threading, time
def server():
    while True:
        time.sleep(0.001)
def bounded():
    for i in range(10):
        time.sleep(0.001)
    for i in range(10):  # gilcheck: loop 3
        time.sleep(0.002)
a = threading.Thread(target=server, daemon=True)
b = threading.Thread(target=bounded)
a.start(); b.start()
"#;
    let a = actors(src);
    assert_eq!(steps_of(&a, "thread server forever"), ["time.sleep 1"]);
    assert_eq!(
        steps_of(&a, "thread bounded"),
        ["time.sleep 1", "time.sleep 1", "time.sleep 2", "time.sleep 2", "time.sleep 2"]
    );
    assert!(has_note(&notes(src), "7:5:", "a loop of 10 iterations: modelled as 2"));
}

#[test]
fn the_main_threads_own_work_counts_only_beside_its_threads() {
    let src = r#"
import threading, time
def w():
    time.sleep(0.001)
time.sleep(0.005)
t = threading.Thread(target=w)
t.start()
time.sleep(0.003)
t.join()
time.sleep(0.007)
"#;
    let a = actors(src);
    assert_eq!(steps_of(&a, "thread main"), ["time.sleep 3"]);
    assert!(has_note(&notes(src), "5:1:", "cannot race"), "{:?}", notes(src));
}

#[test]
fn unknown_constructs_give_located_notes() {
    let src = r#"
import threading
class Worker:
    def run(self):
        self.step()
def w():
    obj = Worker()
    obj.run()
    if obj:
        import os
    else:
        open("f").read()
t = threading.Thread(target=w)
t.start()
"#;
    let n = notes(src);
    assert!(has_note(&n, "3:1:", "class"), "{n:?}");
    assert!(has_note(&n, "8:5:", "obj.run"), "{n:?}");
    assert!(has_note(&n, "9:5:", "branches differ"), "{n:?}");
}

#[test]
fn syntax_errors_and_bad_comments_are_located() {
    let err = extract(Path::new("app.py"), "def f(:\n    pass\n", &Mapping::default(), "3.11").unwrap_err();
    assert_eq!((err.line, err.col), (1, 7), "{err}");
    assert!(err.message.contains("invalid Python syntax"), "{err}");
    let err =
        extract(Path::new("app.py"), "x = 1\ny = 2  # gilcheck: iox 3\n", &Mapping::default(), "3.11").unwrap_err();
    assert_eq!(err.line, 2, "{err}");
    assert!(err.message.contains("iox 3"), "{err}");
    let err = Mapping::parse(Path::new("m.toml"), "[calls]\n\"a.b\" = \"sleep\"\n").unwrap_err();
    assert_eq!((err.line, err.col), (2, 10), "{err}");
}

#[test]
fn a_parse_error_exits_2_with_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.py");
    std::fs::write(&bad, "import asyncio\nasync def f(\n").unwrap();
    for args in [vec!["extract"], vec!["check"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_gilcheck")).args(&args).arg(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with(&format!("{}:2:", bad.display())), "{stderr}");
    }
}

/// The answers a corpus program's docstring expects: question → yes / no / n/a.
fn expected_answers(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if let Some((q, a)) = line.trim().split_once(": ") {
            if ["loop-never-blocked", "no-lost-update", "no-deadlock", "offload-in-parallel"].contains(&q) {
                out.insert(format!("python.{q}"), a.trim().to_owned());
            }
        }
    }
    out
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_program_gets_the_answers_its_docstring_expects() {
    let files = corpus();
    assert!(files.len() >= 15, "the corpus has {} programs", files.len());
    let mut wrong = Vec::new();
    for file in &files {
        let expected = expected_answers(&std::fs::read_to_string(file).unwrap());
        assert_eq!(expected.len(), 4, "{}: four Expected lines", file.display());
        let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
            .arg("check")
            .arg(file)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut got = BTreeMap::new();
        for row in json["results"].as_array().unwrap() {
            let answer = match (row["verdict"].as_str().unwrap(), row["by_construction"].as_bool().unwrap()) {
                ("holds", true) => "n/a",
                ("holds", false) => "yes",
                ("refuted", _) => "no",
                (other, _) => other,
            };
            got.insert(row["claim"].as_str().unwrap().to_owned(), answer.to_owned());
        }
        let all_yes = got.values().all(|a| a != "no");
        assert_eq!(out.status.code(), Some(if all_yes { 0 } else { 1 }), "{}", file.display());
        if got != expected {
            wrong.push(format!("{}: expected {expected:?}, got {got:?}", file.display()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn counterexamples_point_at_the_source_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python");
    let cases = [
        (
            "crawler-requests-in-coroutine.py",
            "python.loop-never-blocked",
            "urllib.request.urlopen(u).read() in fetch()",
        ),
        ("counter-race-threads.py", "python.no-lost-update", "counter += read_delta() in record_views()"),
        ("lock-order-inversion.py", "python.no-deadlock", "with "),
        ("asyncio-race-counter.py", "python.no-lost-update", "tmp = balance in deposit()"),
    ];
    for (file, question, code) in cases {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let line = text.lines().position(|l| l.contains(code.split(" in ").next().unwrap())).map(|i| i + 1);
        let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
            .arg("check")
            .arg(dir.join(file))
            .args(["--format", "json"])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let row = json["results"].as_array().unwrap().iter().find(|r| r["claim"] == question).unwrap();
        let steps: Vec<&str> =
            row["counterexample"]["steps"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
        let label = format!("{file}:{}", line.unwrap());
        assert!(
            steps.iter().any(|s| s.contains(&label) && s.contains(code)),
            "{file} {question}: no step names `{label} … {code}`:\n{}",
            steps.join("\n")
        );
    }
}

#[test]
fn python_variants_are_each_checked() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python/counter-race-threads.py");
    let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .arg("check")
        .arg(&file)
        .args(["--python", "3.9", "--python", "3.13t", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let variants: std::collections::BTreeSet<&str> =
        json["results"].as_array().unwrap().iter().map(|r| r["variant"].as_str().unwrap()).collect();
    assert_eq!(variants.into_iter().collect::<Vec<_>>(), ["3.13t", "3.9"]);
}

/// Lines of Python the extractor must survive in any order and nesting, valid or not.
const FRAGMENTS: &[&str] = &[
    "import threading, asyncio, time, queue",
    "from concurrent.futures import ThreadPoolExecutor as P",
    "x = 0",
    "items = []",
    "lock = threading.Lock()",
    "q = queue.Queue(maxsize=-3)",
    "def f(n):",
    "async def g(*a, **k):",
    "    global x",
    "    x += f()",
    "    x = x - 10**9",
    "    await asyncio.sleep(1e308)",
    "    await asyncio.gather(*(g(u) for u in range(10**12)))",
    "    with lock:",
    "        items.append(1)",
    "    for i in range(-5, 10**9, 0):",
    "    while True:",
    "        f(f(f(1)))",
    "t = threading.Thread(target=f, args=(3,))",
    "t = threading.Thread(target=g)",
    "t.start(); t.join()",
    "with P(max_workers=0) as ex: ex.map(f, range(10**6))",
    "asyncio.run(g())",
    "asyncio.run(main())",
    "    return f(n)",
    "class C(threading.Thread):",
    "    def run(self): self.run()",
    "y = 1  # gilcheck: io 20",
    "    time.sleep(0.01)  # gilcheck: loop 3",
    "if __name__ == '__main__':",
    "    async with asyncio.TaskGroup() as tg: tg.create_task(g())",
    "    await loop.run_in_executor(None, f, 1)",
    "    await asyncio.to_thread(time.sleep, 'x')",
    ")(",
    "    ",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

    /// No Python text makes the extractor panic, and a program it accepts gives a scenario
    /// that the scenario parser reads back (the extractor's TOML is always well formed).
    #[test]
    fn no_program_makes_the_front_end_panic(lines in proptest::collection::vec(0..FRAGMENTS.len(), 0..24)) {
        let source: String = lines.iter().map(|&i| format!("{}\n", FRAGMENTS[i])).collect();
        if let Ok(ex) = extract(Path::new("fuzz.py"), &source, &Mapping::default(), "3.11") {
            let again = gilcheck::input::scenario::parse_scenario(Path::new("fuzz.toml"), &ex.toml, "fuzz");
            proptest::prop_assert!(again.is_ok(), "{}\n{:?}", ex.toml, again.err());
        }
    }

    /// Every corpus program, cut anywhere, is refused with a location or extracted: never a panic.
    #[test]
    fn a_corpus_program_cut_anywhere_never_panics(file in 0usize..30, cut in 0.0f64..1.0) {
        let files = corpus();
        let text = std::fs::read_to_string(&files[file % files.len()]).unwrap();
        let mut at = (text.len() as f64 * cut) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let _ = extract(Path::new("cut.py"), &text[..at], &Mapping::default(), "3.11");
    }
}

/// Each corpus program's extracted scenario, run for real (as `gilcheck conform app.py` runs
/// it) on every CPython found: every recorded trace is a path of the extracted model.
#[test]
fn every_corpus_program_conforms_on_every_interpreter_found() {
    use gilcheck::conform::interpreters;
    use gilcheck::conform::run::{self, Settings};
    let found = interpreters::discover();
    if found.is_empty() {
        eprintln!("\n*** NO CPython INTERPRETER FOUND: the corpus's conformance was NOT checked ***\n");
        return;
    }
    let scenarios: Vec<_> = corpus()
        .iter()
        .map(|f| extract(f, &std::fs::read_to_string(f).unwrap(), &Mapping::default(), "3.11").unwrap().scenario)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings { runs: 1, ..Settings::default() };
    let (mut problems, mut checked) = (Vec::new(), 0);
    for interp in &found {
        let cal = run::calibrate(interp, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        for s in &scenarios {
            let o = run::conform_one(s, interp, &cal, &settings, dir.path());
            checked += o.runs;
            if o.rejected > 0 || o.failed > 0 || o.unknown > 0 {
                problems.push(format!("{} on {}: {}", s.name, interp.full, o.first_problem.unwrap_or_default()));
            }
        }
    }
    assert!(checked > 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn claims_of_your_own_go_to_the_program_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("mine.toml");
    std::fs::write(
        &claims,
        "[[claims]]\nid = \"mine.six\"\nquote = \"q\"\nsource = \"me\"\nmodels = [\"counter-race-threads\"]\n\
         check = \"sometimes var(counter) == 6\"\nexpect = \"holds\"\n",
    )
    .unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python");
    let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .arg("check")
        .arg(examples.join("counter-race-threads.py"))
        .arg(examples.join("sleep-in-coroutine.py"))
        .arg("--claims")
        .arg(&claims)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mine: Vec<&serde_json::Value> =
        json["results"].as_array().unwrap().iter().filter(|r| r["claim"] == "mine.six").collect();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0]["model"].as_str(), mine[0]["verdict"].as_str()), (Some("counter-race-threads"), Some("holds")));
}

#[test]
fn recursion_and_unresolved_methods_are_notes_at_their_lines() {
    let src = r#"
import threading
def walk(n):
    walk(n - 1)
class Box:
    def work(self):
        self.helper()
def w():
    walk(3)
    b = Box()
    b.work()
t = threading.Thread(target=w)
t.start()
"#;
    let n = notes(src);
    assert!(has_note(&n, "4:5:", "recursive call of walk()"), "{n:?}");
    assert!(has_note(&n, "11:5:", "b.work"), "{n:?}");
}
