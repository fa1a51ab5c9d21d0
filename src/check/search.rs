//! Exhaustive breadth-first exploration of a [`GilModel`]: every reachable state visited
//! once and folded by the caller ([`crate::check::explore`] observes one goal on each).
//!
//! Like stateright's BFS, visited states are kept as 64-bit fingerprints (hash compaction:
//! xxh3 of [`State::encode`], [`crate::check::visited`]), and a path is rebuilt by replaying
//! from the initial state the action that first reached each state ([`crate::check::tree`]).
//! Unlike it, the search visits actions in the model's fixed order and, on any number of
//! cores, keeps the first of equal successors in that order ([`crate::check::merge`]), so
//! state counts, depths and the chosen counterexample (the shortest, first in action order)
//! are the same on every run and machine. `tests/stateright_agrees.rs` checks that
//! stateright's own checker finds the same state counts and verdicts,
//! `tests/parallel_search.rs` that cores change nothing.

use std::collections::{BTreeMap, VecDeque};

use rayon::prelude::*;
use rayon::ThreadPool;
use stateright::Model;

use crate::check::fusion::{self, Sign};
use crate::check::level::{select, ChainEnds, Expanded, Kept, Level, Part, Selected, Settled};
use crate::check::merge::{first_of_equals, settle};
use crate::check::packing::{pack, unpack};
use crate::check::resources::{Budget, Searching, Stop};
use crate::check::tree::{Step, Tree};
use crate::check::visited::{Claim, Fingerprints, Visited, PREFETCH_AHEAD, SHARDS};
use crate::cpython::model::{Action, GilModel, Trace};
use crate::cpython::state::{Dims, State};
use crate::cpython::symmetry::Reduction;

/// What each slot of the visited table costs: a `u64` fingerprint, a `u32` index and a control
/// byte, at the table's largest load (7/8).
pub(crate) const BYTES_PER_VISITED: usize = (8 + 4 + 1) * 8 / 7 + 1;

/// What a search holds now, from the capacities (not lengths) of its tables, with room for the
/// next doubling of the largest: growing a table briefly holds the old one and the new one.
pub(crate) fn held_bytes(parts: &[usize]) -> usize {
    parts.iter().sum::<usize>() + parts.iter().max().copied().unwrap_or(0) * 2
}

/// What every breadth-first search of a model has found, whatever it looked for.
pub struct Walk {
    /// The initial states (up to symmetry), by discovery index.
    pub roots: Vec<State>,
    /// How each state (by discovery index) was first reached: paths are rebuilt from it.
    pub tree: Tree,
    /// Unique states reached: every state of every level the walk went through.
    pub states: usize,
    /// The longest shortest path from the initial state.
    pub max_depth: usize,
    /// Some state reached the horizon (ticks mode).
    pub horizon_hit: bool,
    /// A budget ended the walk before every state was seen.
    pub stopped: Option<Stop>,
}

/// Where the expanded parts of a level go, in discovery order: what they observed to the
/// fold, their new states to the next level (and the ends of fused chains to theirs), and
/// how those were reached to the tree.
struct Output<'w, F> {
    walk: &'w mut Walk,
    next: &'w mut Level,
    /// Ends of fused chains by the depth of their level.
    pending: &'w mut BTreeMap<usize, ChainEnds>,
    fold: &'w mut F,
    max_states: usize,
    /// The depth of the level expanded.
    depth: usize,
}

impl<F> Output<'_, F> {
    /// Decides which successors of a settled batch are new (on the cores of the pool it
    /// runs in), and folds and stores its parts; false when the walk ends there.
    fn finish<A: Default + Send>(&mut self, batch: Settled<A>, size: usize) -> bool
    where
        F: FnMut(A) -> bool,
    {
        let kept: Vec<&[Kept]> = batch.done.iter().map(|c| c.kept.as_slice()).collect();
        let winners = first_of_equals(&batch.contested, &kept, |k| k.fp);
        let (observed, selected): (Vec<(A, bool)>, Vec<Selected>) = batch
            .done
            .into_par_iter()
            .zip(winners)
            .map(|(mut part, won)| ((std::mem::take(&mut part.seen), part.horizon_hit), select(part, Some(&won), size)))
            .unzip();
        self.fold_and_store(observed, selected)
    }

    /// Folds what the parts observed (and whether they reached the horizon), then stores
    /// their new states; false when the fold ends the walk or the state budget runs out
    /// among them (the walk is then stopped, with every state it holds counted).
    fn fold_and_store<A>(&mut self, observed: Vec<(A, bool)>, selected: Vec<Selected>) -> bool
    where
        F: FnMut(A) -> bool,
    {
        for (seen, horizon_hit) in observed {
            self.walk.horizon_hit |= horizon_hit;
            if !(self.fold)(seen) {
                return false;
            }
        }
        for mut new in selected {
            let room = self.max_states.saturating_sub(self.walk.states + self.next.len);
            let full = new.len > room;
            if full {
                new.truncate(room);
            }
            new.children.iter().for_each(|&n| self.walk.tree.expanded(n as usize));
            new.positions.iter().for_each(|&p| self.walk.tree.discovered(p as usize));
            self.next.append(new.parts);
            let ends = &new.chains;
            for (c, &forced) in ends.forced.iter().enumerate() {
                let (parent, position) = (ends.parents[c] as usize, ends.positions[c]);
                let level = self.pending.entry(self.depth + 1 + forced as usize).or_default();
                level.push(ends.states.get(c), ends.fps[c], parent, position, forced);
            }
            if full {
                self.walk.stopped = Some(Stop::MaxStates(self.max_states));
                self.walk.states += self.next.len;
                self.walk.max_depth = self.depth + usize::from(self.next.len > 0);
                return false;
            }
        }
        true
    }
}

/// Parts expanded between two merges into the visited set, per core: enough that the cores
/// rarely wait for the slowest part of a batch (cores were busy 1.77 of 2 with 4 parts, 1.82
/// with 16, 1.79 with 64; CPU over wall time, race N=5), few enough that the successors kept
/// meanwhile take little memory (a few MiB).
const PARTS_PER_CORE: usize = 16;

/// States of a part whose successors are fingerprinted before any of them is probed: their
/// slots in the visited set are fetched together, and probed once the next as many states
/// are expanded (race N = 5: 4 took 1.5% less time than 8 on one core and 3% less on two;
/// 16 took 4% more than 8).
const STATES_FETCHED_TOGETHER: usize = 4;

/// Visits every state reachable from the model's initial states, breadth first and in the
/// model's action order, each once (up to symmetry when `reduce` and the model reduces it,
/// [`GilModel::reduction`]).
/// `observe(acc, state, index, enabled actions)` folds each state into the accumulator of
/// its part of a level, and `fold` takes the parts' accumulators in discovery order; when it
/// returns false the walk ends in that level (no state deeper than it is counted). With a
/// `sign`, chains of forced steps it does not tell apart are fused ([`crate::check::fusion`]):
/// their states are neither stored, counted nor observed, and the chain's end joins the
/// level of its depth, first in it.
///
/// The search is level-synchronised: a level's parts are expanded on as many cores as the
/// run leaves it ([`Budget::cores`]), and the winner among equal successors is the one
/// first in (parent, action) order, so states, indices, depths and paths are those of a
/// one-core search, on every run and machine. This is the one search every exhaustive check
/// uses; liveness builds its graph on its own (it needs every edge).
pub fn breadth_first<A: Default + Send>(
    model: &GilModel,
    budget: Budget,
    reduce: bool,
    sign: Option<Sign>,
    observe: impl Fn(&mut A, &State, usize, &[Action]) + Sync,
    mut fold: impl FnMut(A) -> bool + Send,
) -> Walk {
    let meter = budget.start();
    let dims = model.sys.dims();
    let reduce = if reduce { model.reduction() } else { Reduction::Off };
    let mut visited = Fingerprints::default();
    let mut level = Level { part: budget.cores.part_states(), ..Level::default() };
    let (mut buf, mut canonical, mut packed) = (Vec::new(), Vec::new(), Vec::new());
    let mut roots = Vec::new();
    for s in model.init_states() {
        buf.clear();
        if visited.insert(fingerprint(model, &dims, reduce, &s, &mut buf, &mut canonical)) {
            packed.clear();
            pack(&buf, &mut packed);
            let mut part = Part::default();
            part.push(&packed);
            level.append(vec![part]);
            roots.push(s);
        }
    }
    let mut walk = Walk {
        tree: Tree::new(roots.len()),
        roots,
        states: level.len,
        max_depth: 0,
        horizon_hit: false,
        stopped: None,
    };
    let horizon = model.sys.is_ticks().then_some(model.sys.runtime.horizon as u16);
    let max_states = meter.max_states();
    let _running = Searching::start();
    let search = Setting { model, dims, used: dims.used_bytes(), reduce, horizon, sign };
    let expand = |part: &Part, first: usize, probe: Probe| expand_part(&search, part, first, &observe, probe);
    let mut pools: Option<(usize, ThreadPool)> = None;
    // Ends of fused chains by the depth of their level.
    let mut pending: BTreeMap<usize, ChainEnds> = BTreeMap::new();
    'levels: for depth in 0.. {
        if level.len == 0 && pending.is_empty() {
            break;
        }
        if level.len > 0 {
            walk.max_depth = depth;
        }
        let mut next = Level { first: level.first + level.len, part: level.part, ..Level::default() };
        // The chains that end in the next level come first in it: every shallower state is
        // known, and the next level's other states are yet to be found.
        let ends = pending.remove(&(depth + 1)).unwrap_or_default();
        let (mut arrived, mut parts) = (0, vec![Part::default()]);
        for (c, &fp) in ends.fps.iter().enumerate() {
            if let Some(&ahead) = ends.fps.get(c + PREFETCH_AHEAD) {
                visited.prefetch(ahead);
            }
            if visited.insert(fp) {
                if walk.states + arrived >= max_states {
                    walk.stopped = Some(Stop::MaxStates(max_states));
                    walk.states += arrived;
                    walk.max_depth = depth + usize::from(arrived > 0);
                    break 'levels;
                }
                let (parent, position) = (ends.parents[c] as usize, ends.positions[c] as usize);
                walk.tree.fused(next.first + arrived, parent, position, ends.forced[c]);
                if parts.last().is_some_and(|p| p.len() >= level.part) {
                    parts.push(Part::default());
                }
                parts.last_mut().expect("a part").push(ends.states.get(c));
                arrived += 1;
            }
        }
        next.append(parts);
        let mut first = level.first;
        let mut parts = std::mem::take(&mut level.parts).into_iter().peekable();
        let mut level_bytes = level.bytes;
        // Several cores only for a level of several parts; a pool that cannot be had leaves
        // the search on this one.
        let cores = if level.len > level.part { budget.cores.now() } else { 1 };
        if cores > 1 && pools.as_ref().is_none_or(|(n, _)| *n != cores) {
            pools = rayon::ThreadPoolBuilder::new().num_threads(cores).build().ok().map(|p| (cores, p));
        }
        let pool = pools.as_ref().filter(|(n, _)| *n == cores).map(|(_, p)| p);
        let size = level.part;
        let mut out =
            Output { walk: &mut walk, next: &mut next, pending: &mut pending, fold: &mut fold, max_states, depth };
        // A parallel batch settled in the visited set, whose new states are yet to be
        // decided and stored: that is done while the cores expand the next batch.
        let mut waiting: Option<Settled<A>> = None;
        while parts.peek().is_some() {
            let pending_bytes: usize = out.pending.values().map(ChainEnds::bytes).sum();
            let held = visited.bytes()
                + out.walk.tree.bytes()
                + level_bytes
                + out.next.bytes
                + pending_bytes
                + waiting.as_ref().map_or(0, Settled::bytes);
            if let Some(why) = meter.poll(held) {
                let finished = waiting.take().is_none_or(|w| pool.is_some_and(|p| p.install(|| out.finish(w, size))));
                if finished {
                    out.walk.stopped = Some(why);
                    out.walk.states += out.next.len;
                }
                break 'levels;
            }
            let batch: Vec<Part> = parts.by_ref().take(pool.map_or(1, |_| cores * PARTS_PER_CORE)).collect();
            let firsts: Vec<usize> =
                batch.iter().scan(first, |f, p| Some(std::mem::replace(f, *f + p.len()))).collect();
            first += batch.iter().map(Part::len).sum::<usize>();
            level_bytes -= batch.iter().map(Part::bytes).sum::<usize>().min(level_bytes);
            let Some(pool) = pool else {
                let mut done = expand(&batch[0], firsts[0], Probe::Insert(&mut visited));
                let seen = (std::mem::take(&mut done.seen), done.horizon_hit);
                if !out.fold_and_store(vec![seen], vec![select(done, None, size)]) {
                    break 'levels;
                }
                continue;
            };
            // One trip to the pool's cores a batch: the batch is expanded and settled there,
            // and the batch before it decided and stored meanwhile, so that the cores do
            // not wait for one another as each batch ends.
            let went_on = pool.install(|| {
                // A part's states find about as many new ones as there are of them, or up
                // to a few times more while the levels still widen: each part may add up to
                // four times its share of a shard, and claims the rest late.
                let budget = (4 * size / SHARDS + 16) as u32;
                let tag = visited.begin_batch(budget as usize * batch.len());
                let claimed = &visited;
                let claim = || -> Vec<Expanded<A>> {
                    batch
                        .par_iter()
                        .zip(&firsts)
                        .map(|(p, &f)| expand(p, f, Probe::Claim { visited: claimed, tag, added: [0; SHARDS], budget }))
                        .collect()
                };
                let (done, went_on) = rayon::join(claim, || waiting.take().is_none_or(|w| out.finish(w, size)));
                for part in &done {
                    visited.end_batch(&part.added);
                }
                let kept: Vec<&[Kept]> = done.iter().map(|c| c.kept.as_slice()).collect();
                let contested = settle(&mut visited, tag, &kept, |k| k.fp, |k| k.claim);
                waiting = Some(Settled { done, contested });
                went_on
            });
            if !went_on {
                break 'levels;
            }
        }
        if waiting.take().is_some_and(|w| !pool.is_some_and(|p| p.install(|| out.finish(w, size)))) {
            break 'levels;
        }
        walk.states += next.len;
        level = next;
    }
    walk
}

/// Appends a state's encoding to `out` and returns its fingerprint: that of its symmetry
/// class's representative under `reduce` (built from the encoding or the state in
/// `canonical`).
fn fingerprint(
    model: &GilModel,
    dims: &Dims,
    reduce: Reduction,
    s: &State,
    out: &mut Vec<u8>,
    canonical: &mut Vec<u8>,
) -> u64 {
    let start = out.len();
    let gil_at = s.encode_onto(dims, out);
    let bytes = &out[start..];
    match reduce {
        Reduction::Off => xxhash_rust::xxh3::xxh3_64(bytes),
        Reduction::OnBytes if !model.representative_encoding(bytes, gil_at, canonical) => {
            xxhash_rust::xxh3::xxh3_64(bytes)
        }
        Reduction::OnBytes => xxhash_rust::xxh3::xxh3_64(canonical),
        Reduction::OnStates => match model.representative(s) {
            // The state is its representative: its encoding is the one just written.
            std::borrow::Cow::Borrowed(_) => xxhash_rust::xxh3::xxh3_64(bytes),
            std::borrow::Cow::Owned(r) => {
                r.encode(dims, canonical);
                xxhash_rust::xxh3::xxh3_64(canonical)
            }
        },
    }
}

/// The successors of a few consecutive states of a part, encoded, with their fingerprints.
#[derive(Default)]
struct Successors {
    /// Each state's index in its part and where its successors start.
    parents: Vec<(u32, u32)>,
    states: Part,
    fps: Vec<u64>,
}

impl Successors {
    fn clear(&mut self) {
        self.parents.clear();
        self.states.packed.clear();
        self.states.ends.clear();
        self.fps.clear();
    }

    /// The successors that follow are those of state `parent` of the part.
    fn begin(&mut self, parent: usize) {
        self.parents.push((parent as u32, self.fps.len() as u32));
    }

    /// Asks for the visited set's slots of every successor at once, except those the part
    /// probed lately. A prefetch into a large table holds up the work after it (its address
    /// must be translated, and the table spans far more pages than the TLB holds): in a
    /// tight run their waits overlap, where one prefetch between two states' work waited
    /// alone (race N = 5 on one core: 3–6% faster).
    fn prefetch(&self, probe: &Probe, recent: &Recent) {
        for &fp in &self.fps {
            if !recent.holds(fp) {
                probe.prefetch(fp);
            }
        }
    }

    /// Probes each successor in (state, action) order and keeps, packed, those that are
    /// new: the successor itself, or the end of the fused chain it starts. One the part
    /// probed lately is not new to it, and is not probed again.
    fn keep_new<A>(
        &mut self,
        probe: &mut Probe,
        recent: &mut Recent,
        out: &mut Expanded<A>,
        chains: &mut Option<Follower>,
    ) {
        let ends = self.parents.iter().skip(1).map(|&(_, first)| first as usize).chain([self.fps.len()]);
        for (&(parent, first), end) in self.parents.iter().zip(ends) {
            for (position, &fp) in self.fps[first as usize..end].iter().enumerate() {
                if recent.holds(fp) {
                    continue;
                }
                let claim = probe.claim(fp);
                recent.note(fp);
                let Some(claim) = claim else { continue };
                let bytes = self.states.get(first as usize + position);
                let (forced, end_fp, kept) = match chains.as_mut().and_then(|c| c.follow(bytes)) {
                    Some((forced, end_fp, end)) => (forced, end_fp, end),
                    None => (0, 0, bytes),
                };
                pack(kept, &mut out.part.packed);
                out.part.ends.push(out.part.packed.len() as u32);
                out.kept.push(Kept { fp, claim, parent, position: position as u16, forced, end_fp });
            }
        }
        self.clear();
    }
}

/// Slots of [`Recent`]: 8 KiB, which stays in the first-level cache. On a race (N = 5)
/// it held 61% of the successors seen before when they came again (40% of all successors;
/// 4 and 16 times as many slots held 63% and 66%), and on two cores 98% of a part's
/// repeats of its own claims.
const RECENT_SLOTS: usize = 1024;

/// The fingerprints a part probed lately, by their low bits, each slot holding the last
/// one probed: a successor found here is not new to the part (the visited set held it
/// before the part, or the part kept it), so its probe of the visited set, a cache miss in a
/// large table, is saved. A diamond of interleavings reaches a state from two states close
/// together in a level, so most repeats come soon after the first. Only what the part itself
/// probed is here: on several cores another part's claim must still be contested
/// ([`first_of_equals`]).
struct Recent {
    slots: Vec<u64>,
    /// The slots' count less one (a power of two less one).
    mask: usize,
}

impl Recent {
    /// For a part of `states` states: a few slots a state, up to [`RECENT_SLOTS`], so that
    /// the many small levels of small models do not each fill 8 KiB.
    fn new(states: usize) -> Recent {
        let len = (4 * states).next_power_of_two().min(RECENT_SLOTS);
        // Each slot starts with a value whose low bits are not its index: no fingerprint
        // is held before one is noted.
        Recent { slots: (0..len as u64).map(|i| i ^ 1).collect(), mask: len - 1 }
    }

    fn holds(&self, fp: u64) -> bool {
        self.slots[fp as usize & self.mask] == fp
    }

    fn note(&mut self, fp: u64) {
        self.slots[fp as usize & self.mask] = fp;
    }
}

/// What a part's expansion needs to follow fused chains, with room to work in.
struct Follower<'a> {
    search: &'a Setting<'a>,
    /// A chain's states, in turns.
    states: [State; 2],
    actions: Vec<Action>,
    buf: Vec<u8>,
    canonical: Vec<u8>,
}

impl Follower<'_> {
    /// The chain of forced steps from the successor encoded in `bytes`: its length, and its
    /// end's fingerprint and encoding; `None` when the successor is not skipped (or the
    /// search fuses nothing).
    fn follow(&mut self, bytes: &[u8]) -> Option<(u8, u64, &[u8])> {
        let Setting { model, dims, used, reduce, sign, .. } = *self.search;
        let sign = sign?;
        let [start, spare] = &mut self.states;
        start.decode_from(&dims, bytes);
        let (end, forced) = fusion::follow(model, sign, used, [start, spare], &mut self.actions);
        if forced == 0 {
            return None;
        }
        self.buf.clear();
        let fp = fingerprint(model, &dims, reduce, end, &mut self.buf, &mut self.canonical);
        Some((forced, fp, &self.buf))
    }
}

/// What the expansions of one search's parts share.
struct Setting<'a> {
    model: &'a GilModel,
    dims: Dims,
    /// The bytes of a `State` the model's slots reach ([`Dims::used_bytes`]): what a
    /// successor copies of its parent.
    used: usize,
    reduce: Reduction,
    horizon: Option<u16>,
    /// Fuse chains of forced steps that this sign does not tell apart.
    sign: Option<Sign<'a>>,
}

/// How a part's expansion tells a new successor from one seen before.
#[allow(clippy::large_enum_variant)] // one a part, on its stack: boxing the counts would add a pointer per claim
enum Probe<'a> {
    /// One core: insert it into the visited set; new if it was not there.
    Insert(&'a mut Fingerprints),
    /// One of several cores: claim it in the shared visited set for the batch tagged `tag`
    /// (adding at most `budget` to a shard, counted in `added`), and keep it unless it was
    /// there before the batch; [`first_of_equals`] decides among the parts that kept it,
    /// and among a part's own repeats that [`Recent`] no longer held.
    Claim { visited: &'a Fingerprints, tag: u8, added: [u32; SHARDS], budget: u32 },
}

impl Probe<'_> {
    /// `None` when the successor is not new (to the part's search so far), else what the
    /// visited set said of it.
    fn claim(&mut self, fp: u64) -> Option<Claim> {
        match self {
            Probe::Insert(visited) => visited.insert(fp).then_some(Claim::New),
            Probe::Claim { visited, tag, added, budget } => match visited.claim(fp, *tag, added, *budget) {
                Claim::Seen => None,
                claim => Some(claim),
            },
        }
    }

    /// Fetches the slots a probe for `fp` reads in the visited set.
    fn prefetch(&self, fp: u64) {
        match self {
            Probe::Insert(visited) => visited.prefetch(fp),
            Probe::Claim { visited, .. } => visited.prefetch_to_write(fp),
        }
    }
}

/// Expands the states of a part (the first is state `first`): observes each and keeps each
/// successor that `probe` says is new, in (state, action) order. The successors of
/// [`STATES_FETCHED_TOGETHER`] states are fingerprinted and their slots in the visited set
/// fetched before those of the states before are probed, so that the cache misses of many
/// probes overlap.
fn expand_part<A: Default>(
    search: &Setting,
    part: &Part,
    first: usize,
    observe: &impl Fn(&mut A, &State, usize, &[Action]),
    mut probe: Probe,
) -> Expanded<A> {
    let &Setting { model, ref dims, used, reduce, horizon, sign } = search;
    // A part keeps about as many new states as it expands (each state is discovered once),
    // so its buffers start at the part's own size rather than growing by copies.
    let mut out = Expanded {
        seen: A::default(),
        kept: Vec::with_capacity(part.len()),
        part: Part { packed: Vec::with_capacity(part.packed.len()), ends: Vec::with_capacity(part.len()) },
        states: part.len(),
        first,
        horizon_hit: false,
        added: [0; SHARDS],
    };
    let mut chains = sign.map(|_| Follower {
        search,
        states: [State::default(); 2],
        actions: Vec::new(),
        buf: Vec::new(),
        canonical: Vec::new(),
    });
    let (mut bytes, mut canonical, mut actions) = (Vec::new(), Vec::new(), Vec::new());
    // The successors of the states before, probed only once these states' are fetched, so
    // that their cache misses overlap.
    let (mut now, mut before) = (Successors::default(), Successors::default());
    let mut recent = Recent::new(part.len());
    // A successor starts as a copy of its state: of the bytes its model's slots use.
    let (mut s, mut next) = (State::default(), State::default());
    for i in 0..part.len() {
        s.decode_from(dims, unpack(part.get(i), &mut bytes));
        out.horizon_hit |= horizon.is_some_and(|h| s.now >= h);
        actions.clear();
        model.actions(&s, &mut actions);
        observe(&mut out.seen, &s, first + i, &actions);
        now.begin(i);
        for &a in &actions {
            next.copy_used(&s, used);
            model.apply_to(&mut next, a);
            // Encoded straight after the other successors.
            let fp = fingerprint(model, dims, reduce, &next, &mut now.states.packed, &mut canonical);
            now.states.ends.push(now.states.packed.len() as u32);
            now.fps.push(fp);
        }
        if now.parents.len() == STATES_FETCHED_TOGETHER || i + 1 == part.len() {
            now.prefetch(&probe, &recent);
            before.keep_new(&mut probe, &mut recent, &mut out, &mut chains);
            std::mem::swap(&mut now, &mut before);
        }
    }
    before.keep_new(&mut probe, &mut recent, &mut out, &mut chains);
    if let Probe::Claim { added, .. } = probe {
        out.added = added;
    }
    out
}

/// Rebuilds the path to state `j` of a walk by replaying, from its initial state, the action
/// that first reached each state on the way.
pub fn replay(model: &GilModel, walk: &Walk, j: usize) -> Trace {
    let (root, steps) = walk.tree.path(j);
    let mut state = walk.roots[root];
    let mut trace = vec![(None, state)];
    let mut actions = Vec::new();
    for Step { position, forced } in steps {
        actions.clear();
        model.actions(&state, &mut actions);
        state = model.apply(&state, actions[position]);
        trace.push((Some(actions[position]), state));
        state = fusion::replay_forced(model, &state, forced, |a, s| trace.push((Some(a), *s)));
    }
    trace
}

/// The path that the actions take from the initial state.
pub fn replay_actions(model: &GilModel, actions: &[Action]) -> Trace {
    let mut state = model.initial();
    let mut trace = vec![(None, state)];
    for &a in actions {
        state = model.apply(&state, a);
        trace.push((Some(a), state));
    }
    trace
}

/// Whether a counter the model tracks (hand-offs, forced switches, task switches) grows
/// around a cycle of the reachable state graph, so that `max` of it is unbounded. The graph
/// is that of the model with its counters left out; a transition counts as growing when,
/// taken with the counters at zero, it bumps one of them.
pub fn counter_grows_on_a_cycle(model: &GilModel) -> bool {
    use petgraph::algo::tarjan_scc;
    use petgraph::graph::DiGraph;

    let caps = crate::cpython::gil::Caps {
        handoffs: model.caps.handoffs.min(1),
        forced_switches: model.caps.forced_switches.min(1),
        task_switches: model.caps.task_switches.min(1),
        ..model.caps
    };
    let probe = GilModel::new(model.sys.clone(), caps);
    let dims = probe.sys.dims();
    let mut buf = Vec::with_capacity(256);
    let mut fingerprint = |s: &State| {
        s.encode(&dims, &mut buf);
        xxhash_rust::xxh3::xxh3_64(&buf)
    };
    let uncounted = |mut s: State| {
        let grew = s.handoffs + s.forced_switches + s.task_switches > 0;
        (s.handoffs, s.forced_switches, s.task_switches) = (0, 0, 0);
        (s, grew)
    };
    let mut index = Visited::default();
    let mut graph: DiGraph<(), bool> = DiGraph::new();
    let mut queue = VecDeque::new();
    for s in probe.init_states() {
        let (s, _) = uncounted(s);
        index.insert(fingerprint(&s), graph.add_node(()).index() as u32);
        queue.push_back((s, 0u32));
    }
    let mut actions = Vec::new();
    while let Some((s, i)) = queue.pop_front() {
        actions.clear();
        probe.actions(&s, &mut actions);
        for &a in &actions {
            let (next, grew) = uncounted(probe.apply(&s, a));
            let fp = fingerprint(&next);
            let j = match index.get(&fp) {
                Some(&j) => j,
                None => {
                    let j = graph.add_node(()).index() as u32;
                    index.insert(fp, j);
                    queue.push_back((next, j));
                    j
                }
            };
            graph.add_edge(i.into(), j.into(), grew);
        }
    }
    let mut component = vec![usize::MAX; graph.node_count()];
    for (c, members) in tarjan_scc(&graph).into_iter().enumerate() {
        for v in members {
            component[v.index()] = c;
        }
    }
    graph.edge_indices().any(|e| {
        let (a, b) = graph.edge_endpoints(e).expect("an edge");
        graph[e] && component[a.index()] == component[b.index()]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new cache holds no fingerprint, whatever its low bits (0 and each slot's starting
    /// value among them); a slot holds the last fingerprint noted in it, and only that.
    #[test]
    fn recent_holds_only_the_last_noted_of_each_slot() {
        let mut recent = Recent::new(RECENT_SLOTS);
        let slots = RECENT_SLOTS as u64;
        assert!((0..4 * slots).chain([u64::MAX]).all(|fp| !recent.holds(fp)));
        recent.note(5);
        assert!(recent.holds(5) && !recent.holds(4) && !recent.holds(5 + slots));
        recent.note(5 + slots);
        assert!(recent.holds(5 + slots) && !recent.holds(5));
        // A small part's cache: a few slots a state.
        let small = Recent::new(1);
        assert_eq!(small.slots.len(), 4);
        assert!((0..64).all(|fp| !small.holds(fp)));
    }
}
