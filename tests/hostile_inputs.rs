//! Hostile inputs (SPEC §6: no input file, however malformed, makes gilcheck panic or hang):
//! files that are no regular files or are too large, names that could not name a report file,
//! user strings that reach SVG and DOT, and how an error is shown on the terminal.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use gilcheck::check::job::check_one;
use gilcheck::evidence::graph;
use gilcheck::input::claim::{glob_matches, load_claims, parse_claim_file};
use gilcheck::input::files::MAX_FILE_BYTES;
use gilcheck::input::located::InputError;
use gilcheck::input::scenario::{load_scenarios, parse_scenario, ThreadBody};

const THREAD: &str = "[[threads]]\nname = \"t\"\nsteps = [\"compute 1\"]\n";

fn claim_with_id(id: &str) -> String {
    format!(
        "[[claims]]\nid = \"{id}\"\nquote = \"q\"\nsource = \"seed\"\nmodels = [\"m\"]\n\
         check = \"always running_python <= 1\"\nexpect = \"holds\"\n"
    )
}

/// Runs `f` on another thread and gives up after a while: a read that blocks (a FIFO with
/// no writer) fails the test instead of hanging it.
fn within_seconds<T: Send + 'static>(seconds: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(f());
    });
    receive.recv_timeout(Duration::from_secs(seconds)).expect("the call should return, not block")
}

fn scenario_error(paths: Vec<PathBuf>) -> InputError {
    within_seconds(20, move || load_scenarios(&paths)).expect_err("should be refused")
}

fn claim_error(paths: Vec<PathBuf>) -> InputError {
    within_seconds(20, move || load_claims(&paths)).expect_err("should be refused")
}

/// Asserts `e` is at 1:1 of `path` and says `what`.
fn refused_at_start(e: &InputError, path: &Path, what: &str) {
    assert_eq!((e.path.as_path(), e.line, e.col), (path, 1, 1), "{e}");
    assert!(e.message.contains(what), "should say `{what}`: {e}");
}

// ---------------------------------------------------------------------------------------------
// 1. Only regular files are read, up to a size limit.

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_fifo_given_as_a_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("s.fifo.toml");
    mkfifo(&fifo);
    let e = scenario_error(vec![fifo.clone()]);
    refused_at_start(&e, &fifo, "not a regular file (a FIFO); expected a scenario file");
    let e = claim_error(vec![fifo.clone()]);
    refused_at_start(&e, &fifo, "not a regular file (a FIFO); expected a claim file");
}

#[cfg(unix)]
#[test]
fn a_fifo_inside_a_folder_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    for (folder, valid) in [("models", THREAD.to_string()), ("claims", claim_with_id("c"))] {
        let folder = dir.path().join(folder);
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("a.toml"), valid).unwrap();
        mkfifo(&folder.join("b.toml"));
    }
    let e = scenario_error(vec![dir.path().join("models")]);
    refused_at_start(&e, &dir.path().join("models/b.toml"), "not a regular file (a FIFO)");
    let e = claim_error(vec![dir.path().join("claims")]);
    refused_at_start(&e, &dir.path().join("claims/b.toml"), "not a regular file (a FIFO)");
}

#[cfg(unix)]
#[test]
fn a_link_to_a_device_is_refused_and_a_link_to_a_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let e = scenario_error(vec![zero.clone()]);
    refused_at_start(&e, &zero, "not a regular file (a character device)");
    let e = claim_error(vec![zero.clone()]);
    refused_at_start(&e, &zero, "not a regular file (a character device)");

    let real = dir.path().join("real.toml");
    std::fs::write(&real, THREAD).unwrap();
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let loaded = load_scenarios(&[link]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded[0].name, "link");
}

#[cfg(unix)]
#[test]
fn a_socket_and_a_dangling_link_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("s.toml");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let e = scenario_error(vec![dir.path().to_path_buf()]);
    refused_at_start(&e, &socket, "not a regular file (a socket)");
    std::fs::remove_file(&socket).unwrap();
    let dangling = dir.path().join("gone.toml");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let e = claim_error(vec![dir.path().to_path_buf()]);
    refused_at_start(&e, &dangling, "cannot read the claim file");
}

#[test]
fn a_file_over_the_size_limit_is_refused_and_one_at_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = |bytes: u64| {
        let comment = format!("# {}\n", "x".repeat(1000));
        let mut text = THREAD.to_string();
        while (text.len() + comment.len()) as u64 <= bytes {
            text.push_str(&comment);
        }
        text.push_str(&" ".repeat(bytes as usize - text.len()));
        text
    };
    let big = dir.path().join("big.toml");
    std::fs::write(&big, text(MAX_FILE_BYTES + 1)).unwrap();
    let e = scenario_error(vec![big.clone()]);
    refused_at_start(&e, &big, "larger than 4 MiB; expected a scenario file");
    let e = claim_error(vec![big.clone()]);
    refused_at_start(&e, &big, "larger than 4 MiB; expected a claim file");

    let at_limit = dir.path().join("at-limit.toml");
    std::fs::write(&at_limit, text(MAX_FILE_BYTES)).unwrap();
    assert_eq!(std::fs::metadata(&at_limit).unwrap().len(), MAX_FILE_BYTES);
    load_scenarios(&[at_limit]).unwrap_or_else(|e| panic!("a file of exactly the limit is read: {e}"));
}

#[test]
fn invalid_utf8_is_located_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, b"title = \"ok\"\nname = \"a\xffb\"\n").unwrap();
    let e = scenario_error(vec![path.clone()]);
    assert_eq!((e.line, e.col), (2, 10), "{e}");
    assert!(e.message.starts_with("invalid UTF-8: byte 0xff"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// 2. Names.

fn scenario_named(name: &str) -> Result<String, InputError> {
    let text = format!("title = \"t\"\nname = \"{name}\"\n{THREAD}");
    parse_scenario(Path::new("p.toml"), &text, "default").map(|s| s.name)
}

#[test]
fn scenario_names_are_segments_of_plain_characters() {
    let expected = "expected segments of letters, digits, `_`, `.` and `-` separated by `/`";
    let refused = [
        ("a//b", "has an empty segment"),
        ("/a", "has an empty segment"),
        ("a/", "has an empty segment"),
        ("../up", "has a segment `..` that starts with `.`"),
        ("a/./b", "has a segment `.` that starts with `.`"),
        (".hidden", "has a segment `.hidden` that starts with `.`"),
        ("a b", "contains ` `"),
        ("a\\\\b", "contains `\\\\`"),
        ("<script>", "contains `<`"),
        ("caf\u{e9}", "contains `\u{e9}`"),
    ];
    for (name, what) in refused {
        let e = scenario_named(name).expect_err(name);
        assert_eq!((e.line, e.col), (2, 9), "{e}");
        assert!(e.message.contains(what) && e.message.contains(expected), "{name}: {e}");
    }
    let e = scenario_named("a//b").unwrap_err();
    assert_eq!(e.to_string(), format!("p.toml:2:9: scenario name `a//b` has an empty segment; {expected}"));
    let long = "n".repeat(201);
    let e = scenario_named(&long).unwrap_err();
    assert!(e.message.contains("is 201 characters long; expected at most 200"), "{e}");
    assert!(e.message.len() < 200, "a long name is quoted short: {e}");
    for name in ["audit/side-of-c-call", "shrunk/universal.gil-makes-increments-atomic", "a.b/c-d_e", &"n".repeat(200)]
    {
        assert_eq!(scenario_named(name).unwrap_or_else(|e| panic!("{e}")), name);
    }
}

#[test]
fn claim_ids_are_plain_file_names() {
    for (id, what) in [
        (".", "starts with `.`"),
        ("..", "starts with `.`"),
        (".x", "starts with `.`"),
        ("-x", "starts with `-`"),
        ("a/b", "contains `/`"),
    ] {
        let e = parse_claim_file(Path::new("c.toml"), &claim_with_id(id)).expect_err(id);
        assert_eq!((e.line, e.col), (2, 6), "{e}");
        assert!(e.message.contains(what), "{id}: {e}");
    }
    // 190 at most, so that the shrunk program `shrunk/<id>` is a valid scenario name.
    let e = parse_claim_file(Path::new("c.toml"), &claim_with_id(&"i".repeat(191))).unwrap_err();
    assert!(e.message.contains("is 191 characters long; expected at most 190"), "{e}");
    for id in ["seed.a-b_c", "9lives", "_x", &"i".repeat(190)] {
        parse_claim_file(Path::new("c.toml"), &claim_with_id(id)).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

#[test]
fn a_glob_too_large_to_compile_is_refused_not_a_panic() {
    let huge = "a*".repeat(100_000);
    let text = claim_with_id("c").replace("models = [\"m\"]", &format!("models = [\"{huge}\"]"));
    let e = parse_claim_file(Path::new("c.toml"), &text).unwrap_err();
    assert_eq!((e.line, e.col), (5, 11), "{e}");
    assert!(e.message.contains("is 200000 characters long, more than 1000"), "{e}");
    assert!(e.message.len() < 300, "the glob is quoted short: {}", e.message.len());
    let counter = claim_with_id("c").replace("expect", &format!("counter_models = [\"{huge}\"]\nexpect"));
    assert!(parse_claim_file(Path::new("c.toml"), &counter).unwrap_err().message.contains("invalid glob"));
    // `--claim` and `--model` filters match with the same function: no panic, no match.
    assert!(!glob_matches(&huge, "aa"));
    assert!(glob_matches(&"?".repeat(1000), &"x".repeat(1000)));
}

#[test]
fn many_claims_in_one_file_are_read_in_linear_time() {
    // Each claim records where its id, check and models are: counted from the start of the
    // file each time, 20,000 claims took minutes.
    let entry = |i: usize| {
        format!(
            "id = \"c{i}\", quote = \"q\", source = \"s\", models = [\"m\"], check = \"always gil_free\", expect = \"holds\""
        )
    };
    let lines: String = (0..20_000).map(|i| format!("[[claims]]\n{}\n", entry(i).replace(", ", "\n"))).collect();
    let one_line =
        format!("claims = [{}]\n", (0..20_000).map(|i| format!("{{ {} }}", entry(i))).collect::<Vec<_>>().join(", "));
    for text in [lines, one_line] {
        let start = std::time::Instant::now();
        let claims = parse_claim_file(Path::new("c.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claims.len(), 20_000);
        assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
        let last = &claims[19_999];
        let (line, col) = (last.check_line, last.check_col);
        let at = text.split('\n').nth(line - 1).unwrap().chars().skip(col - 1).take(15).collect::<String>();
        assert_eq!(at, "always gil_free", "the check is located exactly");
    }
}

#[test]
fn a_huge_check_is_quoted_in_part() {
    for check in
        [format!("always {}", "(".repeat(1_000_000)), format!("always {}", vec!["gil_free"; 300_000].join(" && "))]
    {
        let text = claim_with_id("c").replace("always running_python <= 1", &check);
        let e = parse_claim_file(Path::new("c.toml"), &text).unwrap_err();
        assert!(e.message.contains("nests more than 64"), "{}", &e.message[..200]);
        assert!(e.message.len() < 3_000, "{}", e.message.len());
    }
}

#[test]
fn names_inside_scenarios_are_bounded() {
    let parse = |text: &str| parse_scenario(Path::new("p.toml"), text, "default");
    let name64 = "n".repeat(64);
    let name65 = "n".repeat(65);
    let thread =
        |name: &str, extra: &str, steps: &str| format!("[[threads]]\nname = \"{name}\"\n{extra}steps = [{steps}]\n");
    parse(&thread(&name64, "", "\"compute 1\"")).unwrap_or_else(|e| panic!("{e}"));
    let e = parse(&thread(&name65, "", "\"compute 1\"")).unwrap_err();
    assert!(e.message.contains("at most 64 characters"), "{e}");
    assert_eq!((e.line, e.col), (2, 9), "{e}");
    // Copies are named NAME0 …: those names are bounded too.
    parse(&thread(&"n".repeat(63), "count = 2\n", "\"compute 1\"")).unwrap_or_else(|e| panic!("{e}"));
    let e = parse(&thread(&name64, "count = 2\n", "\"compute 1\"")).unwrap_err();
    assert!(e.message.contains("names its copies with 65 characters; expected at most 64"), "{e}");
    let e = parse(&thread("t", "", &format!("\"lock {name65}\", \"unlock {name65}\""))).unwrap_err();
    assert!(e.message.contains("at most 64 characters"), "{e}");
    let e = parse(&format!("[vars]\n{name65} = 1\n{THREAD}")).unwrap_err();
    assert!(e.message.contains("bad variable name"), "{e}");
    // A huge step is refused with a short message that does not quote it whole.
    let e = parse(&thread("t", "", &format!("\"compute {}\"", "9".repeat(100_000)))).unwrap_err();
    assert!(e.message.contains("characters long; expected at most 200"), "{e}");
    assert!(e.message.len() < 300, "{}", e.message.len());
}

#[test]
fn every_shipped_file_still_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (scenarios, claims) = common::committed_suite();
    assert!(!scenarios.is_empty() && !claims.is_empty());
    let audit = root.join("experiments/model_side_of_c_call");
    load_scenarios(&[audit.join("models")]).unwrap_or_else(|e| panic!("{e}"));
    load_claims(&[audit.join("claims")]).unwrap_or_else(|e| panic!("{e}"));
}

// ---------------------------------------------------------------------------------------------
// 3. User strings reaching SVG and DOT.

const HOSTILE: &str = "<script>&\"'\\\n\u{0}\u{1b}";

/// Every text and attribute value of an SVG document, which must parse as XML.
fn svg_texts(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("the SVG is XML: {e}\n{svg}"));
    assert!(doc.descendants().all(|n| n.tag_name().name() != "script"), "no element comes from a name");
    let mut texts = String::new();
    for node in doc.descendants() {
        texts.extend(node.text());
        texts.push('\n');
    }
    texts
}

#[test]
fn hostile_names_reach_dot_and_svg_escaped() {
    // Names as only the library can make them (a file's names are refused before this).
    let mut scenario = common::scenario(
        "[[threads]]\nname = \"main\"\nloop = [\"a\"]\n[[tasks]]\nname = \"a\"\nsteps = [\"compute 1\"]\n",
    );
    scenario.name = format!("m{HOSTILE}");
    scenario.threads[0].name = format!("t{HOSTILE}");
    scenario.tasks[0].name = format!("k{HOSTILE}");
    if let ThreadBody::Loop(tasks) = &mut scenario.threads[0].body {
        tasks[0] = scenario.tasks[0].name.clone();
    }
    let row = check_one(&scenario, "never all_done", Some("3.11")).unwrap_or_else(|e| panic!("{e}"));
    let cx = row.counterexample.expect("refuted, with a counterexample");

    assert!(!cx.dot.contains('\u{0}') && !cx.dot.contains('\u{1b}'), "{}", cx.dot);
    layout::gv::DotParser::new(&cx.dot).process().unwrap_or_else(|e| panic!("the DOT parses: {e:?}\n{}", cx.dot));
    let svg = graph::svg(&cx.dot).unwrap_or_else(|e| panic!("{e}"));
    let texts = svg_texts(&svg);
    assert!(texts.contains("t<script>&\"'\\"), "the name reads as written: {texts}");
    let texts = svg_texts(&cx.svg);
    assert!(texts.contains("t<script>&\"'\\"), "the report's drawing reads it as written: {texts}");
    assert!(!cx.svg.contains('\u{0}') && !cx.svg.contains('\u{1b}'));

    let texts = svg_texts(&cx.timeline);
    assert!(texts.contains("m<script>&\"'\\"), "the title reads as written: {texts}");
    assert!(texts.contains("task k<script>&\"'\\"), "the task's lane is named as written: {texts}");
    assert!(!cx.timeline.contains('\u{0}') && !cx.timeline.contains('\u{1b}'));
}

#[test]
fn a_whole_state_graph_with_a_hostile_title_renders() {
    let scenario = common::scenario(THREAD);
    let runtime = scenario.runtime.clone();
    let sys = gilcheck::cpython::program::System::compile(&scenario, &runtime).unwrap();
    let model = gilcheck::cpython::model::GilModel::new(sys, Default::default());
    let dot = graph::state_graph_dot(&model, HOSTILE, 100).expect("small");
    assert!(dot.starts_with("digraph \"<script>&\\\"'\\\\\\n\u{2400}\u{241b}\" {"), "{dot}");
    svg_texts(&graph::svg(&dot).unwrap_or_else(|e| panic!("{e}")));
}

// ---------------------------------------------------------------------------------------------
// 4. Errors as rustc shows them.

#[test]
fn render_shows_the_line_with_a_caret_under_the_column() {
    let text = "title = \"x\"\nname = \"a//b\"\n";
    let e = InputError::new(Path::new("p.toml"), 2, 9, "scenario name `a//b` has an empty segment");
    assert_eq!(
        e.render_with(Some(text)),
        "p.toml:2:9: scenario name `a//b` has an empty segment\n  |\n2 | name = \"a//b\"\n  |         ^"
    );
    // Without the file, or past its end, only the first line.
    assert_eq!(e.render_with(None), e.to_string());
    let past = InputError::new(Path::new("p.toml"), 9, 1, "m");
    assert_eq!(past.render_with(Some(text)), "p.toml:9:1: m");
    // The column after the last character, and wide characters, keep the caret in place.
    let end = InputError::new(Path::new("p.toml"), 1, 12, "m");
    assert!(
        end.render_with(Some(text)).ends_with("1 | title = \"x\"\n  |            ^"),
        "{}",
        end.render_with(Some(text))
    );
    let wide = InputError::new(Path::new("p.toml"), 1, 4, "m");
    assert!(
        wide.render_with(Some("日本語x = 1")).ends_with("1 | 日本語x = 1\n  |       ^"),
        "{}",
        wide.render_with(Some("日本語x = 1"))
    );
}

#[test]
fn render_survives_odd_positions_and_escapes_control_characters() {
    let text = "a\r\n\u{1b}[31mred\u{0}\n\n";
    for (line, col) in [(0, 0), (1, 0), (1, 1), (1, 99), (2, 1), (2, 5), (2, 999), (3, 1), (4, 1), (99, 99)] {
        let e = InputError::new(Path::new("p.toml"), line, col, "bad \u{1b}[2J value\n here");
        let shown = e.render_with(Some(text));
        assert!(shown.starts_with(&format!("p.toml:{line}:{col}: bad \\u{{1b}}[2J value\\n here")), "{shown}");
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{0}') && !shown.contains('\r'), "{shown:?}");
    }
}

#[test]
fn render_reads_the_file_it_names_and_only_a_regular_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "[runtime]\ncores = 0\n").unwrap();
    let e = InputError::new(&path, 2, 9, "cores = 0 is out of range");
    assert_eq!(e.render(), format!("{e}\n  |\n2 | cores = 0\n  |         ^"));
    for not_a_file in [Path::new("gilcheck"), dir.path()] {
        let e = InputError::new(not_a_file, 1, 1, "no scenario `x`");
        assert_eq!(e.render(), e.to_string());
    }
}

#[test]
fn the_command_line_prints_the_snippet_below_the_located_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "title = \"x\"\n[runtime]\ncores = 0\n[[threads]]\nname = \"t\"\nsteps = [\"compute 1\"]\n")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .args(["list", "--models"])
        .arg(&path)
        .args(["--claims"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let first = format!("{}:3:9: cores = 0 is out of range; expected an integer from 1 to 64", path.display());
    assert_eq!(err, format!("{first}\n  |\n3 | cores = 0\n  |         ^\n"));

    let out =
        Command::new(env!("CARGO_BIN_EXE_gilcheck")).args(["graph", "no/such", "--models"]).arg(dir.path()).output();
    let out = out.unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with(&first), "{err}");
}

#[test]
fn a_trace_that_is_not_a_regular_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("t.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for trace in [fifo.as_path(), Path::new("/dev/zero")] {
        let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
            .args(["conform", "--models", concat!(env!("CARGO_MANIFEST_DIR"), "/models"), "--trace"])
            .arg(trace)
            .args(["--model", "gil/hog-and-waiter", "--python", "3.11"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not a regular file"), "{err}");
    }
}
