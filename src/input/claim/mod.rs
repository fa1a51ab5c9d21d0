//! Claim files (`properties/**/*.toml`) and the claim language (SPEC §3): each claim is a
//! sentence people say about the GIL or asyncio, its formal check, the scenarios it is checked
//! on and the verdict we expect. This module parses and validates; it evaluates nothing.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use crate::input::located::{line_col, InputError};

impl Claim {
    /// The file position of byte `offset` of the check text (a triple-quoted check may span
    /// lines).
    pub fn locate(&self, offset: usize) -> (usize, usize) {
        let before = self.check_text.get(..offset).unwrap_or(&self.check_text);
        match before.rfind('\n') {
            None => (self.check_line, self.check_col + before.chars().count()),
            Some(nl) => (self.check_line + before.matches('\n').count(), before[nl + 1..].chars().count() + 1),
        }
    }
}

/// Comparison operators of the claim language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The atoms of SPEC §3, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AtomKind {
    // integer atoms without argument
    RunningPython,
    RunningTasks,
    Now,
    GilHandoffs,
    ForcedSwitches,
    TaskSwitches,
    // boolean atoms without argument
    GilFree,
    AllDone,
    // boolean atoms of one thread or task
    HoldsGil,
    WaitingGil,
    Blocked,
    Sleeping,
    LoopBlocked,
    Running,
    Ready,
    Done,
    // integer atoms of one thread, task or variable
    Progress,
    Var,
    Lateness,
    GilWait,
}

/// An atom as written, e.g. `holds_gil(t1)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Atom {
    pub kind: AtomKind,
    /// The thread, task or variable named in parentheses.
    pub arg: Option<String>,
    /// Byte offset of the atom in the check text (for error locations).
    pub offset: usize,
}

/// An integer-valued term.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Term {
    Int(i64),
    Atom(Atom),
    Add(Box<Term>, Box<Term>),
    Sub(Box<Term>, Box<Term>),
}

/// A boolean expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    Implies(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Term, CmpOp, Term),
    Atom(Atom),
}

/// A whole check.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    Always(Expr),
    Never(Expr),
    Sometimes(Expr),
    Eventually(Expr),
    LeadsTo(Expr, Expr),
    Max(Term, Option<Expr>),
    Min(Term, Option<Expr>),
}

/// Verdicts a claim can expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    Holds,
    Refuted,
}

/// The trend a series claim expects over its models, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trend {
    Increasing,
    NonDecreasing,
    Constant,
}

/// What one check is expected to give.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// `holds` / `refuted` (safety, liveness, `sometimes`).
    Verdict(Verdict),
    /// A bound on a quantitative check's value, e.g. `>= 3`.
    Bound(CmpOp, i64),
    /// A series over the claim's models (quantitative checks only).
    Series(Trend),
}

/// The `expect` field: one outcome, or one per CPython variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    All(Outcome),
    /// Keys are variants ("3.11", "3.13t"); `variants`, when absent, defaults to these keys.
    PerVariant(BTreeMap<String, Outcome>),
}

/// One `[[claims]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    pub id: String,
    pub quote: String,
    pub source: String,
    /// Scenario names or globs, in order (order matters for series).
    pub models: Vec<String>,
    pub check: Check,
    /// The check as written.
    pub check_text: String,
    pub expect: Expect,
    /// CPython versions to check under; empty: the scenario's own `python`.
    pub variants: Vec<String>,
    /// The file it came from.
    pub path: PathBuf,
    /// 1-based line and column of the first character inside the check string's quotes,
    /// so an atom at byte offset `o` of `check_text` is at column `check_col + o`.
    pub check_line: usize,
    pub check_col: usize,
    /// 1-based line and column of the `models` value (for errors about the scenarios named).
    pub models_line: usize,
    pub models_col: usize,
    /// A universal claim (`for_all`): checked over generated programs instead of `models`
    /// (which is then empty). `check_text` may name the shape's parameters as `{D}`; `check`
    /// is parsed with each of them read as 1, to validate it.
    pub for_all: Option<ForAll>,
}

/// The programs a universal claim quantifies over: its `for_all` table (README "Universal
/// claims"). Ranges are `(min, max)`, both included; `crate::fuzz::generate` draws programs from them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForAll {
    /// Plain threads (`[[threads]]` entries with `steps`).
    pub threads: (u32, u32),
    /// Threads running an asyncio event loop.
    pub loops: (u32, u32),
    /// Tasks on each loop.
    pub tasks: (u32, u32),
    /// Steps of each program.
    pub steps: (u32, u32),
    /// Ticks of each step that lasts (`compute N`, `io N`, …).
    pub ticks: (u32, u32),
    /// `count` of each thread and task entry (identical copies).
    pub count: (u32, u32),
    /// CPUs.
    pub cores: (u32, u32),
    /// The step kinds programs may use, by name (`crate::fuzz::generate::STEP_KINDS`).
    pub kinds: Vec<String>,
    /// Shared variables and locks may be used (`false` drops their steps from `kinds`).
    pub shared_vars: bool,
    /// Programs may be `repeat = true` (`while True:`).
    pub repeat: bool,
    /// The scenarios' `time`: true for `"ticks"`.
    pub ticks_mode: bool,
    /// The scenarios' horizon (ticks mode).
    pub horizon: u32,
    /// Programs `gilcheck check` generates per variant.
    pub cases: u32,
    /// The family of programs.
    pub shape: Shape,
    /// `shape = "blocking-call"`: the blocking call's duration `{D}`.
    pub block: (u32, u32),
    /// Besides `check`: every run stops in the same state (shared variables, progress and
    /// `done` of every thread and task), whatever the schedule.
    pub same_end: bool,
}

/// Families of generated programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Any program within the bounds.
    Any,
    /// A loop whose first task `blocker` makes a blocking call of `{D}` ticks as its step
    /// `{K}` (after `{K} - 1` steps that do not suspend), while the task created next,
    /// `ticker`, is ready; anything else within the bounds beside them.
    BlockingCall,
}

impl Shape {
    /// The shape's name in claim files.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Any => "any",
            Shape::BlockingCall => "blocking-call",
        }
    }

    /// The parameters a check may name as `{NAME}`.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Shape::Any => &[],
            Shape::BlockingCall => &["D", "K"],
        }
    }
}

impl ForAll {
    /// The bounds in words, for reports: `1-2 threads, 0-1 loops of 1-2 tasks, …`.
    pub fn describe(&self) -> String {
        let r = |(a, b): (u32, u32)| if a == b { a.to_string() } else { format!("{a}-{b}") };
        let mut parts = Vec::new();
        match self.shape {
            Shape::Any => parts.push(format!(
                "{} plain threads, {} event loops of {} tasks",
                r(self.threads),
                r(self.loops),
                r(self.tasks)
            )),
            Shape::BlockingCall => parts.push(format!(
                "shape blocking-call (a blocking call of {{D}} = {} ticks), {} other tasks, {} plain threads",
                r(self.block),
                r(self.tasks),
                r(self.threads)
            )),
        }
        parts.push(format!("{} steps per program, each lasting {} ticks", r(self.steps), r(self.ticks)));
        if self.count != (1, 1) {
            parts.push(format!("{} copies", r(self.count)));
        }
        if self.cores != (2, 2) {
            parts.push(format!("{} cores", r(self.cores)));
        }
        let all = crate::fuzz::generate::STEP_KINDS.iter().all(|k| self.kinds.iter().any(|x| x == k));
        if !all {
            parts.push(format!("steps of kinds {}", self.kinds.join(", ")));
        }
        if !self.shared_vars {
            parts.push("no shared variables or locks".into());
        }
        if self.repeat {
            parts.push("`repeat` allowed".into());
        }
        parts.push(if self.ticks_mode { format!("ticks (horizon {})", self.horizon) } else { "untimed".into() });
        parts.push(format!("{} programs per variant", self.cases));
        if self.same_end {
            parts.push("and every run must end in the same state".into());
        }
        parts.join("; ")
    }
}

impl Default for ForAll {
    fn default() -> Self {
        ForAll {
            threads: (1, 2),
            loops: (0, 1),
            tasks: (1, 2),
            steps: (1, 3),
            ticks: (1, 2),
            count: (1, 1),
            cores: (2, 2),
            kinds: crate::fuzz::generate::STEP_KINDS.iter().map(|k| k.to_string()).collect(),
            shared_vars: true,
            repeat: false,
            ticks_mode: false,
            horizon: 15,
            cases: 100,
            shape: Shape::Any,
            block: (2, 6),
            same_end: false,
        }
    }
}

/// `text` with every `{NAME}` replaced by `value(NAME)`; an error names a `{…}` that `value`
/// does not know (byte offset and message).
pub fn substitute(text: &str, value: impl Fn(&str) -> Option<i64>) -> Result<String, (usize, String)> {
    let mut out = String::new();
    let mut rest = text;
    let mut at = 0;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            return Err((at + open, "this `{` is never closed; expected `{NAME}`".into()));
        };
        let name = &rest[open + 1..open + close];
        match value(name) {
            Some(v) => out.push_str(&v.to_string()),
            None => return Err((at + open, format!("unknown parameter `{{{name}}}`"))),
        }
        at += open + close + 1;
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Names, queries and printing of the AST
// ---------------------------------------------------------------------------------------------

impl AtomKind {
    /// Every atom, in the order of SPEC §3's table; error messages list them in this order.
    pub const ALL: [AtomKind; 20] = [
        AtomKind::RunningPython,
        AtomKind::RunningTasks,
        AtomKind::Now,
        AtomKind::GilHandoffs,
        AtomKind::ForcedSwitches,
        AtomKind::TaskSwitches,
        AtomKind::GilFree,
        AtomKind::AllDone,
        AtomKind::HoldsGil,
        AtomKind::WaitingGil,
        AtomKind::Blocked,
        AtomKind::Sleeping,
        AtomKind::LoopBlocked,
        AtomKind::Running,
        AtomKind::Ready,
        AtomKind::Done,
        AtomKind::Progress,
        AtomKind::Var,
        AtomKind::Lateness,
        AtomKind::GilWait,
    ];

    /// The atom's name in the claim language.
    pub fn name(self) -> &'static str {
        match self {
            AtomKind::RunningPython => "running_python",
            AtomKind::RunningTasks => "running_tasks",
            AtomKind::Now => "now",
            AtomKind::GilHandoffs => "gil_handoffs",
            AtomKind::ForcedSwitches => "forced_switches",
            AtomKind::TaskSwitches => "task_switches",
            AtomKind::GilFree => "gil_free",
            AtomKind::AllDone => "all_done",
            AtomKind::HoldsGil => "holds_gil",
            AtomKind::WaitingGil => "waiting_gil",
            AtomKind::Blocked => "blocked",
            AtomKind::Sleeping => "sleeping",
            AtomKind::LoopBlocked => "loop_blocked",
            AtomKind::Running => "running",
            AtomKind::Ready => "ready",
            AtomKind::Done => "done",
            AtomKind::Progress => "progress",
            AtomKind::Var => "var",
            AtomKind::Lateness => "lateness",
            AtomKind::GilWait => "gil_wait",
        }
    }

    /// The atom called `name`, if any.
    pub fn from_name(name: &str) -> Option<AtomKind> {
        AtomKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether the atom is a condition (`true` / `false`) rather than a number.
    pub fn is_bool(self) -> bool {
        use AtomKind::*;
        matches!(
            self,
            GilFree | AllDone | HoldsGil | WaitingGil | Blocked | Sleeping | LoopBlocked | Running | Ready | Done
        )
    }

    /// Whether the atom names a thread, task or variable in parentheses.
    pub fn takes_arg(self) -> bool {
        use AtomKind::*;
        !matches!(
            self,
            RunningPython | RunningTasks | Now | GilHandoffs | ForcedSwitches | TaskSwitches | GilFree | AllDone
        )
    }

    /// What the argument names and an example name, for error messages.
    fn arg_noun(self) -> (&'static str, &'static str) {
        match self {
            AtomKind::Var => ("variable", "counter"),
            AtomKind::Ready | AtomKind::Lateness => ("task", "ticker"),
            AtomKind::LoopBlocked | AtomKind::GilWait => ("thread", "main"),
            _ => ("thread or task", "t1"),
        }
    }

    /// How the atom is written, with a placeholder argument: `holds_gil(X)`, `var(NAME)`.
    fn signature(self) -> String {
        match self {
            AtomKind::Var => "var(NAME)".to_owned(),
            kind if kind.takes_arg() => format!("{}(X)", kind.name()),
            kind => kind.name().to_owned(),
        }
    }
}

impl CmpOp {
    /// Every operator with its spelling.
    const ALL: [(CmpOp, &'static str); 6] = [
        (CmpOp::Eq, "=="),
        (CmpOp::Ne, "!="),
        (CmpOp::Lt, "<"),
        (CmpOp::Le, "<="),
        (CmpOp::Gt, ">"),
        (CmpOp::Ge, ">="),
    ];

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        CmpOp::ALL.iter().find(|(op, _)| *op == self).map_or("==", |(_, s)| s)
    }

    /// `a op b`.
    pub fn eval(self, a: i64, b: i64) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

impl Term {
    /// Every atom of the term, left to right.
    pub fn atoms(&self) -> Vec<&Atom> {
        let mut atoms = Vec::new();
        self.collect(&mut atoms, &mut Vec::new());
        atoms
    }

    /// One walk gathers both atoms and integer literals, so `atoms` and `constants` agree.
    fn collect<'a>(&'a self, atoms: &mut Vec<&'a Atom>, ints: &mut Vec<i64>) {
        match self {
            Term::Int(n) => ints.push(*n),
            Term::Atom(atom) => atoms.push(atom),
            Term::Add(a, b) | Term::Sub(a, b) => {
                a.collect(atoms, ints);
                b.collect(atoms, ints);
            }
        }
    }
}

impl Expr {
    /// Every atom of the expression, left to right.
    pub fn atoms(&self) -> Vec<&Atom> {
        let mut atoms = Vec::new();
        self.collect(&mut atoms, &mut Vec::new());
        atoms
    }

    fn collect<'a>(&'a self, atoms: &mut Vec<&'a Atom>, ints: &mut Vec<i64>) {
        match self {
            Expr::Implies(a, b) | Expr::Or(a, b) | Expr::And(a, b) => {
                a.collect(atoms, ints);
                b.collect(atoms, ints);
            }
            Expr::Not(a) => a.collect(atoms, ints),
            Expr::Cmp(a, _, b) => {
                a.collect(atoms, ints);
                b.collect(atoms, ints);
            }
            Expr::Atom(atom) => atoms.push(atom),
        }
    }
}

impl Check {
    /// Every atom of the check, left to right.
    pub fn atoms(&self) -> Vec<&Atom> {
        let mut atoms = Vec::new();
        self.collect(&mut atoms, &mut Vec::new());
        atoms
    }

    /// Every integer literal of the check, left to right: counters need only count to one
    /// above the largest of these to decide every comparison.
    pub fn constants(&self) -> Vec<i64> {
        let mut ints = Vec::new();
        self.collect(&mut Vec::new(), &mut ints);
        ints
    }

    fn collect<'a>(&'a self, atoms: &mut Vec<&'a Atom>, ints: &mut Vec<i64>) {
        match self {
            Check::Always(e) | Check::Never(e) | Check::Sometimes(e) | Check::Eventually(e) => e.collect(atoms, ints),
            Check::LeadsTo(a, b) => {
                a.collect(atoms, ints);
                b.collect(atoms, ints);
            }
            Check::Max(t, when) | Check::Min(t, when) => {
                t.collect(atoms, ints);
                if let Some(e) = when {
                    e.collect(atoms, ints);
                }
            }
        }
    }

    /// `eventually` and `leads_to`: decided on fair infinite paths, not on single states.
    pub fn is_liveness(&self) -> bool {
        matches!(self, Check::Eventually(_) | Check::LeadsTo(..))
    }

    /// `max` and `min`: the result is a number, not a verdict.
    pub fn is_quantitative(&self) -> bool {
        matches!(self, Check::Max(..) | Check::Min(..))
    }

    /// The word that names the check's form: `always`, …, `leads_to`, `max`, `min`.
    pub fn keyword(&self) -> &'static str {
        match self {
            Check::Always(_) => "always",
            Check::Never(_) => "never",
            Check::Sometimes(_) => "sometimes",
            Check::Eventually(_) => "eventually",
            Check::LeadsTo(..) => "leads_to",
            Check::Max(..) => "max",
            Check::Min(..) => "min",
        }
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.name())?;
        match &self.arg {
            Some(arg) => write!(f, "({arg})"),
            None => Ok(()),
        }
    }
}

/// Binding strength of a term: `+`/`-` bind 1, literals and atoms 2.
fn term_level(t: &Term) -> u8 {
    match t {
        Term::Add(..) | Term::Sub(..) => 1,
        Term::Int(_) | Term::Atom(_) => 2,
    }
}

/// Writes `t`, in parentheses when it binds looser than `min` (so printing then parsing gives
/// the same tree: `a - (b - c)` keeps its parentheses, `(a - b) - c` loses them).
fn write_term(f: &mut fmt::Formatter<'_>, t: &Term, min: u8) -> fmt::Result {
    if term_level(t) < min {
        f.write_str("(")?;
        write_term(f, t, 1)?;
        return f.write_str(")");
    }
    match t {
        // The language has no negative literals; `0 - n` is how one is written.
        Term::Int(n) if *n < 0 => write!(f, "(0 - {})", n.unsigned_abs()),
        Term::Int(n) => write!(f, "{n}"),
        Term::Atom(atom) => write!(f, "{atom}"),
        Term::Add(a, b) | Term::Sub(a, b) => {
            write_term(f, a, 1)?;
            f.write_str(if matches!(t, Term::Add(..)) { " + " } else { " - " })?;
            write_term(f, b, 2)
        }
    }
}

/// Binding strength of an expression: `->` 1, `||` 2, `&&` 3, `!` 4, comparisons 5, atoms 6
/// (a comparison under `!` gets parentheses: `!(now >= 3)`, though `!now >= 3` parses the same).
fn expr_level(e: &Expr) -> u8 {
    match e {
        Expr::Implies(..) => 1,
        Expr::Or(..) => 2,
        Expr::And(..) => 3,
        Expr::Not(_) => 4,
        Expr::Cmp(..) => 5,
        Expr::Atom(_) => 6,
    }
}

/// Writes `e`, in parentheses when it binds looser than `min`.
fn write_expr(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if expr_level(e) < min {
        f.write_str("(")?;
        write_expr(f, e, 1)?;
        return f.write_str(")");
    }
    match e {
        // `->` groups to the right, `||` and `&&` to the left.
        Expr::Implies(a, b) => {
            write_expr(f, a, 2)?;
            f.write_str(" -> ")?;
            write_expr(f, b, 1)
        }
        Expr::Or(a, b) => {
            write_expr(f, a, 2)?;
            f.write_str(" || ")?;
            write_expr(f, b, 3)
        }
        Expr::And(a, b) => {
            write_expr(f, a, 3)?;
            f.write_str(" && ")?;
            write_expr(f, b, 4)
        }
        Expr::Not(a) => {
            f.write_str("!")?;
            write_expr(f, a, 6)
        }
        Expr::Cmp(a, op, b) => {
            write_term(f, a, 1)?;
            write!(f, " {op} ")?;
            write_term(f, b, 1)
        }
        Expr::Atom(atom) => write!(f, "{atom}"),
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_term(f, self, 1)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, self, 1)
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Always(e) | Check::Never(e) | Check::Sometimes(e) | Check::Eventually(e) => {
                write!(f, "{} {e}", self.keyword())
            }
            Check::LeadsTo(a, b) => write!(f, "{a} leads_to {b}"),
            Check::Max(t, when) | Check::Min(t, when) => {
                write!(f, "{} {t}", self.keyword())?;
                match when {
                    Some(e) => write!(f, " when {e}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Refuted => "refuted",
        })
    }
}

impl fmt::Display for Trend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trend::Increasing => "increasing",
            Trend::NonDecreasing => "non-decreasing",
            Trend::Constant => "constant",
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Verdict(v) => write!(f, "{v}"),
            Outcome::Bound(op, n) => write!(f, "{op} {n}"),
            Outcome::Series(t) => write!(f, "{t}"),
        }
    }
}

/// The words `expect` takes besides bounds.
const OUTCOME_WORDS: [(&str, Outcome); 5] = [
    ("holds", Outcome::Verdict(Verdict::Holds)),
    ("refuted", Outcome::Verdict(Verdict::Refuted)),
    ("increasing", Outcome::Series(Trend::Increasing)),
    ("non-decreasing", Outcome::Series(Trend::NonDecreasing)),
    ("constant", Outcome::Series(Trend::Constant)),
];

const OUTCOME_EXPECTED: &str = "expected `holds`, `refuted`, `increasing`, `non-decreasing`, \
     `constant`, or a bound such as `>= 3`";

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
    End,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// Operators and parentheses; two-character spellings come first so `<=` is not read as `<`.
const SYMBOLS: [(&str, Tok); 14] = [
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
];

/// A syntax or type error in a check: where (byte offset), what is wrong, what was expected.
#[derive(Debug)]
struct ParseError {
    offset: usize,
    what: String,
    expected: String,
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
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
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

fn parse_check_located(text: &str) -> PResult<Check> {
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
        if AtomKind::from_name(word).is_some() || KEYWORDS.contains(&word) {
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
        let arg = if kind.takes_arg() {
            let (noun, example) = kind.arg_noun();
            let wanted = |found: Token, this: &Self| {
                ParseError::new(
                    found.start,
                    format!("`{name}` takes one {noun} name in parentheses"),
                    format!("expected e.g. `{name}({example})`, found {}", this.describe(found)),
                )
            };
            let open = self.bump();
            let arg = self.bump();
            let close = self.bump();
            for (token, tok) in [(open, Tok::LParen), (arg, Tok::Ident), (close, Tok::RParen)] {
                if token.tok != tok {
                    return Err(wanted(token, self));
                }
            }
            end = close.end;
            Some(self.text[arg.start..arg.end].to_owned())
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
        let atom = Atom { kind, arg, offset: name_tok.start };
        let value = if kind.is_bool() { Value::Bool(Expr::Atom(atom)) } else { Value::Int(Term::Atom(atom)) };
        Ok(Val { value, start: name_tok.start, end, depth: 1 })
    }
}

/// `; did you mean `x`?` for the candidate closest to `word` (ignoring case), or nothing when
/// none is close enough to be a plausible typo.
fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&word, c), *c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).clamp(1, 3))
        .min_by_key(|(d, _)| *d)
        .map_or_else(String::new, |(_, c)| format!("; did you mean `{c}`?"))
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

// ---------------------------------------------------------------------------------------------
// Claim files
// ---------------------------------------------------------------------------------------------

/// A TOML value that keeps the byte span of every key and value below it, so that each
/// validation error can point at the offending place (serde's own errors cannot say "what was
/// expected" in the vocabulary of claim files).
#[derive(Debug)]
enum Node {
    Str(String),
    Array(Vec<Spanned<Node>>),
    /// Entries in the order written in the file.
    Table(Vec<(Spanned<String>, Spanned<Node>)>),
    Int(i64),
    Bool(bool),
    /// Any other value, by how messages name it ("an integer", …).
    Other(&'static str),
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Node::Str(_) => "a string",
            Node::Array(_) => "an array",
            Node::Table(_) => "a table",
            Node::Int(_) => "an integer",
            Node::Bool(_) => "a boolean",
            Node::Other(what) => what,
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

    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Other("a float"))
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

/// The keys of a `[[claims]]` entry, with what to write when a required one is missing
/// (`title` and `notes` are accepted for people and dropped).
const CLAIM_KEYS: [(&str, Option<&str>); 10] = [
    ("id", Some("id = \"seed.my-claim\"")),
    ("quote", Some("quote = \"the sentence, as people say it\"")),
    ("source", Some("source = \"seed\"")),
    ("models", Some("models = [\"asyncio/*\"]` (or, for a universal claim, `for_all = { threads = [1, 3] }")),
    ("for_all", None),
    ("check", Some("check = \"always running_tasks <= 1\"")),
    ("expect", Some("expect = \"holds\"")),
    ("variants", None),
    ("title", None),
    ("notes", None),
];

/// The keys of a `for_all` table.
const FOR_ALL_KEYS: [&str; 16] = [
    "threads",
    "loops",
    "tasks",
    "steps",
    "ticks",
    "count",
    "cores",
    "kinds",
    "shared_vars",
    "repeat",
    "time",
    "horizon",
    "cases",
    "shape",
    "block",
    "same_end",
];

/// Items of one generated program (a lock section counts once).
const FOR_ALL_MAX_STEPS: u32 = 8;
/// Programs per variant, at most.
const FOR_ALL_MAX_CASES: u32 = 1_000_000;

/// The CPython versions a claim can be checked under.
fn cpython_versions() -> Vec<String> {
    let mut versions = vec!["2.7".to_owned()];
    versions.extend((2..=14).map(|minor| format!("3.{minor}")));
    versions.extend(["3.13t".to_owned(), "3.14t".to_owned()]);
    versions
}

fn is_cpython_version(name: &str) -> bool {
    cpython_versions().iter().any(|v| v == name)
}

/// Globs match scenario names: `*` stays within one folder, `**` crosses folders.
fn compile_glob(pattern: &str) -> Result<globset::GlobMatcher, globset::Error> {
    globset::GlobBuilder::new(pattern).literal_separator(true).build().map(|glob| glob.compile_matcher())
}

/// Whether the scenario `name` matches `pattern` (a name, or a glob such as `asyncio/*`).
/// An invalid glob (refused when claim files are read) matches only itself.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    compile_glob(pattern).map_or(pattern == name, |glob| glob.is_match(name))
}

/// A value with the byte span it came from in the claim file.
type Located<T> = (T, Range<usize>);

/// The file being read, to locate errors in it.
struct ClaimFile<'a> {
    path: &'a Path,
    source: &'a str,
}

/// A claim table's entries, looked up by key.
struct Fields<'n> {
    /// The table's span: where to report a missing key (its `[[claims]]` header).
    table: Range<usize>,
    found: Vec<(&'static str, &'n Spanned<Node>)>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Spanned<Node>> {
        self.found.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

impl ClaimFile<'_> {
    fn error(&self, span: &Range<usize>, message: impl Into<String>) -> InputError {
        InputError::at_offset(self.path, self.source, span.start, message)
    }

    /// Every claim of the file, each with the span of its id (for duplicate-id errors).
    fn claims(&self) -> Result<Vec<Located<Claim>>, InputError> {
        let root: Node = toml::from_str(self.source).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let lines: Vec<&str> = e.message().lines().map(str::trim).collect();
            let message = if e.message().contains(TOML_DATETIME_MARKER) {
                "a date or time is not used in claim files; expected a string".to_owned()
            } else if lines.iter().any(|line| line.starts_with("expected")) {
                format!("invalid TOML: {}", lines.join("; "))
            } else {
                format!("invalid TOML: {}; expected valid TOML syntax", lines.join("; "))
            };
            self.error(&span, message)
        })?;
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

    fn claim(&self, table: &Spanned<Node>) -> Result<Located<Claim>, InputError> {
        let Node::Table(entries) = table.get_ref() else {
            return Err(self.error(
                &table.span(),
                format!("a claim is {}; expected a table, written `[[claims]]`", table.get_ref().describe()),
            ));
        };
        let mut fields = Fields { table: table.span(), found: Vec::new() };
        for (key, value) in entries {
            let Some((name, _)) = CLAIM_KEYS.iter().find(|(k, _)| k == key.get_ref()) else {
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
            };
            fields.found.push((name, value));
        }

        let id_node = self.required(&fields, "id")?;
        let id = self.text(id_node, "id")?;
        if let Some(bad) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c))) {
            return Err(self.error(
                &id_node.span(),
                format!("claim id `{id}` contains `{bad}`; expected only letters, digits, `_`, `.` and `-`"),
            ));
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
                        "invalid glob `{model}`: {}; expected a scenario name or a glob such as `asyncio/*`",
                        e.kind()
                    ),
                ));
            }
        }
        let check_node = self.required(&fields, "check")?;
        let check_text = self.text(check_node, "check")?;
        let inner = self.string_start(&check_node.span());
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
                self.error(&(inner + at..inner + at), format!("{what} in check `{check_text}`; expected {expected}"))
            })?;
        let check = parse_check_located(&check_text_1).map_err(|e| {
            // Exact when the check is written without escapes up to the error, as usual.
            let exact = self.source.get(inner..inner + e.offset) == check_text_1.get(..e.offset);
            let at = if exact { inner + e.offset } else { inner };
            // A triple-quoted check may span lines; the error stays on one.
            let message = format!("{} in check `{check_text}`; {}", e.what, e.expected);
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
        let (check_line, check_col) = line_col(self.source, inner);
        let (models_line, models_col) =
            fields.get("models").map_or((check_line, 1), |n| line_col(self.source, n.span().start));
        let claim = Claim {
            id: id.to_owned(),
            quote: quote.to_owned(),
            source: source.to_owned(),
            models: models.into_iter().map(|(m, _)| m.to_owned()).collect(),
            check,
            check_text: check_text.to_owned(),
            expect,
            variants,
            path: self.path.to_path_buf(),
            check_line,
            check_col,
            models_line,
            models_col,
            for_all,
        };
        Ok((claim, id_node.span()))
    }

    /// The `for_all` table of a universal claim.
    fn for_all(&self, node: &Spanned<Node>) -> Result<ForAll, InputError> {
        let Node::Table(entries) = node.get_ref() else {
            return Err(self.error(
                &node.span(),
                format!(
                    "`for_all` is {}; expected a table such as `for_all = {{ threads = [1, 3], steps = [1, 3] }}`",
                    node.get_ref().describe()
                ),
            ));
        };
        let mut f = ForAll::default();
        for (key, value) in entries {
            let k = key.get_ref().as_str();
            match k {
                "threads" => f.threads = self.range(value, k, 0, crate::input::scenario::MAX_THREADS)?,
                "loops" => f.loops = self.range(value, k, 0, crate::input::scenario::MAX_LOOPS as u32)?,
                "tasks" => f.tasks = self.range(value, k, 0, crate::input::scenario::MAX_TASKS)?,
                "steps" => f.steps = self.range(value, k, 1, FOR_ALL_MAX_STEPS)?,
                "ticks" => f.ticks = self.range(value, k, 1, crate::input::scenario::MAX_DURATION)?,
                "count" => f.count = self.range(value, k, 1, crate::input::scenario::MAX_THREADS)?,
                "cores" => f.cores = self.range(value, k, 1, crate::input::scenario::MAX_CORES)?,
                "block" => f.block = self.range(value, k, 1, crate::input::scenario::MAX_DURATION)?,
                "horizon" => f.horizon = self.range(value, k, 1, crate::input::scenario::MAX_HORIZON)?.0,
                "cases" => f.cases = self.range(value, k, 1, FOR_ALL_MAX_CASES)?.0,
                "shared_vars" => f.shared_vars = self.boolean(value, k)?,
                "repeat" => f.repeat = self.boolean(value, k)?,
                "same_end" => f.same_end = self.boolean(value, k)?,
                "time" => f.ticks_mode = self.word(value, k, &["untimed", "ticks"])? == "ticks",
                "shape" => {
                    let shapes = [Shape::Any, Shape::BlockingCall];
                    let name = self.word(value, k, &shapes.map(Shape::name))?;
                    f.shape = shapes.into_iter().find(|s| s.name() == name).unwrap_or(Shape::Any);
                }
                "kinds" => {
                    let kinds = self.strings(value, k)?;
                    for (kind, span) in &kinds {
                        if !crate::fuzz::generate::STEP_KINDS.contains(kind) {
                            return Err(self.error(
                                span,
                                format!(
                                    "unknown step kind `{kind}`; expected one of: {}{}",
                                    crate::fuzz::generate::STEP_KINDS.join(", "),
                                    did_you_mean(kind, &crate::fuzz::generate::STEP_KINDS)
                                ),
                            ));
                        }
                    }
                    f.kinds = kinds.into_iter().map(|(k, _)| k.to_owned()).collect();
                }
                _ => {
                    return Err(self.error(
                        &key.span(),
                        format!(
                            "unknown key `{k}` in `for_all`; expected one of: {}{}",
                            FOR_ALL_KEYS.join(", "),
                            did_you_mean(k, &FOR_ALL_KEYS)
                        ),
                    ))
                }
            }
        }
        let whole = node.span();
        if f.threads.0 + f.loops.0 == 0 && f.shape == Shape::Any {
            return Err(self.error(
                &whole,
                "`threads` and `loops` may both be 0, and a program needs a thread; expected `threads = [1, …]` or `loops = [1, …]`",
            ));
        }
        let loops = if f.shape == Shape::BlockingCall { 1 } else { f.loops.1 };
        let threads = f.threads.1 * f.count.1 + loops;
        let tasks = loops * f.tasks.1 * f.count.1 + if f.shape == Shape::BlockingCall { 2 } else { 0 };
        if threads > crate::input::scenario::MAX_THREADS || tasks > crate::input::scenario::MAX_TASKS {
            return Err(self.error(
                &whole,
                format!(
                    "`for_all` allows programs of up to {threads} threads and {tasks} tasks, copies counted; expected at most {} and {}",
                    crate::input::scenario::MAX_THREADS,
                    crate::input::scenario::MAX_TASKS
                ),
            ));
        }
        Ok(f)
    }

    /// `[min, max]` (or a single number `n`, meaning `[n, n]`) within `lo..=hi`.
    fn range(&self, node: &Spanned<Node>, key: &str, lo: u32, hi: u32) -> Result<(u32, u32), InputError> {
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

    fn boolean(&self, node: &Spanned<Node>, key: &str) -> Result<bool, InputError> {
        match node.get_ref() {
            Node::Bool(b) => Ok(*b),
            other => Err(self.error(&node.span(), format!("`{key}` is {}; expected true or false", other.describe()))),
        }
    }

    /// One of `words`.
    fn word<'n>(&self, node: &'n Spanned<Node>, key: &str, words: &[&str]) -> Result<&'n str, InputError> {
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

    /// A universal claim's check is a safety check or `sometimes`, and reads the clock only on
    /// programs with one.
    fn universal_check(&self, node: &Spanned<Node>, check: &Check, f: &ForAll) -> Result<(), InputError> {
        if check.is_quantitative() || check.is_liveness() {
            return Err(self.error(
                &node.span(),
                format!(
                    "a universal claim's check cannot be `{}`; expected `always`, `never` or `sometimes`",
                    check.keyword()
                ),
            ));
        }
        let clock = check
            .atoms()
            .into_iter()
            .find(|a| matches!(a.kind, AtomKind::Now | AtomKind::Lateness | AtomKind::GilWait));
        if let (Some(atom), false) = (clock, f.ticks_mode) {
            return Err(self.error(
                &node.span(),
                format!("`{}` needs a clock; expected `time = \"ticks\"` in `for_all`", atom.kind.name()),
            ));
        }
        Ok(())
    }

    fn required<'n>(&self, fields: &Fields<'n>, key: &str) -> Result<&'n Spanned<Node>, InputError> {
        fields.get(key).ok_or_else(|| {
            let example = CLAIM_KEYS.iter().find(|(k, _)| *k == key).and_then(|(_, e)| *e);
            self.error(&fields.table, format!("this claim has no `{key}`; expected e.g. `{}`", example.unwrap_or(key)))
        })
    }

    /// The value of `key` as a string.
    fn string<'n>(&self, node: &'n Spanned<Node>, key: &str) -> Result<&'n str, InputError> {
        match node.get_ref() {
            Node::Str(s) => Ok(s),
            other => Err(self.error(&node.span(), format!("`{key}` is {}; expected a string", other.describe()))),
        }
    }

    /// The value of `key` as a non-empty string.
    fn text<'n>(&self, node: &'n Spanned<Node>, key: &str) -> Result<&'n str, InputError> {
        let s = self.string(node, key)?;
        if s.trim().is_empty() {
            return Err(self.error(&node.span(), format!("`{key}` is empty; expected some text")));
        }
        Ok(s)
    }

    /// The value of `key` as a non-empty array of non-empty strings, each with its span.
    fn strings<'n>(&self, node: &'n Spanned<Node>, key: &str) -> Result<Vec<Located<&'n str>>, InputError> {
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

    /// Where the text of the string value at `span` starts: after its opening quote(s), and
    /// after the newline that TOML drops right after `"""` or `'''`.
    fn string_start(&self, span: &Range<usize>) -> usize {
        let rest = self.source.get(span.start..).unwrap_or("");
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
        start.min(self.source.len())
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
        if is_cpython_version(name) {
            return Ok(());
        }
        let versions = cpython_versions();
        let names: Vec<&str> = versions.iter().map(String::as_str).collect();
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

/// The key under which toml hands a date or time to serde: such a value cannot become a
/// `Node` key with a span, and is reported as "not used here" instead.
const TOML_DATETIME_MARKER: &str = "$__toml_private_datetime";

/// Parses one claim file (SPEC §3); `path` is only used to locate errors.
pub fn parse_claim_file(path: &Path, source: &str) -> Result<Vec<Claim>, InputError> {
    let claims = ClaimFile { path, source }.claims()?;
    let mut ids = ClaimIds::default();
    for (claim, span) in &claims {
        ids.add(path, source, &claim.id, span)?;
    }
    Ok(claims.into_iter().map(|(claim, _)| claim).collect())
}

/// Claim ids seen so far, with where each was defined.
#[derive(Default)]
struct ClaimIds(HashMap<String, InputError>);

impl ClaimIds {
    fn add(&mut self, path: &Path, source: &str, id: &str, span: &Range<usize>) -> Result<(), InputError> {
        let here = InputError::at_offset(path, source, span.start, "");
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
        for file in toml_files(path)? {
            let source = std::fs::read_to_string(&file).map_err(|e| {
                InputError::new(
                    &file,
                    1,
                    1,
                    format!("cannot read the claim file: {e}; expected a readable UTF-8 TOML file"),
                )
            })?;
            for (claim, span) in (ClaimFile { path: &file, source: &source }).claims()? {
                ids.add(&file, &source, &claim.id, &span)?;
                all.push(claim);
            }
        }
    }
    Ok(all)
}

/// `path` itself, or when it is a folder every `*.toml` file below it, sorted. Symbolic links
/// to folders are not followed, so a link cycle cannot make this loop.
fn toml_files(path: &Path) -> Result<Vec<PathBuf>, InputError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let unreadable = |dir: &Path, e: std::io::Error| {
        InputError::new(dir, 1, 1, format!("cannot read the folder: {e}; expected a readable folder of claim files"))
    };
    let mut files = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|e| unreadable(&folder, e))? {
            let entry = entry.map_err(|e| unreadable(&folder, e))?;
            let file_type = entry.file_type().map_err(|e| unreadable(&folder, e))?;
            let path = entry.path();
            if file_type.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn atom(kind: AtomKind, arg: Option<&str>, offset: usize) -> Atom {
        Atom { kind, arg: arg.map(str::to_owned), offset }
    }

    fn ok(text: &str) -> Check {
        parse_check(text).unwrap_or_else(|(at, msg)| panic!("{text:?} at {at}: {msg}"))
    }

    fn err(text: &str) -> (usize, String) {
        match parse_check(text) {
            Ok(check) => panic!("{text:?} parsed as {check:?}"),
            Err(e) => e,
        }
    }

    /// The check with every atom offset zeroed, to compare trees regardless of spacing.
    fn stripped(mut check: Check) -> Check {
        fn term(t: &mut Term) {
            match t {
                Term::Int(_) => {}
                Term::Atom(a) => a.offset = 0,
                Term::Add(a, b) | Term::Sub(a, b) => {
                    term(a);
                    term(b);
                }
            }
        }
        fn expr(e: &mut Expr) {
            match e {
                Expr::Implies(a, b) | Expr::Or(a, b) | Expr::And(a, b) => {
                    expr(a);
                    expr(b);
                }
                Expr::Not(a) => expr(a),
                Expr::Cmp(a, _, b) => {
                    term(a);
                    term(b);
                }
                Expr::Atom(a) => a.offset = 0,
            }
        }
        match &mut check {
            Check::Always(e) | Check::Never(e) | Check::Sometimes(e) | Check::Eventually(e) => expr(e),
            Check::LeadsTo(a, b) => {
                expr(a);
                expr(b);
            }
            Check::Max(t, when) | Check::Min(t, when) => {
                term(t);
                if let Some(e) = when {
                    expr(e);
                }
            }
        }
        check
    }

    fn same_tree(a: &str, b: &str) {
        assert_eq!(stripped(ok(a)), stripped(ok(b)), "{a:?} vs {b:?}");
    }

    #[test]
    fn every_form_parses() {
        let gil_free = || Expr::Atom(atom(AtomKind::GilFree, None, 0));
        let cases = [
            ("always gil_free", Check::Always(gil_free())),
            ("never gil_free", Check::Never(gil_free())),
            ("sometimes gil_free", Check::Sometimes(gil_free())),
            ("eventually gil_free", Check::Eventually(gil_free())),
            ("gil_free leads_to gil_free", Check::LeadsTo(gil_free(), gil_free())),
            ("max 3", Check::Max(Term::Int(3), None)),
            ("min 3 when gil_free", Check::Min(Term::Int(3), Some(gil_free()))),
        ];
        for (text, want) in cases {
            assert_eq!(stripped(ok(text)), want, "{text}");
        }
    }

    #[test]
    fn every_atom_parses_with_its_type_and_offset() {
        for kind in AtomKind::ALL {
            let written = if kind.takes_arg() { format!("{}(x_1)", kind.name()) } else { kind.name().to_owned() };
            let text = if kind.is_bool() { format!("always {written}") } else { format!("always {written} >= 1") };
            let check = ok(&text);
            assert_eq!(check.atoms(), vec![&atom(kind, kind.takes_arg().then_some("x_1"), 7)], "{text}");
            assert_eq!(check.to_string(), text);
        }
    }

    #[test]
    fn precedence_and_associativity() {
        same_tree("always gil_free || all_done && done(a)", "always gil_free || (all_done && done(a))");
        same_tree("always gil_free -> all_done -> done(a)", "always gil_free -> (all_done -> done(a))");
        same_tree("always !gil_free && all_done", "always (!gil_free) && all_done");
        same_tree("always gil_free && all_done || done(a)", "always (gil_free && all_done) || done(a)");
        same_tree("always gil_free || all_done -> done(a)", "always (gil_free || all_done) -> done(a)");
        same_tree("always !now >= 3", "always !(now >= 3)");
        same_tree("always now - 1 - 2 > 0", "always ((now - 1) - 2) > 0");
        same_tree("always now + 1 > 2 && gil_free", "always ((now + 1) > 2) && gil_free");
        same_tree(
            "gil_free -> all_done leads_to done(a) || gil_free",
            "(gil_free -> all_done) leads_to (done(a) || gil_free)",
        );
        same_tree("max now - 1 when all_done -> gil_free", "max (now - 1) when (all_done -> gil_free)");
        let Check::Always(Expr::Implies(a, _)) = ok("always gil_free -> all_done -> done(a)") else { panic!() };
        assert_eq!(*a, Expr::Atom(atom(AtomKind::GilFree, None, 7)));
    }

    #[test]
    fn parentheses_group_terms_and_expressions() {
        same_tree("always (now + 1) > 2", "always now + 1 > 2");
        same_tree("always !(gil_free && all_done)", "always !(gil_free && all_done)");
        same_tree("always ((now)) >= (((3)))", "always now >= 3");
        same_tree("always ((gil_free))", "always gil_free");
        same_tree("max (now + (1 - 2))", "max now + (1 - 2)");
        assert_ne!(stripped(ok("always now - (1 - 2) > 0")), stripped(ok("always now - 1 - 2 > 0")));
        same_tree("always (now >= 3) && (gil_free)", "always now >= 3 && gil_free");
    }

    #[test]
    fn type_errors_say_what_the_operand_is() {
        assert_eq!(err("always now"), (7, "`now` is a number; compare it, e.g. `now >= 3`".into()));
        assert_eq!(err("always 3 && gil_free"), (7, "`3` is a number; compare it, e.g. `3 >= 3`".into()));
        assert_eq!(err("always !(now + 1)").1, "`(now + 1)` is a number; compare it, e.g. `(now + 1) >= 3`");
        assert!(err("always gil_free + 1 > 2").1.starts_with("`gil_free` is a condition, not a number"));
        assert!(err("always holds_gil(a) == gil_free").1.starts_with("`holds_gil(a)` is a condition"));
        assert_eq!(err("max all_done").0, 4);
        assert_eq!(err("max now when now").1, "`now` is a number; compare it, e.g. `now >= 3`");
        assert_eq!(err("now leads_to gil_free").1, "`now` is a number; compare it, e.g. `now >= 3`");
        assert_eq!(err("always gil_free -> (now)").0, 19);
    }

    #[test]
    fn syntax_errors_say_where_and_what_was_expected() {
        let (at, msg) = err("always holds_gill(t1)");
        assert_eq!(at, 7);
        assert!(msg.starts_with("unknown atom `holds_gill`; expected one of: running_python, "), "{msg}");
        assert!(msg.ends_with("gil_wait(X); did you mean `holds_gil`?"), "{msg}");
        assert_eq!(
            err("always now 3"),
            (11, "unexpected `3`; expected a comparison operator after `now`, e.g. `now >= 3`".into())
        );
        assert_eq!(
            err("always holds_gil"),
            (16, "`holds_gil` takes one thread or task name in parentheses; expected e.g. `holds_gil(t1)`, found the end of the check".into())
        );
        assert_eq!(
            err("always var(3) > 1").1,
            "`var` takes one variable name in parentheses; expected e.g. `var(counter)`, found `3`"
        );
        assert_eq!(err("always now() > 1"), (10, "`now` takes no argument; expected `now` alone".into()));
        assert_eq!(
            err("always gil_free)").1,
            "unexpected `)`: no `(` is open; expected `&&`, `||`, `->` or the end of the check after `gil_free`"
        );
        assert_eq!(err("always (gil_free"), (7, "this `(` is never closed; expected a matching `)`".into()));
        assert_eq!(err("always (gil_free all_done)").0, 17);
        let forms = "expected `always`, `never`, `sometimes`, `eventually`, `max`, `min`, or an expression followed by `leads_to`";
        assert_eq!(err(""), (0, format!("the check is empty; {forms}")));
        assert_eq!(err("   "), (0, format!("the check is empty; {forms}")));
        assert_eq!(err("alway gil_free"), (0, format!("unknown word `alway`; {forms}; did you mean `always`?")));
        assert_eq!(err("Never gil_free").1, format!("unknown word `Never`; {forms}; did you mean `never`?"));
        assert_eq!(err("gil_free"), (0, format!("the check does not say when its condition must hold; {forms}")));
        assert_eq!(
            err("done(a) leadsto done(b)").1,
            "unexpected `leadsto`; expected `&&`, `||`, `->` or `leads_to` after `done(a)`; did you mean `leads_to`?"
        );
        assert_eq!(err("always 1 < now < 3").0, 15);
        assert_eq!(err("always now >= -3").0, 14);
        assert_eq!(
            err("always now > 1 when gil_free").1,
            "unexpected `when`; expected `&&`, `||`, `->` or the end of the check after `now > 1`"
        );
        assert_eq!(err("always leads_to").1, "unexpected keyword `leads_to`; expected an atom, a number, `!` or `(`");
        assert_eq!(err("max now 3").1, "unexpected `3`; expected `+`, `-`, `when` or the end of the check after `now`");
        assert_eq!(err("always gil_free & all_done"), (16, "`&` is not an operator; expected `&&`".into()));
        assert_eq!(err("always now = 3").1, "`=` is not an operator; expected `==`");
        assert_eq!(
            err("always now > ").1,
            "the check ends too early; expected a number: an integer, a counting atom such as `now`, or `(`"
        );
        assert!(err("always now > 99999999999999999999").1.starts_with("number `99999999999999999999` is too large"));
        assert_eq!(err("always é").0, 7);
    }

    #[test]
    fn nesting_is_bounded_not_a_stack_overflow() {
        let deep = |open: &str, close: &str| format!("always {}gil_free{}", open.repeat(10_000), close.repeat(10_000));
        for text in [
            deep("(", ")"),
            deep("!", ""),
            deep("gil_free -> ", ""),
            deep("gil_free && ", ""),
            deep("", " || gil_free"),
            format!("always {}1 > 0", "now + ".repeat(10_000)),
        ] {
            let (_, msg) = err(&text);
            assert!(msg.contains("nests more than 64"), "{msg}");
        }
        // Up to the limit is fine.
        ok(&format!("always {}gil_free{}", "(".repeat(60), ")".repeat(60)));
        ok(&format!("always {}gil_free", "!".repeat(60)));
    }

    #[test]
    fn queries() {
        let check = ok("always done(a) && now + 2 > progress(b) - 10 -> var(x) == 0");
        let names: Vec<String> = check.atoms().iter().map(|a| a.to_string()).collect();
        assert_eq!(names, ["done(a)", "now", "progress(b)", "var(x)"]);
        assert_eq!(check.constants(), [2, 10, 0]);
        assert_eq!(ok("max now when all_done").constants(), Vec::<i64>::new());
        assert_eq!(ok("min now + 5 when now > 7").constants(), [5, 7]);
        assert!(ok("eventually all_done").is_liveness());
        assert!(ok("ready(a) leads_to running(a)").is_liveness());
        assert!(!ok("always gil_free").is_liveness());
        assert!(ok("max now").is_quantitative() && ok("min now").is_quantitative());
        assert!(!ok("sometimes gil_free").is_quantitative());
        for (op, a, b, want) in [
            (CmpOp::Eq, 1, 1, true),
            (CmpOp::Ne, 1, 1, false),
            (CmpOp::Lt, 1, 2, true),
            (CmpOp::Le, 2, 2, true),
            (CmpOp::Gt, 2, 2, false),
            (CmpOp::Ge, 2, 3, false),
        ] {
            assert_eq!(op.eval(a, b), want, "{a} {op} {b}");
        }
    }

    #[test]
    fn printing_parenthesises_only_where_needed() {
        for text in [
            "always now - (1 - 2) > 0",
            "always (gil_free -> all_done) -> done(a)",
            "always gil_free -> all_done -> done(a)",
            "always (gil_free || all_done) && done(a)",
            "always !(now >= 3)",
            "always !(!gil_free)",
            "always !(gil_free && all_done)",
            "max now + 1 when all_done",
            "ready(t) leads_to running(t)",
        ] {
            assert_eq!(ok(text).to_string(), text);
        }
        assert_eq!(ok("always ((now)) >= (((3)))").to_string(), "always now >= 3");
        assert_eq!(Term::Int(-3).to_string(), "(0 - 3)");
    }

    #[test]
    fn outcomes_parse_and_print() {
        for (text, want) in [
            ("holds", Outcome::Verdict(Verdict::Holds)),
            (" refuted ", Outcome::Verdict(Verdict::Refuted)),
            ("increasing", Outcome::Series(Trend::Increasing)),
            ("non-decreasing", Outcome::Series(Trend::NonDecreasing)),
            ("constant", Outcome::Series(Trend::Constant)),
            (">= 3", Outcome::Bound(CmpOp::Ge, 3)),
            ("<=5", Outcome::Bound(CmpOp::Le, 5)),
            ("== 0", Outcome::Bound(CmpOp::Eq, 0)),
            ("> -1", Outcome::Bound(CmpOp::Gt, -1)),
        ] {
            assert_eq!(text.parse::<Outcome>(), Ok(want.clone()), "{text}");
            assert_eq!(want.to_string().parse::<Outcome>(), Ok(want));
        }
        assert_eq!(
            "hold".parse::<Outcome>(),
            Err("unknown outcome `hold`; expected `holds`, `refuted`, `increasing`, `non-decreasing`, `constant`, or a bound such as `>= 3`; did you mean `holds`?".into())
        );
        assert_eq!(
            ">= x".parse::<Outcome>(),
            Err("bound `>= x` needs a whole number after `>=`; expected e.g. `>= 3`".into())
        );
        assert!(
            "3".parse::<Outcome>().is_err() && "".parse::<Outcome>().is_err() && ">= 3 4".parse::<Outcome>().is_err()
        );
    }

    #[test]
    fn cpython_versions_are_exactly_the_supported_ones() {
        let mut good = vec!["2.7", "3.13t", "3.14t"];
        let minors: Vec<String> = (2..=14).map(|m| format!("3.{m}")).collect();
        good.extend(minors.iter().map(String::as_str));
        for v in &good {
            assert!(is_cpython_version(v), "{v}");
        }
        for v in ["3.1", "3.15", "3.0", "2.6", "3.02", "3.+5", "3.12t", "3.13T", "3", "", " 3.11", "3.11 "] {
            assert!(!is_cpython_version(v), "{v}");
        }
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(did_you_mean("chek", &["check", "expect"]), "; did you mean `check`?");
        assert_eq!(did_you_mean("zzzzz", &["check", "expect"]), "");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    fn arb_atom(boolean: bool) -> impl Strategy<Value = Atom> {
        let kinds: Vec<AtomKind> = AtomKind::ALL.into_iter().filter(|k| k.is_bool() == boolean).collect();
        (prop::sample::select(kinds), "[a-z_][a-z0-9_]{0,5}").prop_map(|(kind, arg)| Atom {
            kind,
            arg: kind.takes_arg().then_some(arg),
            offset: 0,
        })
    }

    fn arb_term() -> impl Strategy<Value = Term> {
        let leaf = prop_oneof![(0i64..1000).prop_map(Term::Int), arb_atom(false).prop_map(Term::Atom)];
        leaf.prop_recursive(4, 16, 2, |inner| {
            (inner.clone(), inner, any::<bool>()).prop_map(|(a, b, add)| {
                if add {
                    Term::Add(a.into(), b.into())
                } else {
                    Term::Sub(a.into(), b.into())
                }
            })
        })
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        let ops = prop::sample::select(CmpOp::ALL.map(|(op, _)| op).to_vec());
        let leaf = prop_oneof![
            arb_atom(true).prop_map(Expr::Atom),
            (arb_term(), ops, arb_term()).prop_map(|(a, op, b)| Expr::Cmp(a, op, b)),
        ];
        leaf.prop_recursive(5, 32, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Not(e.into())),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Implies(a.into(), b.into())),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Or(a.into(), b.into())),
                (inner.clone(), inner).prop_map(|(a, b)| Expr::And(a.into(), b.into())),
            ]
        })
    }

    fn arb_check() -> impl Strategy<Value = Check> {
        prop_oneof![
            arb_expr().prop_map(Check::Always),
            arb_expr().prop_map(Check::Never),
            arb_expr().prop_map(Check::Sometimes),
            arb_expr().prop_map(Check::Eventually),
            (arb_expr(), arb_expr()).prop_map(|(a, b)| Check::LeadsTo(a, b)),
            (arb_term(), prop::option::of(arb_expr())).prop_map(|(t, e)| Check::Max(t, e)),
            (arb_term(), prop::option::of(arb_expr())).prop_map(|(t, e)| Check::Min(t, e)),
        ]
    }

    /// Strings built from the language's own words reach deep into the parser.
    fn arb_check_text() -> impl Strategy<Value = String> {
        let words = vec![
            "always",
            "never",
            "max",
            "min",
            "when",
            "leads_to",
            "gil_free",
            "now",
            "holds_gil",
            "var",
            "t1",
            "(",
            ")",
            "!",
            "&&",
            "||",
            "->",
            "+",
            "-",
            "==",
            "<",
            ">=",
            "3",
            "0",
            "&",
            "=",
            "é",
            "holds_gill",
        ];
        prop::collection::vec(prop::sample::select(words), 0..24).prop_map(|w| w.join(" "))
    }

    proptest! {
        #[test]
        fn print_then_parse_gives_the_same_check(check in arb_check()) {
            let text = check.to_string();
            let parsed = parse_check(&text).map_err(|(at, msg)| TestCaseError::fail(format!("{text:?} at {at}: {msg}")))?;
            prop_assert_eq!(&parsed.to_string(), &text);
            prop_assert_eq!(stripped(parsed), check);
        }

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            if let Err((at, msg)) = parse_check(&text) {
                prop_assert!(at <= text.len() && text.is_char_boundary(at) && !msg.is_empty());
            }
        }

        #[test]
        fn word_soup_never_panics_and_reparses(text in arb_check_text()) {
            match parse_check(&text) {
                Ok(check) => prop_assert_eq!(stripped(ok(&check.to_string())), stripped(check)),
                Err((at, msg)) => prop_assert!(at <= text.len() && msg.contains("; ")),
            }
        }
    }
}
