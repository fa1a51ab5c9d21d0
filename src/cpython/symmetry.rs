//! Symmetry of thread copies: the `count` copies of a thread run the same program, so two
//! states that differ only by which copy is which behave alike, and a search keeps one of
//! them, its class's representative.

use crate::cpython::encoding::{block_key, THREAD_BYTES};
use crate::cpython::model::GilModel;
use crate::cpython::state::{State, MAX_THREADS};

impl GilModel {
    /// The representative of a state's symmetry class: the copies of each `count` entry
    /// sorted by their state (its encoding's bytes), with the GIL's references to them renamed to match. Two states
    /// that differ only by which copy is which get the same representative.
    pub fn representative<'a>(&self, s: &'a State) -> std::borrow::Cow<'a, State> {
        if !self.symmetry || self.sys.thread_copies.is_empty() {
            return std::borrow::Cow::Borrowed(s);
        }
        let mut r = *s;
        for &(lo, hi) in &self.sys.thread_copies {
            let mut order: Vec<usize> = (lo..hi).collect();
            order.sort_by_key(|&t| block_key(&s.threads[t].encode()));
            let rename = |t: u8| match order.iter().position(|&old| old == t as usize) {
                Some(p) if (lo..hi).contains(&(t as usize)) => (lo + p) as u8,
                _ => t,
            };
            for (p, &old) in order.iter().enumerate() {
                r.threads[lo + p] = s.threads[old];
            }
            r.gil.holder = rename(r.gil.holder);
            r.gil.last_holder = rename(r.gil.last_holder);
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
        let mut keyed = [(0u128, 0usize); MAX_THREADS];
        let mut order = [0usize; MAX_THREADS];
        for &(lo, hi) in &self.sys.thread_copies {
            // Keys computed once; the index breaks ties, as a stable sort would.
            let keyed = &mut keyed[..hi - lo];
            for (p, slot) in keyed.iter_mut().enumerate() {
                let t = lo + p;
                *slot = (block_key(&real[t * THREAD_BYTES..]), t);
            }
            keyed.sort_unstable();
            let order = &mut order[..hi - lo];
            for (slot, &(_, t)) in order.iter_mut().zip(keyed.iter()) {
                *slot = t;
            }
            for (p, &old) in order.iter().enumerate() {
                let (to, from) = ((lo + p) * THREAD_BYTES, old * THREAD_BYTES);
                out[to..to + THREAD_BYTES].copy_from_slice(&real[from..from + THREAD_BYTES]);
            }
            for at in [gil_at, gil_at + 1] {
                let t = out[at] as usize;
                if (lo..hi).contains(&t) {
                    out[at] = (lo + order.iter().position(|&old| old == t).expect("a copy")) as u8;
                }
            }
        }
    }
}
