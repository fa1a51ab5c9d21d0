//! The merge of a parallel batch of a search level ([`crate::check::search`]): the cores
//! have expanded their parts against the visited set as it stood, each keeping the
//! successors it did not find there; here each successor is kept only by the first of its
//! equals in (part, position) order, so that a search on several cores finds the states,
//! indices and paths of a search on one.

use rayon::prelude::*;
use rayon::ThreadPool;

use crate::check::visited::{Fingerprints, PREFETCH_AHEAD, SHARDS};

/// A part's candidates grouped by shard (a counting sort): shard `s`'s are
/// `order[starts[s]..starts[s + 1]]`, each its fingerprint and its place in the part, in
/// part order.
struct ByShard {
    starts: [u32; SHARDS + 1],
    order: Vec<(u64, u32)>,
}

impl ByShard {
    fn of<K>(part: &[K], fp: impl Fn(&K) -> u64) -> ByShard {
        let mut starts = [0u32; SHARDS + 1];
        for one in part {
            starts[Fingerprints::shard_of(fp(one)) + 1] += 1;
        }
        for s in 0..SHARDS {
            starts[s + 1] += starts[s];
        }
        let mut free = starts;
        let mut order = vec![(0, 0); part.len()];
        for (k, one) in part.iter().enumerate() {
            let s = Fingerprints::shard_of(fp(one));
            order[free[s] as usize] = (fp(one), k as u32);
            free[s] += 1;
        }
        ByShard { starts, order }
    }

    fn shard(&self, s: usize) -> &[(u64, u32)] {
        &self.order[self.starts[s] as usize..self.starts[s + 1] as usize]
    }
}

/// A parallel level: which kept successors are new states, each one kept only by the first
/// of its equals in (part, position) order, by inserting them into the visited set shard by
/// shard, each shard on one core, in that order. Grouping by shard and reading the answers
/// back are done a part per core too.
pub fn first_of_equals<K: Sync>(
    visited: &mut Fingerprints,
    kept: &[&[K]],
    fp: impl Fn(&K) -> u64 + Sync,
    pool: &ThreadPool,
) -> Vec<Vec<bool>> {
    pool.install(|| {
        let split: Vec<ByShard> = kept.par_iter().map(|part| ByShard::of(part, &fp)).collect();
        // Whether each of a shard's candidates, part after part, was new.
        let news: Vec<Vec<bool>> = visited
            .shards_mut()
            .par_iter_mut()
            .enumerate()
            .map(|(s, shard)| {
                let fps = split.iter().flat_map(|part| part.shard(s).iter().map(|&(fp, _)| fp));
                let mut ahead = fps.clone().skip(PREFETCH_AHEAD);
                fps.map(|fp| {
                    if let Some(fp) = ahead.next() {
                        shard.prefetch(fp);
                    }
                    shard.insert(fp)
                })
                .collect()
            })
            .collect();
        // Where each part's answers begin in each shard's list.
        let firsts: Vec<[usize; SHARDS]> = split
            .iter()
            .scan([0; SHARDS], |next, part| {
                let first = *next;
                (0..SHARDS).for_each(|s| next[s] += part.shard(s).len());
                Some(first)
            })
            .collect();
        split
            .par_iter()
            .zip(&firsts)
            .map(|(part, first)| {
                let mut winners = vec![false; part.order.len()];
                for (s, new) in news.iter().enumerate() {
                    for (&(_, k), &won) in part.shard(s).iter().zip(&new[first[s]..]) {
                        winners[k as usize] = won;
                    }
                }
                winners
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_equals_wins_and_what_was_seen_loses() {
        let mut visited = Fingerprints::default();
        let seen = 0xdead_beef_u64.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        visited.insert(seen);
        // Fingerprints spread over the shards; part 1 repeats two of part 0's and one of its
        // own, part 2 repeats one of part 1's and the one seen before.
        let fp = |i: u64| i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
        let parts: Vec<Vec<u64>> = vec![
            (0..500).map(fp).collect(),
            [fp(7), fp(1000), fp(499), fp(1000)].into_iter().chain((1001..1400).map(fp)).collect(),
            vec![fp(1200), seen, fp(2000)],
        ];
        let kept: Vec<&[u64]> = parts.iter().map(Vec::as_slice).collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool");
        let winners = first_of_equals(&mut visited, &kept, |&fp| fp, &pool);
        assert!(winners[0].iter().all(|&won| won));
        assert_eq!(&winners[1][..4], [false, true, false, false]);
        assert!(winners[1][4..].iter().all(|&won| won));
        assert_eq!(winners[2], [false, false, true]);
        assert_eq!(visited.len(), 1 + 500 + 1 + 399 + 1);
    }
}
