//! A search level's states, packed in parts (the unit of work of a core), and what
//! expanding a part yields: the successors it kept, which of them are new, and the parts
//! they make of the next level ([`crate::check::search`]).

use crate::check::visited::{Claim, FingerprintSet, SHARDS};

/// States of a search level, each packed ([`crate::check::packing::pack`]), in discovery
/// order: the unit of work of a core. A part holds up to twice
/// [`crate::check::resources::Cores::part_states`]: the new states of a part stay together
/// unless there are more ([`select`]).
#[derive(Default)]
pub(super) struct Part {
    pub(super) packed: Vec<u8>,
    pub(super) ends: Vec<u32>,
}

impl Part {
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }
    /// Where state `i`'s bytes begin.
    fn start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize
        }
    }
    pub(super) fn get(&self, i: usize) -> &[u8] {
        &self.packed[self.start(i)..self.ends[i] as usize]
    }
    pub(super) fn push(&mut self, packed: &[u8]) {
        self.packed.extend_from_slice(packed);
        self.ends.push(self.packed.len() as u32);
    }
    /// Appends states `states` of `other`, in one copy.
    pub(super) fn extend_from(&mut self, other: &Part, states: std::ops::Range<usize>) {
        if states.is_empty() {
            return;
        }
        let (start, end) = (other.start(states.start), other.ends[states.end - 1] as usize);
        let at = self.packed.len();
        self.packed.extend_from_slice(&other.packed[start..end]);
        self.ends.extend(other.ends[states].iter().map(|&e| (e as usize - start + at) as u32));
    }
    pub(super) fn bytes(&self) -> usize {
        self.packed.capacity() + self.ends.capacity() * 4
    }

    /// Keeps only the states `keep` says, in place: a run of neighbours moves in one copy.
    pub(super) fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        // Bytes written so far, and the run of kept states (as bytes) not yet moved there.
        let (mut written, mut run, mut kept) = (0, 0..0, 0);
        for i in 0..self.len() {
            let (start, end) = (self.start(i), self.ends[i] as usize);
            if !keep(i) {
                self.packed.copy_within(run.clone(), written);
                written += run.len();
                run = end..end;
                continue;
            }
            if run.is_empty() {
                run = start..start;
            }
            run.end = end;
            self.ends[kept] = (written + run.len()) as u32;
            kept += 1;
        }
        self.packed.copy_within(run.clone(), written);
        self.packed.truncate(written + run.len());
        self.ends.truncate(kept);
    }

    /// The first `n` states, taken out of this part.
    pub(super) fn split_off_front(&mut self, n: usize) -> Part {
        let mut front = Part::default();
        front.extend_from(self, 0..n);
        let cut = self.ends[n - 1];
        self.packed.drain(..cut as usize);
        self.ends.drain(..n);
        self.ends.iter_mut().for_each(|e| *e -= cut);
        front
    }
}

/// One search level: its states in parts, and the discovery index of its first state.
#[derive(Default)]
pub(super) struct Level {
    pub(super) parts: Vec<Part>,
    pub(super) first: usize,
    pub(super) len: usize,
    /// States a part holds, or up to twice as many ([`select`]).
    pub(super) part: usize,
    /// Bytes its parts hold.
    pub(super) bytes: usize,
}

impl Level {
    /// Appends parts of states: a part that fits in the last one's room is copied into it,
    /// so that levels do not crumble into many small parts; a larger one is moved.
    pub(super) fn append(&mut self, parts: Vec<Part>) {
        for part in parts {
            self.len += part.len();
            match self.parts.last_mut() {
                Some(last) if last.len() + part.len() <= self.part => {
                    self.bytes -= last.bytes();
                    last.extend_from(&part, 0..part.len());
                    self.bytes += last.bytes();
                }
                _ => {
                    self.bytes += part.bytes();
                    self.parts.push(part);
                }
            }
        }
    }
}

/// A part's new states as parts of the next level ([`select`]), with what
/// the tree learns of them: how many each state of the part discovered, and each new
/// state's action position.
pub(super) struct Selected {
    pub(super) parts: Vec<Part>,
    pub(super) children: Vec<u32>,
    pub(super) positions: Vec<u16>,
    pub(super) len: usize,
    /// New states at the end of fused chains, for deeper levels.
    pub(super) chains: ChainEnds,
}

/// States at the end of fused chains ([`crate::check::fusion`]) on their way to the level of
/// their depth, packed, with their fingerprints, the state each chain started from
/// (discovery index), the position of its first action and the forced steps after it.
#[derive(Default)]
pub(super) struct ChainEnds {
    pub(super) states: Part,
    pub(super) fps: Vec<u64>,
    pub(super) parents: Vec<u32>,
    pub(super) positions: Vec<u16>,
    pub(super) forced: Vec<u8>,
}

impl ChainEnds {
    pub(super) fn push(&mut self, packed: &[u8], fp: u64, parent: usize, position: u16, forced: u8) {
        self.states.push(packed);
        self.fps.push(fp);
        self.parents.push(parent as u32);
        self.positions.push(position);
        self.forced.push(forced);
    }

    /// Bytes held: the packed states, and per chain a fingerprint (8), a parent (4), a
    /// position (2) and a count (1).
    pub(super) fn bytes(&self) -> usize {
        self.states.bytes() + self.fps.capacity() * (8 + 4 + 2 + 1)
    }
}

impl Selected {
    /// Keeps only the first `n` new states (a state budget ran out among them).
    pub(super) fn truncate(&mut self, n: usize) {
        let mut left = n;
        for c in &mut self.children {
            *c = (*c).min(left as u32);
            left -= *c as usize;
        }
        self.positions.truncate(n);
        let mut kept = Vec::new();
        let mut left = n;
        for part in std::mem::take(&mut self.parts) {
            if part.len() <= left {
                left -= part.len();
                kept.push(part);
            } else {
                let mut cut = Part::default();
                cut.extend_from(&part, 0..left);
                kept.push(cut);
                break;
            }
        }
        self.parts = kept;
        self.len = n;
    }
}

/// The new states of an expanded part: those `winners` marks (all kept ones on one core).
/// They stay where the part packed them (the few others are squeezed out), in one part of
/// the next level, or in parts of `size` states when there are more than twice as many.
pub(super) fn select<A>(done: Expanded<A>, winners: Option<&[bool]>, size: usize) -> Selected {
    let Expanded { kept, mut part, states, first, .. } = done;
    let mut new = Selected {
        parts: Vec::new(),
        children: vec![0; states],
        positions: Vec::new(),
        len: 0,
        chains: ChainEnds::default(),
    };
    let won = |k: usize| winners.is_none_or(|w| w[k]);
    for (k, kept) in kept.iter().enumerate() {
        if !won(k) {
            continue;
        }
        if kept.forced == 0 {
            new.children[kept.parent as usize] += 1;
            new.positions.push(kept.position);
            new.len += 1;
        } else {
            let parent = first + kept.parent as usize;
            new.chains.push(part.get(k), kept.end_fp, parent, kept.position, kept.forced);
        }
    }
    if new.len < part.len() {
        part.retain(|k| won(k) && kept[k].forced == 0);
    }
    while part.len() > 2 * size {
        new.parts.push(part.split_off_front(size));
    }
    // Its buffers were sized for its parent part's states: they may be half empty, and it
    // waits in the next level a while.
    part.packed.shrink_to_fit();
    part.ends.shrink_to_fit();
    new.parts.push(part);
    new
}

/// A parallel batch expanded and settled in the visited set ([`crate::check::merge::settle`]):
/// its contested successors are known, not yet which of them are new.
pub(super) struct Settled<A> {
    pub(super) done: Vec<Expanded<A>>,
    pub(super) contested: FingerprintSet,
}

impl<A> Settled<A> {
    /// Bytes held: the kept successors and their packed states.
    pub(super) fn bytes(&self) -> usize {
        self.done.iter().map(|d| d.part.bytes() + d.kept.capacity() * std::mem::size_of::<Kept>()).sum()
    }
}

/// A successor of a part's states that was new when its part was expanded.
pub(super) struct Kept {
    pub(super) fp: u64,
    /// What the visited set said ([`Claim::New`] on one core).
    pub(super) claim: Claim,
    /// The state it came from (position in the part) and the action's position in its list.
    pub(super) parent: u32,
    pub(super) position: u16,
    /// Forced steps fused after it: when not 0, the part holds the chain's end, whose
    /// fingerprint is `end_fp`.
    pub(super) forced: u8,
    pub(super) end_fp: u64,
}

/// One part of a level, expanded: what it observed and the successors it kept, packed in
/// `part`.
pub(super) struct Expanded<A> {
    pub(super) seen: A,
    pub(super) kept: Vec<Kept>,
    pub(super) part: Part,
    pub(super) states: usize,
    /// Discovery index of the part's first state.
    pub(super) first: usize,
    pub(super) horizon_hit: bool,
    /// What it added to each shard of the visited set (a parallel part's claims).
    pub(super) added: [u32; SHARDS],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part_of(states: &[&[u8]]) -> Part {
        let mut part = Part::default();
        states.iter().for_each(|s| part.push(s));
        part
    }

    fn states_of(part: &Part) -> Vec<Vec<u8>> {
        (0..part.len()).map(|i| part.get(i).to_vec()).collect()
    }

    #[test]
    fn a_part_keeps_what_it_is_told_in_order() {
        let states: Vec<Vec<u8>> = (0..9u8).map(|i| vec![i; 1 + i as usize % 4]).collect();
        let refs: Vec<&[u8]> = states.iter().map(Vec::as_slice).collect();
        // Runs kept and dropped at either end and inside, one state alone, none and all.
        let masks: [fn(usize) -> bool; 5] = [|i| i % 3 != 1, |i| i > 0 && i < 8, |i| i == 4, |_| false, |_| true];
        for keep in masks {
            let mut part = part_of(&refs);
            part.retain(keep);
            let expected: Vec<Vec<u8>> = (0..states.len()).filter(|&i| keep(i)).map(|i| states[i].clone()).collect();
            assert_eq!(states_of(&part), expected);
            assert_eq!(part.packed.len(), expected.iter().map(Vec::len).sum::<usize>());
        }
    }

    #[test]
    fn a_part_splits_off_its_front() {
        let states: Vec<Vec<u8>> = (0..7u8).map(|i| vec![i; 2 + i as usize % 3]).collect();
        let refs: Vec<&[u8]> = states.iter().map(Vec::as_slice).collect();
        let mut part = part_of(&refs);
        let front = part.split_off_front(3);
        assert_eq!(states_of(&front), states[..3].to_vec());
        assert_eq!(states_of(&part), states[3..].to_vec());
    }
}
