//! Reading a Python file with tree-sitter-python: the syntax tree, the first syntax error as
//! `file:line:col`, and the small questions the extractor asks of a node (its text, its
//! dotted name, its line).

use std::path::Path;

use tree_sitter::{Node, Parser, Tree};

use crate::input::located::{line_col, InputError};

/// A parsed Python file: its text and tree-sitter's concrete syntax tree.
pub struct PyFile<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub tree: Tree,
}

impl<'a> PyFile<'a> {
    /// Parses `text`; the first syntax error (an `ERROR` or missing node, in source order) is
    /// refused with its line and column.
    pub fn parse(path: &'a Path, text: &'a str) -> Result<PyFile<'a>, InputError> {
        let mut parser = Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).expect("the Python grammar matches tree-sitter");
        let tree = parser
            .parse(text, None)
            .ok_or_else(|| InputError::new(path, 1, 1, "cannot parse this file; expected Python 3 source"))?;
        let file = PyFile { path, text, tree };
        if let Some(bad) = first_error(file.tree.root_node()) {
            let what = if bad.is_missing() {
                format!("invalid Python syntax: `{}` is missing here", bad.kind())
            } else {
                let found = shorten(file.text(bad).lines().next().unwrap_or(""));
                if found.is_empty() {
                    "invalid Python syntax".to_owned()
                } else {
                    format!("invalid Python syntax at `{found}`")
                }
            };
            return Err(file.error(bad, format!("{what}; expected a Python 3 program that python3 can run")));
        }
        Ok(file)
    }

    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    /// The source text of a node.
    pub fn text(&self, node: Node) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// 1-based line and column (in characters) of a node's start.
    pub fn line_col(&self, node: Node) -> (usize, usize) {
        line_col(self.text, node.start_byte())
    }

    pub fn line(&self, node: Node) -> usize {
        node.start_position().row + 1
    }

    pub fn error(&self, node: Node, message: impl Into<String>) -> InputError {
        let (line, col) = self.line_col(node);
        InputError::new(self.path, line, col, message)
    }

    /// `a.b.c` for an identifier or a chain of attributes on one; None for anything else
    /// (a call's result, a subscript).
    pub fn dotted(&self, node: Node) -> Option<String> {
        match node.kind() {
            "identifier" => Some(self.text(node).to_owned()),
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attr = node.child_by_field_name("attribute")?;
                Some(format!("{}.{}", self.dotted(object)?, self.text(attr)))
            }
            _ => None,
        }
    }

    /// The source line a node starts on, trimmed and shortened: what a trace quotes.
    pub fn snippet(&self, node: Node) -> String {
        let start = node.start_byte();
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..].find('\n').map_or(self.text.len(), |i| start + i);
        let line = self.text[line_start..line_end].split('#').next().unwrap_or("").trim();
        shorten(line)
    }
}

/// The named children of a node, in order.
pub fn children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|c| c.kind() != "comment").collect()
}

/// Whether a statement node carries the `async` keyword (`async def`, `async with`, `async for`).
pub fn is_async(node: Node) -> bool {
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).any(|c| c.kind() == "async");
    found
}

/// The first syntax error below `node`, in source order.
fn first_error(node: Node) -> Option<Node> {
    if !node.has_error() {
        return None;
    }
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error).or(Some(node))
}

/// At most 60 characters of one line, with `…` when cut.
fn shorten(text: &str) -> String {
    crate::input::located::shorten(text, 60)
}
