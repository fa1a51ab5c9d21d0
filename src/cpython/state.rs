//! The dynamic half of the model: one global state of the interpreter, compact enough that
//! millions of them fit in memory (small integers and fixed arrays, no strings).

/// "No thread / no task": the empty value of a `u8` index.
pub const NONE: u8 = u8::MAX;

/// Fixed capacities of the state arrays (the scenario parser and [`crate::cpython::program`] enforces the user-facing ones).
pub const MAX_THREADS: usize = 16;
pub const MAX_TASKS: usize = 8;
pub const MAX_LOOPS: usize = 4;
pub const MAX_VARS: usize = 8;
pub const MAX_LOCKS: usize = 4;
/// `threading.Event`s, `threading.Semaphore`s and `queue.Queue`s together.
pub const MAX_SYNCS: usize = 4;
/// `threading.Condition`s.
pub const MAX_CONDS: usize = 4;

/// What a thread is doing in its program. Orthogonal to [`GilRel`]: a phase that executes
/// Python ([`Phase::needs_gil`]) progresses only while the thread holds the GIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Phase {
    /// At a step boundary of its program (or of the loop's current task): a switch point.
    #[default]
    Ready,
    /// In `compute` (`python`) or `c_call`: `left` ticks to go, GIL held throughout.
    Cpu { left: u8, python: bool },
    /// In `c_nogil`: `left` ticks of C code that released the GIL.
    NoGil { left: u8 },
    /// In `io` or `time.sleep` (`sleep`): a system call with the GIL released.
    Blocked { left: u8, sleep: bool },
    /// Waiting to acquire a `threading.Lock` (the GIL released).
    LockWait { lock: u8 },
    /// Blocked in a `threading.Event.wait`, `Semaphore.acquire` or `queue.Queue.get`/`put`
    /// (the op at `pc` says which) on sync object `obj`, the GIL released; `woken`: an event
    /// waiter that `set` has notified.
    SyncWait { obj: u8, woken: bool },
    /// In `Condition.wait` on condition `cond`, its lock released, until a `notify` (the GIL
    /// released); a notified waiter re-takes the lock in [`Phase::LockWait`].
    CondWait { cond: u8 },
    /// Between the load and the store of `x += …`: the loaded value.
    IncrLoaded { value: u8, call: bool },
    /// Finished (a loop thread: its loop has stopped).
    Done,
    /// An executor worker with no job: blocked in `work_queue.get()`.
    Idle,
    /// A loop thread at the top of `_run_once`, about to poll the selector.
    LoopTop,
    /// A loop thread blocked in `selector.select()`.
    Select,
    /// A loop thread back from the selector: moving due I/O and timers to the ready queue.
    LoopProcess,
    /// A loop thread running the callbacks of this round (`Loop::todo` of them left).
    LoopRun,
}

impl Phase {
    /// Phases that execute Python (or C holding the GIL): they need the GIL to progress.
    pub fn needs_gil(self) -> bool {
        matches!(
            self,
            Phase::Ready
                | Phase::Cpu { .. }
                | Phase::IncrLoaded { .. }
                | Phase::LoopTop
                | Phase::LoopProcess
                | Phase::LoopRun
        )
    }
}

/// A thread's relation to the GIL. One byte, its place in the enum, as [`Thread`]'s bytes
/// are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[repr(u8)]
pub enum GilRel {
    /// Neither holds nor wants it (blocked in a system call, idle, done; always on 3.13t).
    #[default]
    No,
    /// Holds it.
    Has,
    /// Waits in `take_gil` for it.
    Wants,
    /// Dropped it while a drop request was pending and waits until another thread has taken
    /// it (`FORCE_SWITCHING` in `drop_gil`).
    Switching,
}

/// A GIL waiter's timed wait (`Python/ceval_gil.c: take_gil`): `while (gil->locked)` it saves
/// `gil->switch_number`, waits `switch_interval` on `gil->cond`, and on a timeout sets the drop
/// request only if the number is unchanged. Tracked in ticks mode only. One byte, its place
/// in the enum, as [`Thread`]'s bytes are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[repr(u8)]
pub enum WaitRound {
    /// Not in a timed wait: not waiting, or it asked for the GIL while the GIL was free (it
    /// takes it at once, or finds it just taken and starts a wait then).
    #[default]
    Untimed,
    /// In a timed wait that began while the GIL was held, no switch since.
    Timing,
    /// In a timed wait during which another thread took the GIL: a waiter the one
    /// `COND_SIGNAL(gil->cond)` of `drop_gil` did not wake keeps its deadline, and when it
    /// times out it sets no drop request.
    SwitchSeen,
}

/// One OS thread. Laid out as its block of an encoding after the phase
/// ([`crate::cpython::encoding`]): a successor's encoding copies those bytes whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[repr(C)]
pub struct Thread {
    pub phase: Phase,
    pub gil: GilRel,
    /// Next op of its own program (plain threads); 0 = job to run, 1 = job done (workers).
    pub pc: u8,
    /// The local register `read` sets.
    pub reg: u8,
    /// New GIL, ticks mode: ticks spent in the current `switch_interval` wait.
    pub window: u8,
    /// New GIL, ticks mode: where a waiter stands in `take_gil`'s timed wait.
    pub round: WaitRound,
    /// Ticks waiting for the GIL in the current wait (only when a claim reads `gil_wait`).
    pub gil_wait: u16,
    /// Has a CPU (tracked only when threads can outnumber cores).
    pub cpu: bool,
    /// A worker's job: the task whose `to_thread` it runs; a loop thread: its current task.
    pub task: u8,
    /// Ticks mode: ticks left before a wait with a `timeout N` gives up (0: none).
    pub deadline: u8,
}

/// What a suspended task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Wait {
    /// Not waiting: running, or its step is scheduled.
    #[default]
    Nothing,
    /// `await asyncio.sleep N`: a timer with `left` ticks to its deadline.
    Timer { left: u8, delay: u8 },
    /// `await io N`: the selector reports readiness in `left` ticks.
    Io { left: u8 },
    /// The timer (`timer`) or I/O is due; the loop has not collected it yet.
    Due { timer: bool },
    /// `await to_thread`: a job queued or running on the executor.
    Job,
    /// The future's result is being set by a callback in the ready queue.
    Wakeup,
    /// `await lock L`: in the lock's FIFO of waiters.
    AsyncLock { lock: u8 },
    /// `await task T`.
    Task { task: u8 },
    /// `asyncio.wait_for(T, N)` before 3.12: its `waiter` future, which task T's done-callback
    /// or the timeout sets ([`crate::cpython::timeouts`]).
    WaitFor { task: u8 },
    /// `await event.wait E`, `await acquire S`, `await queue.put/get Q` on asyncio object
    /// `obj`: its future is not set yet.
    AsyncSync { obj: u8 },
    /// Its `Task.__step` is in the ready queue.
    Scheduled,
}

/// A `Task.cancel()` on its way (`Lib/asyncio/tasks.py: Task.cancel`): either way
/// `CancelledError` is thrown into the coroutine when the task next resumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Cancel {
    #[default]
    None,
    /// `_must_cancel`: no pending future could be cancelled for it (it was running or
    /// scheduled, or the future it awaited was already done).
    MustCancel,
    /// The future it awaited was cancelled (`fut.cancelled()` is true where the waiting
    /// method cleans up).
    FutureCancelled,
}

/// The timer handle of a task's timeout (`asyncio.timeout`, `asyncio.wait_for`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Deadline {
    #[default]
    None,
    /// In the loop's timers, `left` ticks to go.
    Armed { left: u8, delay: u8 },
    /// Due, not collected yet.
    Due,
    /// Its callback is in the ready queue ([`Callback::Timeout`]).
    Queued,
}

/// Where a task stands in a timeout ([`crate::cpython::timeouts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// In none.
    #[default]
    None,
    /// Inside, the timeout not expired (`_State.ENTERED`; `wait_for` awaiting its waiter).
    Entered,
    /// `asyncio.timeout`: `_on_timeout` cancelled the task (`_State.EXPIRING`).
    Expiring,
    /// `wait_for` before 3.12, in `_cancel_and_wait(T)`: then `TimeoutError`
    /// (`timed_out`), or the `CancelledError` the task got.
    Cancelling { timed_out: bool },
}

/// One asyncio task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Task {
    pub pc: u8,
    pub reg: u8,
    pub wait: Wait,
    pub done: bool,
    /// It ended by `CancelledError` (`Task.cancelled()`); `done` too.
    pub cancelled: bool,
    /// A `cancel()` that has not reached it yet.
    pub cancel: Cancel,
    /// Ticks since what it awaits happened, while it has not resumed (only when read).
    pub lateness: u16,
    /// Its timeout's timer handle.
    pub timer: Deadline,
    pub scope: Scope,
    /// 3.11+: a `cancel()` other than its timeout's came while in its scope, so the
    /// timeout's `uncancel()` leaves a request and the `CancelledError` goes on.
    pub extra_cancel: bool,
}

/// A ready-queue entry (`loop._ready` holds callbacks, not tasks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Callback {
    #[default]
    Empty,
    /// `Task.__step` / `Task.__wakeup` of a task: resumes it.
    Step(u8),
    /// The callback that sets the awaited future's result (timer handle, reader callback,
    /// `_call_set_state`); running it schedules the task's step with `call_soon`.
    SetResult(u8),
    /// `_call_check_cancel` of the task's cancelled executor future: it cancels the
    /// `concurrent.futures` future, so a job no worker has taken yet never runs
    /// (`Lib/asyncio/futures.py: _chain_future`).
    CancelJob(u8),
    /// The timer handle of the task's timeout: `Timeout._on_timeout`, or `wait_for`'s
    /// `_release_waiter(waiter)` before 3.12.
    Timeout(u8),
    /// `wait_for`'s done-callback on task T, `_release_waiter(waiter)`, for the waiting task.
    ReleaseWaiter(u8),
}

impl Callback {
    /// The task a callback is for.
    pub fn task(self) -> Option<u8> {
        match self {
            Callback::Empty => None,
            Callback::Step(k)
            | Callback::SetResult(k)
            | Callback::CancelJob(k)
            | Callback::Timeout(k)
            | Callback::ReleaseWaiter(k) => Some(k),
        }
    }

    /// The same callback for task `f(k)` (symmetry renames tasks).
    pub fn with_task(self, f: impl Fn(u8) -> u8) -> Callback {
        match self {
            Callback::Empty => Callback::Empty,
            Callback::Step(k) => Callback::Step(f(k)),
            Callback::SetResult(k) => Callback::SetResult(f(k)),
            Callback::CancelJob(k) => Callback::CancelJob(f(k)),
            Callback::Timeout(k) => Callback::Timeout(f(k)),
            Callback::ReleaseWaiter(k) => Callback::ReleaseWaiter(f(k)),
        }
    }
}

/// A small FIFO of task indices or callbacks with a fixed capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fifo<T: Copy + Default, const N: usize> {
    pub(crate) items: [T; N],
    pub(crate) len: u8,
}

impl<T: Copy + Default, const N: usize> Default for Fifo<T, N> {
    fn default() -> Self {
        Fifo { items: [T::default(); N], len: 0 }
    }
}

impl<T: Copy + Default + PartialEq, const N: usize> Fifo<T, N> {
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn push(&mut self, item: T) {
        assert!((self.len as usize) < N, "fifo capacity");
        self.items[self.len as usize] = item;
        self.len += 1;
    }
    pub fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let first = self.items[0];
        self.remove_at(0);
        Some(first)
    }
    pub fn front(&self) -> Option<T> {
        self.as_slice().first().copied()
    }
    pub fn remove_at(&mut self, i: usize) {
        let n = self.len as usize;
        self.items.copy_within(i + 1..n, i);
        self.items[n - 1] = T::default();
        self.len -= 1;
    }
    pub fn remove(&mut self, item: T) {
        if let Some(i) = self.as_slice().iter().position(|x| *x == item) {
            self.remove_at(i);
        }
    }
    pub fn contains(&self, item: T) -> bool {
        self.as_slice().contains(&item)
    }
    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len as usize]
    }
    /// Replaces each item by `f` of it, in place (symmetry renames the indices a FIFO holds).
    pub fn map(&mut self, f: impl Fn(T) -> T) {
        self.items[..self.len as usize].iter_mut().for_each(|x| *x = f(*x));
    }
}

/// Marks a timer entry as a task's timeout rather than its sleep.
pub const TIMEOUT_TIMER: u8 = 0x80;

/// One asyncio event loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Loop {
    /// `loop._ready`: at most four callbacks per task (a cancelled job's `_call_check_cancel`,
    /// its timeout's handle, `wait_for`'s release of its waiter, and the task's wake-up).
    pub ready: Fifo<Callback, { 4 * MAX_TASKS }>,
    /// Callbacks of the current round still to run (`ntodo` in `_run_once`).
    pub todo: u8,
    /// Armed timers not yet due, in the order they were armed: a task (its `asyncio.sleep`),
    /// or a task with [`TIMEOUT_TIMER`] set (its timeout).
    pub timers: Fifo<u8, { 2 * MAX_TASKS }>,
    /// Timers and I/O that are due but not collected yet, in the order they became due.
    pub due: Fifo<u8, { 2 * MAX_TASKS }>,
    /// Executor jobs waiting for a worker (tasks), FIFO (`work_queue`).
    pub jobs: Fifo<u8, MAX_TASKS>,
    /// The task it resumed last (for `task_switches`).
    pub last_task: u8,
}

impl Loop {
    /// Takes a callback that would do nothing out of the ready queue (and out of this
    /// round's count if it was in it): a handle cancelled or a future already done.
    pub fn drop_callback(&mut self, callback: Callback) {
        if let Some(i) = self.ready.as_slice().iter().position(|&c| c == callback) {
            self.ready.remove_at(i);
            if i < self.todo as usize {
                self.todo -= 1;
            }
        }
    }
}

/// An `asyncio.Lock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct AsyncLock {
    pub locked: bool,
    /// `_waiters`: tasks in FIFO order; the first may already have been woken.
    pub waiters: Fifo<u8, MAX_TASKS>,
    /// The first waiter's future has been set (`_wake_up_first`), it has not resumed yet.
    pub woken: bool,
}

/// The waiters of an asyncio event, semaphore or queue ([`crate::cpython::aio_sync`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct AsyncWaiters {
    /// `_waiters` (`_getters` and `_putters` of a queue, in one FIFO: a task waits on one
    /// side only), in the order the tasks began to wait.
    pub fifo: Fifo<u8, MAX_TASKS>,
    /// 3.9's `Semaphore._wakeup_scheduled`.
    pub wakeup_scheduled: bool,
}

/// The GIL itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gil {
    /// The thread holding it, or [`NONE`].
    pub holder: u8,
    /// The thread that took it last (`gil->last_holder`), or [`NONE`]; kept only when a claim
    /// reads the hand-off or forced-switch counters ([`crate::cpython::gil::take`]).
    pub last_holder: u8,
    /// `gil_drop_request` (new GIL).
    pub drop_request: bool,
    /// The last release was forced (drop request or check interval).
    pub forced_release: bool,
    /// Old GIL, ticks mode: ticks of bytecode since the holder last passed the check.
    pub since_check: u8,
    /// Untimed: the holder took the GIL with a full interval ahead of it and has not moved
    /// yet, so it cannot be made to let go yet (see [`crate::cpython::gil::take`]).
    pub fresh: bool,
}

impl Default for Gil {
    fn default() -> Self {
        Gil {
            holder: NONE,
            last_holder: NONE,
            drop_request: false,
            forced_release: false,
            since_check: 0,
            fresh: false,
        }
    }
}

/// A whole interpreter state.
///
/// Its fields are laid out in this order (`repr(C)`): the scalars and small arrays first,
/// then the arrays whose slots most models leave unused, the asyncio ones last, so that the
/// slots a model uses lie in a short prefix of the struct ([`Dims::used_bytes`]) and a
/// search copies that prefix rather than the whole kilobyte ([`State::copy_used`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct State {
    /// The clock (ticks mode).
    pub now: u16,
    /// Counters, kept only when a claim reads them (saturating).
    pub handoffs: u8,
    pub forced_switches: u8,
    pub task_switches: u8,
    /// Set when a step could not be modelled (a shared variable overflowed its byte).
    pub fault: Option<Fault>,
    pub gil: Gil,
    pub vars: [u8; MAX_VARS],
    /// `threading.Lock`s: held or not (a `threading.Lock` has no owner).
    pub locks: [bool; MAX_LOCKS],
    /// Each sync object's value: an event's flag (0 or 1), a semaphore's counter, a queue's
    /// number of items.
    pub syncs: [u8; MAX_SYNCS],
    pub threads: [Thread; MAX_THREADS],
    pub tasks: [Task; MAX_TASKS],
    /// Each task's done-callbacks that wake a task: the tasks awaiting it (`await task`, or
    /// `wait_for` on it), in the order they registered (`Future.add_done_callback`), the order
    /// in which its end schedules them (`Lib/asyncio/futures.py: __schedule_callbacks`).
    pub done_waiters: [Fifo<u8, MAX_TASKS>; MAX_TASKS],
    pub async_locks: [AsyncLock; MAX_LOCKS],
    /// The waiters of the asyncio ones.
    pub async_waiters: [AsyncWaiters; MAX_SYNCS],
    /// Each `threading.Condition`'s `_waiters`: threads in `wait`, in FIFO order.
    pub cond_waiters: [Fifo<u8, MAX_THREADS>; MAX_CONDS],
    pub loops: [Loop; MAX_LOOPS],
}

/// Why a path had to stop: the model cannot represent what comes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// A shared variable would leave 0..=255.
    VarOverflow { var: u8 },
    /// An unbounded queue or a semaphore would hold more than 255.
    SyncOverflow { obj: u8 },
}

/// How many slots of each array a model uses: the rest stay at their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    pub threads: usize,
    pub tasks: usize,
    pub loops: usize,
    pub vars: usize,
    pub locks: usize,
    pub async_locks: usize,
    pub syncs: usize,
    pub conds: usize,
}

impl Dims {
    /// How many leading bytes of a [`State`] hold every slot these dims use: the fields
    /// before the threads, and each array up to its last used slot. The bytes after it are
    /// at their defaults in every state of the model.
    pub fn used_bytes(&self) -> usize {
        use std::mem::{offset_of, size_of};
        fn reach<T>(offset: usize, used: usize) -> usize {
            if used == 0 {
                0
            } else {
                offset + used * size_of::<T>()
            }
        }
        [
            offset_of!(State, threads),
            reach::<Thread>(offset_of!(State, threads), self.threads),
            reach::<Task>(offset_of!(State, tasks), self.tasks),
            reach::<Fifo<u8, MAX_TASKS>>(offset_of!(State, done_waiters), self.tasks),
            reach::<AsyncLock>(offset_of!(State, async_locks), self.async_locks),
            reach::<AsyncWaiters>(offset_of!(State, async_waiters), self.syncs),
            reach::<Fifo<u8, MAX_THREADS>>(offset_of!(State, cond_waiters), self.conds),
            reach::<Loop>(offset_of!(State, loops), self.loops),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

impl State {
    /// Makes this state equal to `from`, both states of a model whose [`Dims::used_bytes`]
    /// is `used`, by copying only those leading bytes: the rest are at their defaults in
    /// both. A search builds each successor from a copy of its parent, and the whole struct
    /// is about a kilobyte where a race's slots take a hundred bytes.
    pub fn copy_used(&mut self, from: &State, used: usize) {
        assert!(used <= std::mem::size_of::<State>());
        // SAFETY: both pointers are to whole `State`s, at least `used` bytes long, that do
        // not overlap (`&mut self`). The bytes are copied as `MaybeUninit`, so padding may be
        // copied too; `used` ends on a whole field or array slot (`Dims::used_bytes`), so
        // every field of `self` holds a whole value of `from` or its own.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (from as *const State).cast::<std::mem::MaybeUninit<u8>>(),
                (self as *mut State).cast::<std::mem::MaybeUninit<u8>>(),
                used,
            );
        }
    }

    /// `call_soon(task.__step)` on loop `l`: task `k`'s step goes to the back of the ready
    /// queue (`Lib/asyncio/base_events.py: call_soon`).
    pub fn schedule(&mut self, l: usize, k: usize) {
        self.tasks[k].wait = Wait::Scheduled;
        self.loops[l].ready.push(Callback::Step(k as u8));
    }

    /// Task `k` of loop `l` is done (`cancelled`: by `CancelledError`); the tasks awaiting it
    /// are scheduled in the order they began to await it (the task's done-callbacks run
    /// through `call_soon`, `Lib/asyncio/futures.py: Future.__schedule_callbacks`).
    pub fn end_task(&mut self, l: usize, k: usize, cancelled: bool) {
        let task = &mut self.tasks[k];
        task.done = true;
        task.cancelled = cancelled;
        task.wait = Wait::Nothing;
        let waiters = std::mem::take(&mut self.done_waiters[k]);
        for &j in waiters.as_slice() {
            let j = j as usize;
            if self.tasks[j].wait == (Wait::Task { task: k as u8 }) {
                self.schedule(l, j);
            }
            if self.tasks[j].wait == (Wait::WaitFor { task: k as u8 }) {
                self.loops[l].ready.push(Callback::ReleaseWaiter(j as u8));
            }
        }
    }

    /// Task `k` waits for task `j` (`wait`: `Wait::Task` or `Wait::WaitFor` on `j`): its
    /// done-callback goes last among `j`'s (`Future.add_done_callback`).
    pub fn await_task(&mut self, k: usize, j: usize, wait: Wait) {
        self.tasks[k].wait = wait;
        self.done_waiters[j].remove(k as u8);
        self.done_waiters[j].push(k as u8);
    }

    /// Drops the done-callbacks of tasks that no longer wait for the task (woken by a
    /// timeout instead, or ended): CPython removes them (`remove_done_callback`) or they do
    /// nothing when they run, so a state is the same whichever way it was left.
    pub fn forget_stale_waiters(&mut self, tasks: usize) {
        for j in 0..tasks {
            if self.done_waiters[j].is_empty() {
                continue;
            }
            let mut kept = Fifo::default();
            for &k in self.done_waiters[j].as_slice() {
                let wait = self.tasks[k as usize].wait;
                if matches!(wait, Wait::Task { task } | Wait::WaitFor { task } if task as usize == j) {
                    kept.push(k);
                }
            }
            self.done_waiters[j] = kept;
        }
    }

    /// Loop thread `t` is back from its current task: it goes on with the round's callbacks.
    pub fn back_to_loop(&mut self, t: usize) {
        self.threads[t].task = NONE;
        self.threads[t].phase = Phase::LoopRun;
    }

    /// Whether task `j`'s awaited future was cancelled (`fut.cancelled()`).
    pub fn future_cancelled(&self, j: u8) -> bool {
        self.tasks[j as usize].cancel == Cancel::FutureCancelled
    }
}

/// Only the slots in use (the rest are at their defaults), so the Explorer shows a state a
/// person can read.
impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn used<T: Default + PartialEq>(items: &[T]) -> &[T] {
            let n = items.iter().rposition(|x| *x != T::default()).map_or(0, |i| i + 1);
            &items[..n]
        }
        f.debug_struct("State")
            .field("now", &self.now)
            .field("gil", &self.gil)
            .field("threads", &used(&self.threads))
            .field("tasks", &used(&self.tasks))
            .field("loops", &used(&self.loops))
            .field("vars", &used(&self.vars))
            .field("locks", &used(&self.locks))
            .field("async_locks", &used(&self.async_locks))
            .field("syncs", &used(&self.syncs))
            .field("async_waiters", &used(&self.async_waiters))
            .field("cond_waiters", &used(&self.cond_waiters))
            .field("done_waiters", &used(&self.done_waiters))
            .field("counters", &(self.handoffs, self.forced_switches, self.task_switches))
            .field("fault", &self.fault)
            .finish()
    }
}
