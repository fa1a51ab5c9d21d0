//! Claims (`properties/**/*.toml`, SPEC §3): each claim is a sentence people say about the GIL
//! or asyncio, its formal check, the scenarios it is checked on and the verdict we expect.
//!
//! This module holds the claim's types and the syntax tree of the claim language; [`lang`]
//! parses a check, [`file`](mod@file) reads claim files, [`for_all`] is the `for_all` table of universal
//! claims. It parses and validates; it evaluates nothing (that is [`crate::check`]).

pub mod file;
pub mod for_all;
pub mod lang;
mod print;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::input::located::InputError;

pub use file::{glob_matches, load_claims, parse_claim_file};
pub use for_all::{substitute, ForAll, Shape, STEP_KINDS};
pub use lang::parse_check;

impl Claim {
    /// What the claim expects under `variant`; an error (at the check) when its `expect`
    /// table has no entry for it.
    pub fn expected(&self, variant: &str) -> Result<Outcome, InputError> {
        match &self.expect {
            Expect::All(o) => Ok(o.clone()),
            Expect::PerVariant(map) => map.get(variant).cloned().ok_or_else(|| {
                let message = format!("claim `{}`: no expectation for variant {variant}", self.id);
                InputError::new(&self.path, self.check_line, 1, message)
            }),
        }
    }

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
    Deadlock,
    // boolean atoms of one thread or task
    HoldsGil,
    WaitingGil,
    Blocked,
    Sleeping,
    /// `working(X)`: X runs a step on a CPU or is inside a blocking call of its own (`io`,
    /// `time.sleep`): doing its work, not waiting for a lock, an event, a queue or the GIL.
    Working,
    LoopBlocked,
    Running,
    Ready,
    Done,
    // integer atoms of one thread, task or variable
    Progress,
    Var,
    Lateness,
    GilWait,
    /// The items in a `queue.Queue`.
    Qsize,
    /// The value a thread's or task's last `read` loaded (its local register).
    Local,
    /// `holds_lock(L, X)`: X has taken lock L and not given it back.
    HoldsLock,
    /// `cancelled(T)`: task T ended by `CancelledError`.
    Cancelled,
}

/// An atom as written, e.g. `holds_gil(t1)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Atom {
    pub kind: AtomKind,
    /// The thread, task or variable named in parentheses.
    pub arg: Option<String>,
    /// The lock `holds_lock(L, X)` names before its thread or task.
    pub lock: Option<String>,
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
    /// `all X in P: E` / `any X in P: E`.
    Quant(Box<Quant>),
}

/// A quantifier over the threads and tasks whose names match a pattern (`job*`): `E` with the
/// variable replaced by each name, joined by `&&` (`all`) or `||` (`any`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Quant {
    pub all: bool,
    pub var: String,
    pub pattern: String,
    pub body: Expr,
    /// Byte offset of `all` / `any` in the check text.
    pub offset: usize,
}

/// Whether `name` matches a name pattern of the claim language: `*` stands for any run of
/// characters (`job*` matches `job0`, `job1`, …; `*` matches every name).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => name
            .strip_prefix(head)
            .is_some_and(|rest| (0..=rest.len()).any(|i| rest.is_char_boundary(i) && name_matches(tail, &rest[i..]))),
    }
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
    Decreasing,
    NonIncreasing,
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
    /// Scenarios (names or globs) on which the check must be refuted: evidence that a `holds`
    /// could have failed (SPEC §3 "Falsifiability"). In order: a series' counter-models form a
    /// series whose trend must be refuted.
    pub counter_models: Vec<String>,
    /// A universal claim's shape parameters (`{D}` …) for checking it on its counter-models.
    pub counter_params: Vec<(String, i64)>,
    /// Why a `holds` that follows from the scenario's structure alone is still worth stating
    /// (the fact is structural in CPython too); without it such a row is reported as a defect.
    pub by_construction: Option<String>,
    /// The conformance runs and experiments that measured what the claim's source cites
    /// (`evidence = ["conform:folklore/incr-two-threads"]`), so that "measured" can be rerun.
    pub evidence: Vec<Evidence>,
    /// `negates_quote = true`: the check is the quote's negation ("X can deadlock" checked as
    /// `never deadlock`), so the report shows the quote's verdict, the check's turned around.
    pub negates_quote: bool,
    /// 1-based line and column of the `evidence` value (for errors about what it names).
    pub evidence_line: usize,
    pub evidence_col: usize,
}

/// One entry of a claim's `evidence`: where a figure its source cites comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// `conform:NAME`: the traces of scenario NAME that `gilcheck conform` recorded.
    Conform(String),
    /// `experiment:PATH ARGS…`: a Python script, relative to the project root, run with these
    /// arguments by `gilcheck conform --experiments` on every interpreter; its figure is the
    /// last line it prints that starts with `result: `.
    Experiment { path: String, args: Vec<String> },
}

impl Evidence {
    /// As written in a claim file.
    pub fn spelling(&self) -> String {
        match self {
            Evidence::Conform(model) => format!("conform:{model}"),
            Evidence::Experiment { path, args } if args.is_empty() => format!("experiment:{path}"),
            Evidence::Experiment { path, args } => format!("experiment:{path} {}", args.join(" ")),
        }
    }
}

impl AtomKind {
    /// Every atom, in the order of SPEC §3's table; error messages list them in this order.
    pub const ALL: [AtomKind; 26] = [
        AtomKind::RunningPython,
        AtomKind::RunningTasks,
        AtomKind::Now,
        AtomKind::GilHandoffs,
        AtomKind::ForcedSwitches,
        AtomKind::TaskSwitches,
        AtomKind::GilFree,
        AtomKind::AllDone,
        AtomKind::Deadlock,
        AtomKind::HoldsGil,
        AtomKind::WaitingGil,
        AtomKind::Blocked,
        AtomKind::Sleeping,
        AtomKind::Working,
        AtomKind::LoopBlocked,
        AtomKind::Running,
        AtomKind::Ready,
        AtomKind::Done,
        AtomKind::Progress,
        AtomKind::Var,
        AtomKind::Lateness,
        AtomKind::GilWait,
        AtomKind::Qsize,
        AtomKind::Local,
        AtomKind::HoldsLock,
        AtomKind::Cancelled,
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
            AtomKind::Deadlock => "deadlock",
            AtomKind::HoldsGil => "holds_gil",
            AtomKind::WaitingGil => "waiting_gil",
            AtomKind::Blocked => "blocked",
            AtomKind::Sleeping => "sleeping",
            AtomKind::Working => "working",
            AtomKind::LoopBlocked => "loop_blocked",
            AtomKind::Running => "running",
            AtomKind::Ready => "ready",
            AtomKind::Done => "done",
            AtomKind::Progress => "progress",
            AtomKind::Var => "var",
            AtomKind::Lateness => "lateness",
            AtomKind::GilWait => "gil_wait",
            AtomKind::Qsize => "qsize",
            AtomKind::Local => "local",
            AtomKind::HoldsLock => "holds_lock",
            AtomKind::Cancelled => "cancelled",
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
            GilFree
                | AllDone
                | Deadlock
                | HoldsGil
                | WaitingGil
                | Blocked
                | Sleeping
                | Working
                | LoopBlocked
                | Running
                | Ready
                | Done
                | HoldsLock
                | Cancelled
        )
    }

    /// Whether the atom names a thread, task or variable in parentheses.
    pub fn takes_arg(self) -> bool {
        use AtomKind::*;
        !matches!(
            self,
            RunningPython
                | RunningTasks
                | Now
                | GilHandoffs
                | ForcedSwitches
                | TaskSwitches
                | GilFree
                | AllDone
                | Deadlock
        )
    }

    /// What the argument names and an example name, for error messages.
    fn arg_noun(self) -> (&'static str, &'static str) {
        match self {
            AtomKind::Var => ("variable", "counter"),
            AtomKind::Ready | AtomKind::Lateness | AtomKind::Cancelled => ("task", "ticker"),
            AtomKind::LoopBlocked | AtomKind::GilWait => ("thread", "main"),
            AtomKind::Qsize => ("queue", "q"),
            _ => ("thread or task", "t1"),
        }
    }

    /// How the atom is written, with a placeholder argument: `holds_gil(X)`, `var(NAME)`.
    fn signature(self) -> String {
        match self {
            AtomKind::Var => "var(NAME)".to_owned(),
            AtomKind::Qsize => "qsize(Q)".to_owned(),
            AtomKind::HoldsLock => "holds_lock(L, X)".to_owned(),
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
            Expr::Quant(q) => q.body.collect(atoms, ints),
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

#[cfg(test)]
mod tests;
