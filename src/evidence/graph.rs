//! Graphs for people: a counterexample as a DOT graph (a path, or a lasso whose last edge
//! closes the cycle; the reports draw it with [`super::trace_graph`]), the whole reachable
//! state graph of a small scenario, and its SVG made in Rust (layout-rs), so no Graphviz is
//! needed.
//!
//! Nodes show what matters in a state (the clock, the GIL holder and a pending drop request,
//! each thread's step, each loop's ready queue, each task); lines that changed since the
//! previous state are marked with `»`; edges carry the action; a lasso's cycle is shaded.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use stateright::Model;

use crate::cpython::model::{GilModel, Trace};
use crate::cpython::state::State;

/// Colours: the refuting state, the states of a lasso's cycle.
pub(crate) const BAD: &str = "#ffdddd";
pub(crate) const CYCLE: &str = "#fff3c4";

/// Text inside a quoted DOT string: backslashes and quotes escaped, a newline as DOT's line
/// break, every other control character as its visible symbol (layout-rs reads a NUL as the
/// end of the input, and XML allows none of them in the SVG made from it).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(visible(c)),
        }
    }
    out
}

/// A character as it may appear in XML text: control characters as the symbols that picture
/// them (U+2400 …), the non-characters XML refuses as U+FFFD.
pub(crate) fn visible(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
        c => c,
    }
}

/// A state's lines under its number, each with whether it changed since `prev` (then marked
/// with `»`).
pub(crate) fn node_lines(model: &GilModel, s: &State, prev: Option<&State>, number: usize) -> Vec<(String, bool)> {
    let before = prev.map(|p| model.state_lines(p)).unwrap_or_default();
    let mut lines = vec![(format!("#{number}"), false)];
    for line in model.state_lines(s) {
        let changed = prev.is_some() && !before.contains(&line);
        lines.push(if changed { (format!("» {line}"), true) } else { (line, false) });
    }
    lines
}

/// A node label: [`node_lines`] as one DOT string.
fn label(model: &GilModel, s: &State, prev: Option<&State>, number: usize) -> String {
    node_lines(model, s, prev, number).iter().map(|(l, _)| escape(l)).collect::<Vec<_>>().join("\\n")
}

/// A counterexample (or witness) as DOT. With `loop_start`, the trace's last state is the
/// state at `loop_start` again: its edge is drawn back to that node and the cycle is shaded.
pub fn trace_dot(model: &GilModel, title: &str, trace: &Trace, loop_start: Option<usize>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape(title));
    out.push_str("  node [shape=box, fontname=\"monospace\", fontsize=10];\n  edge [fontsize=9];\n");
    let nodes = if loop_start.is_some() { trace.len() - 1 } else { trace.len() };
    for (i, (_, s)) in trace.iter().enumerate().take(nodes) {
        let prev = i.checked_sub(1).map(|p| &trace[p].1);
        let fill = match loop_start {
            Some(l) if i >= l => format!(", style=filled, fillcolor=\"{CYCLE}\""),
            None if i + 1 == nodes => format!(", style=filled, fillcolor=\"{BAD}\""),
            _ => String::new(),
        };
        let _ = writeln!(out, "  s{i} [label=\"{}\"{fill}];", label(model, s, prev, i));
    }
    for i in 1..trace.len() {
        let (action, _) = &trace[i];
        let prev = &trace[i - 1].1;
        let text = action.map(|a| model.describe_action(prev, a)).unwrap_or_default();
        let closes_loop = loop_start.filter(|_| i == trace.len() - 1);
        let (to, style) = match closes_loop {
            Some(l) => (l, ", color=\"#e65100\", fontcolor=\"#e65100\", penwidth=2, constraint=false"),
            None => (i, ""),
        };
        let _ = writeln!(out, "  s{} -> s{to} [label=\"{}\"{style}];", i - 1, escape(&text));
    }
    out.push_str("}\n");
    out
}

/// A state graph with more states than the drawing may have.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge;

/// The whole reachable state graph, breadth first, unless it has more than `limit` states.
pub fn state_graph_dot(model: &GilModel, title: &str, limit: usize) -> Result<String, TooLarge> {
    let dims = model.sys.dims();
    let mut buf = Vec::new();
    let mut key = |s: &State| {
        s.encode(&dims, &mut buf);
        buf.clone()
    };
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut states: Vec<State> = Vec::new();
    let mut edges: Vec<(usize, usize, String)> = Vec::new();
    let mut queue = VecDeque::new();
    for s in model.init_states() {
        index.insert(key(&s), 0);
        states.push(s);
        queue.push_back(0);
    }
    let mut actions = Vec::new();
    while let Some(i) = queue.pop_front() {
        actions.clear();
        model.actions(&states[i], &mut actions);
        for &a in &actions {
            let next = model.apply(&states[i], a);
            let k = key(&next);
            let j = match index.get(&k) {
                Some(&j) => j,
                None => {
                    if states.len() >= limit {
                        return Err(TooLarge);
                    }
                    index.insert(k, states.len());
                    states.push(next);
                    queue.push_back(states.len() - 1);
                    states.len() - 1
                }
            };
            edges.push((i, j, model.describe_action(&states[i], a)));
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape(title));
    out.push_str("  node [shape=box, fontname=\"monospace\", fontsize=10];\n  edge [fontsize=9];\n");
    for (i, s) in states.iter().enumerate() {
        let _ = writeln!(out, "  s{i} [label=\"{}\"];", label(model, s, None, i));
    }
    for (i, j, text) in edges {
        let _ = writeln!(out, "  s{i} -> s{j} [label=\"{}\"];", escape(&text));
    }
    out.push_str("}\n");
    Ok(out)
}

/// Renders DOT as SVG with a layered layout, in Rust.
pub fn svg(dot: &str) -> Result<String, String> {
    let mut parser = layout::gv::DotParser::new(dot);
    let graph = parser.process().map_err(|e| format!("DOT does not parse: {e}"))?;
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&graph);
    let mut visual = builder.get();
    let mut writer = layout::backends::svg::SVGWriter::new();
    visual.do_it(false, false, false, &mut writer);
    Ok(sort_style_rules(&writer.finalize()))
}

/// layout-rs lists its font classes in hash-map order; sorting them makes the SVG the same
/// bytes on every run.
fn sort_style_rules(svg: &str) -> String {
    let (Some(open), Some(close)) = (svg.find("<style>"), svg.find("</style>")) else { return svg.to_string() };
    let body = &svg[open + "<style>".len()..close];
    let mut rules: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();
    rules.sort_unstable();
    format!("{}<style>\n{}\n{}", &svg[..open], rules.join("\n"), &svg[close..])
}
