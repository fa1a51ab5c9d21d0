//! The real CPythons on this machine: found on `PATH` (`python2.7`, `python3.6` … `python3.14`)
//! and among pyenv's versions, or named with `--python` (a version or a path), each asked for
//! its full version and whether it is a free-threaded build.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::conform::python::PyVersion;

/// One interpreter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreter {
    pub path: PathBuf,
    /// Its full version, e.g. `3.11.7`.
    pub full: String,
    pub version: PyVersion,
    /// A free-threaded build (`Py_GIL_DISABLED`).
    pub free_threaded: bool,
}

impl Interpreter {
    /// The `python` a scenario names for it: `3.11`, or `3.13t` for a free-threaded build.
    pub fn family(&self) -> String {
        let f = self.version.family();
        if self.free_threaded {
            f + "t"
        } else {
            f
        }
    }
}

const ASK: &str = "import sys, sysconfig; print('%d.%d.%d' % sys.version_info[:3]); \
                   print(bool(sysconfig.get_config_var('Py_GIL_DISABLED')))";

/// Asks the interpreter at `path` what it is; None if it does not run as a CPython.
pub fn probe(path: &Path) -> Option<Interpreter> {
    let out = Command::new(path).arg("-c").arg(ASK).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let full = lines.next()?.trim().to_string();
    let free_threaded = lines.next()?.trim() == "True";
    Some(Interpreter { path: path.to_path_buf(), version: PyVersion::parse(&full)?, full, free_threaded })
}

/// Candidate paths: `pythonX.Y` on `PATH`, then pyenv's versions.
fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let names: Vec<String> =
        std::iter::once("python2.7".to_string()).chain((6..=14).map(|m| format!("python3.{m}"))).collect();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            // pyenv's shims answer for versions that are not selected: its versions come below.
            if dir.ends_with("shims") {
                continue;
            }
            for name in &names {
                let p = dir.join(name);
                if p.is_file() {
                    out.push(p);
                }
            }
        }
    }
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    if let Some(Ok(entries)) = root.map(|r| std::fs::read_dir(r.join("versions"))) {
        let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        dirs.sort();
        for d in dirs {
            let p = d.join("bin").join("python");
            if p.is_file() {
                out.push(p);
            }
        }
    }
    out
}

/// Every CPython found, one per full version (and build), oldest first.
pub fn discover() -> Vec<Interpreter> {
    let mut found: Vec<Interpreter> = Vec::new();
    for path in candidates() {
        if let Some(i) = probe(&path) {
            if !found.iter().any(|f| f.full == i.full && f.free_threaded == i.free_threaded) {
                found.push(i);
            }
        }
    }
    found.sort_by(|a, b| (a.version, &a.full, a.free_threaded).cmp(&(b.version, &b.full, b.free_threaded)));
    found
}

/// The interpreter `--python` names: a path, or a version (`3.9`, `3.9.18`, `3.13t`) among
/// those found.
pub fn find(wanted: &str, found: &[Interpreter]) -> Result<Interpreter, String> {
    let path = Path::new(wanted);
    if wanted.contains('/') {
        return probe(path).ok_or_else(|| format!("`{wanted}` does not run as a CPython"));
    }
    let hit = found.iter().find(|i| i.full == wanted || i.family() == wanted);
    hit.cloned().ok_or_else(|| {
        let have: Vec<String> = found.iter().map(|i| i.full.clone()).collect();
        format!("no CPython {wanted} found; found: {}", if have.is_empty() { "none".into() } else { have.join(", ") })
    })
}
