//! One way to locate what is wrong in a user's file, for both formats (scenarios and claims):
//! the TOML is read into a [`Node`] tree that keeps the byte span of every key and value, and a
//! [`Source`] turns a span into `path:line:col: what is wrong; what was expected`.
//!
//! Each format walks the tree itself, so that every message speaks its vocabulary; the typed
//! readers here ([`Source::fields`], [`Source::string`] …) give the plain messages that any
//! TOML table has ("unknown field", "invalid type", "missing field"). Nothing here knows what a
//! scenario or a claim is.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use toml::Spanned;

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

/// 1-based line and column (in characters) of a byte offset; an offset inside a character
/// counts as that character, so no offset makes this panic.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Line and column of many offsets of one text, each found in time bounded by a constant
/// (not by the offset, as [`line_col`] is), so that a file of many claims is read in linear
/// time.
pub struct LineIndex<'a> {
    text: &'a str,
    /// The byte offset where each line starts.
    starts: Vec<usize>,
    /// About every [`LineIndex::STRIDE`] bytes: a character's byte offset and its 0-based
    /// column, so that a column is counted from near its offset even on a very long line.
    marks: Vec<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    const STRIDE: usize = 1024;

    pub fn new(text: &'a str) -> Self {
        let (mut starts, mut marks) = (vec![0], Vec::new());
        let (mut col, mut next_mark) = (0, 0);
        for (i, c) in text.char_indices() {
            if i >= next_mark {
                marks.push((i, col));
                next_mark = i + Self::STRIDE;
            }
            col += 1;
            if c == '\n' {
                starts.push(i + 1);
                col = 0;
            }
        }
        LineIndex { text, starts, marks }
    }

    /// The same as [`line_col`] of the text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let mark = self.marks.partition_point(|&(at, _)| at <= offset);
        let (from, col) = match mark.checked_sub(1).map(|m| self.marks[m]) {
            Some((at, col)) if at >= start => (at, col),
            _ => (start, 0),
        };
        (line, col + self.text[from..offset].chars().count() + 1)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.col, self.message)
    }
}

impl std::error::Error for InputError {}

/// User text as a message quotes it: control characters escaped (a message stays on one line
/// and sends the terminal nothing it would act on) and at most 60 characters, so that a huge
/// value does not make a huge message.
pub fn excerpt(text: &str) -> String {
    escape_controls(&shorten(text, 60))
}

/// At most `max` characters of `text`, with `…` when some were left off.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `text` with each control character written as Rust writes it in a string (`\n`, `\u{1b}`).
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// `; did you mean `x`?` for the candidate closest to `word` (ignoring case), or nothing when
/// none is close enough to be a plausible typo.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&word, c), *c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).clamp(1, 3))
        .min_by_key(|(d, _)| *d)
        .map_or_else(String::new, |(_, c)| format!("; did you mean `{c}`?"))
}

// ---------------------------------------------------------------------------------------------
// The located TOML tree
// ---------------------------------------------------------------------------------------------

/// A TOML value that keeps the byte span of every key and value below it.
#[derive(Debug)]
pub enum Node {
    Str(String),
    Array(Vec<Spanned<Node>>),
    /// Entries in the order written in the file.
    Table(Vec<(Spanned<String>, Spanned<Node>)>),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Node {
    /// The value's kind as claim files' messages name it ("an integer", …).
    pub fn describe(&self) -> &'static str {
        match self {
            Node::Str(_) => "a string",
            Node::Array(_) => "an array",
            Node::Table(_) => "a table",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a float",
            Node::Bool(_) => "a boolean",
        }
    }

    /// The value as serde names it in "invalid type" messages (`string "2"`, `integer `3``).
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Node::Str(s) => Unexpected::Str(s),
            Node::Array(_) => Unexpected::Seq,
            Node::Table(_) => Unexpected::Map,
            Node::Int(n) => Unexpected::Signed(*n),
            Node::Float(x) => Unexpected::Float(*x),
            Node::Bool(b) => Unexpected::Bool(*b),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node, E> {
        Ok(Node::Int(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node, E> {
        Ok(Node::Int(i64::try_from(n).unwrap_or(i64::MAX)))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Node, E> {
        Ok(Node::Float(x))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Str(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Node::Table(entries))
    }
}

/// The key under which toml hands a date or time to serde: such a value cannot become a
/// [`Node`], and is reported as "not used here" instead.
pub const TOML_DATETIME_MARKER: &str = "$__toml_private_datetime";

// ---------------------------------------------------------------------------------------------
// Spans to `path:line:col`
// ---------------------------------------------------------------------------------------------

/// The file being read: its path and text, to turn spans into located errors.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

/// A table's entries, each key checked against the known ones.
pub struct Fields<'n> {
    /// The table's span: where a missing key is reported (its `[header]`).
    pub span: Range<usize>,
    pub entries: &'n [(Spanned<String>, Spanned<Node>)],
}

impl<'n> Fields<'n> {
    /// The value of `key`, if the table has it.
    pub fn get(&self, key: &str) -> Option<&'n Spanned<Node>> {
        self.entries.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
    }
}

impl<'a> Source<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Self {
        Source { path, text }
    }

    /// An error at a byte offset.
    pub fn error(&self, offset: usize, message: impl Into<String>) -> InputError {
        InputError::at_offset(self.path, self.text, offset, message)
    }

    /// An error at a value: a string's first character inside its quotes, else its start.
    pub fn at(&self, span: Range<usize>, message: impl Into<String>) -> InputError {
        let rest = self.text.get(span.start..).unwrap_or("");
        let quote = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
            3
        } else if rest.starts_with('"') || rest.starts_with('\'') {
            1
        } else {
            0
        };
        self.error(span.start + quote, message)
    }

    /// Where the text of the string value at `span` starts: after its opening quote(s), and
    /// after the newline that TOML drops right after `"""` or `'''`.
    pub fn string_start(&self, span: &Range<usize>) -> usize {
        let rest = self.text.get(span.start..).unwrap_or("");
        let mut start = span.start;
        if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
            start += 3;
            let body = &rest[3..];
            start += if body.starts_with('\n') {
                1
            } else if body.starts_with("\r\n") {
                2
            } else {
                0
            };
        } else {
            start += 1;
        }
        start.min(self.text.len())
    }

    /// The whole file as a located tree, or TOML's own syntax error, located. `files` names
    /// the format in messages ("claim files").
    pub fn tree(&self, files: &str) -> Result<Spanned<Node>, InputError> {
        let document: Node = toml::from_str(self.text).map_err(|e| self.toml_error(&e, files))?;
        Ok(Spanned::new(0..0, document))
    }

    /// TOML's own error in our `what; expected` form, on one line.
    fn toml_error(&self, error: &toml::de::Error, files: &str) -> InputError {
        let lines: Vec<&str> = error.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let message = if error.message().contains(TOML_DATETIME_MARKER) {
            format!("a date or time is not used in {files}; expected a string")
        } else if lines.iter().any(|line| line.starts_with("expected")) {
            format!("invalid TOML: {}", lines.join("; "))
        } else {
            format!("invalid TOML: {}; expected valid TOML syntax (https://toml.io)", lines.join("; "))
        };
        self.error(error.span().map_or(0, |s| s.start), message)
    }

    /// "invalid type: integer `3`; expected a string", at the value.
    pub fn invalid_type(&self, node: &Spanned<Node>, expected: &str) -> InputError {
        self.error(node.span().start, format!("invalid type: {}; expected {expected}", node.get_ref().unexpected()))
    }

    /// A table whose keys must be among `keys` (`what` names it when the value is no table).
    pub fn fields<'n>(&self, node: &'n Spanned<Node>, what: &str, keys: &[&str]) -> Result<Fields<'n>, InputError> {
        let Node::Table(entries) = node.get_ref() else {
            return Err(self.invalid_type(node, what));
        };
        if let Some((key, _)) = entries.iter().find(|(k, _)| !keys.contains(&k.get_ref().as_str())) {
            let names: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            let message = format!("unknown field `{}`; expected one of {}", key.get_ref(), names.join(", "));
            return Err(self.error(key.span().start, message));
        }
        Ok(Fields { span: node.span(), entries })
    }

    /// The value of a key the table must have.
    pub fn required<'n>(&self, fields: &Fields<'n>, key: &str) -> Result<&'n Spanned<Node>, InputError> {
        let message = format!("missing field `{key}`; expected it in this table");
        fields.get(key).ok_or_else(|| self.error(fields.span.start, message))
    }

    /// A string value.
    pub fn string(&self, node: &Spanned<Node>) -> Result<Spanned<String>, InputError> {
        match node.get_ref() {
            Node::Str(s) => Ok(Spanned::new(node.span(), s.clone())),
            _ => Err(self.invalid_type(node, "a string")),
        }
    }

    /// An integer value.
    pub fn int(&self, node: &Spanned<Node>) -> Result<Spanned<i64>, InputError> {
        match node.get_ref() {
            Node::Int(n) => Ok(Spanned::new(node.span(), *n)),
            _ => Err(self.invalid_type(node, "an integer")),
        }
    }

    /// A boolean value.
    pub fn boolean(&self, node: &Spanned<Node>) -> Result<Spanned<bool>, InputError> {
        match node.get_ref() {
            Node::Bool(b) => Ok(Spanned::new(node.span(), *b)),
            _ => Err(self.invalid_type(node, "a boolean")),
        }
    }

    /// An array value, its items one by one.
    pub fn array<'n>(&self, node: &'n Spanned<Node>) -> Result<&'n [Spanned<Node>], InputError> {
        match node.get_ref() {
            Node::Array(items) => Ok(items),
            _ => Err(self.invalid_type(node, "a sequence")),
        }
    }

    /// An array of strings, the array and each string located.
    pub fn strings(&self, node: &Spanned<Node>) -> Result<Spanned<Vec<Spanned<String>>>, InputError> {
        let items = self.array(node)?.iter().map(|item| self.string(item)).collect::<Result<_, _>>()?;
        Ok(Spanned::new(node.span(), items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(did_you_mean("chek", &["check", "expect"]), "; did you mean `check`?");
        assert_eq!(did_you_mean("CHEK", &["check", "expect"]), "; did you mean `check`?");
        assert_eq!(did_you_mean("zzzzz", &["check", "expect"]), "");
    }

    #[test]
    fn the_line_index_agrees_with_line_col() {
        let long = format!("a\n{}\n\nb", "é日x".repeat(1500));
        for text in ["", "a", "\n", "a\né", "ab\n\ncd\n", long.as_str()] {
            let index = LineIndex::new(text);
            for offset in (0..text.len() + 3).rev() {
                assert_eq!(index.line_col(offset), line_col(text, offset), "{offset} in {text:?}");
            }
        }
    }

    #[test]
    fn offsets_inside_a_character_never_panic() {
        assert_eq!(line_col("a\né", 3), (2, 1));
        assert_eq!(line_col("a\né", 99), (2, 2));
    }
}
