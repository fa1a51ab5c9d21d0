//! Finding and reading the user's files: a path given on the command line is one TOML file, or
//! a folder whose `*.toml` files below it are read in path order. Both formats are found and
//! read here, so that every read has the same limits: regular files only (a FIFO, a device or
//! a socket would hang or never end), at most [`MAX_FILE_BYTES`], valid UTF-8.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::input::located::{line_col, InputError};

/// The largest user file read; no scenario or claim file comes near it, and a bound keeps a
/// runaway file (or one that keeps growing) from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// `root` itself when it is not a folder; else every `*.toml` entry below it, sorted by path.
/// A symbolic link to a folder is followed once (a link loop cannot make this run forever).
/// An entry named `*.toml` that is no regular file is listed too, so that reading it refuses
/// it by name instead of skipping it silently. An error names the folder that could not be
/// read.
pub fn toml_files(root: &Path) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    if !root.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut seen = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let unreadable = |e| (folder.clone(), e);
        let real = std::fs::canonicalize(&folder).map_err(unreadable)?;
        if seen.contains(&real) {
            continue;
        }
        seen.push(real);
        for entry in std::fs::read_dir(&folder).map_err(unreadable)? {
            let path = entry.map_err(unreadable)?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The text of a user's file, or a located error (at 1:1, or at the first byte that is not
/// UTF-8). `noun` names the file in "cannot read …" (e.g. "the claim file"); `expected` ends
/// each message (e.g. "expected a claim file (UTF-8 TOML) or a folder of them").
///
/// The kind is checked before opening (opening a FIFO blocks until a writer comes) and again
/// on the open file (in case the path changed in between); the read stops one byte past the
/// limit, so a file that grows while it is read cannot pass it either.
pub fn read_user_file(path: &Path, noun: &str, expected: &str) -> Result<String, InputError> {
    read_file_of_at_most(path, noun, expected, MAX_FILE_BYTES)
}

/// [`read_user_file`] with a limit of `max_bytes` (files this program wrote, such as shard
/// files, may be larger than a hand-written one).
pub fn read_file_of_at_most(path: &Path, noun: &str, expected: &str, max_bytes: u64) -> Result<String, InputError> {
    let too_large = || format!("larger than {} MiB", max_bytes / (1024 * 1024));
    let refuse = |what: String| InputError::new(path, 1, 1, format!("{what}; {expected}"));
    let unreadable = |e: std::io::Error| refuse(format!("cannot read {noun}: {e}"));
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(refuse(format!("not a regular file ({})", kind(&metadata.file_type()))));
    }
    let file = File::open(path).map_err(unreadable)?;
    let opened = file.metadata().map_err(unreadable)?;
    if !opened.is_file() {
        return Err(refuse(format!("not a regular file ({})", kind(&opened.file_type()))));
    }
    if opened.len() > max_bytes {
        return Err(refuse(too_large()));
    }
    let mut bytes = Vec::new();
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > max_bytes {
        return Err(refuse(too_large()));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        // The text before the bad byte is valid, so it locates it as any error is located.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let (line, col) = line_col(before, before.len());
        let message = format!("invalid UTF-8: byte 0x{:02x}; {expected}", bytes[valid]);
        InputError::new(path, line, col, message)
    })
}

/// What a file that is not regular is, for messages.
fn kind(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    "of an unknown kind"
}
