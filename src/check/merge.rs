//! The end of a parallel batch of a search level ([`crate::check::search`]): the cores have
//! claimed their parts' successors in the shared visited set at once
//! ([`Fingerprints::claim`]), each keeping those it found unclaimed or claimed in this batch
//! only; here each successor is kept only by the first of its equals in (part, position)
//! order, so that a search on several cores finds the states, indices and paths of a search
//! on one, whichever core claimed a state first.
//!
//! Both steps run on the search's pool ([`rayon::ThreadPool::install`]): their loops take
//! the cores of the pool they run in.

use rayon::prelude::*;

#[cfg(test)]
use crate::check::visited::SHARDS;
use crate::check::visited::{Claim, FingerprintSet, Fingerprints};

/// Settles the claims of a parallel batch tagged `tag` in the visited set: successors their
/// part had no budget left for ([`Claim::Later`]) are claimed now, in (part, position)
/// order, after their shards grow. Returns the fingerprints claimed more than once in the
/// batch (contested), for [`first_of_equals`], which needs the visited set no more.
pub(crate) fn settle<K: Sync>(
    visited: &mut Fingerprints,
    tag: u8,
    kept: &[&[K]],
    fp: impl Fn(&K) -> u64 + Sync,
    claim: impl Fn(&K) -> Claim + Sync,
) -> FingerprintSet {
    // Where each part's successors not claimed as new are (a few in a hundred).
    let unsure = |part: &[K]| -> Vec<usize> { (0..part.len()).filter(|&k| claim(&part[k]) != Claim::New).collect() };
    let unsure: Vec<Vec<usize>> = kept.par_iter().map(|part| unsure(part)).collect();
    let mut contested = FingerprintSet::default();
    for (part, ks) in kept.iter().zip(&unsure) {
        for &k in ks {
            let one = &part[k];
            let late = match claim(one) {
                Claim::Later => visited.claim_late(fp(one), tag),
                c => c,
            };
            debug_assert_ne!(late, Claim::Seen, "a fingerprint claimed in this batch is tagged with it");
            if late == Claim::Contested {
                contested.insert(fp(one));
            }
        }
    }
    contested
}

/// Which kept successors of a settled parallel batch ([`settle`]) are new states: of the
/// `contested` ones, only the first of equals in (part, position) order; every other one.
pub(crate) fn first_of_equals<K: Sync>(
    contested: &FingerprintSet,
    kept: &[&[K]],
    fp: impl Fn(&K) -> u64 + Sync,
) -> Vec<Vec<bool>> {
    let mut winners: Vec<Vec<bool>> = kept.par_iter().map(|part| vec![true; part.len()]).collect();
    if contested.is_empty() {
        return winners;
    }
    // Each part's contested successors, in order (the claims that won in time among
    // them); the first of each fingerprint wins.
    let disputed: Vec<Vec<usize>> =
        kept.par_iter().map(|part| (0..part.len()).filter(|&k| contested.contains(&fp(&part[k]))).collect()).collect();
    let mut decided = FingerprintSet::with_capacity_and_hasher(contested.len(), Default::default());
    for ((part, ks), won) in kept.iter().zip(&disputed).zip(&mut winners) {
        for &k in ks {
            won[k] = decided.insert(fp(&part[k]));
        }
    }
    winners
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch as the cores would leave it: each part's successors claimed in part order
    /// (the order in which cores claim them changes nothing but which ones are contested),
    /// a part keeping those new to the table or contested. A part that `remembers` its own
    /// skips its repeats of them; one that does not (its cache of recent probes lost them)
    /// keeps the repeats too, contested, and the first of equals must still win.
    fn claimed(
        visited: &Fingerprints,
        tag: u8,
        part: &[u64],
        added: &mut [u32; SHARDS],
        remembers: bool,
    ) -> Vec<(u64, Claim)> {
        let mut own = FingerprintSet::default();
        let mut kept = Vec::new();
        for &fp in part {
            if remembers && own.contains(&fp) {
                continue;
            }
            match visited.claim(fp, tag, added, BUDGET) {
                Claim::Seen => {}
                c => {
                    own.insert(fp);
                    kept.push((fp, c));
                }
            }
        }
        kept
    }

    /// What a part may add to a shard: part 0's 5000 fingerprints pass it in every shard,
    /// so that some are claimed only once the batch is over.
    const BUDGET: u32 = 4;

    #[test]
    fn the_first_of_equals_wins_and_what_was_seen_loses() {
        let seen = 0xdead_beef_u64.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // Fingerprints spread over the shards; part 1 repeats two of part 0's and one of its
        // own, part 2 repeats one of part 1's and the one seen before.
        let fp = |i: u64| i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
        let parts: Vec<Vec<u64>> = vec![
            (0..5000).map(fp).collect(),
            [fp(7), fp(10000), fp(4999), fp(10000)].into_iter().chain((10001..10400).map(fp)).collect(),
            vec![fp(10200), seen, fp(20000)],
        ];
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool");
        // Claimed in part order, and in the reverse order (a later part's core first).
        for (reverse, remembers) in [(false, true), (true, true), (false, false), (true, false)] {
            let mut visited = Fingerprints::default();
            visited.insert(seen);
            let tag = visited.begin_batch(BUDGET as usize * parts.len());
            let mut kept: Vec<Vec<(u64, Claim)>> = vec![Vec::new(); parts.len()];
            let order: Vec<usize> = if reverse { vec![2, 1, 0] } else { vec![0, 1, 2] };
            for &p in &order {
                let mut added = [0; SHARDS];
                kept[p] = claimed(&visited, tag, &parts[p], &mut added, remembers);
                visited.end_batch(&added);
            }
            assert!(kept.iter().flatten().any(|&(_, c)| c == Claim::Later), "no shard was full");
            let lists: Vec<&[(u64, Claim)]> = kept.iter().map(Vec::as_slice).collect();
            let winners = pool.install(|| {
                let contested = settle(&mut visited, tag, &lists, |k| k.0, |k| k.1);
                first_of_equals(&contested, &lists, |k| k.0)
            });
            let won = |p: usize| -> Vec<u64> {
                kept[p].iter().zip(&winners[p]).filter(|(_, &w)| w).map(|(k, _)| k.0).collect()
            };
            assert_eq!(won(0), parts[0], "reverse {reverse}, remembers {remembers}");
            let mut part1: Vec<u64> = vec![fp(10000)];
            part1.extend((10001..10400).map(fp));
            assert_eq!(won(1), part1, "reverse {reverse}, remembers {remembers}");
            assert_eq!(won(2), [fp(20000)], "reverse {reverse}, remembers {remembers}");
            assert_eq!(visited.len(), 1 + 5000 + 1 + 399 + 1);
        }
    }
}
