//! Claims printed back: the check in the claim language with only the parentheses it needs,
//! verdicts, trends and outcomes as claim files spell them (and parsing an outcome back).

use std::fmt;

use super::*;

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.name())?;
        match (&self.lock, &self.arg) {
            (Some(lock), Some(arg)) => write!(f, "({lock}, {arg})"),
            (_, Some(arg)) => write!(f, "({arg})"),
            _ => Ok(()),
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
        // Its body reaches as far right as it can: parenthesized unless it stands alone.
        Expr::Quant(_) => 0,
    }
}

/// Writes `e`, in parentheses when it binds looser than `min`.
fn write_expr(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if expr_level(e) < min {
        f.write_str("(")?;
        write_expr(f, e, 0)?;
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
        Expr::Quant(q) => {
            write!(f, "{} {} in {}: ", if q.all { "all" } else { "any" }, q.var, q.pattern)?;
            write_expr(f, &q.body, 0)
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_term(f, self, 1)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, self, 0)
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
            Trend::Decreasing => "decreasing",
            Trend::NonIncreasing => "non-increasing",
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
