//! The claim language: parsing, printing, errors, and round trips over generated checks.

use super::*;
use proptest::prelude::*;

fn atom(kind: AtomKind, arg: Option<&str>, offset: usize) -> Atom {
    Atom { kind, arg: arg.map(str::to_owned), lock: None, offset }
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
            Expr::Quant(q) => {
                q.offset = 0;
                expr(&mut q.body);
            }
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
        let holds_lock = kind == AtomKind::HoldsLock;
        let written = match (holds_lock, kind.takes_arg()) {
            (true, _) => format!("{}(l, x_1)", kind.name()),
            (false, true) => format!("{}(x_1)", kind.name()),
            (false, false) => kind.name().to_owned(),
        };
        let text = if kind.is_bool() { format!("always {written}") } else { format!("always {written} >= 1") };
        let check = ok(&text);
        let mut expected = atom(kind, kind.takes_arg().then_some("x_1"), 7);
        expected.lock = holds_lock.then(|| "l".to_owned());
        assert_eq!(check.atoms(), vec![&expected], "{text}");
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
    assert!(msg.ends_with("qsize(Q), local(X), holds_lock(L, X), cancelled(X); did you mean `holds_gil`?"), "{msg}");
    let (at, msg) = err("always holds_lock(t1)");
    assert_eq!(at, 20);
    assert!(msg.starts_with("`holds_lock` takes a lock name and a thread or task name in parentheses"), "{msg}");
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
    let forms =
        "expected `always`, `never`, `sometimes`, `eventually`, `max`, `min`, or an expression followed by `leads_to`";
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
        Err("unknown outcome `hold`; expected `holds`, `refuted`, `increasing`, `non-decreasing`, `constant`, `decreasing`, `non-increasing`, or a bound such as `>= 3`; did you mean `holds`?".into())
    );
    assert_eq!(
        ">= x".parse::<Outcome>(),
        Err("bound `>= x` needs a whole number after `>=`; expected e.g. `>= 3`".into())
    );
    assert!("3".parse::<Outcome>().is_err() && "".parse::<Outcome>().is_err() && ">= 3 4".parse::<Outcome>().is_err());
}

#[test]
fn cpython_versions_are_exactly_the_supported_ones() {
    let mut good = vec!["2.7", "3.13t", "3.14t"];
    let minors: Vec<String> = (2..=14).map(|m| format!("3.{m}")).collect();
    good.extend(minors.iter().map(String::as_str));
    for v in &good {
        assert!(crate::input::scenario::PYTHON_VERSIONS.contains(v), "{v}");
    }
    for v in ["3.1", "3.15", "3.0", "2.6", "3.02", "3.+5", "3.12t", "3.13T", "3", "", " 3.11", "3.11 "] {
        assert!(!crate::input::scenario::PYTHON_VERSIONS.contains(&v), "{v}");
    }
}

fn arb_atom(boolean: bool) -> impl Strategy<Value = Atom> {
    let kinds: Vec<AtomKind> = AtomKind::ALL.into_iter().filter(|k| k.is_bool() == boolean).collect();
    (prop::sample::select(kinds), "[a-z_][a-z0-9_]{0,5}").prop_map(|(kind, arg)| Atom {
        kind,
        lock: (kind == AtomKind::HoldsLock).then(|| "l".to_owned()),
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
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(a.into(), b.into())),
            (any::<bool>(), prop::sample::select(vec!["job*", "*", "w0"]), inner).prop_map(|(all, pattern, body)| {
                Expr::Quant(Box::new(Quant { all, var: "X".into(), pattern: pattern.into(), body, offset: 0 }))
            }),
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
