//! The evidence looked at in a real browser: headless Chromium opens the reports' index and
//! every claim page (Markdown made HTML, as a forge shows it), loads each SVG they show and
//! looks inside it, and opens the Explorer on a running `gilcheck explore`. Where no Chromium
//! is installed (Debian's `chromium`; `.ci/run` installs it), each test says so loudly and
//! skips.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The browser: `GILCHECK_CHROMIUM`, else the first of the usual names on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GILCHECK_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        if let Some(found) = std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()) {
            return Some(found);
        }
    }
    None
}

fn skip(what: &str) {
    eprintln!("\n!!!!!!!! SKIPPED: no Chromium found (install Debian's `chromium` or set GILCHECK_CHROMIUM); {what} NOT checked in a browser !!!!!!!!\n");
}

/// The DOM of `url` after it loaded and its scripts ran.
fn dump_dom(browser: &Path, url: &str) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("the browser runs");
    assert!(out.status.success(), "the browser failed on {url}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Watches every image's load and, once the page and every SVG have loaded, looks inside each
/// SVG (through an `<object>` beside its `<img>`): its elements, or why it could not be read.
/// The result goes into `#result` as JSON.
const PROBE: &str = r#"<pre id="result">pending</pre>
<script>
// Folded sections open, as a reader opens them, so that what they hold loads too.
for (const d of document.querySelectorAll('details')) d.open = true;
const failed = [];
window.addEventListener('error', e => failed.push('load error: ' + ((e.target && (e.target.src || e.target.data)) || e.message)), true);
// An object's document may still be loading when the page's load fires (on a busy machine):
// wait for every one, up to ten seconds.
const loaded = o => o.contentDocument && o.contentDocument.documentElement && o.contentDocument.readyState === 'complete';
let tries = 0;
function settle() {
  const pending = [...document.querySelectorAll('object.probe')].filter(o => !loaded(o));
  if (pending.length > 0 && tries++ < 100) { setTimeout(settle, 100); return; }
  report();
}
window.addEventListener('load', settle);
function report() {
  for (const img of document.images) {
    if (!(img.complete && img.naturalWidth > 0)) failed.push('broken image: ' + img.getAttribute('src'));
  }
  const svgs = [];
  for (const o of document.querySelectorAll('object.probe')) {
    const doc = o.contentDocument;
    const src = o.getAttribute('data');
    if (!doc || !doc.documentElement) { failed.push('unreadable: ' + src); continue; }
    if (doc.getElementsByTagName('parsererror').length > 0) { failed.push('not XML: ' + src); continue; }
    const count = s => doc.querySelectorAll(s).length;
    svgs.push({src, root: doc.documentElement.tagName, nodes: count('g.node'), edges: count('g.edge'),
               loops: count('.loop'), rects: count('rect'), texts: count('text'), circles: count('circle')});
  }
  document.getElementById('result').textContent = JSON.stringify({failed, images: document.images.length, svgs});
}
</script>"#;

/// A Markdown page as HTML that resolves its links from `base`, each image also probed.
fn page(markdown: &str, base: &Path) -> String {
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, pulldown_cmark::Parser::new(markdown));
    let mut probed = String::new();
    let mut rest = body.as_str();
    while let Some(at) = rest.find("<img src=\"") {
        let start = at + "<img src=\"".len();
        let end = start + rest[start..].find('"').expect("a closed src");
        let src = &rest[start..end];
        probed.push_str(&rest[..at]);
        probed.push_str(&format!("<object class=\"probe\" type=\"image/svg+xml\" data=\"{src}\"></object>"));
        probed.push_str(&rest[at..end]);
        rest = &rest[end..];
    }
    probed.push_str(rest);
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><base href=\"file://{}/\"></head><body>{probed}{PROBE}</body></html>",
        base.display()
    )
}

/// What the probe found on a page.
fn probe(browser: &Path, html: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.html");
    std::fs::write(&file, html).unwrap();
    let dom = dump_dom(browser, &format!("file://{}", file.display()));
    let start = dom.find("<pre id=\"result\">").expect("the probe's result") + "<pre id=\"result\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end].replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the probe did not finish ({e}): {text}"))
}

/// Every image loaded and every SVG has what its kind must show.
fn check_svgs(result: &serde_json::Value, what: &str) -> usize {
    let failed = result["failed"].as_array().unwrap();
    assert!(failed.is_empty(), "{what}: {} failures, the first: {:?}", failed.len(), &failed[..failed.len().min(5)]);
    let svgs = result["svgs"].as_array().unwrap();
    assert_eq!(svgs.len() as u64, result["images"].as_u64().unwrap(), "{what}: every image probed");
    for svg in svgs {
        let (src, n) = (svg["src"].as_str().unwrap(), |k: &str| svg[k].as_u64().unwrap());
        assert_eq!(svg["root"], "svg", "{src}");
        if src.ends_with(".chart.svg") {
            assert!(n("circles") >= 1 && n("texts") >= 2, "{src}: a chart has points and axes: {svg}");
        } else if src.ends_with(".timeline.svg") {
            assert!(n("rects") >= 2 && n("texts") >= 2, "{src}: a timeline has lanes: {svg}");
        } else {
            assert!(n("nodes") >= 1 && n("nodes") <= n("edges") + 1, "{src}: a graph has boxes and edges: {svg}");
        }
    }
    svgs.len()
}

fn reports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reports")
}

#[test]
fn the_reports_index_loads_with_its_charts() {
    let Some(browser) = chromium() else { return skip("the reports index") };
    let index = std::fs::read_to_string(reports().join("README.md")).unwrap();
    let result = probe(&browser, &page(&index, &reports()));
    let svgs = check_svgs(&result, "reports/README.md");
    assert!(svgs >= 5, "the index shows {svgs} SVGs");
}

#[test]
fn every_claim_page_loads_with_its_graphs_timelines_and_charts() {
    let Some(browser) = chromium() else { return skip("the claim pages") };
    let dir = reports().join("claims");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    // All pages as one document, so that one browser run looks at every SVG they show.
    let markdown: String = pages.iter().map(|p| std::fs::read_to_string(p).unwrap() + "\n\n").collect();
    let result = probe(&browser, &page(&markdown, &dir));
    let svgs = check_svgs(&result, "reports/claims/*.md");
    let kinds = |suffix: &str| {
        let all = result["svgs"].as_array().unwrap().iter();
        all.filter(|s| s["src"].as_str().unwrap().ends_with(suffix)).count()
    };
    assert!(kinds(".chart.svg") >= 5 && kinds(".timeline.svg") >= 20, "{svgs} SVGs");
    let lassos = result["svgs"].as_array().unwrap().iter().filter(|s| s["loops"].as_u64() == Some(1)).count();
    assert!(lassos >= 3, "{lassos} lassos drawn with their loop");
}

/// A `gilcheck explore` server, stopped when dropped.
struct Explorer(Child);

impl Drop for Explorer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_explorer_shows_the_timeline_of_the_path() {
    let Some(browser) = chromium() else { return skip("the Explorer") };
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Explorer(
        Command::new(env!("CARGO_BIN_EXE_gilcheck"))
            .args(["explore", "gil/hog-and-waiter", "--python", "3.11", "--port", &port.to_string()])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gilcheck explore starts"),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the Explorer did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The first initial state, then the state after its first action.
    for path in ["0", "0/0"] {
        let dom = dump_dom(&browser, &format!("http://127.0.0.1:{port}/#/steps/{path}"));
        assert!(dom.contains("<svg"), "no timeline in the Explorer's state view at {path}: {dom}");
        assert!(dom.contains("hog") && dom.contains("waiter"), "the state reads in the scenario's names: {dom}");
        assert!(!dom.contains("parsererror"), "{dom}");
    }
    drop(server);
}
