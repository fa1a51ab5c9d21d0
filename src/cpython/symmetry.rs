//! Symmetry of copies: the `count` copies of a thread, or of a task, run the same program, so
//! two states that differ only by which copy is which behave alike, and a search keeps one
//! of them, its class's representative.
//!
//! A representative is the state with the copies of each group sorted by their own fields,
//! every reference to them renamed to match: for threads the GIL's holder and last holder and
//! the `threading.Condition` waiters; for tasks the threads' current tasks and jobs, the
//! ready queues' callbacks, the timers, due and job lists, the last task each loop resumed,
//! the tasks awaited, and the waiters of asyncio locks, events, semaphores, queues and tasks.
//! Ties keep the index order, so a representative is always a renaming of the state itself:
//! two states are merged only when they are symmetric (a class may keep more than one
//! representative, which costs states, never a verdict). `tests/symmetry.rs` checks that
//! renaming commutes with every step.

use std::borrow::Cow;

use crate::cpython::encoding::{block_key, TASK_BYTES, THREAD_BYTES};
use crate::cpython::model::GilModel;
use crate::cpython::state::{State, Thread, Wait, MAX_TASKS, MAX_THREADS, NONE, TIMEOUT_TIMER};

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
fn index_in_order(t: u8, lo: usize, hi: usize, order: &[usize]) -> u8 {
    match order.iter().position(|&old| old == t as usize) {
        Some(p) if (lo..hi).contains(&(t as usize)) => (lo + p) as u8,
        _ => t,
    }
}

/// A task's sort key: its fields (its encoding's block, which names no thread), then where
/// the state's queues hold it (the ready queue, the timers and due lists, a thread running it,
/// a FIFO of waiters), so that copies alike in their fields still sort by something renaming
/// leaves in place rather than by index.
fn task_key(s: &State, k: usize, sys: &crate::cpython::program::System) -> u128 {
    let k = k as u8;
    let place =
        |mut items: std::slice::Iter<'_, u8>| items.position(|&e| e & !TIMEOUT_TIMER == k).map_or(NONE, |p| p as u8);
    let lp = &s.loops[sys.tasks[k as usize].loop_id as usize];
    let ready = lp.ready.as_slice().iter().position(|c| c.task() == Some(k)).map_or(NONE, |p| p as u8);
    let timer =
        place(lp.timers.as_slice().iter()).min(place(lp.due.as_slice().iter()).saturating_add(2 * MAX_TASKS as u8));
    let thread = s.threads[..sys.threads.len()].iter().position(|th| th.task == k).map_or(NONE, |t| t as u8);
    let lock_waiters = s.async_locks.iter().map(|a| &a.waiters);
    let fifos = lock_waiters.chain(s.async_waiters.iter().map(|w| &w.fifo)).chain([&lp.jobs]);
    let waiter = fifos.map(|f| place(f.as_slice().iter())).min().unwrap_or(NONE);
    let mut key = [0u8; 16];
    key[..TASK_BYTES].copy_from_slice(&s.tasks[k as usize].encode());
    key[TASK_BYTES..].copy_from_slice(&[ready, timer, thread, waiter]);
    u128::from_be_bytes(key)
}

/// How a search reduces copies by symmetry ([`GilModel::reduction`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// Not at all: no copies, or the check names one.
    Off,
    /// On the encoding: only thread copies, whose blocks are sorted and whose indices only the
    /// GIL's fields hold ([`GilModel::representative_encoding`]).
    OnBytes,
    /// On the state: task copies, or condition waiters that name threads
    /// ([`GilModel::representative`]).
    OnStates,
}

/// New indices for threads and tasks ([`GilModel::renamed`]).
#[derive(Clone, Copy, Debug)]
pub struct Renaming {
    pub threads: [u8; MAX_THREADS],
    pub tasks: [u8; MAX_TASKS],
}

impl Renaming {
    /// Every thread and task keeps its index.
    pub fn identity() -> Renaming {
        Renaming { threads: std::array::from_fn(|t| t as u8), tasks: std::array::from_fn(|k| k as u8) }
    }

    fn is_identity(&self) -> bool {
        let identity = Renaming::identity();
        self.threads == identity.threads && self.tasks == identity.tasks
    }
}

impl GilModel {
    /// Whether searches of this model reduce copies by symmetry.
    pub fn reduces(&self) -> bool {
        self.reduction() != Reduction::Off
    }

    /// How a search of this model fingerprints a state's symmetry class, decided once.
    pub fn reduction(&self) -> Reduction {
        if !self.symmetry || self.sys.thread_copies.is_empty() && self.sys.task_copies.is_empty() {
            Reduction::Off
        } else if self.sys.task_copies.is_empty() && self.sys.conds.is_empty() {
            Reduction::OnBytes
        } else {
            Reduction::OnStates
        }
    }

    /// The representative of a state's symmetry class: the copies of each group of tasks
    /// sorted by [`task_key`], then those of each group of threads by their blocks (which by
    /// then name the tasks by their new indices), every reference renamed.
    pub fn representative<'a>(&self, s: &'a State) -> Cow<'a, State> {
        if !self.reduces() {
            return Cow::Borrowed(s);
        }
        let mut order = [0; MAX_THREADS];
        let mut tasks = Renaming::identity();
        for &(lo, hi) in &self.sys.task_copies {
            for (p, &old) in copy_order(lo, hi, |k| task_key(s, k, &self.sys), &mut order).iter().enumerate() {
                tasks.tasks[old] = (lo + p) as u8;
            }
        }
        // Most states are their own representative: renaming by the identity gives the
        // state itself, so it is not copied.
        let r = if tasks.is_identity() { Cow::Borrowed(s) } else { Cow::Owned(self.renamed(s, &tasks)) };
        let mut threads = Renaming::identity();
        for &(lo, hi) in &self.sys.thread_copies {
            for (p, &old) in copy_order(lo, hi, |t| block_key(&r.threads[t].encode()), &mut order).iter().enumerate() {
                threads.threads[old] = (lo + p) as u8;
            }
        }
        if threads.is_identity() {
            r
        } else {
            Cow::Owned(self.renamed(&r, &threads))
        }
    }

    /// The state in which thread `t` is thread `renaming.threads[t]` and task `k` is task
    /// `renaming.tasks[k]`: the same state told with other names. For copies of one group this
    /// is a state that behaves alike (the model's steps commute with it).
    pub fn renamed(&self, s: &State, renaming: &Renaming) -> State {
        let Renaming { threads: thread, tasks: task } = *renaming;
        let (n, m) = (self.sys.threads.len(), self.sys.tasks.len());
        let task_of = |k: u8| if k == NONE { k } else { task[k as usize] };
        let thread_of = |t: u8| if t == NONE { t } else { thread[t as usize] };
        let entry_of = |e: u8| (e & TIMEOUT_TIMER) | task_of(e & !TIMEOUT_TIMER);
        let mut r = *s;
        for (th, &to) in s.threads[..n].iter().zip(&thread) {
            r.threads[to as usize] = Thread { task: task_of(th.task), ..*th };
        }
        for k in 0..m {
            let to = task[k] as usize;
            r.tasks[to] = s.tasks[k];
            r.tasks[to].wait = match s.tasks[k].wait {
                Wait::Task { task } => Wait::Task { task: task_of(task) },
                Wait::WaitFor { task } => Wait::WaitFor { task: task_of(task) },
                wait => wait,
            };
            r.done_waiters[to] = s.done_waiters[k];
            r.done_waiters[to].map(task_of);
        }
        r.gil.holder = thread_of(s.gil.holder);
        r.gil.last_holder = thread_of(s.gil.last_holder);
        for fifo in &mut r.cond_waiters {
            fifo.map(thread_of);
        }
        for lp in &mut r.loops {
            lp.ready.map(|c| c.with_task(task_of));
            lp.timers.map(entry_of);
            lp.due.map(entry_of);
            lp.jobs.map(task_of);
            lp.last_task = task_of(lp.last_task);
        }
        let lock_waiters = r.async_locks.iter_mut().map(|a| &mut a.waiters);
        for fifo in lock_waiters.chain(r.async_waiters.iter_mut().map(|w| &mut w.fifo)) {
            fifo.map(task_of);
        }
        r
    }

    /// The encoding of [`GilModel::representative`] of a state, from the encoding of the state
    /// (`real`, whose GIL fields begin at `gil_at`), under [`Reduction::OnBytes`]: the
    /// same bytes, with the copies' thread blocks in the representative's order and the GIL's
    /// thread indices renamed, without building the representative state. Returns false,
    /// leaving `out` as it was, when the representative is the state itself (every group
    /// already in order), which spares a search the copy.
    pub fn representative_encoding(&self, real: &[u8], gil_at: usize, out: &mut Vec<u8>) -> bool {
        debug_assert_eq!(self.reduction(), Reduction::OnBytes);
        let mut moved = false;
        for &(lo, hi) in &self.sys.thread_copies {
            // A block's key leaves its low byte zero: the index goes there, so that sorting
            // the keys alone orders ties by index.
            let mut keys = [0u128; MAX_THREADS];
            for (key, t) in keys.iter_mut().zip(lo..hi) {
                *key = block_key(&real[t * THREAD_BYTES..]) | t as u128;
            }
            let keys = &mut keys[..hi - lo];
            if keys.is_sorted() {
                continue;
            }
            keys.sort_unstable();
            if !moved {
                out.clear();
                out.extend_from_slice(real);
                moved = true;
            }
            let mut order = [0; MAX_THREADS];
            for (slot, key) in order.iter_mut().zip(keys.iter()) {
                *slot = (key & 0xff) as usize;
            }
            let order = &order[..hi - lo];
            for (p, &old) in order.iter().enumerate() {
                let (to, from) = ((lo + p) * THREAD_BYTES, old * THREAD_BYTES);
                out[to..to + THREAD_BYTES].copy_from_slice(&real[from..from + THREAD_BYTES]);
            }
            for at in [gil_at, gil_at + 1] {
                out[at] = index_in_order(out[at], lo, hi, order);
            }
        }
        moved
    }
}
