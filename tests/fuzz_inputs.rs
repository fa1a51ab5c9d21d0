//! Fuzz targets for everything a user hands gilcheck: every shipped scenario (`models/`) and
//! claim file (`properties/`), mutated at random (lines deleted, duplicated or swapped, bytes,
//! UTF-8, huge numbers and deep nesting inserted, a token replaced, the file cut short), read
//! and planned as `check` would; and argument vectors for the command line. Whatever the
//! input, nothing panics, and every error is `path:line:col: ` with the position inside the
//! file it names.
//!
//! A few thousand cases per target by default, so that `cargo test --release` stays fast. The
//! long run, 100,000 cases per target:
//!
//! ```sh
//! GILCHECK_FUZZ_CASES=100000 cargo test --release --test fuzz_inputs -- --nocapture
//! ```

mod common;

use std::collections::HashMap;
use std::ffi::OsString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::Parser;
use gilcheck::check::job::build;
use gilcheck::cli::Cli;
use gilcheck::input::claim::{load_claims, Claim};
use gilcheck::input::located::InputError;
use gilcheck::input::scenario::{load_scenarios, Scenario};
use gilcheck::suite::plan;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Cases per target: `GILCHECK_FUZZ_CASES`, else a default that keeps the suite fast.
fn cases() -> u32 {
    std::env::var("GILCHECK_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000)
}

fn config() -> ProptestConfig {
    // No regression file: a failure found here becomes a named test in tests/hostile_inputs.rs.
    ProptestConfig { cases: cases(), failure_persistence: None, max_shrink_iters: 2_000, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------------
// The shipped files, read once
// ---------------------------------------------------------------------------------------------

struct Corpus {
    /// `models/` and `properties/` files: path under the root (`gil/x.toml`) and bytes.
    models: Vec<(PathBuf, Vec<u8>)>,
    claims: Vec<(PathBuf, Vec<u8>)>,
    /// The shipped suite, parsed, and the text of each of its files (errors of planning may
    /// point into a claim file that was not mutated).
    scenarios: Vec<Scenario>,
    claim_list: Vec<Claim>,
    texts: HashMap<PathBuf, Vec<u8>>,
}

fn files_under(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a shipped folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let bytes = std::fs::read(&path).expect("a shipped file");
                found.push((path.strip_prefix(root).expect("below the root").to_path_buf(), bytes));
            }
        }
    }
    found.sort();
    found
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let models = files_under(&root.join("models"));
        let claims = files_under(&root.join("properties"));
        let (scenarios, claim_list) = common::committed_suite();
        let mut texts = HashMap::new();
        for (folder, files) in [("models", &models), ("properties", &claims)] {
            for (relative, bytes) in files {
                texts.insert(root.join(folder).join(relative), bytes.clone());
            }
        }
        assert!(!models.is_empty() && !claims.is_empty());
        Corpus { models, claims, scenarios, claim_list, texts }
    })
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Inserted at a byte position (which may fall inside a UTF-8 character).
    Insert(usize, Vec<u8>),
    /// The n-th token (a run of letters, digits and `_.-`) replaced.
    ReplaceToken(usize, Vec<u8>),
    /// The n-th token replaced by the m-th of the same file: names that refer to each other.
    CopyToken(usize, usize),
    /// The text inside the n-th `"…"` string replaced: where names, globs, steps and checks
    /// are.
    ReplaceString(usize, Vec<u8>),
    Truncate(usize),
}

/// Text that parsers find hard: numbers at and past every bound, nesting past every limit,
/// quotes, escapes, keys of both formats, control characters and odd UTF-8.
fn hostile_text() -> impl Strategy<Value = Vec<u8>> {
    let words = prop::sample::select(vec![
        "0",
        "-1",
        "1",
        "255",
        "256",
        "65",
        "1000",
        "1001",
        "4294967295",
        "4294967296",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "99999999999999999999999999",
        "1e308",
        "1e999",
        "nan",
        "inf",
        "-0",
        "0x7fffffff",
        "1..255",
        "255..1",
        "0..0",
        "local+300",
        "local-9223372036854775808",
        "\"",
        "'",
        "\"\"\"",
        "'''",
        "\\",
        "\\u0000",
        "\\uD800",
        "\\U0010FFFF",
        "\n",
        "\r\n",
        "\r",
        "\t",
        "\u{0}",
        "\u{1b}[31m",
        "\u{feff}",
        "\u{202e}",
        "日本語",
        "é",
        "=",
        "[",
        "]",
        "{",
        "}",
        ",",
        "#",
        ".",
        "..",
        "/",
        "//",
        "*",
        "**",
        "{D}",
        "{",
        "[[threads]]\n",
        "[[tasks]]\n",
        "[[claims]]\n",
        "[runtime]\n",
        "[vars]\n",
        "[for_all]\n",
        "name = ",
        "count = ",
        "repeat = true",
        "steps = [",
        "loop = [",
        "check = \"",
        "expect = ",
        "variants = [",
        "models = [",
        "counter_models = [",
        "counter_params = { D = 3 }",
        "evidence = [\"experiment:../x.py\"]",
        "for_all = { threads = [1, 3] }",
        "python = \"3.13t\"",
        "time = \"ticks\"",
        "horizon = 1000",
        "await task ",
        "await to_thread ",
        "lock L",
        "unlock L",
        "holds_gil(",
        "leads_to",
        "max now when all_done",
        "1979-05-27T07:32:00Z",
        "true",
        "false",
        // Valid words in the wrong places: steps, atoms, names, versions.
        "compute",
        "c_call",
        "c_nogil",
        "io",
        "time.sleep",
        "read",
        "write",
        "incr",
        "incr_call",
        "append",
        "lock",
        "unlock",
        "await",
        "asyncio.sleep",
        "to_thread",
        "coro",
        "task",
        "release",
        "holds_gil",
        "waiting_gil",
        "running",
        "ready",
        "done",
        "progress",
        "var",
        "lateness",
        "gil_wait",
        "now",
        "all_done",
        "gil_free",
        "deadlock",
        "running_tasks",
        "running_python",
        "gil_handoffs",
        "always",
        "never",
        "sometimes",
        "eventually",
        "max",
        "min",
        "when",
        "main",
        "worker",
        "worker0",
        "t",
        "x",
        "L",
        "2.7",
        "3.9",
        "3.14t",
        "ticks",
        "untimed",
        "holds",
        "refuted",
        "increasing",
        "constant",
        ">= 3",
        "blocking-call",
        "any",
    ])
    .prop_map(|w| w.as_bytes().to_vec());
    let deep = (1usize..300, prop::sample::select(vec![("[", "]"), ("{a=", "}"), ("(", ")"), ("!", ""), ("[[", "]]")]))
        .prop_map(|(n, (open, close))| format!("{}{}", open.repeat(n), close.repeat(n)).into_bytes());
    let long = (1usize..5_000, prop::sample::select(vec!["a", "9", " ", "é", "x.", "/"]))
        .prop_map(|(n, unit)| unit.repeat(n).into_bytes());
    // Past what a regex engine compiles, when it lands in a glob.
    let huge = (20_000usize..150_000, prop::sample::select(vec!["a*", "?", "[a-z]"]))
        .prop_map(|(n, unit)| unit.repeat(n).into_bytes());
    prop_oneof![
        8 => words,
        4 => prop::collection::vec(any::<u8>(), 1..16),
        4 => any::<String>().prop_map(String::into_bytes),
        2 => deep,
        2 => long,
        1 => huge,
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        4 => (any::<usize>(), hostile_text()).prop_map(|(at, text)| Mutation::Insert(at, text)),
        4 => (any::<usize>(), hostile_text()).prop_map(|(n, text)| Mutation::ReplaceToken(n, text)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(n, m)| Mutation::CopyToken(n, m)),
        4 => (any::<usize>(), hostile_text()).prop_map(|(n, text)| Mutation::ReplaceString(n, text)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

/// The byte ranges of the tokens of `bytes`: runs of letters, digits and `_.-`.
fn tokens(bytes: &[u8]) -> Vec<(usize, usize)> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b"_.-".contains(&b);
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if word(bytes[i]) {
            let start = i;
            while i < bytes.len() && word(bytes[i]) {
                i += 1;
            }
            found.push((start, i));
        } else {
            i += 1;
        }
    }
    found
}

/// The byte ranges inside the `"…"` strings of `bytes` (a `\"` does not end one).
fn strings(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut open: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], open) {
            (b'\\', Some(_)) => i += 1,
            (b'"', None) => open = Some(i + 1),
            (b'"', Some(start)) => {
                found.push((start, i));
                open = None;
            }
            (b'\n', Some(_)) => open = None,
            _ => {}
        }
        i += 1;
    }
    found
}

fn apply(bytes: &[u8], mutation: &Mutation) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match mutation {
        Mutation::DeleteLine(n) | Mutation::DuplicateLine(n) | Mutation::SwapLines(n, _) => {
            let mut ls = lines(bytes);
            if ls.is_empty() {
                return out;
            }
            let (i, count) = (n % ls.len(), ls.len());
            match mutation {
                Mutation::DeleteLine(_) => {
                    ls.remove(i);
                }
                Mutation::DuplicateLine(_) => ls.insert(i, ls[i].clone()),
                Mutation::SwapLines(_, m) => ls.swap(i, m % count),
                _ => unreachable!(),
            }
            out = ls.concat();
        }
        Mutation::Insert(at, text) => {
            let at = at % (out.len() + 1);
            out.splice(at..at, text.iter().copied());
        }
        Mutation::ReplaceToken(n, text) => {
            let ts = tokens(bytes);
            if let Some(&(start, end)) = ts.get(n % ts.len().max(1)) {
                out.splice(start..end, text.iter().copied());
            }
        }
        Mutation::ReplaceString(n, text) => {
            let ss = strings(bytes);
            if let Some(&(start, end)) = ss.get(n % ss.len().max(1)) {
                out.splice(start..end.min(out.len()), text.iter().copied());
            }
        }
        Mutation::CopyToken(n, m) => {
            let ts = tokens(bytes);
            if !ts.is_empty() {
                let ((start, end), (from, to)) = (ts[n % ts.len()], ts[m % ts.len()]);
                out.splice(start..end, bytes[from..to].iter().copied());
            }
        }
        Mutation::Truncate(at) => out.truncate(at % (out.len() + 1)),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// What must hold of every outcome
// ---------------------------------------------------------------------------------------------

/// Runs `f`, turning a panic into a failed case that shows `what`.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let message: String = message.chars().take(500).collect();
        TestCaseError::fail(format!("{what} panicked: {message}"))
    })
}

/// The files an error may point into: the shipped ones and the mutated one.
struct Texts<'a> {
    shipped: &'a HashMap<PathBuf, Vec<u8>>,
    mutated: (&'a Path, &'a [u8]),
}

impl Texts<'_> {
    fn get(&self, path: &Path) -> Option<&[u8]> {
        if path == self.mutated.0 {
            return Some(self.mutated.1);
        }
        self.shipped.get(path).map(Vec::as_slice)
    }
}

/// The error is located in a file it names, at a line and column inside it, and renders.
fn located(e: &InputError, texts: &Texts) -> Result<(), TestCaseError> {
    let shown = e.to_string();
    let prefix = format!("{}:{}:{}: ", e.path.display(), e.line, e.col);
    prop_assert!(shown.starts_with(&prefix), "{shown}");
    prop_assert!(e.line >= 1 && e.col >= 1, "{shown}");
    prop_assert!(!e.message.trim().is_empty(), "no message: {shown}");
    let Some(bytes) = texts.get(&e.path) else {
        return Err(TestCaseError::fail(format!("the error names a file that was not read: {shown}")));
    };
    let text = String::from_utf8_lossy(bytes);
    let newlines = bytes.iter().filter(|b| **b == b'\n').count();
    prop_assert!(e.line <= newlines + 1, "line {} of a file of {} newlines: {shown}", e.line, newlines);
    if std::str::from_utf8(bytes).is_ok() {
        let line = text.split('\n').nth(e.line - 1).unwrap_or("");
        let chars = line.chars().count();
        prop_assert!(e.col <= chars + 1, "column {} of a line of {chars} characters: {shown}", e.col);
        let rendered = no_panic("render", || e.render_with(Some(&text)))?;
        let first = rendered.lines().next().unwrap_or("");
        prop_assert!(first.starts_with(&prefix) || e.path.to_string_lossy().chars().any(char::is_control));
    }
    Ok(())
}

/// Plans the claims on the scenarios as `check` does, and builds the model of each job on
/// `scenario` (all jobs when None), which binds the check's names to the scenario: errors
/// must be located too.
fn plan_and_build(
    claims: &[Claim],
    scenarios: &[Scenario],
    scenario: Option<&Path>,
    texts: &Texts,
) -> Result<(), TestCaseError> {
    let jobs = match no_panic("plan", || plan(claims, scenarios))? {
        Ok(jobs) => jobs,
        Err(e) => return located(&e, texts),
    };
    let mine = |path: &Path| scenario.is_none_or(|s| s == path);
    for job in jobs.iter().filter(|j| j.claim.for_all.is_none() && mine(&j.scenario.path)) {
        if let Err(e) = no_panic("build", || build(job).map(|_| ()))? {
            located(&e, texts)?;
        }
    }
    Ok(())
}

thread_local! {
    /// A folder for the mutated files of the targets running on this thread.
    static SCRATCH: tempfile::TempDir = tempfile::tempdir().expect("a temp dir");
}

/// Writes the mutated file under the same relative path as the shipped one (so that its
/// default name is the same) in a folder of its own; returns the folder and the file.
fn write_mutated(folder: &str, relative: &Path, bytes: &[u8]) -> (PathBuf, PathBuf) {
    let root = SCRATCH.with(|dir| dir.path().join(folder));
    let _ = std::fs::remove_dir_all(&root);
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write");
    (root, path)
}

fn check_scenario(index: usize, mutations: &[Mutation]) -> Result<(), TestCaseError> {
    let corpus = corpus();
    let (relative, original) = &corpus.models[index % corpus.models.len()];
    let bytes = mutations.iter().fold(original.clone(), |b, m| apply(&b, m));
    let (root, path) = write_mutated("models", relative, &bytes);
    let texts = Texts { shipped: &corpus.texts, mutated: (&path, &bytes) };
    let loaded = no_panic("load_scenarios", || load_scenarios(std::slice::from_ref(&root)))?;
    let scenario = match loaded {
        Ok(mut one) => one.pop().expect("one file, one scenario"),
        Err(e) => return located(&e, &texts),
    };
    // The suite with the mutated scenario in place of the shipped one.
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(relative);
    let mut scenarios: Vec<Scenario> = corpus.scenarios.iter().filter(|s| s.path != shipped).cloned().collect();
    scenarios.push(scenario);
    plan_and_build(&corpus.claim_list, &scenarios, Some(&path), &texts)
}

fn check_claims(index: usize, mutations: &[Mutation]) -> Result<(), TestCaseError> {
    let corpus = corpus();
    let (relative, original) = &corpus.claims[index % corpus.claims.len()];
    let bytes = mutations.iter().fold(original.clone(), |b, m| apply(&b, m));
    let (root, path) = write_mutated("properties", relative, &bytes);
    let texts = Texts { shipped: &corpus.texts, mutated: (&path, &bytes) };
    let claims = match no_panic("load_claims", || load_claims(std::slice::from_ref(&root)))? {
        Ok(claims) => claims,
        Err(e) => return located(&e, &texts),
    };
    plan_and_build(&claims, &corpus.scenarios, None, &texts)
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

const ARGV: &[&[&str]] = &[
    &["check"],
    &[
        "check",
        "--claim",
        "seed.*",
        "--model",
        "gil/*",
        "--format",
        "json",
        "--max-states",
        "100",
        "--timeout",
        "1.5",
        "--threads",
        "2",
        "--out",
        "r",
        "--no-report",
    ],
    &["check", "--models", "models", "--models", "m.toml", "--claims", "properties", "--max-memory", "1000000"],
    &["list", "--models", "models", "--claims", "properties"],
    &["graph", "gil/hog-and-waiter", "--claim", "c", "--python", "3.11", "--out", "g.svg", "--force"],
    &["explore", "gil/hog-and-waiter", "--port", "3000"],
    &["fuzz", "--claim", "universal.*", "--cases", "10", "--seed", "1", "--threads", "1"],
    &["conform", "--runs", "2", "--python", "python3", "--trace", "t.jsonl", "--model", "m", "--emit-python"],
    &[
        "conform",
        "--experiments",
        "--experiment-limit",
        "5",
        "--realise-runs",
        "3",
        "--tick-ms",
        "1",
        "--generated",
        "2",
    ],
];

fn arg_word() -> impl Strategy<Value = OsString> {
    let known = prop::sample::select(vec![
        "check",
        "list",
        "graph",
        "explore",
        "fuzz",
        "conform",
        "help",
        "--claim",
        "--claims",
        "--model",
        "--models",
        "--format",
        "--max-states",
        "--max-memory",
        "--timeout",
        "--search-timeout",
        "--threads",
        "--out",
        "--no-report",
        "--python",
        "--force",
        "--port",
        "--cases",
        "--seed",
        "--runs",
        "--trace",
        "--emit-python",
        "--experiments",
        "--experiment-limit",
        "--realise-runs",
        "--tick-ms",
        "--generated",
        "--help",
        "-h",
        "--version",
        "-V",
        "--",
        "-",
        "=",
        "--timeout=",
        "--threads=0",
        "",
        "0",
        "-1",
        "1e400",
        "1e300",
        "NaN",
        "inf",
        "-inf",
        "18446744073709551616",
        "99999999999999999999999999999",
        "65536",
        "json",
        "text",
        "xml",
        "3.13t",
        "\u{0}",
        "\u{1b}[2J",
        "日本語",
    ])
    .prop_map(OsString::from);
    let any_text = any::<String>().prop_map(OsString::from);
    let long = (1usize..100_000).prop_map(|n| OsString::from("x".repeat(n)));
    prop_oneof![6 => known, 2 => any_text, 1 => long, 1 => raw_bytes()]
}

#[cfg(unix)]
fn raw_bytes() -> impl Strategy<Value = OsString> {
    use std::os::unix::ffi::OsStringExt;
    prop::collection::vec(any::<u8>(), 0..12).prop_map(OsString::from_vec)
}

#[cfg(not(unix))]
fn raw_bytes() -> impl Strategy<Value = OsString> {
    any::<String>().prop_map(OsString::from)
}

#[derive(Clone, Debug)]
enum ArgMutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Insert(usize, OsString),
    Replace(usize, OsString),
    /// `--flag value` joined as `--flag=value`.
    Join(usize),
}

fn arg_mutation() -> impl Strategy<Value = ArgMutation> {
    prop_oneof![
        any::<usize>().prop_map(ArgMutation::Delete),
        any::<usize>().prop_map(ArgMutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| ArgMutation::Swap(a, b)),
        (any::<usize>(), arg_word()).prop_map(|(a, w)| ArgMutation::Insert(a, w)),
        (any::<usize>(), arg_word()).prop_map(|(a, w)| ArgMutation::Replace(a, w)),
        any::<usize>().prop_map(ArgMutation::Join),
    ]
}

fn mutate_args(mut args: Vec<OsString>, m: &ArgMutation) -> Vec<OsString> {
    let n = args.len().max(1);
    match m {
        ArgMutation::Delete(i) if !args.is_empty() => {
            args.remove(i % n);
        }
        ArgMutation::Duplicate(i) if !args.is_empty() => args.insert(i % n, args[i % n].clone()),
        ArgMutation::Swap(a, b) if !args.is_empty() => args.swap(a % n, b % n),
        ArgMutation::Insert(i, w) => args.insert(i % (args.len() + 1), w.clone()),
        ArgMutation::Replace(i, w) if !args.is_empty() => args[i % n] = w.clone(),
        ArgMutation::Join(i) if args.len() >= 2 => {
            let i = i % (args.len() - 1);
            let mut joined = args[i].clone();
            joined.push("=");
            joined.push(&args[i + 1]);
            args.splice(i..i + 2, [joined]);
        }
        _ => {}
    }
    args
}

fn check_args(base: usize, mutations: &[ArgMutation]) -> Result<(), TestCaseError> {
    let args: Vec<OsString> = ARGV[base % ARGV.len()].iter().map(OsString::from).collect();
    let args = mutations.iter().fold(args, mutate_args);
    let argv = std::iter::once(OsString::from("gilcheck")).chain(args);
    let parsed = no_panic("Cli::try_parse_from", || Cli::try_parse_from(argv))?;
    if let Err(e) = parsed {
        no_panic("rendering the usage error", || e.render().to_string())?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The targets
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_scenario_files(index in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..5)) {
        check_scenario(index, &mutations)?;
    }

    #[test]
    fn mutated_claim_files(index in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..5)) {
        check_claims(index, &mutations)?;
    }

    #[test]
    fn mutated_command_lines(base in any::<usize>(), mutations in prop::collection::vec(arg_mutation(), 0..6)) {
        check_args(base, &mutations)?;
    }
}

#[test]
fn every_shipped_file_passes_unmutated() {
    let corpus = corpus();
    for index in 0..corpus.models.len() {
        check_scenario(index, &[]).unwrap_or_else(|e| panic!("{}: {e}", corpus.models[index].0.display()));
    }
    for index in 0..corpus.claims.len() {
        check_claims(index, &[]).unwrap_or_else(|e| panic!("{}: {e}", corpus.claims[index].0.display()));
    }
}
