//! How a breadth-first search first reached each state, in about two bytes a state, from
//! which a path to any state is rebuilt by replaying actions from an initial state.
//!
//! States are numbered in discovery order, and the states one state discovers get
//! consecutive numbers, so a parent table is a monotone sequence: it is kept as how many new
//! states each expanded state discovered (with a running sum every [`MARK_EVERY`] states to
//! find a parent quickly) and, for each state, the position of the action that reached it in
//! its parent's action list (`GilModel::actions` lists them in a fixed order).
//!
//! A state reached through a fused chain of forced steps ([`crate::check::fusion`]) joins a
//! level deeper than its parent's next one, so it breaks that order: it is kept on the side
//! with its parent, the action's position and the forced steps that follow it.

use std::collections::HashMap;

/// States between two running sums of the child counts.
const MARK_EVERY: usize = 64;
/// A count or position that does not fit a byte is kept on the side.
const WIDE: u8 = u8::MAX;

#[derive(Default)]
pub struct Tree {
    roots: usize,
    /// Per expanded state, in discovery order: new states it discovered.
    children: Vec<u8>,
    wide_children: HashMap<u32, u32>,
    /// `marks[m]`: children of the states before `m * MARK_EVERY`.
    marks: Vec<u64>,
    /// Children of every state expanded so far.
    total: u64,
    /// Per non-initial state: the position of the action that reached it.
    choice: Vec<u8>,
    wide_choice: HashMap<u32, u16>,
    /// States reached through a fused chain, by increasing discovery index.
    fused: Vec<Fused>,
}

/// A state reached through a fused chain: the state it came from, the position of the first
/// action in that state's list, and the forced steps (one action each) after it.
#[derive(Clone, Copy)]
struct Fused {
    index: u32,
    parent: u32,
    position: u16,
    steps: u8,
}

/// One step of a path: the position of an action in its state's list, then this many forced
/// steps (the only action of each state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub position: usize,
    pub forced: u8,
}

impl Tree {
    pub fn new(roots: usize) -> Tree {
        Tree { roots, ..Tree::default() }
    }

    /// The next state expanded (in discovery order) discovered `count` new states.
    pub fn expanded(&mut self, count: usize) {
        let i = self.children.len();
        if i.is_multiple_of(MARK_EVERY) {
            self.marks.push(self.total);
        }
        self.total += count as u64;
        if count >= WIDE as usize {
            self.wide_children.insert(i as u32, count as u32);
            self.children.push(WIDE);
        } else {
            self.children.push(count as u8);
        }
    }

    /// The next state discovered was reached by the action at `position` in its parent's list.
    pub fn discovered(&mut self, position: usize) {
        if position >= WIDE as usize {
            self.wide_choice.insert(self.choice.len() as u32, position as u16);
            self.choice.push(WIDE);
        } else {
            self.choice.push(position as u8);
        }
    }

    /// State `index` (the next discovered, or one after it) was reached from `parent` by the
    /// action at `position` and `steps` forced steps after it.
    pub fn fused(&mut self, index: usize, parent: usize, position: usize, steps: u8) {
        debug_assert!(self.fused.last().is_none_or(|f| (f.index as usize) < index));
        self.fused.push(Fused { index: index as u32, parent: parent as u32, position: position as u16, steps });
    }

    fn count(&self, i: usize) -> usize {
        match self.children[i] {
            WIDE => self.wide_children[&(i as u32)] as usize,
            c => c as usize,
        }
    }

    fn position(&self, k: usize) -> usize {
        match self.choice[k] {
            WIDE => self.wide_choice[&(k as u32)] as usize,
            c => c as usize,
        }
    }

    /// The state that first discovered the non-initial state of this rank among those not
    /// reached through a fused chain.
    fn parent(&self, rank: usize) -> usize {
        let rank = rank as u64;
        let m = self.marks.partition_point(|&sum| sum <= rank) - 1;
        let (mut p, mut sum) = (m * MARK_EVERY, self.marks[m]);
        while sum + self.count(p) as u64 <= rank {
            sum += self.count(p) as u64;
            p += 1;
        }
        p
    }

    /// The initial state a path to `j` starts from, and its steps.
    pub fn path(&self, mut j: usize) -> (usize, Vec<Step>) {
        let mut steps = Vec::new();
        while j >= self.roots {
            let before = self.fused.partition_point(|f| (f.index as usize) < j);
            match self.fused.get(before) {
                Some(f) if f.index as usize == j => {
                    steps.push(Step { position: f.position as usize, forced: f.steps });
                    j = f.parent as usize;
                }
                _ => {
                    let rank = j - self.roots - before;
                    steps.push(Step { position: self.position(rank), forced: 0 });
                    j = self.parent(rank);
                }
            }
        }
        steps.reverse();
        (j, steps)
    }

    /// Bytes the tree holds.
    pub fn bytes(&self) -> usize {
        self.children.capacity()
            + self.choice.capacity()
            + self.marks.capacity() * 8
            + self.fused.capacity() * std::mem::size_of::<Fused>()
    }
}
