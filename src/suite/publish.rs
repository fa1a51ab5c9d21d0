//! Writing a report folder all or nothing, touching only what is ours.
//!
//! The new report is built in a staging folder beside `--out` (so that renames stay on one
//! file system) together with everything of the old folder that an earlier run did not write
//! (the conformance files, a user's own notes), then swapped in with two renames; an
//! interrupt before the swap leaves the old folder as it was. Nothing is ever followed through
//! a symbolic link: links are carried over as links, and only files the previous run listed in
//! its manifest (or, for a folder without one, report files under `claims/` and `graphs/`) are
//! left behind as stale. A lock file beside the folder keeps a second run out before it
//! searches.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::report::Files;
use crate::check::resources::interrupted;

/// The list of files the last run wrote, inside the report folder.
pub const MANIFEST: &str = ".gilcheck-files";

/// A sibling of `dir` named after it: `.NAME.WHAT`.
fn sibling(dir: &Path, what: &str) -> io::Result<PathBuf> {
    let name = dir
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{} names no folder", dir.display())))?;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{}.{what}", name.to_string_lossy())))
}

/// Holds a report folder for this run: `.NAME.lock` beside it, removed when dropped.
#[derive(Debug)]
pub struct ReportLock {
    path: PathBuf,
}

impl ReportLock {
    /// Takes the folder's lock, or says which live process holds it. A lock left by a process
    /// that is gone (killed) is taken over.
    pub fn take(dir: &Path) -> io::Result<ReportLock> {
        let path = sibling(dir, "lock")?;
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    writeln!(file, "{}", std::process::id())?;
                    return Ok(ReportLock { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&path).ok().and_then(|t| t.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if alive(pid) => {
                            return Err(io::Error::new(
                                io::ErrorKind::WouldBlock,
                                format!(
                                    "{} is being written by another gilcheck (pid {pid}, lock {}); expected one run per report folder at a time",
                                    dir.display(),
                                    path.display()
                                ),
                            ))
                        }
                        // Its writer is gone: the lock is stale.
                        _ => remove_if_regular(&path)?,
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(format!("cannot take the lock {}", path.display())))
    }
}

impl Drop for ReportLock {
    fn drop(&mut self) {
        let _ = remove_if_regular(&self.path);
    }
}

/// Whether a process with this id runs (Linux: `/proc/PID`; elsewhere assumed to).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    !Path::new("/proc/self").exists() || Path::new(&format!("/proc/{pid}")).exists()
}

fn remove_if_regular(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() || m.file_type().is_symlink() => fs::remove_file(path),
        Ok(_) => Err(io::Error::other(format!("{} is not a file", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Why a report was not published.
#[derive(Debug)]
pub enum PublishError {
    /// A signal came before the swap: the old folder is untouched.
    Interrupted(i32),
    Io(io::Error),
}

impl From<io::Error> for PublishError {
    fn from(e: io::Error) -> Self {
        PublishError::Io(e)
    }
}

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublishError::Interrupted(s) => write!(f, "interrupted by signal {s} before the report was swapped in"),
            PublishError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Replaces the report in `dir` by `files`, all at once; what is not ours stays.
pub fn publish(dir: &Path, files: &Files) -> Result<(), PublishError> {
    if fs::symlink_metadata(dir).is_ok_and(|m| !m.file_type().is_dir()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a folder (a symbolic link or a file); expected a report folder", dir.display()),
        )
        .into());
    }
    let staging = sibling(dir, &format!("staging-{}", std::process::id()))?;
    if fs::symlink_metadata(&staging).is_ok() {
        fs::remove_dir_all(&staging)?;
    }
    let result = stage(dir, &staging, files).and_then(|()| swap(dir, &staging));
    if result.is_err() && fs::symlink_metadata(&staging).is_ok() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Builds the new folder: what of the old one is not ours, then the report and its manifest.
fn stage(dir: &Path, staging: &Path, files: &Files) -> Result<(), PublishError> {
    fs::create_dir(staging)?;
    if dir.is_dir() {
        let ours = previous_run(dir);
        carry_over(dir, dir, staging, &|rel| ours(rel) || files.contains_key(rel))?;
    }
    for (rel, content) in files {
        let path = staging.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        create_new(&path, content)?;
        if let Some(signal) = interrupted() {
            return Err(PublishError::Interrupted(signal));
        }
    }
    let manifest: Vec<String> = files.keys().map(|p| p.to_string_lossy().replace('\\', "/")).collect();
    create_new(&staging.join(MANIFEST), &(manifest.join("\n") + "\n"))?;
    Ok(())
}

/// Swaps the staged folder in: the old one moves aside, the new one takes its name, and the
/// old one is removed. A signal now changes nothing: the swap is two renames.
fn swap(dir: &Path, staging: &Path) -> Result<(), PublishError> {
    if let Some(signal) = interrupted() {
        return Err(PublishError::Interrupted(signal));
    }
    if fs::symlink_metadata(dir).is_err() {
        fs::rename(staging, dir)?;
        return Ok(());
    }
    let old = sibling(dir, &format!("old-{}", std::process::id()))?;
    fs::rename(dir, &old)?;
    if let Err(e) = fs::rename(staging, dir) {
        // Put the old report back rather than leave none.
        let _ = fs::rename(&old, dir);
        return Err(e.into());
    }
    // `remove_dir_all` removes links, never what they point to.
    fs::remove_dir_all(&old)?;
    Ok(())
}

/// Which paths (relative to `dir`) the previous run wrote: its manifest, or for a folder from
/// before manifests, the report files under `claims/` and `graphs/` and the two index files.
fn previous_run(dir: &Path) -> Box<dyn Fn(&Path) -> bool> {
    let manifest = fs::symlink_metadata(dir.join(MANIFEST))
        .ok()
        .filter(|m| m.file_type().is_file())
        .and_then(|_| fs::read_to_string(dir.join(MANIFEST)).ok());
    match manifest {
        Some(text) => {
            let listed: Vec<PathBuf> = text.lines().filter(|l| !l.is_empty()).map(PathBuf::from).collect();
            Box::new(move |rel| rel == Path::new(MANIFEST) || listed.iter().any(|l| l == rel))
        }
        None => Box::new(|rel| {
            let report_file = matches!(rel.extension().and_then(|e| e.to_str()), Some("md" | "dot" | "svg" | "toml"));
            let under = rel.starts_with("claims") || rel.starts_with("graphs");
            (under && report_file) || rel == Path::new("README.md") || rel == Path::new("results.json")
        }),
    }
}

/// Copies into `to` every entry below `from` that `ours` does not claim: files as hard links
/// (or copies), links as links, folders recursively. Nothing is followed.
fn carry_over(root: &Path, from: &Path, to: &Path, ours: &dyn Fn(&Path) -> bool) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let rel = path.strip_prefix(root).map_err(io::Error::other)?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            fs::create_dir_all(&target)?;
            carry_over(root, &path, &target, ours)?;
            // A folder that held only our stale files goes with them.
            if fs::read_dir(&target)?.next().is_none() {
                fs::remove_dir(&target)?;
            }
        } else if ours(rel) {
            continue;
        } else if kind.is_symlink() {
            symlink(&fs::read_link(&path)?, &target)?;
        } else if kind.is_file() && fs::hard_link(&path, &target).is_err() {
            fs::copy(&path, &target)?;
        }
        // Anything else (a FIFO, a socket, a device) is no report's business: left behind.
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(original: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(original, link)
}

#[cfg(not(unix))]
fn symlink(_original: &Path, _link: &Path) -> io::Result<()> {
    Ok(())
}

/// Writes a new file: refuses one that exists, a link included, so nothing is followed.
fn create_new(path: &Path, content: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(content.as_bytes())
}

/// Writes one file through a fresh temporary file beside it and a rename, so a reader never
/// sees half of it and a link at the temporary name is never followed.
pub fn write_atomically(path: &Path, content: &str) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let written = create_new(&tmp, content).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = remove_if_regular(&tmp);
    }
    written
}
