//! The crate's layers (see `src/lib.rs`) are used in one direction only: a file of one layer
//! names no layer listed after its own, so data flows one way and no two layers depend on
//! each other. Read from the `crate::` paths of every source file, comments left out.

use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: [&str; 9] = ["input", "cpython", "python", "evidence", "check", "fuzz", "suite", "conform", "cli"];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("src is readable").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layers a file names through `crate::LAYER`, with the line of each.
fn named_layers(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push((i + 1, name));
            }
            rest = after;
        }
        // `use crate::{a, b}` names several layers at once.
        if let Some(group) = code.split("crate::{").nth(1) {
            for item in group.split(['{', '}', ',']) {
                let name = item.trim().split("::").next().unwrap_or("").to_string();
                if rank(&name).is_some() {
                    found.push((i + 1, name));
                }
            }
        }
    }
    found
}

#[test]
fn every_layer_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut layered = 0;
    for file in &files {
        let relative = file.strip_prefix(&src).expect("below src");
        let Some(own) = relative.components().next().and_then(|c| rank(&c.as_os_str().to_string_lossy())) else {
            continue; // lib.rs and main.rs sit above every layer
        };
        layered += 1;
        let text = std::fs::read_to_string(file).expect("readable source");
        for (line, name) in named_layers(&text) {
            if rank(&name).is_some_and(|r| r > own) {
                violations.push(format!(
                    "{}:{line}: layer `{}` uses `{name}`, a layer above it",
                    relative.display(),
                    LAYERS[own]
                ));
            }
        }
    }
    assert!(layered >= 30, "only {layered} files found below the layer folders");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_reader_of_crate_paths_finds_what_it_should() {
    let text = "use crate::check::job::Row;\nuse crate::{fuzz, suite::report};\n// crate::cli in a comment\n";
    let names: Vec<String> = named_layers(text).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["check", "fuzz", "suite"]);
}
