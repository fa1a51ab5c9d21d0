//! How a breadth-first search first reached each state, in about two bytes a state, from
//! which a path to any state is rebuilt by replaying actions from an initial state.
//!
//! States are numbered in discovery order, and the states one state discovers get
//! consecutive numbers, so a parent table is a monotone sequence: it is kept as how many new
//! states each expanded state discovered (with a running sum every [`MARK_EVERY`] states to
//! find a parent quickly) and, for each state, the position of the action that reached it in
//! its parent's action list (`GilModel::actions` lists them in a fixed order).

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

    fn count(&self, i: usize) -> usize {
        match self.children[i] {
            WIDE => self.wide_children[&(i as u32)] as usize,
            c => c as usize,
        }
    }

    fn position(&self, j: usize) -> usize {
        let k = j - self.roots;
        match self.choice[k] {
            WIDE => self.wide_choice[&(k as u32)] as usize,
            c => c as usize,
        }
    }

    /// The state that first discovered non-initial state `j`.
    fn parent(&self, j: usize) -> usize {
        let rank = (j - self.roots) as u64;
        let m = self.marks.partition_point(|&sum| sum <= rank) - 1;
        let (mut p, mut sum) = (m * MARK_EVERY, self.marks[m]);
        while sum + self.count(p) as u64 <= rank {
            sum += self.count(p) as u64;
            p += 1;
        }
        p
    }

    /// The initial state a path to `j` starts from, and the positions of its actions.
    pub fn path(&self, mut j: usize) -> (usize, Vec<usize>) {
        let mut positions = Vec::new();
        while j >= self.roots {
            positions.push(self.position(j));
            j = self.parent(j);
        }
        positions.reverse();
        (j, positions)
    }

    /// Bytes the tree holds.
    pub fn bytes(&self) -> usize {
        self.children.capacity() + self.choice.capacity() + self.marks.capacity() * 8
    }
}
