//! `check --shard I/N` and `gilcheck merge`: N shards merged give the reports of one whole
//! run, byte for byte; a shard missing, given twice, or of another run is refused.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gilcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("gilcheck runs")
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if !path.ends_with(".lock") {
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Claim files with counterexamples, series, counter-models and values.
const CLAIMS: [&str; 3] = ["properties/folklore.toml", "properties/gil.toml", "properties/sync.toml"];

fn sources() -> Vec<&'static str> {
    CLAIMS.iter().flat_map(|c| ["--claims", c]).collect()
}

#[test]
fn shards_merged_give_the_reports_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let merged = tmp.path().join("merged");
    let shards = tmp.path().join("shards");
    let mut args = vec!["check"];
    args.extend(sources());
    args.extend(["--out", whole.to_str().unwrap()]);
    let one = gilcheck(&args);
    assert!(one.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&one.stderr));
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let mut args = vec!["check"];
        args.extend(sources());
        args.extend(["--shard", &shard, "--out", shards.to_str().unwrap()]);
        let out = gilcheck(&args);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(!shards.join("README.md").exists(), "a shard writes no report");
    let shard_files: Vec<String> =
        (1..=3).map(|i| shards.join(format!("shard-{i}-of-3.json")).to_str().unwrap().to_string()).collect();
    let mut args = vec!["merge"];
    args.extend(shard_files.iter().rev().map(String::as_str));
    args.extend(sources());
    args.extend(["--out", merged.to_str().unwrap()]);
    let out = gilcheck(&args);
    assert_eq!(out.status.code(), one.status.code(), "{}", String::from_utf8_lossy(&out.stderr));
    let (a, b) = (files(&whole), files(&merged));
    assert!(a.len() > 10, "{} report files", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{} differs", path.display());
    }
    let table = |o: &Output| String::from_utf8_lossy(&o.stdout).lines().filter(|l| !l.contains("report in")).count();
    assert_eq!(table(&one), table(&out));

    // A shard missing, given twice, or from a run of another size.
    let mut args = vec!["merge", &shard_files[0], &shard_files[1]];
    args.extend(sources());
    args.extend(["--out", merged.to_str().unwrap()]);
    let missing = gilcheck(&args);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("shard 3/3 is missing"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let mut args = vec!["merge", &shard_files[0], &shard_files[0], &shard_files[1], &shard_files[2]];
    args.extend(sources());
    args.extend(["--out", merged.to_str().unwrap()]);
    let twice = gilcheck(&args);
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("shard 1/3 is given twice"));
    fs::write(tmp.path().join("bad.json"), "{\"shard\": 1}").unwrap();
    let bad = gilcheck(&["merge", tmp.path().join("bad.json").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad.json:1:"), "{}", String::from_utf8_lossy(&bad.stderr));
}

#[test]
fn a_shard_that_is_not_one_of_n_is_refused() {
    for bad in ["0/2", "3/2", "2", "a/b", "1/0"] {
        let out = gilcheck(&["check", "--shard", bad, "--no-report"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not a shard"), "{bad}");
    }
}

/// `conform --shard`: the shards of a run (scenarios, and the claims whose counterexamples
/// are realised) merge into its report, rows in the order one run gives them. The figures
/// are measured, so rows are compared by what they are about and how many runs they had.
#[test]
fn conform_shards_merged_give_the_report_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let run = ["conform", "--model", "aio/*", "--claim", "aio.*", "--python", "3.11", "--runs", "1"];
    let one = gilcheck(&[&run[..], &["--out", &dir("whole")]].concat());
    if String::from_utf8_lossy(&one.stderr).contains("NO CPython interpreter found") {
        eprintln!("SKIPPED: no CPython 3.11 on this machine, conform shards not checked");
        return;
    }
    assert_eq!(one.status.code(), Some(0), "{}", String::from_utf8_lossy(&one.stderr));
    let mut shard_files = Vec::new();
    for i in 1..=2 {
        let shard = format!("{i}/2");
        let out = gilcheck(&[&run[..], &["--shard", &shard, "--out", &dir("shards")]].concat());
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        shard_files.push(format!("{}/conformance-shard-{i}-of-2.json", dir("shards")));
    }
    assert!(!tmp.path().join("shards/conformance.md").exists(), "a shard writes no report");
    let merged = gilcheck(&["merge", &shard_files[1], &shard_files[0], "--out", &dir("merged")]);
    assert_eq!(merged.status.code(), Some(0), "{}", String::from_utf8_lossy(&merged.stderr));
    let read = |d: &str| -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(tmp.path().join(d).join("conformance.json")).unwrap()).unwrap()
    };
    let (whole, joined) = (read("whole"), read("merged"));
    let rows = |v: &serde_json::Value, key: &str, fields: &[&str]| -> Vec<String> {
        let rows = v[key].as_array().unwrap().iter();
        rows.map(|r| fields.iter().map(|f| r[f].to_string()).collect::<Vec<_>>().join(" ")).collect()
    };
    let results = rows(&whole, "results", &["model", "python", "runs", "not_applicable"]);
    assert!(results.len() >= 3, "{results:?}");
    assert_eq!(results, rows(&joined, "results", &["model", "python", "runs", "not_applicable"]));
    let realised = rows(&whole, "realisations", &["claim", "model", "variant"]);
    assert!(
        realised.iter().map(|r| r.split(' ').next()).collect::<std::collections::BTreeSet<_>>().len() >= 2,
        "{realised:?}"
    );
    assert_eq!(realised, rows(&joined, "realisations", &["claim", "model", "variant"]));
    for key in ["cores", "tick_ms", "runs_per_scenario"] {
        assert_eq!(whole[key], joined[key], "{key}");
    }
    assert_eq!(rows(&whole, "interpreters", &["python"]), rows(&joined, "interpreters", &["python"]));

    // One shard missing, or a shard of a run with other settings.
    let missing = gilcheck(&["merge", &shard_files[0], "--out", &dir("merged")]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("shard 2/2 is missing"));
    let other = gilcheck(&[&run[..7], &["--runs", "2", "--shard", "2/2", "--out", &dir("other")]].concat());
    assert_eq!(other.status.code(), Some(0), "{}", String::from_utf8_lossy(&other.stderr));
    let other_file = format!("{}/conformance-shard-2-of-2.json", dir("other"));
    let mixed = gilcheck(&["merge", &shard_files[0], &other_file, "--out", &dir("merged")]);
    assert_eq!(mixed.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&mixed.stderr).contains("other settings"),
        "{}",
        String::from_utf8_lossy(&mixed.stderr)
    );

    // A shard file naming a report of its own is refused: the name becomes a file name.
    let forged = tmp.path().join("forged.json");
    let text = fs::read_to_string(&shard_files[0]).unwrap().replacen("\"conformance\"", "\"../escaped\"", 1);
    fs::write(&forged, text).unwrap();
    let refused = gilcheck(&["merge", forged.to_str().unwrap(), "--out", &dir("merged")]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is no report of `conform`"));
    assert!(!tmp.path().join("escaped.md").exists());
}
