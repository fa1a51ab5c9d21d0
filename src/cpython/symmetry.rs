//! Symmetry of thread copies: the `count` copies of a thread run the same program, so two
//! states that differ only by which copy is which behave alike, and a search keeps one of
//! them, its class's representative.

use crate::cpython::encoding::{block_key, THREAD_BYTES};
use crate::cpython::model::GilModel;
use crate::cpython::state::{State, MAX_THREADS};

/// The copies `lo..hi` in their representative's order (`order[p]`: the copy that goes to
/// position `lo + p`): sorted by `key`, ties by index.
fn copy_order(lo: usize, hi: usize, key: impl Fn(usize) -> u128, order: &mut [usize; MAX_THREADS]) -> &[usize] {
    let mut keyed = [(0u128, 0usize); MAX_THREADS];
    for (slot, t) in keyed.iter_mut().zip(lo..hi) {
        *slot = (key(t), t);
    }
    keyed[..hi - lo].sort_unstable();
    for (slot, &(_, t)) in order.iter_mut().zip(&keyed[..hi - lo]) {
        *slot = t;
    }
    &order[..hi - lo]
}

/// Thread index `t` under the reordering of copies `lo..hi` (others stay as they are).
fn renamed(t: u8, lo: usize, hi: usize, order: &[usize]) -> u8 {
    match order.iter().position(|&old| old == t as usize) {
        Some(p) if (lo..hi).contains(&(t as usize)) => (lo + p) as u8,
        _ => t,
    }
}

impl GilModel {
    /// The representative of a state's symmetry class: the copies of each `count` entry
    /// sorted by their state (its encoding's bytes), with the GIL's references to them
    /// renamed to match. Two states that differ only by which copy is which get the same
    /// representative.
    pub fn representative<'a>(&self, s: &'a State) -> std::borrow::Cow<'a, State> {
        if !self.symmetry || self.sys.thread_copies.is_empty() {
            return std::borrow::Cow::Borrowed(s);
        }
        let mut r = *s;
        let mut order = [0; MAX_THREADS];
        for &(lo, hi) in &self.sys.thread_copies {
            let order = copy_order(lo, hi, |t| block_key(&s.threads[t].encode()), &mut order);
            for (p, &old) in order.iter().enumerate() {
                r.threads[lo + p] = s.threads[old];
            }
            r.gil.holder = renamed(r.gil.holder, lo, hi, order);
            r.gil.last_holder = renamed(r.gil.last_holder, lo, hi, order);
        }
        std::borrow::Cow::Owned(r)
    }

    /// The encoding of [`GilModel::representative`] of a state, from the encoding of the state
    /// (`real`, whose GIL fields begin at `gil_at`): the same bytes, with the copies' thread
    /// blocks in the representative's order and the GIL's thread indices renamed, without
    /// building the representative state.
    pub fn representative_encoding(&self, real: &[u8], gil_at: usize, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(real);
        let mut order = [0; MAX_THREADS];
        for &(lo, hi) in &self.sys.thread_copies {
            let order = copy_order(lo, hi, |t| block_key(&real[t * THREAD_BYTES..]), &mut order);
            for (p, &old) in order.iter().enumerate() {
                let (to, from) = ((lo + p) * THREAD_BYTES, old * THREAD_BYTES);
                out[to..to + THREAD_BYTES].copy_from_slice(&real[from..from + THREAD_BYTES]);
            }
            for at in [gil_at, gil_at + 1] {
                out[at] = renamed(out[at], lo, hi, order);
            }
        }
    }
}
