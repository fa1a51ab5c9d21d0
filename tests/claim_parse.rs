//! Claim files: what they parse to, and the exact `path:line:col: message` of malformed ones.

use std::fs;
use std::path::{Path, PathBuf};

use gilcheck::input::claim::*;
use proptest::prelude::*;

/// A valid claim file, one line per entry, so tests can swap single lines.
const LINES: [&str; 7] = [
    "[[claims]]",
    "id = \"gil.one\"",
    "quote = \"only one thread runs Python at a time\"",
    "source = \"folklore\"",
    "models = [\"gil/*\", \"gil/two-threads\"]",
    "check = \"always running_python <= 1\"",
    "expect = \"holds\"",
];

/// The valid file with line `n` (1-based) replaced by `line` (several lines allowed).
fn with(n: usize, line: &str) -> String {
    let mut lines: Vec<&str> = LINES.to_vec();
    lines[n - 1] = line;
    lines.join("\n") + "\n"
}

fn parse(source: &str) -> Result<Vec<Claim>, String> {
    parse_claim_file(Path::new("p.toml"), source).map_err(|e| e.to_string())
}

fn error(source: &str) -> String {
    match parse(source) {
        Ok(claims) => panic!("parsed: {claims:?}"),
        Err(e) => e,
    }
}

#[test]
fn a_valid_claim() {
    let source = with(7, "expect = \"holds\"\ntitle = \"t\"\nnotes = \"n\"");
    let claims = parse(&source).unwrap();
    assert_eq!(claims.len(), 1);
    let claim = &claims[0];
    assert_eq!(claim.id, "gil.one");
    assert_eq!(claim.quote, "only one thread runs Python at a time");
    assert_eq!(claim.source, "folklore");
    assert_eq!(claim.models, ["gil/*", "gil/two-threads"]);
    assert_eq!(claim.check_text, "always running_python <= 1");
    assert_eq!(claim.check.to_string(), claim.check_text);
    assert_eq!(claim.expect, Expect::All(Outcome::Verdict(Verdict::Holds)));
    assert!(claim.variants.is_empty());
    assert_eq!(claim.path, PathBuf::from("p.toml"));
    assert_eq!((claim.check_line, claim.check_col), (6, 10));
    assert_eq!(parse(""), Ok(vec![]));
}

#[test]
fn check_errors_point_into_the_check() {
    let e = error(&with(6, "check = \"always holds_gill(t1)\""));
    assert!(
        e.starts_with("p.toml:6:17: unknown atom `holds_gill` in check `always holds_gill(t1)`; expected one of: running_python, "),
        "{e}"
    );
    assert!(e.ends_with("; did you mean `holds_gil`?"), "{e}");
    assert_eq!(
        error(&with(6, "check  =  'always  now'")),
        "p.toml:6:20: `now` is a number in check `always  now`; compare it, e.g. `now >= 3`"
    );
    assert_eq!(
        error(&with(6, "check = \"alway gil_free\"")),
        "p.toml:6:10: unknown word `alway` in check `alway gil_free`; expected `always`, `never`, \
         `sometimes`, `eventually`, `max`, `min`, or an expression followed by `leads_to`; did you mean `always`?"
    );
    // Triple-quoted checks: the newline after the quotes is not part of the check.
    assert_eq!(
        error(&with(6, "check = \"\"\"\nalways\n  now\"\"\"")),
        "p.toml:8:3: `now` is a number in check `always   now`; compare it, e.g. `now >= 3`"
    );
    let claims = parse(&with(6, "check = '''\nalways gil_free'''")).unwrap();
    assert_eq!((claims[0].check_line, claims[0].check_col), (7, 1));
}

#[test]
fn keys_are_checked() {
    assert_eq!(
        error(&with(6, "chek = \"always gil_free\"")),
        "p.toml:6:1: unknown key `chek` in a claim; expected one of: id, quote, source, models, \
         for_all, check, expect, variants, counter_models, counter_params, by_construction, evidence, negates_quote, title, notes; \
         did you mean `check`?"
    );
    assert_eq!(
        error(&with(6, "")),
        "p.toml:1:1: this claim has no `check`; expected e.g. `check = \"always running_tasks <= 1\"`"
    );
    assert_eq!(
        error(&format!("version = 1\n{}", with(1, "[[claims]]"))),
        "p.toml:1:1: unknown key `version` in a claim file; expected `[[claims]]` entries"
    );
    assert_eq!(
        error("claims = 3\n"),
        "p.toml:1:10: `claims` is an integer; expected an array of tables, written `[[claims]]`"
    );
    assert_eq!(
        error(&with(7, "expect = \"holds\"\ntitle = 3")),
        "p.toml:8:9: `title` is an integer; expected a string"
    );
}

#[test]
fn values_are_checked() {
    assert_eq!(
        error(&with(2, "id = \"gil one\"")),
        "p.toml:2:6: claim id `gil one` contains ` `; expected only letters, digits, `_`, `.` and `-`"
    );
    assert_eq!(error(&with(2, "id = \"\"")), "p.toml:2:6: `id` is empty; expected some text");
    assert_eq!(error(&with(3, "quote = 3")), "p.toml:3:9: `quote` is an integer; expected a string");
    assert_eq!(
        error(&with(5, "models = \"gil/*\"")),
        "p.toml:5:10: `models` is a string; expected an array of strings, e.g. `models = [\"…\"]`"
    );
    assert_eq!(error(&with(5, "models = []")), "p.toml:5:10: `models` is empty; expected at least one entry");
    assert_eq!(error(&with(5, "models = [\"a\", 1]")), "p.toml:5:16: `models` is an integer; expected a string");
    let e = error(&with(5, "models = [\"a\", \"gil/[x\"]"));
    assert!(e.starts_with("p.toml:5:16: invalid glob `gil/[x`: "), "{e}");
    assert!(e.ends_with("; expected a scenario name or a glob such as `asyncio/*`"), "{e}");
    assert_eq!(
        error(&with(7, "expect = 1979-05-27")),
        "p.toml:7:10: a date or time is not used in claim files; expected a string"
    );
}

#[test]
fn toml_syntax_errors_are_located() {
    let e = error(&with(6, "check = \"always gil_free"));
    assert!(e.starts_with("p.toml:6:"), "{e}");
    assert!(e.contains("invalid TOML: "), "{e}");
    assert!(!e.contains('\n'), "{e}");
    let e = error(&with(2, "id = \"a\"\nid = \"b\""));
    assert!(e.starts_with("p.toml:3:1: invalid TOML: duplicate key `id`"), "{e}");
}

#[test]
fn expect_must_fit_the_check() {
    assert_eq!(
        error(&with(7, "expect = \">= 3\"")),
        "p.toml:7:10: `>= 3` does not fit the `always` check; expected `holds` or `refuted`"
    );
    assert_eq!(
        error(&with(7, "expect = \"increasing\"")),
        "p.toml:7:10: `increasing` does not fit the `always` check; expected `holds` or `refuted`"
    );
    let max = with(6, "check = \"max now when all_done\"");
    assert_eq!(
        error(&max),
        "p.toml:7:10: `holds` does not fit the `max` check, which measures a number; expected a \
         bound such as `>= 3`, or a series: `increasing`, `non-decreasing`, `constant`"
    );
    let bound = max.replace("\"holds\"", "\"<=5\"");
    assert_eq!(parse(&bound).unwrap()[0].expect, Expect::All(Outcome::Bound(CmpOp::Le, 5)));
    let series = max.replace("\"holds\"", "\"non-decreasing\"");
    assert_eq!(parse(&series).unwrap()[0].expect, Expect::All(Outcome::Series(Trend::NonDecreasing)));
    assert_eq!(
        error(&series.replace("[\"gil/*\", \"gil/two-threads\"]", "[\"gil/*\"]")),
        "p.toml:7:10: the series `non-decreasing` compares several models; expected at least two \
         entries in `models`, in order"
    );
    assert_eq!(
        error(&with(7, "expect = \"hold\"")),
        "p.toml:7:10: unknown outcome `hold`; expected `holds`, `refuted`, `increasing`, \
         `non-decreasing`, `constant`, `decreasing`, `non-increasing`, or a bound such as `>= 3`; did you mean `holds`?"
    );
    assert_eq!(
        error(&with(7, "expect = [\"holds\"]")),
        "p.toml:7:10: `expect` is an array; expected a string such as \"holds\" or \">= 3\", or a \
         table such as { \"3.11\" = \"holds\", \"3.13t\" = \"refuted\" }"
    );
    assert!(error(&with(7, "expect = {}")).starts_with("p.toml:7:10: `expect` is an empty table;"));
}

#[test]
fn variants() {
    // A table alone names the variants, in the order written (not sorted).
    let table = with(7, "expect = { \"3.13t\" = \"refuted\", \"2.7\" = \"holds\", \"3.11\" = \"holds\" }");
    let claim = &parse(&table).unwrap()[0];
    assert_eq!(claim.variants, ["3.13t", "2.7", "3.11"]);
    let Expect::PerVariant(outcomes) = &claim.expect else { panic!("{:?}", claim.expect) };
    assert_eq!(outcomes["3.13t"], Outcome::Verdict(Verdict::Refuted));
    assert_eq!(outcomes["3.11"], Outcome::Verdict(Verdict::Holds));
    // Bounds per variant on a quantitative check; a table with `variants` keeps their order.
    let bounds = with(7, "expect = { \"3.11\" = \">= 1\", \"3.13t\" = \"== 2\" }\nvariants = [\"3.13t\", \"3.11\"]")
        .replace("always running_python <= 1", "max running_python");
    let claim = &parse(&bounds).unwrap()[0];
    assert_eq!(claim.variants, ["3.13t", "3.11"]);
    let Expect::PerVariant(outcomes) = &claim.expect else { panic!("{:?}", claim.expect) };
    assert_eq!(outcomes["3.11"], Outcome::Bound(CmpOp::Ge, 1));
    assert_eq!(outcomes["3.13t"], Outcome::Bound(CmpOp::Eq, 2));

    let listed = with(7, "expect = \"holds\"\nvariants = [\"2.7\", \"3.9\", \"3.11\", \"3.13t\"]");
    assert_eq!(parse(&listed).unwrap()[0].variants, ["2.7", "3.9", "3.11", "3.13t"]);
    assert_eq!(
        error(&with(7, "expect = \"holds\"\nvariants = [\"3.11\", \"3.15\"]")),
        "p.toml:8:21: unknown CPython version `3.15`; expected one of: 2.7, 3.2, 3.3, 3.4, 3.5, \
         3.6, 3.7, 3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14, 3.13t, 3.14t; did you mean `3.5`?"
    );
    assert_eq!(
        error(&with(7, "expect = \"holds\"\nvariants = [\"3.11\", \"3.11\"]")),
        "p.toml:8:21: variant `3.11` is listed twice; expected each version once"
    );
    assert!(error(&with(7, "expect = { \"3.13T\" = \"holds\" }"))
        .starts_with("p.toml:7:12: unknown CPython version `3.13T`; expected one of: "));
    assert_eq!(
        error(&with(7, "expect = { \"3.11\" = \"holds\" }\nvariants = [\"3.11\", \"3.9\"]")),
        "p.toml:8:21: variant `3.9` has no entry in the `expect` table; expected a key \"3.9\" there"
    );
    assert_eq!(
        error(&with(7, "expect = { \"3.11\" = \"holds\", \"3.9\" = \"holds\" }\nvariants = [\"3.11\"]")),
        "p.toml:7:30: `expect` gives variant `3.9`, which `variants` does not list; expected only \
         keys from `variants`"
    );
    assert_eq!(
        error(&with(7, "expect = { \"3.11\" = 1 }")),
        "p.toml:7:21: `expect` for `3.11` is an integer; expected a string such as \"holds\""
    );
    let series = with(7, "expect = { \"3.11\" = \"constant\" }").replace("always running_python <= 1", "max now");
    assert_eq!(
        error(&series),
        "p.toml:7:21: the series `constant` compares models, not variants; expected `holds`, \
         `refuted` or a bound for each variant"
    );
}

#[test]
fn duplicate_ids_are_refused_at_the_second() {
    let two = format!("{}\n{}", with(1, "[[claims]]"), with(1, "[[claims]]"));
    assert_eq!(
        error(&two),
        "p.toml:10:6: duplicate claim id `gil.one`, first defined at p.toml:2:6; expected every claim id once"
    );
}

#[test]
fn load_claims_reads_folders_recursively_in_path_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("b/c")).unwrap();
    fs::write(root.join("b/c/z.toml"), with(2, "id = \"z\"")).unwrap();
    fs::write(root.join("b/a.toml"), with(2, "id = \"ba\"")).unwrap();
    fs::write(root.join("a.toml"), with(2, "id = \"a\"")).unwrap();
    fs::write(root.join("notes.txt"), "not a claim").unwrap();
    let ids = |paths: &[PathBuf]| -> Vec<String> { load_claims(paths).unwrap().into_iter().map(|c| c.id).collect() };
    assert_eq!(ids(&[root.to_path_buf()]), ["a", "ba", "z"]);
    assert_eq!(ids(&[root.join("b/c/z.toml"), root.join("a.toml")]), ["z", "a"]);
    assert_eq!(ids(&[]), Vec::<String>::new());

    fs::write(root.join("b/c/y.toml"), with(2, "id = \"a\"")).unwrap();
    let e = load_claims(&[root.to_path_buf()]).unwrap_err();
    assert_eq!((e.path.clone(), e.line, e.col), (root.join("b/c/y.toml"), 2, 6));
    assert_eq!(
        e.message,
        format!(
            "duplicate claim id `a`, first defined at {}:2:6; expected every claim id once",
            root.join("a.toml").display()
        )
    );

    let missing = root.join("missing.toml");
    let e = load_claims(std::slice::from_ref(&missing)).unwrap_err();
    assert_eq!((e.path.clone(), e.line, e.col), (missing, 1, 1));
    assert!(e.message.starts_with("cannot read the claim file: "), "{}", e.message);

    fs::write(root.join("b/bad.toml"), [0xff, 0xfe]).unwrap();
    let e = load_claims(&[root.to_path_buf()]).unwrap_err();
    assert_eq!((e.path, e.line, e.col), (root.join("b/bad.toml"), 1, 1));
}

#[test]
fn globs_match_scenario_names() {
    assert!(glob_matches("asyncio/blocking-sleep", "asyncio/blocking-sleep"));
    assert!(!glob_matches("asyncio/blocking", "asyncio/blocking-sleep"));
    assert!(glob_matches("asyncio/*", "asyncio/x"));
    assert!(!glob_matches("asyncio/*", "asyncio/a/b"));
    assert!(!glob_matches("asyncio/*", "gil/x"));
    assert!(glob_matches("asyncio/**", "asyncio/a/b"));
    assert!(glob_matches("**/two-*", "gil/deep/two-threads"));
    assert!(glob_matches("{gil,asyncio}/x?", "gil/x1"));
    assert!(glob_matches("gil/[", "gil/["));
    assert!(!glob_matches("gil/[", "gil/x"));
}

proptest! {
    #[test]
    fn arbitrary_files_never_panic(source in any::<String>()) {
        let _ = parse(&source);
    }

    /// Damaging a valid file anywhere gives a located error or a claim, never a panic.
    #[test]
    fn damaged_files_never_panic(at in 0usize..400, cut in 0usize..8, insert in "[\\[\\]{}=\"'a-z0-9 \n.,()<>!&|-]{0,6}") {
        let valid = with(7, "expect = { \"3.11\" = \"holds\" }\nvariants = [\"3.11\"]");
        let at = at.min(valid.len());
        let end = (at + cut).min(valid.len());
        let damaged = format!("{}{}{}", &valid[..at], insert, &valid[end..]);
        if let Err(e) = parse_claim_file(Path::new("p.toml"), &damaged) {
            prop_assert!(e.line >= 1 && e.col >= 1 && !e.message.is_empty());
            prop_assert!(e.message.contains("; ") || e.message.contains("expected"), "{}", e.message);
        }
    }
}

#[test]
fn evidence_entries_are_checked() {
    let source =
        with(7, "expect = \"holds\"\nevidence = [\"conform:gil/two-threads\", \"experiment:experiments/x.py a b\"]");
    let claim = &parse(&source).unwrap()[0];
    assert_eq!(
        claim.evidence,
        [
            Evidence::Conform("gil/two-threads".into()),
            Evidence::Experiment { path: "experiments/x.py".into(), args: vec!["a".into(), "b".into()] }
        ]
    );
    assert_eq!(claim.evidence[1].spelling(), "experiment:experiments/x.py a b");
    assert_eq!((claim.evidence_line, claim.evidence_col), (8, 12));
    let expected = "expected `conform:SCENARIO` or `experiment:experiments/FILE.py ARGS`";
    assert_eq!(
        error(&with(7, "expect = \"holds\"\nevidence = [\"measured by hand\"]")),
        format!("p.toml:8:13: evidence `measured by hand` is of no known kind; {expected}")
    );
    assert_eq!(
        error(&with(7, "expect = \"holds\"\nevidence = [\"conform:\"]")),
        format!("p.toml:8:13: evidence `conform:` names no scenario; {expected}")
    );
    for path in ["../x.py", "/tmp/x.py", "experiments/x.sh", ""] {
        let e = error(&with(7, &format!("expect = \"holds\"\nevidence = [\"experiment:{path}\"]")));
        assert!(e.starts_with("p.toml:8:13: evidence `experiment:"), "{e}");
        assert!(e.contains("is not a relative path to a `.py` file inside the project"), "{e}");
    }
}

#[test]
fn negates_quote_is_a_boolean_on_a_verdict() {
    let claim = &parse(&with(7, "expect = \"refuted\"\nnegates_quote = true")).unwrap()[0];
    assert!(claim.negates_quote);
    assert!(!parse(&with(7, "expect = \"holds\"")).unwrap()[0].negates_quote);
    assert_eq!(
        error(&with(7, "expect = \"holds\"\nnegates_quote = \"yes\"")),
        "p.toml:8:17: `negates_quote` is a string; expected true or false"
    );
    let max = with(6, "check = \"max now\"").replace("expect = \"holds\"", "expect = \">= 1\"\nnegates_quote = true");
    assert!(error(&max).contains("`negates_quote` turns a verdict around"), "{}", error(&max));
}
