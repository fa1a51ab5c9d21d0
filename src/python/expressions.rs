//! Expressions of the walk: assignments to shared globals (`x += 1`, `x = tmp + 1`), reads,
//! and calls in evaluation order, each costed by the call table ([`super::calls`]) or followed
//! into the file's functions.

use tree_sitter::Node;

use super::calls::{self, Cost};
use super::program::Placed;
use super::program::UNROLL;
use super::syntax::{children, is_async};
use super::walk::{Binding, Frame, Global, Walker};
use crate::input::scenario::{Duration, Step, WriteValue};

impl<'t> Walker<'t> {
    /// An expression used as a statement, or an assignment.
    pub(super) fn expression_statement(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        match node.kind() {
            "assignment" => self.assignment(frame, node, out),
            "augmented_assignment" => self.augmented(frame, node, out),
            _ => {
                self.expr(frame, node, out);
            }
        }
    }

    fn shared_var(&self, frame: &Frame<'t>, node: Node) -> Option<String> {
        let name = self.file.text(node);
        match self.globals.get(name) {
            Some(Global::Int(_)) if node.kind() == "identifier" && frame.globals.contains(name) => {
                Some(name.to_owned())
            }
            _ => None,
        }
    }

    /// The shared collection a subscript or method call acts on (`d[k]`, `items.append`).
    fn shared_collection(&self, node: Node) -> Option<String> {
        let name = self.file.text(node);
        matches!(self.globals.get(name), Some(Global::Collection)).then(|| name.to_owned())
    }

    fn has_call(&self, node: Node) -> bool {
        node.kind() == "call" || children(node).into_iter().any(|c| self.has_call(c))
    }

    fn augmented(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
            return;
        };
        let target = match left.kind() {
            "subscript" => left.child_by_field_name("value").and_then(|v| self.shared_collection(v)),
            _ => self.shared_var(frame, left),
        };
        let Some(x) = target else {
            self.expr(frame, right, out);
            return;
        };
        let op = node.child_by_field_name("operator").map_or("", |o| self.file.text(o));
        if op != "+=" {
            self.note(node, format!("`{op}` on shared `{x}` is modelled as `+= 1` (the same load, add, store race)"));
        }
        // `x += f()`: the call runs between the load of x and its store.
        let call = self.has_call(right);
        let mut inner = Vec::new();
        self.expr(frame, right, &mut inner);
        if call && !inner.is_empty() {
            // The call's own steps fall between the load and the store: a read and a write.
            self.place(frame, node, Step::Read(x.clone()), out);
            out.extend(inner);
            self.place(frame, node, Step::Write(x, WriteValue::LocalPlus(1)), out);
        } else if call {
            self.place(frame, node, Step::IncrCall(x), out);
        } else {
            self.place(frame, node, Step::Incr(x), out);
        }
    }

    fn assignment(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
            return;
        };
        // `d[k] = v` on a shared dict.
        if left.kind() == "subscript" {
            self.expr(frame, right, out);
            if let Some(d) = left.child_by_field_name("value").and_then(|v| self.shared_collection(v)) {
                self.place(frame, node, Step::Append(d), out);
            }
            return;
        }
        if let Some(x) = self.shared_var(frame, left) {
            self.write_shared(frame, node, &x, right, out);
            return;
        }
        let value = self.value(frame, right, out);
        if left.kind() == "identifier" {
            let name = self.file.text(left).to_owned();
            match value {
                Some(b) => {
                    frame.bindings.insert(name, b);
                }
                None => {
                    frame.bindings.remove(&name);
                }
            }
        }
    }

    /// `x = …` on shared `x`: `x = x + 1` is `incr x` (the same bytecode as `x += 1`), a
    /// constant is `write x C`, `x = local + k` after `local = x` is `write x local+k`.
    fn write_shared(&mut self, frame: &mut Frame<'t>, node: Node<'t>, x: &str, right: Node<'t>, out: &mut Vec<Placed>) {
        let x = x.to_owned();
        if let Some(Binding::Int(c)) = self.constant(frame, right) {
            self.place(frame, node, Step::Write(x, WriteValue::Const(c)), out);
            return;
        }
        if let Some((base, k)) = self.plus_constant(right) {
            if base == x {
                let step = if self.has_call(right) { Step::IncrCall(x) } else { Step::Incr(x) };
                self.place(frame, node, step, out);
                return;
            }
            if let Some(Binding::Read(var, j)) = frame.bindings.get(&base).cloned() {
                if var == x {
                    self.place(frame, node, Step::Write(x, WriteValue::LocalPlus(j + k)), out);
                    return;
                }
            }
        }
        self.expr(frame, right, out);
        self.note(node, format!("`{}`: modelled as a read and a write of `{x}`", self.file.snippet(node)));
        self.place(frame, node, Step::Read(x.clone()), out);
        self.place(frame, node, Step::Write(x, WriteValue::LocalPlus(0)), out);
    }

    /// `name + k` / `name - k` / `name`: the name and k.
    fn plus_constant(&self, node: Node) -> Option<(String, i64)> {
        match node.kind() {
            "identifier" => Some((self.file.text(node).to_owned(), 0)),
            "parenthesized_expression" => self.plus_constant(*children(node).first()?),
            "binary_operator" => {
                let op = self.file.text(node.child_by_field_name("operator")?);
                let left = node.child_by_field_name("left")?;
                let right = node.child_by_field_name("right")?;
                let k: i64 = match right.kind() {
                    "integer" => self.file.text(right).parse().ok()?,
                    "call" => 1,
                    _ => return None,
                };
                let (name, j) = self.plus_constant(left)?;
                match op {
                    "+" => Some((name, j + k)),
                    "-" => Some((name, j - k)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The steps of an expression, and what it binds a name to when assigned.
    pub fn value(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> Option<Binding<'t>> {
        if let Some((base, k)) = self.plus_constant(node) {
            if let Some(x) = self.globals.get(&base).and_then(|g| matches!(g, Global::Int(_)).then_some(base.clone())) {
                self.place(frame, node, Step::Read(x.clone()), out);
                return Some(Binding::Read(x, k));
            }
        }
        if let Some(c) = self.constant(frame, node) {
            return Some(c);
        }
        self.expr(frame, node, out)
    }

    /// The steps of an expression in evaluation order (inner calls first); what it evaluates
    /// to when the extractor follows it (threads, tasks, pools, coroutines).
    pub fn expr(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> Option<Binding<'t>> {
        match node.kind() {
            "call" => self.call(frame, node, out),
            "await" => {
                let inner = children(node).first().copied()?;
                self.await_expr(frame, node, inner, out);
                None
            }
            "list_comprehension" | "generator_expression" | "set_comprehension" => self.comprehension(frame, node, out),
            "lambda" | "string" | "integer" | "float" | "true" | "false" | "none" | "identifier" => None,
            _ => {
                let mut last = None;
                for child in children(node) {
                    last = self.expr(frame, child, out);
                }
                if node.kind() == "list" && children(node).is_empty() {
                    // `threads = []`: a list the loop below fills.
                    return Some(Binding::Threads(Vec::new()));
                }
                last.filter(|_| node.kind() == "parenthesized_expression")
            }
        }
    }

    /// `[f(x) for x in ITER]`: the element once per item, or a count of threads or tasks.
    fn comprehension(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> Option<Binding<'t>> {
        let parts = children(node);
        let body = *parts.first()?;
        let clause = parts.iter().find(|p| p.kind() == "for_in_clause")?;
        let iter = clause.child_by_field_name("right")?;
        let count = match self.constant(frame, iter) {
            Some(Binding::Len(n)) => self.copies(node, n),
            _ => {
                self.note(
                    node,
                    format!("a comprehension of unknown count: modelled as {}", self.out.defaults.loop_bound),
                );
                self.out.defaults.loop_bound
            }
        };
        if count == 0 {
            return None;
        }
        let mut steps = Vec::new();
        let made = self.expr(frame, body, &mut steps);
        match made {
            Some(Binding::Threads(ts)) if ts.len() == 1 => {
                self.out.actors[ts[0]].count = count;
                Some(Binding::Threads(ts))
            }
            Some(Binding::Coroutine(call, n)) => Some(Binding::Coroutine(call, n.saturating_mul(count).min(UNROLL))),
            other => {
                for i in 0..count.min(UNROLL) {
                    if i == 0 {
                        out.extend(steps.iter().cloned());
                    } else {
                        self.expr(frame, body, out);
                    }
                }
                other
            }
        }
    }

    /// A call: its receiver and arguments first, then the call itself.
    fn call(&mut self, frame: &mut Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) -> Option<Binding<'t>> {
        let function = node.child_by_field_name("function")?;
        let name = self.resolve(function);
        if let Some(made) = self.concurrency_call(frame, node, name.as_deref(), out) {
            return made;
        }
        if function.kind() == "attribute" {
            if let Some(object) = function.child_by_field_name("object") {
                let before = out.len();
                self.expr(frame, object, out);
                // `urlopen(u).read()`: reading the response is part of the same I/O.
                let method = function.child_by_field_name("attribute").map(|a| format!("x.{}", self.file.text(a)));
                let io_method = method.as_deref().and_then(calls::known).is_some_and(|k| k.cost == Cost::Io);
                if object.kind() == "call"
                    && io_method
                    && out.len() > before
                    && matches!(out[out.len() - 1].step, Step::Io(_))
                {
                    return None;
                }
            }
        }
        let args = self.args(node);
        if let Some(name) = &name {
            if self.functions.contains_key(name) {
                let def = self.functions[name];
                if is_async(def) {
                    return Some(Binding::Coroutine(node, 1));
                }
                for a in &args {
                    self.expr(frame, *a, out);
                }
                self.call_function(frame, node, name, &args, out);
                return None;
            }
        }
        for a in &args {
            self.expr(frame, *a, out);
        }
        if let Some(list) = node.child_by_field_name("arguments") {
            for kw in children(list).into_iter().filter(|a| a.kind() == "keyword_argument") {
                if let Some(v) = kw.child_by_field_name("value") {
                    self.expr(frame, v, out);
                }
            }
        }
        let Some(name) = name else {
            let method = function.child_by_field_name("attribute").map(|a| format!("x.{}", self.file.text(a)));
            if let Some(k) = method.as_deref().and_then(calls::known) {
                self.cost(frame, node, k.cost, &args, out);
                return None;
            }
            self.unknown_call(frame, node, out);
            return None;
        };
        if let Some(mapped) = self.mapping.calls.get(&name).cloned() {
            for step in mapped.into_iter().flatten() {
                self.place(frame, node, step, out);
            }
            return None;
        }
        match calls::known(&name) {
            Some(k) => self.cost(frame, node, k.cost, &args, out),
            None => self.unknown_call(frame, node, out),
        }
        None
    }

    pub fn cost(&mut self, frame: &Frame<'t>, node: Node<'t>, cost: Cost, args: &[Node<'t>], out: &mut Vec<Placed>) {
        let d = self.out.defaults.clone();
        let ticks = match cost {
            Cost::Sleep => match args.first().and_then(|a| self.seconds(frame, *a)) {
                Some(s) => self.ticks(s, false),
                None => {
                    self.note(node, format!("a sleep of unknown length: modelled as {} ticks", d.io));
                    d.io
                }
            },
            Cost::Io => d.io,
            Cost::CNoGil => d.c_nogil,
            Cost::CCall => d.c_call,
            Cost::Nothing => 0,
        };
        if let Some(step) = calls::step_of(cost, ticks) {
            self.place(frame, node, step, out);
        }
    }

    fn unknown_call(&mut self, frame: &Frame<'t>, node: Node<'t>, out: &mut Vec<Placed>) {
        let function = node.child_by_field_name("function").map_or("", |f| self.file.text(f));
        let what = if function.starts_with("self.") {
            format!("`{function}(…)` is a method call gilcheck cannot resolve")
        } else {
            format!("`{function}(…)` is not in the call table")
        };
        self.note(
            node,
            format!("{what}: modelled as `c_call 1`; say what it does with `# gilcheck: STEP` or a mapping file"),
        );
        self.place(frame, node, Step::CCall(Duration { lo: 1, hi: 1 }), out);
    }
}
