//! Events that take no time, marked over a timeline's lanes: a shared variable written, a task
//! yielding to its loop (`await asyncio.sleep(0)`: its step goes to the back of the ready
//! queue, `Lib/asyncio/tasks.py: __sleep0` and `Task.__step`), and the order of tasks. A
//! column per tick hides all three; a column per step shows when each happened but not which
//! task the loop takes next. So in ticks mode the tasks resumed within one tick are numbered
//! in the order they ran, and untimed each task waiting in a ready queue carries its place in
//! it (`Lib/asyncio/base_events.py: _run_once` pops the queue from the front).

use crate::cpython::model::{GilModel, Trace};
use crate::cpython::state::{Callback, State, Wait, MAX_THREADS, NONE};

/// What a marker says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A shared variable was written (the value in its title).
    Write,
    /// A task gave its loop back without waiting for anything.
    Yield,
    /// Ticks: the task was the n-th resumed within the tick.
    Resumed,
    /// Untimed: the task's step is n-th in its loop's ready queue.
    Queued,
}

impl Kind {
    /// The legend's words for it.
    pub fn meaning(self) -> &'static str {
        match self {
            Kind::Write => "a write (hover for the value)",
            Kind::Yield => "yields to its loop (sleep(0))",
            Kind::Resumed => "1, 2, …: order resumed within the tick",
            Kind::Queued => "1, 2, …: place in the loop's ready queue",
        }
    }
}

/// One marker: in a column, on a lane.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Marker {
    pub col: usize,
    pub lane: usize,
    pub kind: Kind,
    /// The digit drawn (order and queue places), or nothing.
    pub digit: Option<usize>,
    /// What it means here, shown on hover.
    pub title: String,
}

/// Where each thread's lane is (none for an unused worker) and each task's.
pub struct LaneOf<'a> {
    pub thread: &'a [Option<usize>],
    pub task: &'a [usize],
}

/// The thread an action moves, if it is one thread's.
fn actor(unit: u32) -> Option<usize> {
    let t = unit.trailing_zeros() as usize;
    (unit != 0 && t < MAX_THREADS).then_some(t)
}

/// Whether task `k` is its loop's current task in `s`.
pub fn current(model: &GilModel, s: &State, k: usize) -> bool {
    let thread = model.sys.loops[model.sys.tasks[k].loop_id as usize].thread as usize;
    s.threads[thread].task == k as u8
}

/// English ordinals for titles.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The markers of `trace`, whose state `i` is drawn in column `col_of[i]` (`states[c]` is the
/// state column `c` shows), in a fixed order; several writes by one lane in one column are one
/// marker.
pub fn markers(model: &GilModel, trace: &Trace, col_of: &[usize], states: &[&State], lanes: &LaneOf) -> Vec<Marker> {
    let sys = &model.sys;
    let mut out: Vec<Marker> = Vec::new();
    // (column, lane) of each task resumed, in the order they were.
    let mut resumed: Vec<(usize, usize)> = Vec::new();
    for i in 1..trace.len() {
        let (action, s) = &trace[i];
        let (prev, col) = (&trace[i - 1].1, col_of[i]);
        let by = action.and_then(|a| actor(a.unit()));
        for (v, (name, _)) in sys.vars.iter().enumerate() {
            let Some(t) = by.filter(|_| prev.vars[v] != s.vars[v]) else { continue };
            let task = prev.threads[t].task;
            let lane = if task != NONE { Some(lanes.task[task as usize]) } else { lanes.thread[t] };
            let Some(lane) = lane else { continue };
            let title = format!("{name} = {}", s.vars[v]);
            match out.iter_mut().find(|m| (m.col, m.lane, m.kind) == (col, lane, Kind::Write)) {
                Some(m) => m.title = format!("{}; {title}", m.title),
                None => out.push(Marker { col, lane, kind: Kind::Write, digit: None, title }),
            }
        }
        for (k, &lane) in lanes.task.iter().enumerate() {
            let (was, is) = (current(model, prev, k), current(model, s, k));
            if was && !is && s.tasks[k].wait == Wait::Scheduled {
                let title = format!("task {} yields: its step goes to the back of the ready queue", sys.tasks[k].name);
                out.push(Marker { col, lane, kind: Kind::Yield, digit: None, title });
            }
            if !was && is {
                resumed.push((col, lane));
            }
        }
    }
    if sys.is_ticks() {
        for (j, &(col, lane)) in resumed.iter().enumerate() {
            if resumed.iter().filter(|r| r.0 == col).count() < 2 {
                continue;
            }
            let n = resumed[..j].iter().filter(|r| r.0 == col).count() + 1;
            let title = format!("resumed {} in tick {}", ordinal(n), states[col].now);
            out.push(Marker { col, lane, kind: Kind::Resumed, digit: Some(n), title });
        }
    } else {
        // A place is drawn where it changes (and first), not in every column it lasts.
        let mut last_place: Vec<Option<usize>> = vec![None; lanes.task.len()];
        for (col, s) in states.iter().enumerate() {
            let mut place_now: Vec<Option<usize>> = vec![None; lanes.task.len()];
            for l in &s.loops[..sys.loops.len()] {
                let queued: Vec<usize> = l
                    .ready
                    .as_slice()
                    .iter()
                    .filter_map(|c| match c {
                        Callback::Step(k) if !current(model, s, *k as usize) => Some(*k as usize),
                        _ => None,
                    })
                    .collect();
                if queued.len() < 2 {
                    continue;
                }
                for (place, &k) in queued.iter().enumerate() {
                    place_now[k] = Some(place + 1);
                    if last_place[k] != Some(place + 1) {
                        let title = format!("{} in the ready queue", ordinal(place + 1));
                        let lane = lanes.task[k];
                        out.push(Marker { col, lane, kind: Kind::Queued, digit: Some(place + 1), title });
                    }
                }
            }
            last_place = place_now;
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals_read_as_english() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101].into_iter().map(ordinal).collect();
        assert_eq!(words, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]);
    }
}
