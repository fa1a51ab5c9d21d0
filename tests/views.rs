//! `gilcheck graph` and `gilcheck explore`, run as a user would.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn gilcheck() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gilcheck"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

#[test]
fn graph_draws_a_whole_small_state_graph_as_dot_and_svg() {
    let out = gilcheck().args(["graph", "gil/hog-and-waiter"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.starts_with("digraph"));
    assert!(layout::gv::DotParser::new(&dot).process().is_ok());
    assert!(dot.contains("takes the GIL"));
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("g.svg");
    let out = gilcheck().args(["graph", "gil/hog-and-waiter", "--out"]).arg(&svg).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    roxmltree::Document::parse(&std::fs::read_to_string(&svg).unwrap()).unwrap();
}

#[test]
fn graph_refuses_a_large_state_graph_unless_forced() {
    let out = gilcheck().args(["graph", "asyncio/loop-beside-3-cpu"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("states") && err.contains("--force"), "{err}");
}

#[test]
fn graph_draws_a_claims_counterexample() {
    let out = gilcheck()
        .args(["graph", "gil/two-hogs-and-waiter", "--claim", "gil.waiter-can-starve-beside-two-cpu-threads"])
        .args(["--python", "3.11"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.contains("fillcolor=\"#fff3c4\""), "the lasso's cycle is shaded:\n{dot}");
}

/// Reads `GET path` from a local server, retrying while it starts.
fn http_get(port: u16, path: &str, deadline: Instant) -> String {
    loop {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).unwrap();
            let mut response = String::new();
            let _ = stream.read_to_string(&mut response);
            if !response.is_empty() {
                return response;
            }
        }
        assert!(Instant::now() < deadline, "the explorer did not answer");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn explore_serves_the_explorer_on_a_free_port() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = gilcheck()
        .args(["explore", "gil/hog-and-waiter", "--claim", "gil.old-gil-can-starve-a-waiter", "--port"])
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = http_get(port, "/.status", deadline);
    let steps = http_get(port, "/.states/0", deadline);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(status.contains("\"model\"") || status.contains("properties"), "{status}");
    // Actions and their outcomes read as Python's vocabulary, not as Rust structures.
    assert!(steps.starts_with("HTTP/1.1 200") && steps.contains("hog takes the GIL"), "{steps}");
    assert!(steps.contains("GIL hog"), "{steps}");
    // Each state's view carries the timeline of the path to it.
    assert!(steps.contains("<svg") && steps.contains("hog"), "{steps}");
}
