//! The scenario file being read: where each error points, and the checks of single values
//! (integers in range, names, choices) that every part of the parser shares.

use std::ops::Range;

use toml::Spanned;

use super::step::{is_identifier, IDENTIFIER};
use super::*;
use crate::input::located::{excerpt, InputError, Source};

/// The scenario file being read.
#[derive(Clone, Copy)]
pub(super) struct ScenarioFile<'a> {
    pub(super) src: Source<'a>,
}

impl ScenarioFile<'_> {
    pub(super) fn error(&self, offset: usize, message: impl Into<String>) -> InputError {
        self.src.error(offset, message)
    }

    pub(super) fn at(&self, span: Range<usize>, message: impl Into<String>) -> InputError {
        self.src.at(span, message)
    }

    /// An integer field from `lo` to `hi`.
    pub(super) fn int_in(&self, value: &Spanned<i64>, key: &str, lo: u32, hi: u32) -> Result<u32, InputError> {
        let v = *value.get_ref();
        match u32::try_from(v) {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ => {
                Err(self
                    .at(value.span(), format!("{key} = {v} is out of range; expected an integer from {lo} to {hi}")))
            }
        }
    }

    /// A keyword-valued field, e.g. `time = "ticks"`.
    pub(super) fn choice<T: Copy>(
        &self,
        value: &Spanned<String>,
        key: &str,
        table: &[(&str, T)],
    ) -> Result<T, InputError> {
        let found = table.iter().find(|(name, _)| name == value.get_ref());
        found.map(|&(_, v)| v).ok_or_else(|| {
            let names = quoted_names(table.iter().map(|&(name, _)| name));
            let message = format!("unknown {key} `{}`; expected one of {names}", value.get_ref());
            self.at(value.span(), message)
        })
    }

    /// A thread, task or variable name.
    pub(super) fn identifier(&self, name: &Spanned<String>, what: &str) -> Result<String, InputError> {
        if is_identifier(name.get_ref()) {
            Ok(name.get_ref().clone())
        } else {
            Err(self.at(name.span(), format!("bad {what} name `{}`; expected {IDENTIFIER}", excerpt(name.get_ref()))))
        }
    }

    /// An entry's count: its copies are named `NAME0` …, and those names must be identifiers
    /// too.
    pub(super) fn entry_count(
        &self,
        raw: &Spanned<String>,
        count: Option<&Spanned<i64>>,
        what: &str,
    ) -> Result<u32, InputError> {
        let count = self.count(count)?;
        let name = raw.get_ref();
        let longest = copy_names(name, count).into_iter().map(|n| n.len()).max().unwrap_or(0);
        if longest > MAX_NAME_CHARS {
            let message = format!(
                "{what} name `{name}` with count {count} names its copies with {longest} characters; expected at most {MAX_NAME_CHARS} (a shorter name)"
            );
            return Err(self.at(raw.span(), message));
        }
        Ok(count)
    }

    /// The `name` key: what claims' `models` globs match and report paths are made of, so
    /// it is refused unless each of its `/`-separated segments is a plain file name.
    pub(super) fn scenario_name(&self, name: &Spanned<String>) -> Result<String, InputError> {
        let text = name.get_ref();
        if text.trim().is_empty() {
            return Err(self.at(name.span(), "empty scenario name; expected a name such as \"asyncio/blocking-sleep\""));
        }
        let expected = "expected segments of letters, digits, `_`, `.` and `-` separated by `/`";
        let quoted = excerpt(text);
        let length = text.chars().count();
        let problem = if length > MAX_SCENARIO_NAME_CHARS {
            format!("scenario name `{quoted}` is {length} characters long; expected at most {MAX_SCENARIO_NAME_CHARS}")
        } else if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || "_.-/".contains(*c))) {
            format!("scenario name `{quoted}` contains `{}`; {expected}", bad.escape_debug())
        } else if let Some(segment) = text.split('/').find(|s| s.is_empty() || s.starts_with('.')) {
            match segment {
                "" => format!("scenario name `{quoted}` has an empty segment; {expected}"),
                _ => format!(
                    "scenario name `{quoted}` has a segment `{segment}` that starts with `.`; {expected}, none starting with `.`"
                ),
            }
        } else {
            return Ok(text.clone());
        };
        Err(self.at(name.span(), problem))
    }
}
