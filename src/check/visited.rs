//! The states a search has seen, as 64-bit fingerprints (hash compaction, as SPIN's
//! bitstate-free `-DHC` and stateright do): 8 bytes a state in an open-addressing table,
//! split into [`SHARDS`] shards by the fingerprint's top bits. A slot need not hold those: it
//! holds the other 58 and, in their place, the tag of the parallel batch that added it. A
//! shard doubles when it is 4/5 full, so the table stays 40–80% full, a fingerprint is moved
//! about once as the table grows (growing by half moved each twice, and took 8% of a race's
//! search on one core), and growing never holds two copies of the whole.
//!
//! On several cores a batch of a level's parts is expanded at once, each core claiming its
//! successors in the shared table ([`Fingerprints::claim`]): one probe, and a
//! compare-and-swap into the empty slot where a new fingerprint goes, tagged with the batch.
//! The cores write nothing else there, not even a count (each part counts what it adds, up to
//! a budget the table made room for before the batch), so that they share no cache line but
//! the slots they claim. The tag tells a fingerprint this batch added (claimed by two parts:
//! [`crate::check::merge`] decides which keeps it) from one seen before.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use rayon::prelude::*;

/// Fingerprints are already well-mixed hashes: the table uses them as they are.
#[derive(Default)]
pub(crate) struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Fingerprint to discovery index.
pub(crate) type Visited = HashMap<u64, u32, BuildHasherDefault<Identity>>;

/// A small set of fingerprints (a batch's contested ones).
pub(crate) type FingerprintSet = HashSet<u64, BuildHasherDefault<Identity>>;

/// How far ahead of its insert a run of inserts fetches a slot.
pub const PREFETCH_AHEAD: usize = 8;

/// Shards of a [`Fingerprints`] table: a power of two.
pub const SHARDS: usize = 64;
const SHARD_BITS: u32 = SHARDS.trailing_zeros();

/// A slot holds a fingerprint's low bits (its top [`SHARD_BITS`] name its shard, so they are
/// the same for every fingerprint of one shard) and, in the top bits, the tag of the parallel
/// batch that claimed it (0: settled).
const TAG_SHIFT: u32 = 64 - SHARD_BITS;
const LOW: u64 = (1 << TAG_SHIFT) - 1;
/// Tags of batches run 1..=63 ([`Fingerprints::begin_batch`]).
const LAST_TAG: u8 = (1 << SHARD_BITS) as u8 - 1;

/// 0 marks an empty slot, so low bits 0 are stored as 1 (a collision of one in 2^58).
fn key(fp: u64) -> u64 {
    (fp & LOW).max(1)
}

/// A set of fingerprints.
pub struct Fingerprints {
    shards: Vec<Shard>,
    /// The tag of the current parallel batch.
    tag: u8,
    /// Room for a shard's fingerprints while it grows ([`Shard::grow`]), kept from one
    /// growth to the next: one for each core that grows shards at once
    /// ([`Fingerprints::begin_batch`]), the first for growth on one core.
    scratch: Vec<Vec<u64>>,
}

/// What [`Fingerprints::claim`] found for a fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// It was not there: this part put it there first.
    New,
    /// It was there before this batch.
    Seen,
    /// Another part (or an earlier state of this part) claimed it in this batch.
    Contested,
    /// It was not there, and the part has added all it may to its shard in this batch: the
    /// batch's end claims it ([`Fingerprints::claim_late`]).
    Later,
}

/// One shard: linear probing from the slot `fastrange` picks; 0 marks an empty slot. Its
/// slots are atomic so that the cores of a parallel batch claim fingerprints in it at once
/// ([`Shard::claim`]); on one core they are plain loads and stores.
#[derive(Default)]
struct Shard {
    slots: Vec<AtomicU64>,
    len: usize,
}

impl Default for Fingerprints {
    fn default() -> Self {
        Fingerprints { shards: (0..SHARDS).map(|_| Shard::default()).collect(), tag: 0, scratch: vec![Vec::new()] }
    }
}

impl Fingerprints {
    /// The shard that holds `fp`.
    pub fn shard_of(fp: u64) -> usize {
        (fp >> (64 - SHARD_BITS)) as usize
    }

    /// Adds `fp`; whether it was new. One probe sequence, in one shard.
    pub fn insert(&mut self, fp: u64) -> bool {
        let shard = &mut self.shards[Self::shard_of(fp)];
        if shard.lacks_room(1) {
            shard.grow(&mut self.scratch[0]);
        }
        shard.put(fp)
    }

    pub fn contains(&self, fp: u64) -> bool {
        self.shards[Self::shard_of(fp)].contains(fp)
    }

    /// Asks the CPU to fetch the slot where a probe for `fp` starts: a hint, so that
    /// several probes' cache misses overlap.
    pub fn prefetch(&self, fp: u64) {
        self.shards[Self::shard_of(fp)].fetch(fp, false);
    }

    /// [`Fingerprints::prefetch`] for a claim, which may write the slot: the line comes
    /// owned, so that claiming it does not fetch it a second time.
    pub fn prefetch_to_write(&self, fp: u64) {
        self.shards[Self::shard_of(fp)].fetch(fp, true);
    }

    /// Starts a parallel batch that may add up to `room` fingerprints to each shard:
    /// grows the shards that lack the room, and returns the batch's tag, which
    /// [`Fingerprints::claim`] writes with each fingerprint it adds. A tag comes round again
    /// every 63 batches, so the tags of the batches before are cleared then.
    ///
    /// Shards fill at about the same pace, so several grow in the same batch: they grow on
    /// the cores of the pool this runs in, each core with its own scratch, while no part
    /// claims (race N = 5 on two cores: growing took 0.12 s where it took 0.18 s on one).
    pub fn begin_batch(&mut self, room: usize) -> u8 {
        let mut growing: Vec<&mut Shard> = self.shards.iter_mut().filter(|s| s.lacks_room(room)).collect();
        let cores = rayon::current_num_threads().min(growing.len()).max(1);
        self.scratch.resize_with(self.scratch.len().max(cores), Vec::new);
        let each = growing.len().div_ceil(cores).max(1);
        growing.par_chunks_mut(each).zip(&mut self.scratch).for_each(|(shards, scratch)| {
            for shard in shards {
                shard.reserve(room, scratch);
            }
        });
        if self.tag == LAST_TAG {
            self.shards.iter_mut().for_each(Shard::untag);
            self.tag = 0;
        }
        self.tag += 1;
        self.tag
    }

    /// One part's claim of `fp` in the batch tagged `tag`, while other cores claim theirs:
    /// one probe, which adds it when it is not there and the part has added fewer than
    /// `budget` to its shard (`added` counts them; [`Fingerprints::end_batch`] adds them up).
    /// Nothing but the slots is written: the cores share no counter.
    pub fn claim(&self, fp: u64, tag: u8, added: &mut [u32; SHARDS], budget: u32) -> Claim {
        let s = Self::shard_of(fp);
        let claim = self.shards[s].claim(fp, tag, added[s] < budget);
        added[s] += u32::from(claim == Claim::New);
        claim
    }

    /// Counts what a part of the batch added to each shard ([`Fingerprints::claim`]).
    pub fn end_batch(&mut self, added: &[u32; SHARDS]) {
        for (shard, &n) in self.shards.iter_mut().zip(added) {
            shard.len += n as usize;
        }
    }

    /// [`Fingerprints::claim`] after the batch's cores are done, for a fingerprint the part
    /// had no budget left for: the shard grows first if it must.
    pub fn claim_late(&mut self, fp: u64, tag: u8) -> Claim {
        let shard = &mut self.shards[Self::shard_of(fp)];
        shard.reserve(1, &mut self.scratch[0]);
        let claim = shard.claim(fp, tag, true);
        shard.len += usize::from(claim == Claim::New);
        claim
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the table holds.
    pub fn bytes(&self) -> usize {
        let scratch: usize = self.scratch.iter().map(Vec::capacity).sum();
        self.shards.iter().map(|s| s.slots.capacity() * 8).sum::<usize>() + scratch * 8
    }
}

impl Shard {
    /// Asks the CPU for the line of the slot where a probe for `fp` starts and the line
    /// after it, owned when the probe may write them (`to_write`). A probe goes on past its
    /// home slot until it finds the fingerprint or an empty slot: two to four slots in a
    /// table 60% full, more when fuller, so a quarter to a third of probes cross into the
    /// next line of 8 slots, and a line not fetched stalls the probe as if nothing had been
    /// (race N = 5 on one core: 3% faster with the second line).
    fn fetch(&self, fp: u64, to_write: bool) {
        if let Some(slot) = self.slots.get(self.home(key(fp))) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a prefetch is a hint that never faults, even past the slots' end.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_ET0, _MM_HINT_T0};
                let line = slot.as_ptr() as *const i8;
                let next = line.wrapping_add(64);
                if to_write {
                    _mm_prefetch::<_MM_HINT_ET0>(line);
                    _mm_prefetch::<_MM_HINT_ET0>(next);
                } else {
                    _mm_prefetch::<_MM_HINT_T0>(line);
                    _mm_prefetch::<_MM_HINT_T0>(next);
                }
            };
            #[cfg(not(target_arch = "x86_64"))]
            let _ = (slot, to_write);
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The slot where the probe for a key starts: its bits above the shard's, mapped onto
    /// the table's length (Lemire's multiply-shift, no power of two needed).
    fn home(&self, key: u64) -> usize {
        (((key << SHARD_BITS) as u128 * self.slots.len() as u128) >> 64) as usize
    }

    /// Where the probe for a key ends (a non-empty table): at its slot, with what the slot
    /// holds, or at the empty slot it would take.
    fn probe(&self, key: u64) -> (usize, Option<u64>) {
        self.probe_from(self.home(key), key)
    }

    /// [`Shard::probe`] from slot `i` on (its home, or a slot on its way from there).
    fn probe_from(&self, mut i: usize, key: u64) -> (usize, Option<u64>) {
        loop {
            match self.slots[i].load(Relaxed) {
                0 => return (i, None),
                held if held & LOW == key => return (i, Some(held)),
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

    /// Whether `more` fingerprints would pass the shard's load of 4/5. One test, not a
    /// loop: the growth check of a one-core search's hottest call (a loop measured 4%
    /// slower on a race).
    fn lacks_room(&self, more: usize) -> bool {
        (self.len + more) * 5 > self.slots.len() * 4
    }

    /// [`Fingerprints::insert`] in a shard with room for it.
    fn put(&mut self, fp: u64) -> bool {
        let key = key(fp);
        let (i, found) = self.probe(key);
        if found.is_none() {
            *self.slots[i].get_mut() = key;
            self.len += 1;
        }
        found.is_none()
    }

    /// [`Fingerprints::claim`] within this shard; it adds `fp` only if `may_add`.
    fn claim(&self, fp: u64, tag: u8, may_add: bool) -> Claim {
        if self.slots.is_empty() {
            return Claim::Later;
        }
        let key = key(fp);
        let mut from = self.home(key);
        loop {
            match self.probe_from(from, key) {
                (_, Some(held)) if held >> TAG_SHIFT == tag as u64 => return Claim::Contested,
                (_, Some(_)) => return Claim::Seen,
                (_, None) if !may_add => return Claim::Later,
                (i, None) => match self.slots[i].compare_exchange(0, key | (tag as u64) << TAG_SHIFT, Relaxed, Relaxed)
                {
                    Ok(_) => return Claim::New,
                    // Another core took the slot first: probe on from it.
                    Err(_) => from = i,
                },
            }
        }
    }

    fn contains(&self, fp: u64) -> bool {
        !self.slots.is_empty() && self.probe(key(fp)).1.is_some()
    }

    /// Doubles the shard until `more` fingerprints fit under its load of 4/5.
    fn reserve(&mut self, more: usize, scratch: &mut Vec<u64>) {
        while self.lacks_room(more) {
            self.grow(scratch);
        }
    }

    /// Settles every fingerprint a batch claimed: its tag is cleared.
    fn untag(&mut self) {
        for slot in &mut self.slots {
            *slot.get_mut() &= LOW;
        }
    }

    /// Doubles the table and places each fingerprint again: they are distinct, so each
    /// takes the first empty slot from its home, without comparing. Tags are kept. The
    /// fingerprints wait in `scratch` while the table grows where it is (a large table is
    /// remapped, not copied): only the new half is memory the process had not touched, and
    /// the old table and the new are never held at once.
    fn grow(&mut self, scratch: &mut Vec<u64>) {
        scratch.clear();
        scratch.extend(self.slots.iter().map(|slot| slot.load(Relaxed)).filter(|&held| held != 0));
        let size = (self.slots.len() * 2).max(64);
        self.slots.clear();
        self.slots.reserve_exact(size);
        // Written rather than allocated zeroed: zeroed memory starts as the kernel's shared
        // zero page, and the first write after a probe has read it costs a page fault that
        // stops every core of the search to flush its TLB.
        self.slots.resize_with(size, || AtomicU64::new(0));
        for &held in scratch.iter() {
            let mut i = self.home(held & LOW);
            while *self.slots[i].get_mut() != 0 {
                i = self.after(i);
            }
            *self.slots[i].get_mut() = held;
        }
    }
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

    /// A fingerprint claimed in a batch is contested in that batch only, also once the tags
    /// have come round (every 63 batches), and after its shard grew.
    #[test]
    fn a_claim_is_contested_in_its_own_batch_only() {
        let mut set = Fingerprints::default();
        let fps: Vec<u64> = (0..200u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        let mut spare: Vec<u64> = (1000..3000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        for (batch, &fp) in fps.iter().enumerate() {
            let mut added = [0; SHARDS];
            let tag = set.begin_batch(1);
            assert_eq!(set.claim(fp, tag, &mut added, 1), Claim::New, "batch {batch}");
            assert_eq!(set.claim(fp, tag, &mut added, 1), Claim::Contested, "batch {batch}");
            // Its budget spent, a part leaves a new fingerprint of that shard for later.
            let same_shard = spare.iter().position(|&f| Fingerprints::shard_of(f) == Fingerprints::shard_of(fp));
            if let Some(other) = same_shard.map(|p| spare.swap_remove(p)) {
                assert_eq!(set.claim(other, tag, &mut added, 1), Claim::Later, "batch {batch}");
                assert_eq!(set.claim_late(other, tag), Claim::New, "batch {batch}");
            }
            set.end_batch(&added);
            for &earlier in &fps[..batch] {
                assert_eq!(set.claim(earlier, tag, &mut [0; SHARDS], 1), Claim::Seen, "batch {batch}");
            }
        }
        assert!(fps.iter().all(|&fp| set.contains(fp)));
    }
}
