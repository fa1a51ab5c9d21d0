//! The claim language (SPEC §3): a tokenizer and a recursive-descent parser from a check's text
//! to its syntax tree ([`Check`]), with errors that say where and what was expected. It knows
//! nothing of files: [`super::file`] locates its byte offsets in the claim file.

use std::fmt;
use std::str::FromStr;

use super::*;
use crate::input::located::did_you_mean;

/// Deeper nesting is refused: it is never needed in a real claim, and a bound keeps every
/// recursive walk of the tree (parsing, printing, evaluating, dropping) far from the stack limit.
const MAX_DEPTH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Ident,
    Int(i64),
    LParen,
    RParen,
    Implies,
    Or,
    And,
    Not,
    Cmp(CmpOp),
    Plus,
    Minus,
    Colon,
    Comma,
    End,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// Operators and parentheses; two-character spellings come first so `<=` is not read as `<`.
const SYMBOLS: [(&str, Tok); 16] = [
    ("->", Tok::Implies),
    ("||", Tok::Or),
    ("&&", Tok::And),
    ("==", Tok::Cmp(CmpOp::Eq)),
    ("!=", Tok::Cmp(CmpOp::Ne)),
    ("<=", Tok::Cmp(CmpOp::Le)),
    (">=", Tok::Cmp(CmpOp::Ge)),
    ("!", Tok::Not),
    ("<", Tok::Cmp(CmpOp::Lt)),
    (">", Tok::Cmp(CmpOp::Gt)),
    ("+", Tok::Plus),
    ("-", Tok::Minus),
    ("(", Tok::LParen),
    (")", Tok::RParen),
    (":", Tok::Colon),
    (",", Tok::Comma),
];

/// A syntax or type error in a check: where (byte offset), what is wrong, what was expected.
#[derive(Debug)]
pub(super) struct ParseError {
    pub(super) offset: usize,
    pub(super) what: String,
    pub(super) expected: String,
}

impl ParseError {
    fn new(offset: usize, what: impl Into<String>, expected: impl Into<String>) -> ParseError {
        ParseError { offset, what: what.into(), expected: expected.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.what, self.expected)
    }
}

type PResult<T> = Result<T, ParseError>;

/// Builds a binary node, e.g. `Expr::And` or `Term::Sub`.
type Join<T> = fn(Box<T>, Box<T>) -> T;

fn tokenize(text: &str) -> PResult<Vec<Token>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        let tok = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'*' {
            // `*` belongs to name patterns (`job*`); an atom's name never has one.
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'*') {
                i += 1;
            }
            Tok::Ident
        } else if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &text[start..i];
            let n = digits.parse().map_err(|_| {
                ParseError::new(
                    start,
                    format!("number `{digits}` is too large"),
                    format!("expected at most {}", i64::MAX),
                )
            })?;
            Tok::Int(n)
        } else if let Some((sym, tok)) = SYMBOLS.iter().find(|(sym, _)| text[i..].starts_with(sym)) {
            i += sym.len();
            *tok
        } else {
            return Err(bad_character(text, i));
        };
        tokens.push(Token { tok, start, end: i });
    }
    tokens.push(Token { tok: Tok::End, start: text.len(), end: text.len() });
    Ok(tokens)
}

/// The error for a character no token starts with; `&`, `|`, `=` are likely halves of operators.
fn bad_character(text: &str, at: usize) -> ParseError {
    let c = text[at..].chars().next().unwrap_or(' ');
    let doubled = match c {
        '&' => "&&",
        '|' => "||",
        '=' => "==",
        _ => {
            return ParseError::new(
                at,
                format!("unexpected character `{c}`"),
                "expected an atom, a number, an operator or a parenthesis",
            )
        }
    };
    ParseError::new(at, format!("`{c}` is not an operator"), format!("expected `{doubled}`"))
}

// ---------------------------------------------------------------------------------------------
// The claim language: parser
// ---------------------------------------------------------------------------------------------

/// Words that start or join checks; they are not atoms.
const FORM_WORDS: [&str; 6] = ["always", "never", "sometimes", "eventually", "max", "min"];
const KEYWORDS: [&str; 8] = ["always", "never", "sometimes", "eventually", "max", "min", "leads_to", "when"];
const FORMS_EXPECTED: &str = "expected `always`, `never`, `sometimes`, `eventually`, `max`, \
     `min`, or an expression followed by `leads_to`";

/// A parsed operand before its type is known. Expressions and terms share parentheses
/// (`(a + 1) > 2`, `!(x && y)`), so the parser builds whichever the text turns out to be and
/// checks the type where an operator needs one; no backtracking is needed.
enum Value {
    Bool(Expr),
    Int(Term),
}

struct Val {
    value: Value,
    /// Byte range in the check, to quote the operand in messages.
    start: usize,
    end: usize,
    /// Height of the tree, bounded by `MAX_DEPTH`.
    depth: usize,
}

/// What may legally follow a complete operand where the parser stopped (for error messages).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Follow {
    /// The end of an `always …` check or of a `leads_to` right side.
    End,
    /// The left side of `leads_to`.
    LeadsTo,
    /// Inside parentheses.
    Paren,
    /// The number of a `max` / `min` check.
    When,
}

struct Parser<'t> {
    text: &'t str,
    tokens: Vec<Token>,
    pos: usize,
    /// Open parentheses and pending `->`: the parser's only recursion, so bounding it bounds
    /// the stack whatever the input.
    nesting: usize,
}

/// Parses a check (SPEC §3). On error: the byte offset in `text` and `what is wrong; what was
/// expected`.
pub fn parse_check(text: &str) -> Result<Check, (usize, String)> {
    parse_check_located(text).map_err(|e| (e.offset, e.to_string()))
}

pub(super) fn parse_check_located(text: &str) -> PResult<Check> {
    let tokens = tokenize(text)?;
    Parser { text, tokens, pos: 0, nesting: 0 }.check()
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Token {
        self.tokens[self.pos]
    }

    /// Consumes the current token; `End` is never passed.
    fn bump(&mut self) -> Token {
        let token = self.peek();
        if token.tok != Tok::End {
            self.pos += 1;
        }
        token
    }

    /// The current token's text when it is an identifier.
    fn word(&self) -> Option<&'t str> {
        let t = self.peek();
        (t.tok == Tok::Ident).then(|| &self.text[t.start..t.end])
    }

    /// The current token quoted for a message.
    fn describe(&self, t: Token) -> String {
        match t.tok {
            Tok::End => "the end of the check".to_owned(),
            _ => format!("`{}`", &self.text[t.start..t.end]),
        }
    }

    fn source(&self, v: &Val) -> &'t str {
        &self.text[v.start..v.end]
    }

    fn check(&mut self) -> PResult<Check> {
        let Some(word) = self.word() else {
            if self.peek().tok == Tok::End {
                return Err(ParseError::new(0, "the check is empty", FORMS_EXPECTED));
            }
            return self.leads_to();
        };
        match word {
            "always" | "never" | "sometimes" | "eventually" => {
                self.bump();
                let e = self.condition_to_end()?;
                Ok(match word {
                    "always" => Check::Always(e),
                    "never" => Check::Never(e),
                    "sometimes" => Check::Sometimes(e),
                    _ => Check::Eventually(e),
                })
            }
            "max" | "min" => {
                self.bump();
                let v = self.implies()?;
                let tok = self.peek();
                let when = self.word() == Some("when");
                if !when && tok.tok != Tok::End {
                    return Err(self.unexpected_after(&v, Follow::When));
                }
                let term = self.term(v)?;
                let when = if when {
                    self.bump();
                    Some(self.condition_to_end()?)
                } else {
                    None
                };
                Ok(if word == "max" { Check::Max(term, when) } else { Check::Min(term, when) })
            }
            _ => {
                self.misspelt_form(word)?;
                self.leads_to()
            }
        }
    }

    /// A first word that is neither a form nor an atom is most likely a misspelt form
    /// (`alway`), unless it looks like an atom (`holds_gill(t1)`), which the expression
    /// parser then reports as an unknown atom.
    fn misspelt_form(&self, word: &str) -> PResult<()> {
        if AtomKind::from_name(word).is_some() || KEYWORDS.contains(&word) || self.quantifier_ahead() {
            return Ok(());
        }
        let form = did_you_mean(word, &FORM_WORDS);
        let atom_names = AtomKind::ALL.map(AtomKind::name);
        let atom_like = self.tokens[self.pos + 1].tok == Tok::LParen || !did_you_mean(word, &atom_names).is_empty();
        if form.is_empty() && atom_like {
            return Ok(());
        }
        Err(ParseError::new(self.peek().start, format!("unknown word `{word}`"), format!("{FORMS_EXPECTED}{form}")))
    }

    /// `expr leads_to expr`, the only form that starts with an expression.
    fn leads_to(&mut self) -> PResult<Check> {
        let v = self.implies()?;
        if self.word() == Some("leads_to") {
            let left = self.expr(v)?;
            self.bump();
            let right = self.condition_to_end()?;
            return Ok(Check::LeadsTo(left, right));
        }
        if self.peek().tok == Tok::End {
            return Err(ParseError::new(
                v.start,
                "the check does not say when its condition must hold",
                FORMS_EXPECTED,
            ));
        }
        Err(self.unexpected_after(&v, Follow::LeadsTo))
    }

    /// A condition that ends the check.
    fn condition_to_end(&mut self) -> PResult<Expr> {
        let v = self.implies()?;
        if self.peek().tok != Tok::End {
            return Err(self.unexpected_after(&v, Follow::End));
        }
        self.expr(v)
    }

    /// The error for a token that cannot follow the complete operand `v`.
    fn unexpected_after(&self, v: &Val, follow: Follow) -> ParseError {
        let tok = self.peek();
        let after = self.source(v);
        let what = if tok.tok == Tok::RParen && follow != Follow::Paren {
            "unexpected `)`: no `(` is open".to_owned()
        } else {
            format!("unexpected {}", self.describe(tok))
        };
        let expected = match (&v.value, follow) {
            (Value::Int(_), Follow::End | Follow::LeadsTo) => {
                format!("expected a comparison operator after `{after}`, e.g. `{after} >= 3`")
            }
            (Value::Int(_), Follow::Paren) => {
                format!("expected a comparison operator, `+`, `-` or `)` after `{after}`")
            }
            (Value::Int(_), Follow::When) => {
                format!("expected `+`, `-`, `when` or the end of the check after `{after}`")
            }
            (Value::Bool(_), Follow::When) => return self.not_a_number(v),
            (Value::Bool(_), follow) => {
                let (closer, keyword) = match follow {
                    Follow::LeadsTo => ("`leads_to`", Some("leads_to")),
                    Follow::Paren => ("`)`", None),
                    _ => ("the end of the check", None),
                };
                let hint = match (self.word(), keyword) {
                    (Some(word), Some(keyword)) => did_you_mean(word, &[keyword]),
                    _ => String::new(),
                };
                format!("expected `&&`, `||`, `->` or {closer} after `{after}`{hint}")
            }
        };
        ParseError::new(tok.start, what, expected)
    }

    /// `v` as a condition, or the error saying it is a number.
    fn expr(&self, v: Val) -> PResult<Expr> {
        match v.value {
            Value::Bool(e) => Ok(e),
            Value::Int(_) => {
                let s = self.source(&v);
                Err(ParseError::new(v.start, format!("`{s}` is a number"), format!("compare it, e.g. `{s} >= 3`")))
            }
        }
    }

    /// `v` as a number, or the error saying it is a condition.
    fn term(&self, v: Val) -> PResult<Term> {
        match v.value {
            Value::Int(t) => Ok(t),
            Value::Bool(_) => Err(self.not_a_number(&v)),
        }
    }

    fn not_a_number(&self, v: &Val) -> ParseError {
        ParseError::new(
            v.start,
            format!("`{}` is a condition, not a number", self.source(v)),
            "expected a number here: an integer, a counting atom such as `now`, or a sum or \
             difference of those",
        )
    }

    /// A new tree node, refused when the tree gets deeper than `MAX_DEPTH`.
    fn node(&self, at: usize, start: usize, end: usize, depth: usize, value: Value) -> PResult<Val> {
        if depth > MAX_DEPTH {
            return Err(ParseError::new(
                at,
                format!("the check nests more than {MAX_DEPTH} operators deep"),
                "expected a simpler check; split it into several claims",
            ));
        }
        Ok(Val { value, start, end, depth })
    }

    /// Runs `inner` one level deeper, refusing to go past `MAX_DEPTH`.
    fn nested<T>(&mut self, at: usize, inner: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.nesting >= MAX_DEPTH {
            return Err(ParseError::new(
                at,
                format!("the check nests more than {MAX_DEPTH} levels deep"),
                "expected a simpler check; split it into several claims",
            ));
        }
        self.nesting += 1;
        let result = inner(self);
        self.nesting -= 1;
        result
    }

    /// `a -> b -> c` is `a -> (b -> c)`. Each operand is type-checked as soon as it is read,
    /// so the first problem in the text is the one reported.
    fn implies(&mut self) -> PResult<Val> {
        let left = self.or()?;
        if self.peek().tok != Tok::Implies {
            return Ok(left);
        }
        let (start, left_depth) = (left.start, left.depth);
        let left = self.expr(left)?;
        let at = self.bump().start;
        let right = self.nested(at, Self::implies)?;
        let (end, depth) = (right.end, 1 + left_depth.max(right.depth));
        let right = self.expr(right)?;
        self.node(at, start, end, depth, Value::Bool(Expr::Implies(left.into(), right.into())))
    }

    fn or(&mut self) -> PResult<Val> {
        self.left_chain(Self::and, &[(Tok::Or, Expr::Or)], Self::expr, Value::Bool)
    }

    fn and(&mut self) -> PResult<Val> {
        self.left_chain(Self::not, &[(Tok::And, Expr::And)], Self::expr, Value::Bool)
    }

    fn additive(&mut self) -> PResult<Val> {
        self.left_chain(Self::primary, &[(Tok::Plus, Term::Add), (Tok::Minus, Term::Sub)], Self::term, Value::Int)
    }

    /// `operand (op operand)*`, grouped to the left, for `||`, `&&` and `+`/`-`: `operand`
    /// parses the next tighter level, `unwrap` type-checks an operand, `wrap` types the result.
    fn left_chain<T>(
        &mut self,
        operand: fn(&mut Self) -> PResult<Val>,
        ops: &[(Tok, Join<T>)],
        unwrap: fn(&Self, Val) -> PResult<T>,
        wrap: fn(T) -> Value,
    ) -> PResult<Val> {
        let mut left = operand(self)?;
        while let Some((_, make)) = ops.iter().find(|(tok, _)| *tok == self.peek().tok) {
            let (start, left_depth) = (left.start, left.depth);
            let a = unwrap(self, left)?;
            let at = self.bump().start;
            let right = operand(self)?;
            let (end, depth) = (right.end, 1 + left_depth.max(right.depth));
            let b = unwrap(self, right)?;
            left = self.node(at, start, end, depth, wrap(make(a.into(), b.into())))?;
        }
        Ok(left)
    }

    /// `!` binds looser than comparisons: `!now >= 3` is `!(now >= 3)`.
    fn not(&mut self) -> PResult<Val> {
        let mut bangs = Vec::new();
        while self.peek().tok == Tok::Not {
            bangs.push(self.bump().start);
        }
        let mut v = self.comparison()?;
        while let Some(at) = bangs.pop() {
            let (end, depth) = (v.end, v.depth + 1);
            let e = self.expr(v)?;
            v = self.node(at, at, end, depth, Value::Bool(Expr::Not(e.into())))?;
        }
        Ok(v)
    }

    /// `term CMP term`, or a lone operand; comparisons do not chain.
    fn comparison(&mut self) -> PResult<Val> {
        let left = self.additive()?;
        let Tok::Cmp(op) = self.peek().tok else {
            return Ok(left);
        };
        let (start, left_depth) = (left.start, left.depth);
        let a = self.term(left)?;
        let at = self.bump().start;
        let right = self.additive()?;
        let (end, depth) = (right.end, 1 + left_depth.max(right.depth));
        let b = self.term(right)?;
        let v = self.node(at, start, end, depth, Value::Bool(Expr::Cmp(a, op, b)))?;
        if let Tok::Cmp(_) = self.peek().tok {
            let s = self.source(&v);
            return Err(ParseError::new(
                self.peek().start,
                format!("comparisons do not chain: `{s}` is already a condition"),
                "expected `&&` between two comparisons, e.g. `1 <= now && now <= 3`",
            ));
        }
        Ok(v)
    }

    /// An integer, an atom, or anything in parentheses.
    fn primary(&mut self) -> PResult<Val> {
        let tok = self.peek();
        match tok.tok {
            Tok::Int(n) => {
                self.bump();
                Ok(Val { value: Value::Int(Term::Int(n)), start: tok.start, end: tok.end, depth: 1 })
            }
            Tok::Ident if self.quantifier_ahead() => self.quantifier(),
            Tok::Ident => self.atom(),
            Tok::LParen => {
                self.bump();
                let mut v = self.nested(tok.start, Self::implies)?;
                match self.peek().tok {
                    Tok::RParen => {
                        v.start = tok.start;
                        v.end = self.bump().end;
                        Ok(v)
                    }
                    Tok::End => Err(ParseError::new(tok.start, "this `(` is never closed", "expected a matching `)`")),
                    _ => Err(self.unexpected_after(&v, Follow::Paren)),
                }
            }
            _ => Err(self.missing_operand(tok)),
        }
    }

    /// `all X in …` / `any X in …` starts here.
    fn quantifier_ahead(&self) -> bool {
        let word = |k: usize| {
            let t = self.tokens.get(self.pos + k)?;
            (t.tok == Tok::Ident).then(|| &self.text[t.start..t.end])
        };
        matches!(word(0), Some("all" | "any")) && word(1).is_some() && word(2) == Some("in")
    }

    /// `all X in PATTERN: E` or `any X in PATTERN: E`; the body reaches as far right as it can.
    fn quantifier(&mut self) -> PResult<Val> {
        let first = self.bump();
        let all = &self.text[first.start..first.end] == "all";
        let var_tok = self.bump();
        let var = self.text[var_tok.start..var_tok.end].to_owned();
        if var.contains('*') || AtomKind::from_name(&var).is_some() || KEYWORDS.contains(&var.as_str()) {
            return Err(ParseError::new(
                var_tok.start,
                format!("`{var}` cannot name a quantifier's variable"),
                "expected a plain name, e.g. `all X in job*: done(X)`",
            ));
        }
        self.bump(); // `in`
        let pattern_tok = self.bump();
        let colon = self.bump();
        if pattern_tok.tok != Tok::Ident || colon.tok != Tok::Colon {
            let found = if pattern_tok.tok != Tok::Ident { pattern_tok } else { colon };
            return Err(ParseError::new(
                found.start,
                format!("unexpected {} in a quantifier", self.describe(found)),
                "expected a name pattern and `:`, e.g. `all X in job*: done(X)`",
            ));
        }
        let pattern = self.text[pattern_tok.start..pattern_tok.end].to_owned();
        let body = self.nested(first.start, Self::implies)?;
        let (end, depth) = (body.end, body.depth + 1);
        let body = self.expr(body)?;
        let q = Quant { all, var, pattern, body, offset: first.start };
        self.node(first.start, first.start, end, depth, Value::Bool(Expr::Quant(Box::new(q))))
    }

    /// The error where an operand should start but `tok` does.
    fn missing_operand(&self, tok: Token) -> ParseError {
        // After `+`, `-` or a comparison only a number can come, so `!` is no option there.
        let in_term = self.pos > 0 && matches!(self.tokens[self.pos - 1].tok, Tok::Plus | Tok::Minus | Tok::Cmp(_));
        let expected = if in_term {
            "expected a number: an integer, a counting atom such as `now`, or `(`"
        } else {
            "expected an atom, a number, `!` or `(`"
        };
        let what = match tok.tok {
            Tok::End => "the check ends too early".to_owned(),
            Tok::Minus => {
                return ParseError::new(
                    tok.start,
                    "unexpected `-`: numbers have no sign",
                    "expected a whole number; write `0 - 3` for minus three",
                )
            }
            Tok::Ident => format!("unexpected keyword {}", self.describe(tok)),
            _ => format!("unexpected {}", self.describe(tok)),
        };
        ParseError::new(tok.start, what, expected)
    }

    /// An atom: its name, and for most atoms one identifier in parentheses.
    fn atom(&mut self) -> PResult<Val> {
        let name_tok = self.peek();
        let name = &self.text[name_tok.start..name_tok.end];
        let Some(kind) = AtomKind::from_name(name) else {
            if KEYWORDS.contains(&name) {
                return Err(self.missing_operand(name_tok));
            }
            let names = AtomKind::ALL.map(AtomKind::name);
            let list: Vec<String> = AtomKind::ALL.iter().map(|k| k.signature()).collect();
            return Err(ParseError::new(
                name_tok.start,
                format!("unknown atom `{name}`"),
                format!("expected one of: {}{}", list.join(", "), did_you_mean(name, &names)),
            ));
        };
        self.bump();
        let mut end = name_tok.end;
        let mut lock = None;
        let arg = if kind.takes_arg() {
            let (noun, example) = kind.arg_noun();
            let wanted = |found: Token, this: &Self| {
                let (what, example) = match kind {
                    AtomKind::HoldsLock => {
                        ("a lock name and a thread or task name".to_owned(), "holds_lock(a, t1)".to_owned())
                    }
                    _ => (format!("one {noun} name"), format!("{name}({example})")),
                };
                ParseError::new(
                    found.start,
                    format!("`{name}` takes {what} in parentheses"),
                    format!("expected e.g. `{example}`, found {}", this.describe(found)),
                )
            };
            let mut expected = vec![Tok::LParen, Tok::Ident, Tok::RParen];
            if kind == AtomKind::HoldsLock {
                expected = vec![Tok::LParen, Tok::Ident, Tok::Comma, Tok::Ident, Tok::RParen];
            }
            let mut got = Vec::new();
            for tok in expected {
                let token = self.bump();
                if token.tok != tok {
                    return Err(wanted(token, self));
                }
                got.push(token);
            }
            end = got[got.len() - 1].end;
            let ident = |t: &Token| self.text[t.start..t.end].to_owned();
            if kind == AtomKind::HoldsLock {
                lock = Some(ident(&got[1]));
            }
            Some(ident(&got[got.len() - 2]))
        } else {
            if self.peek().tok == Tok::LParen {
                return Err(ParseError::new(
                    self.peek().start,
                    format!("`{name}` takes no argument"),
                    format!("expected `{name}` alone"),
                ));
            }
            None
        };
        let atom = Atom { kind, arg, lock, offset: name_tok.start };
        let value = if kind.is_bool() { Value::Bool(Expr::Atom(atom)) } else { Value::Int(Term::Atom(atom)) };
        Ok(Val { value, start: name_tok.start, end, depth: 1 })
    }
}

/// The words `expect` takes besides bounds.
const OUTCOME_WORDS: [(&str, Outcome); 7] = [
    ("holds", Outcome::Verdict(Verdict::Holds)),
    ("refuted", Outcome::Verdict(Verdict::Refuted)),
    ("increasing", Outcome::Series(Trend::Increasing)),
    ("non-decreasing", Outcome::Series(Trend::NonDecreasing)),
    ("constant", Outcome::Series(Trend::Constant)),
    ("decreasing", Outcome::Series(Trend::Decreasing)),
    ("non-increasing", Outcome::Series(Trend::NonIncreasing)),
];

const OUTCOME_EXPECTED: &str = "expected `holds`, `refuted`, `increasing`, `non-decreasing`, \
     `constant`, `decreasing`, `non-increasing`, or a bound such as `>= 3`";

/// Parses an `expect` string: a verdict, a trend, or a bound (`>= 3`, `<=5`; spaces optional).
impl FromStr for Outcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Outcome, String> {
        let word = s.trim();
        if let Some((_, outcome)) = OUTCOME_WORDS.iter().find(|(w, _)| *w == word) {
            return Ok(outcome.clone());
        }
        // A bound is spelt with the claim language's own tokens, so reuse its tokenizer.
        let tokens = tokenize(word).unwrap_or_default();
        let toks: Vec<Tok> = tokens.iter().map(|t| t.tok).filter(|t| *t != Tok::End).collect();
        match toks[..] {
            [Tok::Cmp(op), Tok::Int(n)] => Ok(Outcome::Bound(op, n)),
            [Tok::Cmp(op), Tok::Minus, Tok::Int(n)] => Ok(Outcome::Bound(op, -n)),
            [Tok::Cmp(op), ..] => {
                Err(format!("bound `{word}` needs a whole number after `{op}`; expected e.g. `{op} 3`"))
            }
            _ => {
                let words = OUTCOME_WORDS.map(|(w, _)| w);
                Err(format!("unknown outcome `{word}`; {OUTCOME_EXPECTED}{}", did_you_mean(word, &words)))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The claim language: tokenizer
// ---------------------------------------------------------------------------------------------
