//! An input error as the command line shows it: the located first line that tools read, then
//! the offending line of the user's file with a caret under the column, as rustc shows it.

use crate::input::files::read_user_file;
use crate::input::located::{escape_controls, InputError};

impl InputError {
    /// The error as the command line prints it: its `path:line:col: message` line, then the
    /// line of the file it points at with a caret under the column, as rustc shows it. The
    /// file is read again, within the limits of [`read_user_file`]; when it cannot be (a usage
    /// error names `gilcheck`, a file that is not UTF-8), only the first line is given.
    pub fn render(&self) -> String {
        let source = read_user_file(&self.path, "the file", "expected a file").ok();
        self.render_with(source.as_deref())
    }

    /// [`InputError::render`] with the file's text given (None: the first line only).
    /// Control characters are escaped in the first line, as in the snippet, so that nothing
    /// in a user's file reaches the terminal raw.
    pub fn render_with(&self, source: Option<&str>) -> String {
        let first = escape_controls(&self.to_string());
        match source.and_then(|text| self.snippet(text)) {
            Some(snippet) => format!("{first}\n{snippet}"),
            None => first,
        }
    }

    /// The offending line with a caret, drawn by annotate-snippets (the renderer rustc's
    /// diagnostics use) without its header: the first line already says what is wrong.
    fn snippet(&self, text: &str) -> Option<String> {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        let line = text.split('\n').nth(self.line.checked_sub(1)?)?;
        let line = line.strip_suffix('\r').unwrap_or(line);
        // The column counts characters from 1; past the end it points just after the line.
        let start = line.char_indices().nth(self.col.saturating_sub(1)).map_or(line.len(), |(i, _)| i);
        let end = line[start..].chars().next().map_or(start, |c| start + c.len_utf8());
        let report = [Group::with_level(Level::ERROR).element(
            Snippet::source(line)
                .line_start(self.line)
                .fold(false)
                .annotation(AnnotationKind::Primary.span(start..end)),
        )];
        Some(Renderer::plain().render(&report).trim_end().to_string())
    }
}
