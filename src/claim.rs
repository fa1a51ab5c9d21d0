//! Claim files (`properties/**/*.toml`) and the claim language (SPEC §3): each claim is a
//! sentence people say about the GIL or asyncio, its formal check, the scenarios it is checked
//! on and the verdict we expect. This module parses and validates; it evaluates nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::InputError;

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
}
