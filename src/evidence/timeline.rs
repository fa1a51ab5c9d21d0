//! Timelines: a counterexample as SVG swimlanes, one lane per thread and per task, like
//! Beazley's GIL plots but exact. Ticks mode draws a column per tick (the state at the end of
//! each instant); untimed mode a column per step. Threads: holding the GIL (or running, with
//! no GIL), running C without it, waiting for it, blocked; tasks: running (their loop's current
//! task), late (ticks: what they await has happened, they have not resumed) or ready
//! (untimed: no clock, so nothing is late), awaiting. One colour per meaning, and a legend of
//! the colours drawn, in the variant's words (no GIL when free-threaded). A red mark over a
//! column says a drop request is pending there; what takes no time (writes, yields, the
//! tasks' order) is marked over the lanes ([`super::markers`]).

use std::fmt::Write as _;

use super::markers::{self, Kind, LaneOf};
use crate::cpython::gil;
use crate::cpython::model::{GilModel, Trace};
use crate::cpython::program::ThreadKind;
use crate::cpython::state::{GilRel, Phase, State, Wait};
use crate::input::scenario::GilKind;

/// What a lane shows in one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    Empty,
    HoldsGil,
    RunsNoGil,
    WaitsGil,
    Blocked,
    TaskRunning,
    TaskLate,
    TaskReady,
    TaskWaiting,
}

impl Cell {
    fn colour(self) -> Option<&'static str> {
        match self {
            Cell::Empty => None,
            Cell::HoldsGil => Some("#43a047"),
            Cell::RunsNoGil => Some("#42a5f5"),
            Cell::WaitsGil => Some("#e53935"),
            Cell::Blocked => Some("#bdbdbd"),
            Cell::TaskRunning => Some("#00838f"),
            Cell::TaskLate => Some("#fb8c00"),
            Cell::TaskReady => Some("#ffe082"),
            Cell::TaskWaiting => Some("#d1c4e9"),
        }
    }

    /// What the colour means, in the words of the variant: free-threaded CPython has no GIL.
    fn meaning(self, free_threaded: bool) -> &'static str {
        match (self, free_threaded) {
            (Cell::Empty, _) => "",
            (Cell::HoldsGil, false) => "holds the GIL",
            (Cell::HoldsGil, true) => "runs",
            (Cell::RunsNoGil, false) => "runs C without the GIL",
            (Cell::RunsNoGil, true) => "runs C",
            (Cell::WaitsGil, _) => "waits for the GIL",
            (Cell::Blocked, _) => "blocked (I/O, sleep, lock, select)",
            (Cell::TaskRunning, _) => "task: its loop's current task",
            (Cell::TaskLate, _) => "task: due, not resumed (late)",
            (Cell::TaskReady, _) => "task: ready, not resumed yet",
            (Cell::TaskWaiting, _) => "task: awaiting",
        }
    }
}

/// The legend's order.
const LEGEND: [Cell; 8] = [
    Cell::HoldsGil,
    Cell::RunsNoGil,
    Cell::WaitsGil,
    Cell::Blocked,
    Cell::TaskRunning,
    Cell::TaskLate,
    Cell::TaskReady,
    Cell::TaskWaiting,
];

fn thread_cell(model: &GilModel, s: &State, t: usize) -> Cell {
    let th = &s.threads[t];
    if gil::waiting(s, t) {
        return Cell::WaitsGil;
    }
    match th.phase {
        Phase::Done | Phase::Idle => Cell::Empty,
        Phase::Blocked { .. } | Phase::LockWait { .. } | Phase::Select => Cell::Blocked,
        Phase::NoGil { .. } if th.gil == GilRel::No => Cell::RunsNoGil,
        _ if th.gil == GilRel::Has => Cell::HoldsGil,
        _ if model.sys.gil() == GilKind::None => Cell::HoldsGil,
        _ => Cell::Blocked,
    }
}

fn task_cell(model: &GilModel, s: &State, k: usize) -> Cell {
    let task = &s.tasks[k];
    if task.done {
        Cell::Empty
    } else if markers::current(model, s, k) {
        Cell::TaskRunning
    } else if matches!(task.wait, Wait::Due { .. } | Wait::Wakeup | Wait::Scheduled) {
        // Late only where there is a clock to be late by.
        if model.sys.is_ticks() {
            Cell::TaskLate
        } else {
            Cell::TaskReady
        }
    } else {
        Cell::TaskWaiting
    }
}

/// The states shown as columns, with their axis labels, and the column of each state of the
/// trace.
fn columns<'a>(model: &GilModel, trace: &'a Trace) -> (Vec<(String, &'a State)>, Vec<usize>) {
    if model.sys.is_ticks() {
        let mut cols: Vec<(String, &State)> = Vec::new();
        let mut col_of = Vec::with_capacity(trace.len());
        for (_, s) in trace {
            match cols.last_mut() {
                Some((_, last)) if last.now == s.now => *last = s,
                _ => cols.push((s.now.to_string(), s)),
            }
            col_of.push(cols.len() - 1);
        }
        (cols, col_of)
    } else {
        (trace.iter().enumerate().map(|(i, (_, s))| (i.to_string(), s)).collect(), (0..trace.len()).collect())
    }
}

/// The timeline of a counterexample as SVG.
pub fn svg(model: &GilModel, title: &str, trace: &Trace, loop_start: Option<usize>) -> String {
    let sys = &model.sys;
    let (cols, col_of) = columns(model, trace);
    let mut lanes: Vec<(String, Vec<Cell>)> = Vec::new();
    let mut thread_lane = Vec::new();
    for (t, info) in sys.threads.iter().enumerate() {
        let cells: Vec<Cell> = cols.iter().map(|(_, s)| thread_cell(model, s, t)).collect();
        let unused_worker = matches!(info.kind, ThreadKind::Worker(_)) && cells.iter().all(|c| *c == Cell::Empty);
        thread_lane.push((!unused_worker).then_some(lanes.len()));
        if !unused_worker {
            lanes.push((info.name.clone(), cells));
        }
    }
    let mut task_lane = Vec::new();
    for (k, info) in sys.tasks.iter().enumerate() {
        task_lane.push(lanes.len());
        lanes.push((format!("task {}", info.name), cols.iter().map(|(_, s)| task_cell(model, s, k)).collect()));
    }
    let states: Vec<&State> = cols.iter().map(|(_, s)| *s).collect();
    let marks = markers::markers(model, trace, &col_of, &states, &LaneOf { thread: &thread_lane, task: &task_lane });
    let label_w = 10 + 7 * lanes.iter().map(|(n, _)| n.len()).max().unwrap_or(4).max(6);
    let cell_w = (960 / cols.len().max(1)).clamp(4, 24);
    let lane_h = 16;
    let top = 44;
    let width = (label_w + cell_w * cols.len() + 20).max(620);
    let drawn: Vec<Cell> = LEGEND.into_iter().filter(|c| lanes.iter().any(|(_, cells)| cells.contains(c))).collect();
    let mut kinds: Vec<Kind> = marks.iter().map(|m| m.kind).collect();
    kinds.sort();
    kinds.dedup();
    let legend_y = top + lanes.len() * (lane_h + 4) + 16;
    let height = legend_y + 18 * (drawn.len() + kinds.len()).div_ceil(2) + 10;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">"
    );
    let _ = writeln!(out, "<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
    let _ = writeln!(out, "<text x=\"4\" y=\"14\" font-size=\"12\">{}</text>", xml(title));
    let unit = if sys.is_ticks() { "tick" } else { "step" };
    let _ = writeln!(out, "<text x=\"4\" y=\"{}\">{unit}</text>", top - 8);
    let every = (40 / cell_w).max(1);
    for (c, (label, s)) in cols.iter().enumerate() {
        let x = label_w + c * cell_w;
        if c % every == 0 {
            let _ = writeln!(out, "<text x=\"{x}\" y=\"{}\">{label}</text>", top - 8);
        }
        if s.gil.drop_request {
            let _ = writeln!(
                out,
                "<rect x=\"{x}\" y=\"{}\" width=\"{cell_w}\" height=\"4\" fill=\"#b71c1c\"><title>drop request pending</title></rect>",
                top - 5
            );
        }
    }
    if let Some(l) = loop_start {
        // The column where the lasso's cycle starts (untimed: a column per step).
        let x = label_w + col_of.get(l).copied().unwrap_or(0).min(cols.len().saturating_sub(1)) * cell_w;
        let bottom = top + lanes.len() * (lane_h + 4);
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{bottom}\" stroke=\"#6a1b9a\" stroke-dasharray=\"3,2\"><title>the cycle starts here and repeats forever</title></line>",
            top - 2
        );
    }
    for (i, (name, cells)) in lanes.iter().enumerate() {
        let y = top + i * (lane_h + 4);
        let _ = writeln!(out, "<text x=\"4\" y=\"{}\">{}</text>", y + lane_h - 4, xml(name));
        let mut c = 0;
        while c < cells.len() {
            // One rectangle per run of equal cells keeps the file small.
            let mut end = c + 1;
            while end < cells.len() && cells[end] == cells[c] {
                end += 1;
            }
            if let Some(colour) = cells[c].colour() {
                let _ = writeln!(
                    out,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{lane_h}\" fill=\"{colour}\"/>",
                    label_w + c * cell_w,
                    (end - c) * cell_w
                );
            }
            c = end;
        }
    }
    for m in &marks {
        let (x, y) = (label_w + m.col * cell_w, top + m.lane * (lane_h + 4));
        marker(&mut out, "marker", m.kind, (x, y), cell_w, m.digit, &m.title);
    }
    let free_threaded = sys.gil() == GilKind::None;
    for (i, cell) in drawn.iter().enumerate() {
        let text = cell.meaning(free_threaded);
        let x = 4 + (i % 2) * 300;
        let y = legend_y + (i / 2) * 18;
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            cell.colour().unwrap_or("white"),
            x + 16,
            y + 10,
            xml(text)
        );
    }
    for (i, &kind) in kinds.iter().enumerate() {
        let i = drawn.len() + i;
        let (x, y) = (4 + (i % 2) * 300, legend_y + (i / 2) * 18);
        let digit = Some(1).filter(|_| kind >= Kind::Resumed);
        marker(&mut out, "legend", kind, (x, y - 2), 12, digit, kind.meaning());
        let _ = writeln!(out, "<text x=\"{}\" y=\"{}\">{}</text>", x + 16, y + 10, xml(kind.meaning()));
    }
    out.push_str("</svg>\n");
    out
}

/// Draws a marker over the cell whose top left corner is (x, y), `width` wide: a write as a
/// dark diamond at the top right, a yield as an open triangle at the top left, an order as its
/// digit in the middle, so that the three can share a cell. `role`: `marker` on a lane,
/// `legend` in the legend.
fn marker(
    out: &mut String,
    role: &str,
    kind: Kind,
    (x, y): (usize, usize),
    width: usize,
    digit: Option<usize>,
    title: &str,
) {
    let (mid, y) = (x as f64 + width as f64 / 2.0, y as f64);
    let cx = match kind {
        Kind::Write => mid + width as f64 / 4.0,
        Kind::Yield => mid - width as f64 / 4.0,
        _ => mid,
    };
    let class = match kind {
        Kind::Write => "write",
        Kind::Yield => "yield",
        Kind::Resumed => "resumed",
        Kind::Queued => "queued",
    };
    let title = xml(title);
    let _ = match (kind, digit) {
        (Kind::Write, _) => writeln!(
            out,
            "<polygon class=\"{role} {class}\" points=\"{cx},{} {},{} {cx},{} {},{}\" fill=\"#212121\"><title>{title}</title></polygon>",
            y + 0.5,
            cx + 3.5,
            y + 4.0,
            y + 7.5,
            cx - 3.5,
            y + 4.0
        ),
        (Kind::Yield, _) => writeln!(
            out,
            "<polygon class=\"{role} {class}\" points=\"{},{} {},{} {cx},{}\" fill=\"white\" stroke=\"#212121\"><title>{title}</title></polygon>",
            cx - 3.5,
            y + 1.0,
            cx + 3.5,
            y + 1.0,
            y + 7.0
        ),
        (_, digit) => writeln!(
            out,
            "<text class=\"{role} {class}\" x=\"{cx}\" y=\"{}\" font-size=\"9\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#212121\">{}<title>{title}</title></text>",
            y + 14.0,
            digit.unwrap_or(0)
        ),
    };
}

/// Text or an attribute value in SVG: the five XML specials as entities, and control
/// characters (which XML refuses, NUL included) as the symbols that picture them.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(super::graph::visible(c)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_meaning_has_its_own_colour() {
        let colours: Vec<&str> = LEGEND.iter().map(|c| c.colour().expect("a drawn cell has a colour")).collect();
        let mut distinct = colours.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), colours.len(), "{colours:?}");
    }
}
