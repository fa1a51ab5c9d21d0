//! A hostile user's reproducers, each a test: report folders written all or nothing and never
//! through a link, one run per folder, interrupts, budgets that are refused when out of range
//! and obeyed when given, filters that match nothing, and names that cannot collide.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use common::project::{claim, status, stderr, stdout, Project};

const TWO_CPU: &str = "[runtime]\npython = \"3.11\"\n\n[[threads]]\nname = \"t\"\ncount = 2\nsteps = [\"compute 2\"]\n";

/// Eight looping threads: more states than any budget here lets a search finish.
fn eight_loops() -> String {
    let mut text = String::from("[runtime]\npython = \"3.11\"\n");
    for (i, steps) in
        ["compute 1\", \"io 1", "compute 2\", \"io 1", "c_call 1\", \"io 2", "compute 1\", \"time.sleep 1"]
            .iter()
            .cycle()
            .take(8)
            .enumerate()
    {
        text.push_str(&format!("\n[[threads]]\nname = \"t{i}\"\nrepeat = true\nsteps = [\"{steps}\"]\n"));
    }
    text
}

/// Every file below `dir` with its bytes (links as `-> target`), for before/after comparisons.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.push((rel, format!("-> {}", fs::read_link(&path).unwrap().display()).into_bytes()));
            } else if meta.is_dir() {
                walk(root, &path, out);
            } else {
                out.push((rel, fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn refuted_project() -> Project {
    let p = Project::new();
    p.scenario("gil/two-cpu", TWO_CPU);
    p.claim_file("c.toml", claim("a.refuted", &["gil/two-cpu"], "never done(t0)", "\"refuted\""));
    p
}

#[test]
fn the_sweep_never_follows_a_link_and_keeps_what_is_not_ours() {
    let p = refuted_project();
    let outside = p.root().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("precious.md"), "mine").unwrap();
    fs::write(outside.join("precious.svg"), "mine").unwrap();
    assert_eq!(status(&p.check(&["--out", "out"])), 0);
    let out = p.root().join("out");
    // A user's own files and links among ours, and a stale page of ours.
    symlink(&outside, out.join("graphs/linked")).unwrap();
    symlink(&outside, out.join("claims/linked")).unwrap();
    fs::write(out.join("claims/my-notes.md"), "notes").unwrap();
    fs::write(out.join("claims/gone.md"), "stale").unwrap();
    let manifest = fs::read_to_string(out.join(".gilcheck-files")).unwrap();
    fs::write(out.join(".gilcheck-files"), manifest + "claims/gone.md\n").unwrap();
    // A link where an old version wrote its temporary file.
    symlink(outside.join("precious.md"), out.join("README.md.tmp~")).unwrap();
    assert_eq!(status(&p.check(&["--out", "out"])), 0, "{}", stderr(&p.check(&["--out", "out"])));
    assert_eq!(fs::read_to_string(outside.join("precious.md")).unwrap(), "mine");
    assert_eq!(fs::read_to_string(outside.join("precious.svg")).unwrap(), "mine");
    assert!(fs::symlink_metadata(out.join("graphs/linked")).unwrap().file_type().is_symlink());
    assert!(fs::symlink_metadata(out.join("claims/linked")).unwrap().file_type().is_symlink());
    assert_eq!(fs::read_to_string(out.join("claims/my-notes.md")).unwrap(), "notes");
    assert!(!out.join("claims/gone.md").exists(), "a stale page of the last run is removed");
    assert!(out.join("claims/a.refuted.md").exists());
    let leftovers: Vec<String> = fs::read_dir(p.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(leftovers.is_empty(), "no staging folder or lock is left: {leftovers:?}");
}

#[test]
fn a_report_folder_that_is_a_link_is_refused() {
    let p = refuted_project();
    fs::create_dir_all(p.root().join("real")).unwrap();
    symlink(p.root().join("real"), p.root().join("out")).unwrap();
    let out = p.check(&["--out", "out"]);
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("not a folder"), "{}", stderr(&out));
    assert_eq!(fs::read_dir(p.root().join("real")).unwrap().count(), 0, "nothing written through the link");
}

#[test]
fn a_second_run_into_the_same_folder_stops_before_searching() {
    let p = refuted_project();
    // Held by a live process (this test's).
    fs::write(p.root().join(".out.lock"), format!("{}\n", std::process::id())).unwrap();
    let out = p.check(&["--out", "out"]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("is being written by another gilcheck"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "no search ran: {}", stdout(&out));
    assert!(!p.root().join("out").exists());
    // A lock whose writer is gone is taken over.
    fs::write(p.root().join(".out.lock"), "999999999\n").unwrap();
    assert_eq!(status(&p.check(&["--out", "out"])), 0);
    assert!(!p.root().join(".out.lock").exists(), "the lock goes with its run");
}

#[test]
fn an_interrupted_check_leaves_the_old_report_and_says_so() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let p = refuted_project();
        p.scenario("big", eight_loops());
        p.claim_file("d.toml", claim("b.big", &["big"], "always running_python <= 1", "\"holds\""));
        // An old report of the small claim alone.
        let claims = p.root().join("claims/c.toml");
        let small = p.run(&["check", "--models", "models", "--claims", claims.to_str().unwrap(), "--out", "out"]);
        assert_eq!(status(&small), 0, "{}", stderr(&small));
        let before = snapshot(&p.root().join("out"));
        let child = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
            .args(["check", "--models", "models", "--claims", "claims", "--out", "out", "--max-states", "100000000"])
            .current_dir(p.root())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(700));
        let sent = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "SIG{signal}: {}", String::from_utf8_lossy(&out.stderr));
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(message.contains(&format!("interrupted by SIG{signal}")), "{message}");
        assert_eq!(snapshot(&p.root().join("out")), before, "SIG{signal}: the old report, byte for byte");
        assert!(!p.root().join(".out.lock").exists());
    }
}

#[test]
fn out_of_range_budgets_are_refused() {
    let p = refuted_project();
    for (flag, value) in [
        ("--timeout", "1e20"),
        ("--timeout", "nan"),
        ("--timeout", "inf"),
        ("--timeout", "-1"),
        ("--search-timeout", "-0.5"),
        ("--max-states", "-3"),
        ("--max-memory", "3X"),
        ("--max-memory", "100"),
        ("--threads", "0"),
    ] {
        let out = p.check(&["--no-report", &format!("{flag}={value}")]);
        assert_eq!(status(&out), 2, "{flag} {value}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
        assert!(stderr(&out).contains(flag), "{flag} {value}: {}", stderr(&out));
    }
    let fuzz = p.run(&["fuzz", "--claims", "claims", "--timeout", "1e20"]);
    assert_eq!(status(&fuzz), 2, "{}", stderr(&fuzz));
}

#[test]
fn memory_and_run_time_are_budgets_too() {
    let p = Project::new();
    p.scenario("big", eight_loops());
    p.claim_file("c.toml", claim("b.big", &["big"], "always running_python <= 1", "\"holds\""));
    let run = |extra: &[&str]| {
        let mut args = vec!["--no-report", "--format", "json", "--max-states", "100000000"];
        args.extend_from_slice(extra);
        let out = p.check(&args);
        let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        (status(&out), rows["results"][0].clone())
    };
    let (code, row) = run(&["--max-memory", "4M", "--threads", "1"]);
    assert_eq!(code, 1);
    assert_eq!(row["verdict"], "unknown");
    let notes = row["notes"].to_string();
    assert!(notes.contains("memory budget (4 MiB for this search, --max-memory)"), "{notes}");
    // The memory of a run is shared by its parallel searches.
    let (_, row) = run(&["--max-memory", "4M", "--threads", "2"]);
    assert!(row["notes"].to_string().contains("2 MiB for this search"), "{}", row["notes"]);
    let (code, row) = run(&["--timeout", "0.3"]);
    assert_eq!(code, 1);
    assert!(row["notes"].to_string().contains("run's time budget"), "{}", row["notes"]);
}

#[test]
fn graph_is_bounded_without_force_and_with_it() {
    let p = Project::new();
    p.scenario("big", eight_loops());
    let out = p.run(&["graph", "big"]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("more than 2000 states"), "{}", stderr(&out));
    let out = p.run(&["graph", "big", "--force", "--max-states", "5000"]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("more than 5000 states"), "{}", stderr(&out));
}

#[test]
fn filters_that_match_nothing_are_refused_with_the_nearest_names() {
    let p = refuted_project();
    let out = p.check(&["--claim", "a.refutd"]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("--claim `a.refutd` matches no claim id"), "{}", stderr(&out));
    assert!(stderr(&out).contains("`a.refuted`"), "the nearest id is named: {}", stderr(&out));
    let out = p.check(&["--model", "["]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("not a valid glob"), "{}", stderr(&out));
    let out = p.check(&["--model", "gil/two"]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("`gil/two-cpu`"), "{}", stderr(&out));
    p.scenario("unused", TWO_CPU);
    let out = p.check(&["--model", "unused"]);
    assert_eq!(status(&out), 2, "a scenario no claim names selects no check: {}", stderr(&out));
    assert!(!p.root().join("reports").exists());
}

#[test]
fn names_never_share_a_file_and_user_text_is_escaped() {
    let p = Project::new();
    p.scenario("gil/x", TWO_CPU);
    p.scenario("gil-x", TWO_CPU);
    let text = claim("a.both", &["gil/x", "gil-x"], "never done(t0)", "\"refuted\"")
        .replace("a sentence", "<script>alert(1)</script> & more");
    p.claim_file("c.toml", text);
    let out = p.check(&["--out", "out"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let graphs = p.root().join("out/graphs/a.both");
    assert!(graphs.join("gil/x--3.11.dot").exists());
    assert!(graphs.join("gil-x--3.11.dot").exists());
    let page = fs::read_to_string(p.root().join("out/claims/a.both.md")).unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), "{page}");
    assert!(!page.contains("<script>"));
}

#[test]
fn results_json_names_no_machine_path() {
    let p = refuted_project();
    let elsewhere = tempfile::tempdir().unwrap();
    let out_dir = elsewhere.path().join("report");
    let out = p.check(&["--out", out_dir.to_str().unwrap()]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let results = fs::read_to_string(out_dir.join("results.json")).unwrap();
    assert!(!results.contains(elsewhere.path().to_str().unwrap()), "{results}");
    assert!(results.contains("\"graphs/a.refuted/gil/two-cpu--3.11.dot\""), "{results}");
}
