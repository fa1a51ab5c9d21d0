//! A counterexample drawn as SVG by a layout of its own: a path is a column of state boxes,
//! top to bottom, each edge's action written just beside it, and a lasso's closing edge drawn
//! as a coloured loop on the left back into the state where its cycle starts. A general
//! layered layout (layout-rs) places the labels of such a chain far from their edges and
//! makes the drawing twice as wide as its boxes and more; this one keeps the drawing within
//! twice its widest box, wrapping long labels to fit, and needs no Graphviz. The DOT of the
//! same graph stays ([`super::graph::trace_dot`]) for those who want Graphviz.

use std::fmt::Write as _;

use super::graph::{node_lines, BAD, CYCLE};
use super::timeline::xml;
use crate::cpython::model::{GilModel, Trace};

/// Advance of a character of the monospace fonts at 10 px (0.6 em), with a little room.
const CHAR: f64 = 6.2;
/// The same at 9 px, for edge labels.
const LABEL_CHAR: f64 = 5.6;
const LINE: f64 = 13.0;
const LABEL_LINE: f64 = 11.0;
const PAD_X: f64 = 6.0;
const PAD_Y: f64 = 4.0;
/// Room on the left for a lasso's loop.
const LEFT: f64 = 28.0;
const MARGIN: f64 = 8.0;
/// The shortest edge; a longer label makes its edge longer.
const MIN_EDGE: f64 = 24.0;
/// How far an edge's label sits to the right of the edge.
const LABEL_GAP: f64 = 8.0;
const LOOP_COLOUR: &str = "#e65100";
const CHANGED_COLOUR: &str = "#0d47a1";
const CHANGED_FILL: &str = "#e3f2fd";

/// One state's box.
struct Node {
    lines: Vec<(String, bool)>,
    fill: Option<&'static str>,
    width: f64,
    top: f64,
}

impl Node {
    fn height(&self) -> f64 {
        self.lines.len() as f64 * LINE + 2.0 * PAD_Y
    }
}

/// `text` cut at spaces into lines of at most `chars` characters (a longer word is cut).
fn wrap(text: &str, chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > chars {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..chars).collect());
        }
        let word: String = word.into_iter().collect();
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > chars {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The counterexample (or witness) `trace` as SVG. With `loop_start`, the trace's last state
/// is the state at `loop_start` again: its edge loops back to that box, and the cycle's boxes
/// are shaded; otherwise the last box, the state that decides the verdict, is.
pub fn trace_svg(model: &GilModel, title: &str, trace: &Trace, loop_start: Option<usize>) -> String {
    let count = if loop_start.is_some() { trace.len() - 1 } else { trace.len() };
    let mut nodes: Vec<Node> = trace[..count]
        .iter()
        .enumerate()
        .map(|(i, (_, s))| {
            let lines = node_lines(model, s, i.checked_sub(1).map(|p| &trace[p].1), i);
            let chars = lines.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(1);
            let fill = match loop_start {
                Some(l) if i >= l => Some(CYCLE),
                None if i + 1 == count => Some(BAD),
                _ => None,
            };
            Node { lines, fill, width: (chars as f64 * CHAR + 2.0 * PAD_X).ceil(), top: 0.0 }
        })
        .collect();
    let widest = nodes.iter().map(|n| n.width).fold(0.0, f64::max);
    let width = 2.0 * widest;
    let centre = LEFT + widest / 2.0;
    // Labels start beside the edge and end within the drawing.
    let label_chars = (((width - MARGIN - centre - LABEL_GAP) / LABEL_CHAR) as usize).max(8);
    let labels: Vec<Vec<String>> = (1..trace.len())
        .map(|i| {
            let text = trace[i].0.map(|a| model.describe_action(&trace[i - 1].1, a)).unwrap_or_default();
            wrap(&text, label_chars)
        })
        .collect();
    let edge_length = |lines: usize| (lines as f64 * LABEL_LINE + 10.0).max(MIN_EDGE);
    let title_lines = wrap(title, ((width - 2.0 * MARGIN) / (CHAR * 1.1)) as usize);
    let mut y = MARGIN + title_lines.len() as f64 * 15.0 + 8.0;
    for (i, node) in nodes.iter_mut().enumerate() {
        node.top = y;
        y += node.height() + labels.get(i).map_or(0.0, |l| edge_length(l.len()));
    }
    // A lasso's closing edge goes down from its last box as far as its label needs, then
    // round to the left and up.
    let (loop_bottom, height) = (y, y + MARGIN);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"10\">"
    );
    out.push_str("<defs>");
    for (id, colour) in [("arrow", "#333333"), ("loop-arrow", LOOP_COLOUR)] {
        let _ = write!(
            out,
            "<marker id=\"{id}\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\">\
             <path d=\"M0,0 L8,4 L0,8 z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(out, "<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
    for (k, line) in title_lines.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text class=\"title\" x=\"{MARGIN}\" y=\"{}\" font-size=\"11\">{}</text>",
            MARGIN + 11.0 + k as f64 * 15.0,
            xml(line)
        );
    }
    for (i, node) in nodes.iter().enumerate() {
        let left = centre - node.width / 2.0;
        let _ = writeln!(out, "<g class=\"node\" id=\"s{i}\">");
        let _ = writeln!(
            out,
            "<rect x=\"{left}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{}\" stroke=\"#333333\"/>",
            node.top,
            node.width,
            node.height(),
            node.fill.unwrap_or("white")
        );
        for (k, (line, changed)) in node.lines.iter().enumerate() {
            let base = node.top + PAD_Y + k as f64 * LINE;
            if *changed {
                let _ = writeln!(
                    out,
                    "<rect class=\"changed\" x=\"{}\" y=\"{base}\" width=\"{}\" height=\"{LINE}\" fill=\"{CHANGED_FILL}\"/>",
                    left + 1.0,
                    node.width - 2.0
                );
            }
            let style =
                if *changed { format!(" fill=\"{CHANGED_COLOUR}\" font-weight=\"bold\"") } else { String::new() };
            let _ = writeln!(out, "<text x=\"{}\" y=\"{}\"{style}>{}</text>", left + PAD_X, base + 10.0, xml(line));
        }
        out.push_str("</g>\n");
    }
    for (i, lines) in labels.iter().enumerate() {
        let from = &nodes[i];
        let start = from.top + from.height();
        let closes_loop = loop_start.filter(|_| i + 1 == labels.len());
        let (colour, end) = match closes_loop {
            Some(_) => (LOOP_COLOUR, loop_bottom),
            None => ("#333333", nodes[i + 1].top),
        };
        let _ = writeln!(out, "<g class=\"edge\" id=\"e{i}\">");
        match closes_loop {
            Some(l) => {
                let target = &nodes[l];
                let (x, back_y) = (centre - target.width / 2.0, target.top + target.height() / 2.0);
                let _ = writeln!(
                    out,
                    "<path class=\"loop\" d=\"M{centre},{start} L{centre},{end} L{},{end} L{},{back_y} L{x},{back_y}\" \
                     fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\" marker-end=\"url(#loop-arrow)\"/>",
                    LEFT / 2.0,
                    LEFT / 2.0
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "<path d=\"M{centre},{start} L{centre},{end}\" fill=\"none\" stroke=\"{colour}\" marker-end=\"url(#arrow)\"/>"
                );
            }
        }
        let label_top = start + 5.0;
        for (k, line) in lines.iter().enumerate() {
            let _ = writeln!(
                out,
                "<text class=\"label\" x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"{colour}\">{}</text>",
                centre + LABEL_GAP,
                label_top + 8.0 + k as f64 * LABEL_LINE,
                xml(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        assert_eq!(wrap("t1's switch interval runs out", 12), ["t1's switch", "interval", "runs out"]);
        assert_eq!(wrap("abcdefghijklmnop", 6), ["abcdef", "ghijkl", "mnop"]);
        assert_eq!(wrap("", 6), [""]);
    }
}
