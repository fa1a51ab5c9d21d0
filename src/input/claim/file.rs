//! Claim files: the TOML of `[[claims]]` entries walked with the span of every key and value,
//! so that each error points at its place; loading folders of them, with unique ids.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::lang::parse_check_located;
use super::*;
use crate::input::files::{read_user_file, toml_files};
use crate::input::located::{did_you_mean, excerpt, shorten, Fields, InputError, LineIndex, Node, Source};
use crate::input::scenario::PYTHON_VERSIONS;

const CLAIM_KEYS: [(&str, Option<&str>); 15] = [
    ("id", Some("id = \"seed.my-claim\"")),
    ("quote", Some("quote = \"the sentence, as people say it\"")),
    ("source", Some("source = \"seed\"")),
    ("models", Some("models = [\"asyncio/*\"]` (or, for a universal claim, `for_all = { threads = [1, 3] }")),
    ("for_all", None),
    ("check", Some("check = \"always running_tasks <= 1\"")),
    ("expect", Some("expect = \"holds\"")),
    ("variants", None),
    ("counter_models", None),
    ("counter_params", None),
    ("by_construction", None),
    ("evidence", None),
    ("negates_quote", None),
    ("title", None),
    ("notes", None),
];

/// The longest claim id: it names a report page and a folder of graphs (file systems allow
/// 255 bytes to a name), and a refuted universal claim's shrunk program is the scenario
/// `shrunk/<id>`, which must stay within the 200 characters of a scenario name.
pub const MAX_ID_CHARS: usize = 190;

/// What is wrong with a claim id, if anything: ids name files and folders of the report, so
/// only plain names are taken (no `..`, no hidden file, nothing an option parser would read).
fn id_problem(id: &str) -> Option<String> {
    let quoted = excerpt(id);
    let length = id.chars().count();
    if length > MAX_ID_CHARS {
        return Some(format!("claim id `{quoted}` is {length} characters long; expected at most {MAX_ID_CHARS}"));
    }
    if let Some(bad) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c))) {
        return Some(format!(
            "claim id `{quoted}` contains `{}`; expected only letters, digits, `_`, `.` and `-`",
            bad.escape_debug()
        ));
    }
    if let Some(first) = id.chars().next().filter(|c| *c == '.' || *c == '-') {
        return Some(format!(
            "claim id `{quoted}` starts with `{first}`; expected it to start with a letter, a digit or `_`"
        ));
    }
    None
}

/// The longest glob: five times the longest scenario name, so no useful glob is refused, and
/// far below what globset's regex engine refuses to compile.
pub const MAX_GLOB_CHARS: usize = 1000;

/// Globs match scenario names: `*` stays within one folder, `**` crosses folders. What is
/// wrong with a glob, if it cannot be compiled.
fn compile_glob(pattern: &str) -> Result<globset::GlobSet, String> {
    let length = pattern.chars().count();
    if length > MAX_GLOB_CHARS {
        return Err(format!("it is {length} characters long, more than {MAX_GLOB_CHARS}"));
    }
    let glob = globset::GlobBuilder::new(pattern).literal_separator(true).build().map_err(|e| e.kind().to_string())?;
    // A set reports a regex too large to compile as an error; a single glob's matcher panics.
    globset::GlobSetBuilder::new().add(glob).build().map_err(|e| e.kind().to_string())
}

/// Whether the scenario `name` matches `pattern` (a name, or a glob such as `asyncio/*`).
/// An invalid glob (refused when claim files are read) matches only itself.
///
/// Planning asks this of every pattern against every scenario, so each thread keeps the globs
/// it compiled (a few thousand at most: the cache starts over when full).
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    thread_local! {
        static COMPILED: RefCell<HashMap<String, Option<globset::GlobSet>>> = RefCell::new(HashMap::new());
    }
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= 4096 && !cache.contains_key(pattern) {
            cache.clear();
        }
        let glob = cache.entry(pattern.to_owned()).or_insert_with(|| compile_glob(pattern).ok());
        glob.as_ref().map_or(pattern == name, |glob| glob.is_match(name))
    })
}

/// A value with the byte span it came from in the claim file.
type Located<T> = (T, Range<usize>);

/// A claim with the line and column of its id (for duplicate-id errors).
type WithIdAt = (Claim, (usize, usize));

/// The claim file being read, to locate errors in it.
pub(super) struct ClaimFile<'a> {
    src: Source<'a>,
    /// Every claim records where its check, models and id are: found through an index, since
    /// a file may hold many claims.
    lines: LineIndex<'a>,
}

impl<'a> ClaimFile<'a> {
    fn new(path: &'a Path, text: &'a str) -> Self {
        ClaimFile { src: Source::new(path, text), lines: LineIndex::new(text) }
    }
}

impl ClaimFile<'_> {
    pub(super) fn error(&self, span: &Range<usize>, message: impl Into<String>) -> InputError {
        self.src.error(span.start, message)
    }

    /// Every claim of the file, each with the line and column of its id (for duplicate-id errors).
    fn claims(&self) -> Result<Vec<WithIdAt>, InputError> {
        let root = self.src.tree("claim files")?.into_inner();
        let Node::Table(entries) = root else {
            return Err(self.error(&(0..0), "not a TOML table; expected `[[claims]]` entries"));
        };
        let mut claims = Vec::new();
        for (key, value) in &entries {
            if key.get_ref() != "claims" {
                return Err(self.error(
                    &key.span(),
                    format!("unknown key `{}` in a claim file; expected `[[claims]]` entries", key.get_ref()),
                ));
            }
            let Node::Array(tables) = value.get_ref() else {
                return Err(self.error(
                    &value.span(),
                    format!(
                        "`claims` is {}; expected an array of tables, written `[[claims]]`",
                        value.get_ref().describe()
                    ),
                ));
            };
            for table in tables {
                claims.push(self.claim(table)?);
            }
        }
        Ok(claims)
    }

    fn claim(&self, table: &Spanned<Node>) -> Result<WithIdAt, InputError> {
        let Node::Table(entries) = table.get_ref() else {
            return Err(self.error(
                &table.span(),
                format!("a claim is {}; expected a table, written `[[claims]]`", table.get_ref().describe()),
            ));
        };
        for (key, _) in entries {
            if !CLAIM_KEYS.iter().any(|(k, _)| k == key.get_ref()) {
                let names = CLAIM_KEYS.map(|(k, _)| k);
                return Err(self.error(
                    &key.span(),
                    format!(
                        "unknown key `{}` in a claim; expected one of: {}{}",
                        key.get_ref(),
                        names.join(", "),
                        did_you_mean(key.get_ref(), &names)
                    ),
                ));
            }
        }
        let fields = Fields { span: table.span(), entries };

        let id_node = self.required(&fields, "id")?;
        let id = self.text(id_node, "id")?;
        if let Some(problem) = id_problem(id) {
            return Err(self.error(&id_node.span(), problem));
        }
        let quote = self.text(self.required(&fields, "quote")?, "quote")?;
        let source = self.text(self.required(&fields, "source")?, "source")?;
        let for_all = fields.get("for_all").map(|node| self.for_all(node)).transpose()?;
        let models =
            match (fields.get("models"), &for_all) {
                (Some(node), Some(_)) => return Err(self.error(
                    &node.span(),
                    "a claim with `for_all` is checked on generated programs, not on `models`; expected one of the two",
                )),
                (None, Some(_)) => Vec::new(),
                _ => self.strings(self.required(&fields, "models")?, "models")?,
            };
        for (model, span) in &models {
            if let Err(e) = compile_glob(model) {
                return Err(self.error(
                    span,
                    format!(
                        "invalid glob `{}`: {e}; expected a scenario name or a glob such as `asyncio/*`",
                        excerpt(model)
                    ),
                ));
            }
        }
        let check_node = self.required(&fields, "check")?;
        let check_text = self.text(check_node, "check")?;
        // Messages quote the check, and what its parser says quotes parts of it: a long check
        // is quoted in part.
        let quoted = shorten(check_text, 200);
        let inner = self.src.string_start(&check_node.span());
        // A universal claim's check may name its shape's parameters: `{D}` parses as `1`.
        let params = for_all.as_ref().map_or(&[][..], |f| f.shape.params());
        let check_text_1 =
            substitute(check_text, |name| params.contains(&name).then_some(1)).map_err(|(at, what)| {
                let expected = match params {
                    [] => "this claim's shape has no parameters".to_owned(),
                    _ => {
                        format!("one of {}", params.iter().map(|p| format!("`{{{p}}}`")).collect::<Vec<_>>().join(", "))
                    }
                };
                self.error(&(inner + at..inner + at), format!("{what} in check `{quoted}`; expected {expected}"))
            })?;
        let check = parse_check_located(&check_text_1).map_err(|e| {
            // Exact when the check is written without escapes up to the error, as usual.
            let exact = self.src.text.get(inner..inner + e.offset) == check_text_1.get(..e.offset);
            let at = if exact { inner + e.offset } else { inner };
            // A triple-quoted check may span lines; the error stays on one.
            let message = format!("{} in check `{quoted}`; {}", shorten(&e.what, 1000), shorten(&e.expected, 1000));
            self.error(&(at..at), message.replace(['\r', '\n'], " "))
        })?;
        if let Some(f) = &for_all {
            self.universal_check(check_node, &check, f)?;
        }
        let (expect, table_variants) = self.expect(self.required(&fields, "expect")?, &check, models.len())?;
        let variants = match fields.get("variants") {
            Some(node) => self.variants(node, &expect, &table_variants)?,
            None => table_variants.into_iter().map(|(v, _)| v).collect(),
        };
        for key in ["title", "notes"] {
            if let Some(node) = fields.get(key) {
                self.string(node, key)?;
            }
        }
        let counter_models = match fields.get("counter_models") {
            Some(node) => self.strings(node, "counter_models")?,
            None => Vec::new(),
        };
        for (model, span) in &counter_models {
            if let Err(e) = compile_glob(model) {
                let message = format!("invalid glob `{}`: {e}; expected a scenario name or glob", excerpt(model));
                return Err(self.error(span, message));
            }
        }
        let counter_params = match fields.get("counter_params") {
            Some(node) => self.counter_params(node, for_all.as_ref())?,
            None => Vec::new(),
        };
        if let Some(node) = fields.get("counter_models") {
            let params = for_all.as_ref().map_or(&[][..], |f| f.shape.params());
            if let Some(missing) = params.iter().find(|p| !counter_params.iter().any(|(k, _)| k == *p)) {
                return Err(self.error(
                    &node.span(),
                    format!("the check names `{{{missing}}}`; expected its value for the counter-models in `counter_params = {{ {missing} = … }}`"),
                ));
            }
        }
        if !counter_params.is_empty() {
            // The check as the counter-models run it must parse too.
            let value = |name: &str| counter_params.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
            let text = substitute(check_text, value).map_err(|(_, what)| self.error(&check_node.span(), what))?;
            parse_check_located(&text).map_err(|e| {
                let (what, expected) = (shorten(&e.what, 1000), shorten(&e.expected, 1000));
                let message = format!("{what} in check `{}` with `counter_params`; {expected}", shorten(&text, 200));
                self.error(&check_node.span(), message)
            })?;
        }
        let by_construction =
            fields.get("by_construction").map(|node| self.text(node, "by_construction")).transpose()?;
        let negates_quote =
            fields.get("negates_quote").map(|node| self.boolean(node, "negates_quote")).transpose()?.unwrap_or(false);
        if negates_quote && (check.is_quantitative() || for_all.is_some()) {
            let node = fields.get("negates_quote").expect("read above");
            return Err(self.error(
                &node.span(),
                "`negates_quote` turns a verdict around; expected it on a claim whose check has one (not `max`/`min`, not `for_all`)",
            ));
        }
        let evidence = match fields.get("evidence") {
            Some(node) => self
                .strings(node, "evidence")?
                .into_iter()
                .map(|(e, span)| self.evidence(e, &span))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let (evidence_line, evidence_col) =
            fields.get("evidence").map_or((1, 1), |n| self.lines.line_col(n.span().start));
        let (check_line, check_col) = self.lines.line_col(inner);
        let (models_line, models_col) =
            fields.get("models").map_or((check_line, 1), |n| self.lines.line_col(n.span().start));
        let claim = Claim {
            id: id.to_owned(),
            quote: quote.to_owned(),
            source: source.to_owned(),
            models: models.into_iter().map(|(m, _)| m.to_owned()).collect(),
            check,
            check_text: check_text.to_owned(),
            expect,
            variants,
            path: self.src.path.to_path_buf(),
            check_line,
            check_col,
            models_line,
            models_col,
            for_all,
            counter_models: counter_models.into_iter().map(|(m, _)| m.to_owned()).collect(),
            counter_params,
            by_construction: by_construction.map(str::to_owned),
            evidence,
            negates_quote,
            evidence_line,
            evidence_col,
        };
        Ok((claim, self.lines.line_col(id_node.span().start)))
    }

    /// One `evidence` entry: `conform:SCENARIO` or `experiment:PATH ARGS…`, PATH a relative
    /// `.py` path inside the project (what it names is checked when the claims are planned).
    fn evidence(&self, text: &str, span: &Range<usize>) -> Result<Evidence, InputError> {
        let expected = "expected `conform:SCENARIO` or `experiment:experiments/FILE.py ARGS`";
        if let Some(model) = text.strip_prefix("conform:") {
            if model.trim().is_empty() || model.trim() != model {
                return Err(self.error(span, format!("evidence `{text}` names no scenario; {expected}")));
            }
            return Ok(Evidence::Conform(model.to_owned()));
        }
        let Some(command) = text.strip_prefix("experiment:") else {
            return Err(self.error(span, format!("evidence `{text}` is of no known kind; {expected}")));
        };
        let mut words = command.split_whitespace();
        let path = words.next().unwrap_or("");
        let inside = std::path::Path::new(path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
        if !path.ends_with(".py") || !inside {
            return Err(self.error(
                span,
                format!(
                    "evidence `{text}`: `{path}` is not a relative path to a `.py` file inside the project; {expected}"
                ),
            ));
        }
        Ok(Evidence::Experiment { path: path.to_owned(), args: words.map(str::to_owned).collect() })
    }

    /// `counter_params = { D = 3 }`: a value for each of the shape's parameters.
    fn counter_params(&self, node: &Spanned<Node>, for_all: Option<&ForAll>) -> Result<Vec<(String, i64)>, InputError> {
        let params = for_all.map_or(&[][..], |f| f.shape.params());
        let Node::Table(entries) = node.get_ref() else {
            return Err(self.error(
                &node.span(),
                format!("`counter_params` is {}; expected a table such as `{{ D = 3 }}`", node.get_ref().describe()),
            ));
        };
        entries
            .iter()
            .map(|(key, value)| {
                if !params.contains(&key.get_ref().as_str()) {
                    let names: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
                    let expected = if names.is_empty() {
                        "none: this claim's check has no parameters".to_owned()
                    } else {
                        names.join(", ")
                    };
                    return Err(
                        self.error(&key.span(), format!("unknown parameter `{}`; expected {expected}", key.get_ref()))
                    );
                }
                match value.get_ref() {
                    Node::Int(v) => Ok((key.get_ref().clone(), *v)),
                    other => Err(self.error(
                        &value.span(),
                        format!("`{}` is {}; expected an integer", key.get_ref(), other.describe()),
                    )),
                }
            })
            .collect()
    }

    /// `[min, max]` (or a single number `n`, meaning `[n, n]`) within `lo..=hi`.
    pub(super) fn range(&self, node: &Spanned<Node>, key: &str, lo: u32, hi: u32) -> Result<(u32, u32), InputError> {
        let number = |n: &Spanned<Node>| match n.get_ref() {
            Node::Int(v) if (i64::from(lo)..=i64::from(hi)).contains(v) => Ok(*v as u32),
            Node::Int(v) => {
                Err(self.error(&n.span(), format!("`{key}` has {v}; expected a whole number from {lo} to {hi}")))
            }
            other => Err(self.error(
                &n.span(),
                format!("`{key}` has {}; expected a whole number from {lo} to {hi}", other.describe()),
            )),
        };
        match node.get_ref() {
            Node::Int(_) => {
                let n = number(node)?;
                Ok((n, n))
            }
            Node::Array(items) if items.len() == 2 => {
                let (a, b) = (number(&items[0])?, number(&items[1])?);
                if a > b {
                    return Err(
                        self.error(&node.span(), format!("`{key}` is [{a}, {b}]; expected [min, max] with min <= max"))
                    );
                }
                Ok((a, b))
            }
            other => Err(self.error(
                &node.span(),
                format!("`{key}` is {}; expected [min, max] or a whole number", other.describe()),
            )),
        }
    }

    pub(super) fn boolean(&self, node: &Spanned<Node>, key: &str) -> Result<bool, InputError> {
        match node.get_ref() {
            Node::Bool(b) => Ok(*b),
            other => Err(self.error(&node.span(), format!("`{key}` is {}; expected true or false", other.describe()))),
        }
    }

    /// One of `words`.
    pub(super) fn word<'n>(&self, node: &'n Spanned<Node>, key: &str, words: &[&str]) -> Result<&'n str, InputError> {
        let s = self.string(node, key)?;
        if words.contains(&s) {
            return Ok(s);
        }
        let list: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
        Err(self.error(
            &node.span(),
            format!("unknown {key} `{s}`; expected one of: {}{}", list.join(", "), did_you_mean(s, words)),
        ))
    }

    fn required<'n>(&self, fields: &Fields<'n>, key: &str) -> Result<&'n Spanned<Node>, InputError> {
        fields.get(key).ok_or_else(|| {
            let example = CLAIM_KEYS.iter().find(|(k, _)| *k == key).and_then(|(_, e)| *e);
            self.error(&fields.span, format!("this claim has no `{key}`; expected e.g. `{}`", example.unwrap_or(key)))
        })
    }

    /// The value of `key` as a string.
    pub(super) fn string<'n>(&self, node: &'n Spanned<Node>, key: &str) -> Result<&'n str, InputError> {
        match node.get_ref() {
            Node::Str(s) => Ok(s),
            other => Err(self.error(&node.span(), format!("`{key}` is {}; expected a string", other.describe()))),
        }
    }

    /// The value of `key` as a non-empty string.
    pub(super) fn text<'n>(&self, node: &'n Spanned<Node>, key: &str) -> Result<&'n str, InputError> {
        let s = self.string(node, key)?;
        if s.trim().is_empty() {
            return Err(self.error(&node.span(), format!("`{key}` is empty; expected some text")));
        }
        Ok(s)
    }

    /// The value of `key` as a non-empty array of non-empty strings, each with its span.
    pub(super) fn strings<'n>(&self, node: &'n Spanned<Node>, key: &str) -> Result<Vec<Located<&'n str>>, InputError> {
        let Node::Array(items) = node.get_ref() else {
            return Err(self.error(
                &node.span(),
                format!(
                    "`{key}` is {}; expected an array of strings, e.g. `{key} = [\"…\"]`",
                    node.get_ref().describe()
                ),
            ));
        };
        if items.is_empty() {
            return Err(self.error(&node.span(), format!("`{key}` is empty; expected at least one entry")));
        }
        items.iter().map(|item| Ok((self.text(item, key)?, item.span()))).collect()
    }

    /// `expect`: one outcome, or a table of outcomes per variant (also returned in file order,
    /// with spans, since `variants` defaults to the table's keys as written).
    fn expect(
        &self,
        node: &Spanned<Node>,
        check: &Check,
        models: usize,
    ) -> Result<(Expect, Vec<Located<String>>), InputError> {
        match node.get_ref() {
            Node::Str(s) => Ok((Expect::All(self.outcome(s, &node.span(), check, models)?), Vec::new())),
            Node::Table(entries) if !entries.is_empty() => {
                let mut outcomes = BTreeMap::new();
                let mut keys = Vec::new();
                for (key, value) in entries {
                    self.variant(key.get_ref(), &key.span())?;
                    let Node::Str(s) = value.get_ref() else {
                        return Err(self.error(
                            &value.span(),
                            format!(
                                "`expect` for `{}` is {}; expected a string such as \"holds\"",
                                key.get_ref(),
                                value.get_ref().describe()
                            ),
                        ));
                    };
                    let outcome = self.outcome(s, &value.span(), check, models)?;
                    if let Outcome::Series(_) = outcome {
                        return Err(self.error(
                            &value.span(),
                            format!("the series `{s}` compares models, not variants; expected `holds`, `refuted` or a bound for each variant"),
                        ));
                    }
                    outcomes.insert(key.get_ref().clone(), outcome);
                    keys.push((key.get_ref().clone(), key.span()));
                }
                Ok((Expect::PerVariant(outcomes), keys))
            }
            other => Err(self.error(
                &node.span(),
                format!(
                    "`expect` is {}; expected a string such as \"holds\" or \">= 3\", or a table \
                     such as {{ \"3.11\" = \"holds\", \"3.13t\" = \"refuted\" }}",
                    if let Node::Table(_) = other { "an empty table" } else { other.describe() }
                ),
            )),
        }
    }

    /// One expected outcome, checked against the form of the check.
    fn outcome(&self, s: &str, span: &Range<usize>, check: &Check, models: usize) -> Result<Outcome, InputError> {
        let outcome: Outcome = s.parse().map_err(|message: String| self.error(span, message))?;
        let keyword = check.keyword();
        let fits = match outcome {
            Outcome::Verdict(_) => !check.is_quantitative(),
            Outcome::Bound(..) | Outcome::Series(_) => check.is_quantitative(),
        };
        if !fits && check.is_quantitative() {
            return Err(self.error(
                span,
                format!("`{outcome}` does not fit the `{keyword}` check, which measures a number; expected a bound such as `>= 3`, or a series: `increasing`, `non-decreasing`, `constant`"),
            ));
        }
        if !fits {
            return Err(self.error(
                span,
                format!("`{outcome}` does not fit the `{keyword}` check; expected `holds` or `refuted`"),
            ));
        }
        if matches!(outcome, Outcome::Series(_)) && models < 2 {
            return Err(self.error(
                span,
                format!("the series `{outcome}` compares several models; expected at least two entries in `models`, in order"),
            ));
        }
        Ok(outcome)
    }

    fn variant(&self, name: &str, span: &Range<usize>) -> Result<(), InputError> {
        if PYTHON_VERSIONS.contains(&name) {
            return Ok(());
        }
        let names = PYTHON_VERSIONS;
        Err(self.error(
            span,
            format!(
                "unknown CPython version `{name}`; expected one of: {}{}",
                names.join(", "),
                did_you_mean(name, &names)
            ),
        ))
    }

    /// `variants`: valid, distinct, and matching the keys of a per-variant `expect` both ways.
    fn variants(
        &self,
        node: &Spanned<Node>,
        expect: &Expect,
        table: &[Located<String>],
    ) -> Result<Vec<String>, InputError> {
        let variants = self.strings(node, "variants")?;
        for (i, (name, span)) in variants.iter().enumerate() {
            self.variant(name, span)?;
            if variants[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(self.error(span, format!("variant `{name}` is listed twice; expected each version once")));
            }
        }
        if let Expect::PerVariant(outcomes) = expect {
            if let Some((name, span)) = variants.iter().find(|(v, _)| !outcomes.contains_key(*v)) {
                return Err(self.error(
                    span,
                    format!("variant `{name}` has no entry in the `expect` table; expected a key \"{name}\" there"),
                ));
            }
            if let Some((name, span)) = table.iter().find(|(k, _)| !variants.iter().any(|(v, _)| v == k)) {
                return Err(self.error(
                    span,
                    format!("`expect` gives variant `{name}`, which `variants` does not list; expected only keys from `variants`"),
                ));
            }
        }
        Ok(variants.into_iter().map(|(v, _)| v.to_owned()).collect())
    }
}

/// Parses one claim file (SPEC §3); `path` is only used to locate errors.
pub fn parse_claim_file(path: &Path, source: &str) -> Result<Vec<Claim>, InputError> {
    let claims = ClaimFile::new(path, source).claims()?;
    let mut ids = ClaimIds::default();
    for (claim, at) in &claims {
        ids.add(path, &claim.id, *at)?;
    }
    Ok(claims.into_iter().map(|(claim, _)| claim).collect())
}

/// Claim ids seen so far, with where each was defined.
#[derive(Default)]
struct ClaimIds(HashMap<String, InputError>);

impl ClaimIds {
    fn add(&mut self, path: &Path, id: &str, (line, col): (usize, usize)) -> Result<(), InputError> {
        let here = InputError::new(path, line, col, "");
        if let Some(first) = self.0.get(id) {
            let message = format!(
                "duplicate claim id `{id}`, first defined at {}:{}:{}; expected every claim id once",
                first.path.display(),
                first.line,
                first.col
            );
            return Err(InputError { message, ..here });
        }
        self.0.insert(id.to_owned(), here);
        Ok(())
    }
}

/// Reads the claims of every path: a file, or a folder whose `*.toml` files below it are read
/// in path order. Claim ids must be unique over all of them.
pub fn load_claims(paths: &[PathBuf]) -> Result<Vec<Claim>, InputError> {
    let mut ids = ClaimIds::default();
    let mut all = Vec::new();
    for path in paths {
        let files = toml_files(path).map_err(|(folder, e)| {
            let message = format!("cannot read the folder: {e}; expected a readable folder of claim files");
            InputError::new(&folder, 1, 1, message)
        })?;
        for file in files {
            let source =
                read_user_file(&file, "the claim file", "expected a claim file (UTF-8 TOML) or a folder of them")?;
            for (claim, at) in ClaimFile::new(&file, &source).claims()? {
                ids.add(&file, &claim.id, at)?;
                all.push(claim);
            }
        }
    }
    Ok(all)
}
