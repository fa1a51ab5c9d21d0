//! Errors about user input, always located as `path:line:col`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a user's file: where it is, what is wrong, what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong and what was expected, e.g. "unknown step `compte 3`; expected one of …".
    pub message: String,
}

impl InputError {
    pub fn new(path: &Path, line: usize, col: usize, message: impl Into<String>) -> Self {
        InputError { path: path.to_path_buf(), line, col, message: message.into() }
    }

    /// Locates a byte offset of `source` as line and column.
    pub fn at_offset(path: &Path, source: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, col) = line_col(source, offset);
        InputError::new(path, line, col, message)
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.col, self.message)
    }
}

impl std::error::Error for InputError {}
