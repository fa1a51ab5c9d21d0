//! The states a search has seen, as 64-bit fingerprints (hash compaction, as SPIN's
//! bitstate-free `-DHC` and stateright do): 8 bytes a state in an open-addressing table,
//! split into [`SHARDS`] shards by the fingerprint's top bits. A shard doubles when it is
//! 4/5 full, so the table stays 40–80% full, a fingerprint is moved about once as the table
//! grows (growing by half moved each twice, and took 8% of a race's search on one core), and
//! growing never holds two copies of the whole; searches on several cores insert into
//! disjoint shards without locks.

/// How far ahead of its insert a run of inserts fetches a slot.
pub const PREFETCH_AHEAD: usize = 8;

/// Shards of a [`Fingerprints`] table: a power of two.
pub const SHARDS: usize = 64;
const SHARD_BITS: u32 = SHARDS.trailing_zeros();

/// A set of fingerprints.
pub struct Fingerprints {
    shards: Vec<Shard>,
}

/// One shard: linear probing from the slot `fastrange` picks; 0 marks an empty slot.
#[derive(Default)]
pub struct Shard {
    slots: Vec<u64>,
    len: usize,
}

/// 0 marks an empty slot, so the fingerprint 0 is stored as 1 (a collision of one in 2^64).
fn stored(fp: u64) -> u64 {
    fp.max(1)
}

impl Default for Fingerprints {
    fn default() -> Self {
        Fingerprints { shards: (0..SHARDS).map(|_| Shard::default()).collect() }
    }
}

impl Fingerprints {
    /// The shard that holds `fp`.
    pub fn shard_of(fp: u64) -> usize {
        (fp >> (64 - SHARD_BITS)) as usize
    }

    /// Adds `fp`; whether it was new. One probe sequence, in one shard.
    pub fn insert(&mut self, fp: u64) -> bool {
        self.shards[Self::shard_of(fp)].insert(fp)
    }

    pub fn contains(&self, fp: u64) -> bool {
        self.shards[Self::shard_of(fp)].contains(fp)
    }

    /// Asks the CPU to fetch the slot where a probe for `fp` starts: a hint, so that
    /// several probes' cache misses overlap.
    pub fn prefetch(&self, fp: u64) {
        self.shards[Self::shard_of(fp)].prefetch(fp);
    }

    /// The shards, to insert into each on its own core.
    pub fn shards_mut(&mut self) -> &mut [Shard] {
        &mut self.shards
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the table holds.
    pub fn bytes(&self) -> usize {
        self.shards.iter().map(|s| s.slots.capacity() * 8).sum()
    }
}

impl Shard {
    /// [`Fingerprints::prefetch`] within this shard.
    pub fn prefetch(&self, fp: u64) {
        if let Some(slot) = self.slots.get(self.home(fp)) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a prefetch is a hint that never faults, here of an address in bounds.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot as *const u64 as *const i8)
            };
            #[cfg(not(target_arch = "x86_64"))]
            let _ = slot;
        }
    }

    /// An empty shard with room for `n` fingerprints before it grows.
    pub fn with_capacity(n: usize) -> Shard {
        Shard { slots: written_zeros((n * 5 / 4).max(64)), len: 0 }
    }

    /// The slot where the probe for `fp` starts: the shard bits rotated out of the way, the
    /// rest mapped onto the table's length (Lemire's multiply-shift, no power of two needed).
    fn home(&self, fp: u64) -> usize {
        ((fp.rotate_left(SHARD_BITS) as u128 * self.slots.len() as u128) >> 64) as usize
    }

    /// Where the probe for `fp` ends (a non-empty table): at `fp`'s slot (true) or at the
    /// empty slot it would take (false).
    fn probe(&self, fp: u64) -> (usize, bool) {
        let mut i = self.home(fp);
        loop {
            match self.slots[i] {
                0 => return (i, false),
                x if x == fp => return (i, true),
                _ => i = self.after(i),
            }
        }
    }

    /// The slot a probe goes on to from slot `i`.
    fn after(&self, i: usize) -> usize {
        if i + 1 == self.slots.len() {
            0
        } else {
            i + 1
        }
    }

    pub fn insert(&mut self, fp: u64) -> bool {
        if (self.len + 1) * 5 > self.slots.len() * 4 {
            self.grow();
        }
        let fp = stored(fp);
        let (i, found) = self.probe(fp);
        if !found {
            self.slots[i] = fp;
            self.len += 1;
        }
        !found
    }

    pub fn contains(&self, fp: u64) -> bool {
        !self.slots.is_empty() && self.probe(stored(fp)).1
    }

    /// Doubles the table and places each fingerprint again: they are distinct, so each
    /// takes the first empty slot from its home, without comparing.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, written_zeros(size));
        for fp in old.into_iter().filter(|&fp| fp != 0) {
            let mut i = self.home(fp);
            while self.slots[i] != 0 {
                i = self.after(i);
            }
            self.slots[i] = fp;
        }
    }
}

/// `n` empty slots, written rather than allocated zeroed: zeroed memory starts as the
/// kernel's shared zero page, and the first write after a probe has read it costs a page
/// fault that stops every core of the search to flush its TLB.
#[allow(clippy::slow_vector_initialization)] // `vec![0; n]` is exactly the zeroed allocation avoided here
fn written_zeros(n: usize) -> Vec<u64> {
    let mut slots = Vec::with_capacity(n);
    slots.resize(n, 0);
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_once_and_finds_what_it_holds() {
        let mut set = Fingerprints::default();
        let fps: Vec<u64> = (0..100_000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        for &fp in &fps {
            assert!(set.insert(fp));
        }
        for &fp in &fps {
            assert!(!set.insert(fp) && set.contains(fp));
        }
        assert_eq!(set.len(), fps.len());
        assert!(!set.contains(12345));
        // At worst just after a shard doubled: 2/5 full.
        assert!(set.bytes() <= fps.len() * 8 * 5 / 2, "{} bytes", set.bytes());
    }
}
