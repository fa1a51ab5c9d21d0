//! The asyncio event loop, its tasks, timers, selector and default executor.
//!
//! ```text
//! _run_once():                              (Lib/asyncio/base_events.py)
//!     timeout = 0 if ready else until the next timer (None: no timer)
//!     events = selector.select(timeout)      # releases the GIL (epoll_wait)
//!     ready += callbacks of ready I/O        # _process_events
//!     ready += due timers, deadline order    # heappop from _scheduled
//!     for _ in range(len(ready)):            # ntodo: later callbacks wait a round
//!         ready.popleft()._run()
//! ```
//!
//! A task's step (`Lib/asyncio/tasks.py: Task.__step`) runs the coroutine until it really
//! suspends; a woken task resumes through `call_soon` in a later round. How many rounds a
//! wake-up takes is CPython's: a timer, an I/O readiness or an executor job first run a
//! callback that sets the awaited future (one round), whose done-callback `Task.__wakeup`
//! runs the round after; `asyncio.sleep(0)`, a lock handed over and a finished awaited task
//! schedule the step directly (one round).

use crate::cpython::aio_sync;
use crate::cpython::cancel;
use crate::cpython::gil;
use crate::cpython::program::{Op, System};
use crate::cpython::state::{Callback, Deadline, Phase, State, Wait};
use crate::cpython::state::{NONE, TIMEOUT_TIMER};
use crate::cpython::timeouts::{self, After, WaitForRule};

/// `create_task` schedules each task's first step with `call_soon`: tasks start in creation
/// order (`Lib/asyncio/tasks.py: Task.__init__`).
pub fn create_tasks(sys: &System, s: &mut State) {
    for (l, info) in sys.loops.iter().enumerate() {
        s.loops[l].last_task = NONE;
        for &k in &info.tasks {
            s.tasks[k as usize].wait = Wait::Scheduled;
            s.loops[l].ready.push(Callback::Step(k));
        }
    }
}

/// Top of `_run_once`: a loop whose tasks are all done stops (`run_until_complete`); otherwise
/// it polls the selector, which releases the GIL (`select.epoll.poll` wraps `epoll_wait` in
/// `Py_BEGIN_ALLOW_THREADS`), even with timeout 0.
pub fn poll(sys: &System, s: &mut State, t: usize, l: usize) {
    let finished = sys.loops[l].tasks.iter().all(|&k| s.tasks[k as usize].done);
    if finished {
        s.threads[t].phase = Phase::Done;
        release_if_held(sys, s, t, true);
    } else {
        s.threads[t].phase = Phase::Select;
        release_if_held(sys, s, t, false);
    }
}

/// `selector.select(timeout)` returns once something is ready: a callback already in the
/// ready queue (timeout 0, or `call_soon_threadsafe` writing to the self-pipe), or a due
/// timer or I/O. The loop thread then needs the GIL back.
pub fn select_returns(s: &State, l: usize) -> bool {
    !s.loops[l].ready.is_empty() || !s.loops[l].due.is_empty()
}

/// After the poll, in `_run_once`: I/O callbacks (`_process_events`) then due timers, in
/// deadline order, go to the back of the ready queue; the round will run the callbacks that
/// are in the queue now (`ntodo`).
pub fn collect_due(s: &mut State, l: usize) {
    let due = s.loops[l].due;
    for timers in [false, true] {
        for &e in due.as_slice() {
            let k = (e & !TIMEOUT_TIMER) as usize;
            if e & TIMEOUT_TIMER != 0 {
                if timers {
                    s.tasks[k].timer = Deadline::Queued;
                    s.loops[l].ready.push(Callback::Timeout(k as u8));
                }
            } else if s.tasks[k].wait == (Wait::Due { timer: timers }) {
                s.tasks[k].wait = Wait::Wakeup;
                s.loops[l].ready.push(Callback::SetResult(k as u8));
            }
        }
    }
    s.loops[l].due = Default::default();
    s.loops[l].todo = s.loops[l].ready.len() as u8;
}

/// Runs the next callback of the round, or goes back to the top when the round is over.
pub fn run_next_callback(sys: &System, s: &mut State, t: usize, l: usize, caps: &gil::Caps) {
    let lp = &mut s.loops[l];
    if lp.todo == 0 {
        s.threads[t].phase = Phase::LoopTop;
        return;
    }
    lp.todo -= 1;
    match lp.ready.pop_front() {
        // The future's result is set; its done-callback `Task.__wakeup` is scheduled with
        // `call_soon` (`Lib/asyncio/futures.py: Future.__schedule_callbacks`).
        Some(Callback::SetResult(k)) => s.schedule(l, k as usize),
        Some(Callback::Step(k)) => resume(sys, s, t, l, k as usize, caps),
        Some(Callback::CancelJob(k)) => s.loops[l].jobs.remove(k),
        Some(Callback::Timeout(k)) => timeouts::fire(sys, s, l, k as usize),
        Some(Callback::ReleaseWaiter(k)) => timeouts::release_waiter(s, l, k as usize),
        _ => unreachable!("ready queue and todo count disagree"),
    }
}

/// `Task.__step` begins: the task becomes the loop's current task. A task woken in an
/// asyncio event, semaphore or queue method first finishes it, or waits again
/// ([`aio_sync::resume`]).
fn resume(sys: &System, s: &mut State, t: usize, l: usize, k: usize, caps: &gil::Caps) {
    let lp = &mut s.loops[l];
    if lp.last_task != NONE && lp.last_task as usize != k {
        gil::bump(&mut s.task_switches, caps.task_switches);
    }
    lp.last_task = k as u8;
    let task = &mut s.tasks[k];
    task.wait = Wait::Nothing;
    task.lateness = 0;
    if cancel::throws(sys, s, k) {
        let own = cancel::clean_up(sys, s, l, k);
        let after = timeouts::caught(sys, s, l, k, own);
        end_of_wait(s, t, l, k, after);
        return;
    }
    // `Lock.acquire` after `await fut`: the woken first waiter leaves `_waiters` and takes
    // the lock (`Lib/asyncio/locks.py: Lock.acquire`).
    for lock in s.async_locks.iter_mut() {
        if lock.woken && lock.waiters.front() == Some(k as u8) {
            lock.waiters.pop_front();
            lock.woken = false;
            lock.locked = true;
        }
    }
    if let Some(op) = sys.waiting_op(s, k).filter(|op| aio_sync::can_wait(op)) {
        if !aio_sync::resume(sys, s, l, k, op) {
            s.back_to_loop(t);
            return;
        }
    }
    let after = timeouts::through(sys, s, l, k);
    end_of_wait(s, t, l, k, after);
}

/// Task `k` is past what it waited for: it runs on loop thread `t` from step `pc`, waits
/// again, or ends cancelled (the tasks awaiting it get its error when they resume).
fn end_of_wait(s: &mut State, t: usize, l: usize, k: usize, after: After) {
    match after {
        After::Continue(pc) => {
            s.tasks[k].pc = pc;
            s.threads[t].task = k as u8;
            s.threads[t].phase = Phase::Ready;
        }
        After::Waits => s.back_to_loop(t),
        After::Ends => {
            s.end_task(l, k, true);
            s.back_to_loop(t);
        }
    }
}

/// The task gives control back to the loop; the loop goes on with the round's callbacks.
/// A cancel the task asked for itself reaches the future it now awaits.
fn suspend(sys: &System, s: &mut State, t: usize, k: usize) {
    s.tasks[k].pc += 1;
    s.back_to_loop(t);
    cancel::after_suspend(s, sys.tasks[k].loop_id as usize, k);
}

fn continue_task(s: &mut State, k: usize) {
    s.tasks[k].pc += 1;
}

/// The current task `k` of loop thread `t` reached the end of its coroutine: with `repeat` it
/// loops; otherwise it is done and the tasks awaiting it are scheduled (`Future.set_result`
/// runs done-callbacks through `call_soon`).
pub fn task_end(sys: &System, s: &mut State, t: usize, k: usize) {
    let program = &sys.tasks[k].program;
    if program.repeat && !program.ops.is_empty() {
        s.tasks[k].pc = 0;
        return;
    }
    s.end_task(sys.tasks[k].loop_id as usize, k, false);
    s.back_to_loop(t);
}

/// Executes an awaiting op of the current task `k` on loop thread `t`; `d` is the chosen
/// duration where the op has one.
pub fn exec_await(sys: &System, s: &mut State, t: usize, k: usize, op: &Op, d: u8) {
    let l = sys.tasks[k].loop_id as usize;
    match op {
        // `asyncio.sleep(0)` yields once through a bare `yield` (`tasks.py: __sleep0`):
        // `Task.__step` reschedules itself with `call_soon`.
        Op::AwaitSleep(_) if d == 0 => {
            s.schedule(l, k);
            suspend(sys, s, t, k);
        }
        // `loop.call_later(delay, futures._set_result_unless_cancelled, …)`.
        Op::AwaitSleep(_) => {
            s.tasks[k].wait = Wait::Timer { left: d, delay: d };
            s.loops[l].timers.push(k as u8);
            suspend(sys, s, t, k);
        }
        // `loop.sock_recv` & co.: `add_reader`, the reader callback sets the future.
        Op::AwaitIo(_) => {
            s.tasks[k].wait = Wait::Io { left: d };
            suspend(sys, s, t, k);
        }
        // A coroutine that returns without suspending: the task does not yield.
        Op::AwaitCoro => continue_task(s, k),
        Op::AwaitToThread(_) | Op::AwaitJob(_) => {
            s.tasks[k].wait = Wait::Job;
            submit_job(sys, s, l, k);
            suspend(sys, s, t, k);
        }
        // `Lock.acquire`: free and no waiter whose future is not cancelled (no barging past
        // woken waiters) -> take it without suspending; otherwise join `_waiters` (FIFO).
        Op::AwaitLock(a) => {
            let lock = s.async_locks[*a as usize];
            if !lock.locked && lock.waiters.as_slice().iter().all(|&j| s.future_cancelled(j)) {
                s.async_locks[*a as usize].locked = true;
                continue_task(s, k);
            } else {
                s.async_locks[*a as usize].waiters.push(k as u8);
                s.tasks[k].wait = Wait::AsyncLock { lock: *a };
                suspend(sys, s, t, k);
            }
        }
        // `Lock.release`: unlock and wake the first waiter (`_wake_up_first`).
        Op::Release(a) => {
            if s.async_locks[*a as usize].locked {
                s.async_locks[*a as usize].locked = false;
                cancel::wake_up_first(s, l, *a as usize);
            }
            continue_task(s, k);
        }
        // `T.cancel()` is a plain call: the caller goes on.
        Op::Cancel(j) => {
            cancel::cancel(s, l, *j as usize);
            continue_task(s, k);
        }
        op if op.async_sync_object().is_some() => {
            if aio_sync::exec(sys, s, l, k, op) {
                suspend(sys, s, t, k);
            } else {
                continue_task(s, k);
            }
        }
        // `async with asyncio.timeout(N)`: the handle is armed first; an op that does not
        // suspend leaves the timeout at once (`__aexit__`).
        Op::AwaitTimeout { ticks, inner } => in_timeout(sys, s, t, k, *ticks, inner, d),
        Op::AwaitWaitFor { task, ticks } if WaitForRule::of(&sys.runtime.python) == WaitForRule::Timeout => {
            in_timeout(sys, s, t, k, *ticks, &Op::AwaitTask(*task), d)
        }
        Op::AwaitWaitFor { task, ticks } => {
            timeouts::start_wait_for(s, l, k, *task as usize, *ticks);
            suspend(sys, s, t, k);
        }
        // Awaiting a finished task does not suspend; one that was cancelled raises its
        // `CancelledError` in the awaiting task at once (`Task.__await__` → `result()`).
        Op::AwaitTask(j) if s.tasks[*j as usize].cancelled => {
            s.end_task(l, k, true);
            s.back_to_loop(t);
        }
        Op::AwaitTask(j) => {
            if s.tasks[*j as usize].done {
                continue_task(s, k);
            } else {
                s.await_task(k, *j as usize, Wait::Task { task: *j });
                suspend(sys, s, t, k);
            }
        }
        _ => unreachable!("not an await: {op:?}"),
    }
}

/// `async with asyncio.timeout(ticks): await op` (`wait_for` from 3.12 too).
fn in_timeout(sys: &System, s: &mut State, t: usize, k: usize, ticks: u8, op: &Op, d: u8) {
    let l = sys.tasks[k].loop_id as usize;
    timeouts::enter(s, l, k, ticks);
    exec_await(sys, s, t, k, op, d);
    if s.tasks[k].done || s.threads[t].task == k as u8 {
        timeouts::leave(s, l, k);
    }
}

/// `executor.submit`: the job goes to the work queue; an idle worker takes it, else
/// `_adjust_thread_count` starts a new one (`Lib/concurrent/futures/thread.py`). Workers are
/// allotted one per possible job up to the pool's bound, so an idle one stands for both.
fn submit_job(sys: &System, s: &mut State, l: usize, k: usize) {
    let idle = sys.loops[l].workers.iter().map(|&w| w as usize).find(|&w| s.threads[w].phase == Phase::Idle);
    match idle {
        Some(w) => start_job(sys, s, w, k),
        None => s.loops[l].jobs.push(k as u8),
    }
}

/// A worker wakes from `work_queue.get()` with a job and needs the GIL to run it.
fn start_job(sys: &System, s: &mut State, w: usize, k: usize) {
    let th = &mut s.threads[w];
    th.task = k as u8;
    th.pc = 0;
    th.phase = Phase::Ready;
    gil::want(sys, s, w);
}

/// The job of worker `w` returned: `_WorkItem.run` sets the concurrent future, whose callback
/// posts `_call_set_state` to the loop with `call_soon_threadsafe` (waking its selector).
/// The worker then takes the next queued job, or blocks in `work_queue.get()`.
/// A job whose task was cancelled meanwhile sets nothing (`_call_set_state` finds the
/// destination cancelled).
pub fn finish_job(sys: &System, s: &mut State, w: usize) {
    let k = s.threads[w].task as usize;
    let l = sys.tasks[k].loop_id as usize;
    if s.tasks[k].wait == Wait::Job {
        s.tasks[k].wait = Wait::Wakeup;
        s.loops[l].ready.push(Callback::SetResult(k as u8));
    }
    match s.loops[l].jobs.pop_front() {
        Some(next) => {
            let th = &mut s.threads[w];
            th.task = next;
            th.pc = 0;
        }
        None => {
            s.threads[w].task = NONE;
            s.threads[w].phase = Phase::Idle;
            release_if_held(sys, s, w, false);
        }
    }
}

/// The ops worker `w` runs for its job: the blocking step inside the task's
/// `await to_thread STEP`, or the steps of job J for `await to_thread J` (none without a job).
/// The task's counter is past the await it is suspended in.
pub fn job_ops<'a>(sys: &'a System, s: &State, w: usize) -> &'a [Op] {
    let k = s.threads[w].task;
    if k == NONE {
        return &[];
    }
    match sys.waiting_op(s, k as usize) {
        Some(op) if op.offloads() => sys.job_ops(op),
        _ => unreachable!("a worker's job comes from `await to_thread`"),
    }
}

/// Untimed mode: may timer entry `e` (a task's sleep, or with [`TIMEOUT_TIMER`] its timeout)
/// fire now? Never before a timer armed earlier with an equal or shorter delay (the
/// `_scheduled` heap orders by deadline).
pub fn timer_may_fire(s: &State, l: usize, e: u8) -> bool {
    let Some(delay) = timer_delay(s, e) else { return false };
    for &j in s.loops[l].timers.as_slice() {
        if j == e {
            return true;
        }
        if timer_delay(s, j).is_some_and(|dj| dj <= delay) {
            return false;
        }
    }
    true
}

/// The delay an armed timer entry was armed with.
fn timer_delay(s: &State, e: u8) -> Option<u8> {
    let task = &s.tasks[(e & !TIMEOUT_TIMER) as usize];
    match (e & TIMEOUT_TIMER != 0, task.wait, task.timer) {
        (false, Wait::Timer { delay, .. }, _) | (true, _, Deadline::Armed { delay, .. }) => Some(delay),
        _ => None,
    }
}

/// Timer entry `e`'s timer, or its task's I/O, becomes due: it waits for the loop to collect it.
pub fn make_due(s: &mut State, l: usize, e: u8) {
    let k = (e & !TIMEOUT_TIMER) as usize;
    if e & TIMEOUT_TIMER != 0 {
        s.loops[l].timers.remove(e);
        s.tasks[k].timer = Deadline::Due;
    } else {
        let timer = matches!(s.tasks[k].wait, Wait::Timer { .. });
        if timer {
            s.loops[l].timers.remove(e);
        }
        s.tasks[k].wait = Wait::Due { timer };
    }
    s.loops[l].due.push(e);
}

/// Ticks mode: one tick of every armed timer and pending I/O of loop `l`. Those that come
/// due now join the due list, I/O first, then timers in the order they were armed.
pub fn tick_timers(sys: &System, s: &mut State, l: usize) {
    let mut newly_due = Vec::new();
    for &k in &sys.loops[l].tasks {
        if let Wait::Io { left } = &mut s.tasks[k as usize].wait {
            *left -= 1;
            if *left == 0 {
                newly_due.push(k);
            }
        }
    }
    for &e in s.loops[l].timers.as_slice() {
        let task = &mut s.tasks[(e & !TIMEOUT_TIMER) as usize];
        let left = match (e & TIMEOUT_TIMER != 0, &mut task.wait, &mut task.timer) {
            (false, Wait::Timer { left, .. }, _) | (true, _, Deadline::Armed { left, .. }) => left,
            _ => continue,
        };
        *left -= 1;
        if *left == 0 {
            newly_due.push(e);
        }
    }
    for e in newly_due {
        make_due(s, l, e);
    }
}

/// Whether task `k` is late: what it awaits has happened and it has not resumed yet.
pub fn is_late(wait: Wait) -> bool {
    matches!(wait, Wait::Due { .. } | Wait::Wakeup | Wait::Scheduled)
}

/// Drops the GIL if `t` holds it (a free-threaded build has none to drop).
pub fn release_if_held(sys: &System, s: &mut State, t: usize, exiting: bool) {
    if s.gil.holder as usize == t {
        gil::release(sys, s, t, false, exiting);
    }
}
