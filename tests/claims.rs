//! Every claim in `properties/` gets its expected verdict, and the committed `reports/` are
//! exactly what `gilcheck check` writes now.

use std::path::{Path, PathBuf};

mod common;

use gilcheck::check::job::Row;
use gilcheck::check::resources::Budget;
use gilcheck::suite::figures::Figures;
use gilcheck::suite::{plan, run_all};
use gilcheck::suite::{publish, report};

use common::committed_suite;

fn suite() -> (Vec<gilcheck::input::claim::Claim>, Vec<Row>) {
    let (scenarios, claims) = committed_suite();
    let jobs = plan(&claims, &scenarios).unwrap_or_else(|e| panic!("{e}"));
    let mut rows = run_all(&jobs, Budget::default(), 2).unwrap_or_else(|e| panic!("{e}"));
    report::link_graphs(&mut rows, Path::new("reports"));
    (claims, rows)
}

#[test]
fn every_claim_gets_its_expected_verdict() {
    let (_, rows) = suite();
    assert!(!rows.is_empty());
    let wrong: Vec<String> = rows
        .iter()
        .filter(|r| !r.as_expected)
        .map(|r| {
            format!(
                "{} on {} under {}: {} (value {:?}), expected {}",
                r.claim, r.model, r.variant, r.verdict, r.value, r.expected
            )
        })
        .collect();
    assert!(wrong.is_empty(), "verdicts differ from expectations:\n{}", wrong.join("\n"));
}

/// Every committed verdict could have failed: no vacuous row, no row that holds by
/// construction unless its claim says why, and every `holds` row has a counter-model on
/// which the same check is refuted.
#[test]
fn every_committed_holds_could_have_failed() {
    let (claims, rows) = suite();
    let mut defects = Vec::new();
    for r in &rows {
        let claim = claims.iter().find(|c| c.id == r.claim).expect("a row's claim");
        let what = format!("{} on {} under {}", r.claim, r.model, r.variant);
        if r.vacuous {
            defects.push(format!("{what}: vacuous"));
        }
        if r.by_construction && claim.by_construction.is_none() {
            defects.push(format!("{what}: holds by construction, and the claim does not say why"));
        }
        if r.verdict == "holds" && r.counter_models.is_empty() {
            defects.push(format!("{what}: holds, with no counter-model"));
        }
        if r.verdict == "holds" && r.counter_models.iter().any(|c| c.verdict != "refuted") {
            defects.push(format!("{what}: a counter-model does not refute the check"));
        }
    }
    assert!(defects.is_empty(), "{}", defects.join("\n"));
}

#[test]
fn committed_reports_are_up_to_date() {
    let (claims, mut rows) = suite();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    report::note_realisations(&mut rows, &root);
    let files = report::render(&claims, &rows, &Figures::load(&root), "gilcheck check");
    let mut stale = Vec::new();
    for (rel, content) in &files {
        let on_disk = std::fs::read_to_string(root.join(rel)).unwrap_or_default();
        if &on_disk != content {
            stale.push(rel.display().to_string());
        }
    }
    assert!(stale.is_empty(), "reports/ is stale; run `cargo run --release -- check`: {stale:?}");
    // And nothing in reports/ that a run would not write.
    let mut extra = Vec::new();
    collect(&root, &root, &mut extra);
    extra.retain(|rel| {
        !files.contains_key(rel)
            && rel != Path::new(publish::MANIFEST)
            && !report::CONFORMANCE_FILES.iter().any(|c| rel == Path::new(c))
    });
    assert!(extra.is_empty(), "reports/ has files a run does not write: {extra:?}");
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

#[test]
fn reports_do_not_depend_on_parallelism() {
    let (scenarios, claims) = committed_suite();
    let jobs = plan(&claims, &scenarios).unwrap();
    let strip = |mut rows: Vec<Row>| {
        for r in rows.iter_mut() {
            r.elapsed_ms = 0;
        }
        rows
    };
    let one = strip(run_all(&jobs, Budget::default(), 1).unwrap());
    let many = strip(run_all(&jobs, Budget::default(), 4).unwrap());
    assert_eq!(one, many);
}

/// "Measured" can be rerun: every claim whose source says so names its evidence, and the
/// committed `experiments.json` has a figure from every experiment named, so that the claim
/// page shows it.
#[test]
fn every_measured_claim_names_evidence_with_figures() {
    let (_, claims) = committed_suite();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let experiments: serde_json::Value = std::fs::read_to_string(root.join(report::EXPERIMENTS_JSON))
        .map_or(serde_json::Value::Null, |t| serde_json::from_str(&t).expect("experiments.json parses"));
    let mut missing = Vec::new();
    for claim in claims.iter().filter(|c| c.source.contains("measured")) {
        if claim.evidence.is_empty() {
            missing.push(format!("{}: source says measured, no evidence", claim.id));
        }
        for e in &claim.evidence {
            let spelling = e.spelling();
            let figured = experiments["runs"]
                .as_array()
                .is_some_and(|runs| runs.iter().any(|r| r["evidence"] == spelling.as_str() && r["figure"].is_string()));
            if matches!(e, gilcheck::input::claim::Evidence::Experiment { .. }) && !figured {
                missing.push(format!("{}: `{spelling}` has no figure in reports/experiments.json", claim.id));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// A claim whose check negates its quote shows the quote's verdict in the index.
#[test]
fn the_index_shows_the_quotes_verdict_when_the_check_negates_it() {
    let index = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/README.md")).unwrap();
    let line = index.lines().find(|l| l.contains("sync.crossed-queues-can-deadlock")).expect("the claim's row");
    assert!(line.contains("quote holds (check refuted)"), "{line}");
    assert!(!line.contains("| refuted |"), "{line}");
}

/// A counterexample's folded view covers every step once, in order; a folded run is plain
/// clock ticks; and no committed report makes a reader go through more than three clock
/// ticks in a row with nothing else moving.
#[test]
fn counterexamples_fold_runs_of_clock_ticks() {
    let (_, rows) = suite();
    let mut runs = 0;
    for cx in rows.iter().filter_map(|r| r.counterexample.as_ref()) {
        let mut next = 0;
        for step in &cx.folded {
            assert_eq!(step.first, next, "{:?}", cx.folded);
            assert_eq!(step.state, cx.steps[step.last].state);
            if step.last > step.first {
                runs += 1;
                assert!(step.action.starts_with("ticks "), "{}", step.action);
                assert!(cx.steps[step.first..=step.last].iter().all(|s| s.action.starts_with("tick ")));
            }
            next = step.last + 1;
        }
        assert_eq!(next, cx.steps.len());
    }
    assert!(runs >= 5, "only {runs} runs of ticks folded");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/claims");
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut in_a_row = 0;
        for line in text.lines() {
            let tick = line.split_once(". ").is_some_and(|(n, rest)| {
                n.chars().all(|c| c.is_ascii_digit()) && rest.starts_with("tick ") && !rest.contains("OS gives")
            });
            in_a_row = if tick {
                in_a_row + 1
            } else if line.trim_start().starts_with('`') {
                in_a_row
            } else {
                0
            };
            assert!(in_a_row <= 3, "{}: more than three ticks in a row near `{line}`", path.display());
        }
    }
}

/// Free-threaded CPython has no GIL: its counterexamples and timelines never speak of one;
/// and without a clock no task is drawn as late.
#[test]
fn free_threaded_traces_speak_of_no_gil() {
    let (_, rows) = suite();
    for r in &rows {
        let Some(cx) = &r.counterexample else { continue };
        if r.variant.ends_with('t') {
            assert!(!cx.timeline.contains("GIL"), "{} on {} under {}", r.claim, r.model, r.variant);
        }
        if r.notes.iter().any(|n| n.starts_with("untimed")) {
            assert!(!cx.timeline.contains("(late)"), "{} on {} under {}", r.claim, r.model, r.variant);
        }
    }
    let free: Vec<_> =
        rows.iter().filter(|r| r.variant.ends_with('t')).filter_map(|r| r.counterexample.as_ref()).collect();
    assert!(free.len() >= 3, "only {} free-threaded counterexamples", free.len());
    for cx in free {
        for step in &cx.steps {
            assert!(!step.action.contains("GIL") && !step.state.contains("GIL"), "{} / {}", step.action, step.state);
        }
    }
}

/// A claim page says once, above its table, what every row would repeat; in a row, a
/// deadlock or a horizon comes before the other notes, and a refuted row never says that
/// its verdict holds.
#[test]
fn report_notes_say_shared_things_once_and_decisive_things_first() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/claims");
    let mut shared_seen = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let shared = text.lines().find_map(|l| l.strip_prefix("Every row: "));
        shared_seen += usize::from(shared.is_some());
        for row in
            text.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| model") && l.matches(" | ").count() >= 7)
        {
            let notes = row.rsplit(" | ").next().unwrap_or("").trim_end_matches(" |");
            if let Some(shared) = shared {
                let first = shared.trim_end_matches('.').split("; ").next().unwrap_or("");
                assert!(!notes.contains(first), "{row} repeats `{first}`");
            }
            for late in ["deadlock:", "horizon hit:"] {
                if let Some(at) = notes.find(late) {
                    assert!(at == 0, "{row}: `{late}` comes after other notes");
                }
            }
            if row.contains(" refuted ") || row.contains("| refuted |") {
                assert!(!notes.contains("the verdict holds"), "{row}");
            }
        }
    }
    assert!(shared_seen >= 10, "only {shared_seen} pages share notes");
}

/// Every claim with measured values (a `max`/`min`, a series) shows them as a chart on its
/// page and in the index: an SVG with a point per measured value.
#[test]
fn every_quantitative_claim_page_has_a_chart() {
    let (claims, rows) = suite();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let index = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut charted = 0;
    for claim in &claims {
        let values = rows.iter().filter(|r| r.claim == claim.id && r.model != "series" && r.value.is_some()).count();
        if values == 0 {
            continue;
        }
        let chart = format!("charts/{}.chart.svg", claim.id);
        let page = std::fs::read_to_string(root.join(format!("claims/{}.md", claim.id))).unwrap();
        assert!(page.contains(&format!("../{chart}")), "{} has no chart", claim.id);
        assert!(index.contains(&chart), "the index shows no chart of {}", claim.id);
        let svg = std::fs::read_to_string(root.join(&chart)).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{chart}: {e}"));
        let points = doc.descendants().filter(|n| n.has_tag_name("circle")).count();
        let unbounded =
            rows.iter().filter(|r| r.claim == claim.id && r.value.as_ref().is_some_and(|v| v == "unbounded")).count();
        assert_eq!(points, values - unbounded, "{chart}");
        charted += 1;
    }
    assert!(charted >= 5, "only {charted} charts");
}

/// A counterexample's drawing as a reader measures it: the boxes (x, y, width, height), and
/// for each edge its first segment (x, top, bottom) and its label lines (x, y).
type Drawing = (f64, Vec<[f64; 4]>, Vec<([f64; 3], Vec<[f64; 2]>)>);

fn measure(svg: &str) -> Drawing {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let number = |n: roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok()).unwrap();
    let width = number(doc.root_element(), "width");
    let class = |n: &roxmltree::Node, c: &str| n.attribute("class") == Some(c);
    let boxes = doc
        .descendants()
        .filter(|g| class(g, "node"))
        .map(|g| {
            let r = g.children().find(|r| r.has_tag_name("rect") && !class(r, "changed")).unwrap();
            [number(r, "x"), number(r, "y"), number(r, "width"), number(r, "height")]
        })
        .collect();
    let edges = doc
        .descendants()
        .filter(|g| class(g, "edge"))
        .map(|g| {
            let d = g.children().find(|p| p.has_tag_name("path")).unwrap().attribute("d").unwrap();
            let xy: Vec<f64> = d.split(|c: char| "ML, ".contains(c)).filter_map(|v| v.parse().ok()).collect();
            let labels = g.children().filter(|t| class(t, "label")).map(|t| [number(t, "x"), number(t, "y")]).collect();
            ([xy[0], xy[1].min(xy[3]), xy[1].max(xy[3])], labels)
        })
        .collect();
    (width, boxes, edges)
}

#[test]
fn counterexample_drawings_are_narrow_with_labels_beside_their_edges() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let mut files = Vec::new();
    collect(&root, &root.join("graphs"), &mut files);
    let drawings: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "svg") && !f.to_string_lossy().ends_with(".timeline.svg"))
        .collect();
    assert!(drawings.len() >= 20, "{} drawings", drawings.len());
    let mut loops = 0;
    for rel in drawings {
        let svg = std::fs::read_to_string(root.join(rel)).unwrap();
        loops += svg.contains("class=\"loop\"") as usize;
        let (width, boxes, edges) = measure(&svg);
        let widest = boxes.iter().map(|b| b[2]).fold(0.0, f64::max);
        let node_height = boxes.iter().map(|b| b[3]).fold(f64::MAX, f64::min);
        assert!(width <= 2.0 * widest, "{}: {width} wide, widest box {widest}", rel.display());
        assert_eq!(edges.len() + 1 - svg.contains("class=\"loop\"") as usize, boxes.len(), "{}", rel.display());
        for ([x, top, bottom], labels) in edges {
            assert!(!labels.is_empty(), "{}: an edge without its action", rel.display());
            for [lx, ly] in labels {
                let near = (lx - x).abs() <= node_height && ly >= top - node_height && ly <= bottom + node_height;
                assert!(near, "{}: label at ({lx}, {ly}) far from its edge x={x}, {top}..{bottom}", rel.display());
            }
        }
    }
    assert!(loops >= 3, "only {loops} lassos drawn as loops");
}

/// The markers of a timeline: (class, title) of each.
fn markers(timeline: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(timeline).unwrap();
    doc.descendants()
        .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("marker ")))
        .map(|n| {
            let title = n.children().find(|c| c.has_tag_name("title")).and_then(|t| t.text()).unwrap_or("");
            (n.attribute("class").unwrap()["marker ".len()..].to_string(), title.to_string())
        })
        .collect()
}

/// Events that take no time are marked on the timeline: writes with their value, yields to
/// the loop, and the tasks' order (untimed: their places in the ready queue; ticks: the order
/// they resumed in within a tick).
#[test]
fn timelines_mark_what_takes_no_time() {
    let untimed = common::scenario(
        "[vars]\nx = 0\n[[threads]]\nname = \"main\"\nloop = [\"a\", \"b\"]\n\
         [[tasks]]\nname = \"a\"\nsteps = [\"await asyncio.sleep 0\", \"write x 1\"]\n\
         [[tasks]]\nname = \"b\"\nsteps = [\"await asyncio.sleep 0\", \"write x 2\"]\n",
    );
    let row = gilcheck::check::job::check_one(&untimed, "never all_done", Some("3.11")).unwrap();
    let seen = markers(&row.counterexample.expect("a path to the end").timeline);
    let has = |class: &str, title: &str| seen.iter().any(|(c, t)| c == class && t.contains(title));
    assert!(has("write", "x = 1") && has("write", "x = 2"), "{seen:?}");
    assert!(has("yield", "task a yields") && has("yield", "task b yields"), "{seen:?}");
    assert!(has("queued", "1st in the ready queue") && has("queued", "2nd in the ready queue"), "{seen:?}");
    assert!(!seen.iter().any(|(c, _)| c == "resumed"), "no tick to resume within: {seen:?}");

    let (_, rows) = suite();
    let stalls = rows
        .iter()
        .find(|r| r.claim == "seed.asyncio-blocking-stalls-loop" && r.variant == "3.11")
        .and_then(|r| r.counterexample.as_ref())
        .expect("the witness");
    let seen = markers(&stalls.timeline);
    let resumed: Vec<&str> = seen.iter().filter(|(c, _)| c == "resumed").map(|(_, t)| t.as_str()).collect();
    assert_eq!(resumed, ["resumed 1st in tick 0", "resumed 2nd in tick 0"], "{seen:?}");
}

/// The index charts conformance's timings: a point for the model's value and one for the
/// measured median of every timing that has both.
#[test]
fn the_index_charts_predicted_against_measured_times() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let found: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(report::CONFORMANCE_JSON)).unwrap()).unwrap();
    let timed = found["timings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["median"].is_number() && t["predicted"].as_str().is_some_and(|p| p.parse::<f64>().is_ok()))
        .count();
    assert!(timed >= 5, "{timed} timings measured");
    let index = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(index.contains(report::TIMING_CHART), "the index shows no timing chart");
    let svg = std::fs::read_to_string(root.join(report::TIMING_CHART)).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("circle")).count(), 2 * timed);
}
