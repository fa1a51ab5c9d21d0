//! A deadlock in words: for a state where nothing can move, which threads and tasks are
//! stuck, on what, and who holds it ("t1 waits for lock `a`, held by t2"), so that a report
//! says "deadlock" first instead of "a state with no move left".
//!
//! Neither a `threading.Lock` nor the model records an owner, so the holder of a lock is
//! read from the programs: whoever has acquired it more often than released it in the steps
//! before its current one (the program order of one iteration).

use crate::cpython::model::GilModel;
use crate::cpython::program::{Op, Program, SyncKind, ThreadKind};
use crate::cpython::state::{Phase, State, Wait};

impl GilModel {
    /// `deadlock: t1 waits for lock `a`, held by t2; t2 waits for lock `b`, held by t1`, for a
    /// deadlocked state; `None` otherwise.
    pub fn deadlock_in_words(&self, s: &State) -> Option<String> {
        if !self.deadlocked(s) {
            return None;
        }
        let sys = &self.sys;
        let mut stuck = Vec::new();
        for (t, info) in sys.threads.iter().enumerate() {
            if let Phase::LockWait { lock } = s.threads[t].phase {
                let holders = self.holders(
                    s,
                    |op| match op {
                        Op::Lock(l) if *l == lock => 1,
                        Op::Unlock(l) if *l == lock => -1,
                        _ => 0,
                    },
                    |_| false,
                );
                stuck.push(format!("{} waits for lock `{}`{}", info.name, sys.locks[lock as usize], held_by(&holders)));
            }
        }
        for (t, info) in sys.threads.iter().enumerate() {
            if let Phase::SyncWait { obj, .. } = s.threads[t].phase {
                let o = &sys.syncs[obj as usize];
                let what = match (o.kind, self.current_op(s, t).0) {
                    (SyncKind::Event, _) => format!("waits for event `{}`, which no one left will set", o.name),
                    (SyncKind::Semaphore { .. }, _) => {
                        format!("waits for semaphore `{}`, which has no permit left", o.name)
                    }
                    (SyncKind::Queue { .. }, Some(Op::Put(_))) => format!("waits to put into full queue `{}`", o.name),
                    (SyncKind::Queue { .. }, _) => format!("waits to get from empty queue `{}`", o.name),
                    _ => unreachable!("a thread waits on threading's objects only"),
                };
                stuck.push(format!("{} {what}", info.name));
            }
        }
        for (k, info) in sys.tasks.iter().enumerate() {
            if s.tasks[k].done {
                continue;
            }
            let what = match s.tasks[k].wait {
                Wait::AsyncLock { lock } => {
                    // A waiter's step has begun, so its own `await lock` is behind it.
                    let waiting = |j: usize| s.tasks[j].wait == Wait::AsyncLock { lock };
                    let holders = self.holders(
                        s,
                        |op| match op {
                            Op::AwaitLock(l) if *l == lock => 1,
                            Op::Release(l) if *l == lock => -1,
                            _ => 0,
                        },
                        waiting,
                    );
                    format!("awaits asyncio lock `{}`{}", sys.async_locks[lock as usize], held_by(&holders))
                }
                Wait::Task { task } => format!("awaits task {}", sys.tasks[task as usize].name),
                Wait::Job => "awaits its executor job".into(),
                Wait::AsyncSync { obj } => {
                    let o = &sys.syncs[obj as usize];
                    match (o.kind, crate::cpython::aio_sync::waiting_op(sys, s, k)) {
                        (SyncKind::AsyncEvent, _) => {
                            format!("awaits asyncio.Event `{}`, which no one left will set", o.name)
                        }
                        (SyncKind::AsyncSemaphore { .. }, _) => {
                            format!("awaits asyncio.Semaphore `{}`, which has no permit left", o.name)
                        }
                        (_, Some(Op::AwaitPut(_))) => format!("awaits a put into full asyncio.Queue `{}`", o.name),
                        _ => format!("awaits a get from empty asyncio.Queue `{}`", o.name),
                    }
                }
                _ => continue,
            };
            stuck.push(format!("task {} {what}", info.name));
        }
        if stuck.is_empty() {
            stuck.push("no thread or task can move, and not all are done".into());
        }
        Some(format!("deadlock: {}", stuck.join("; ")))
    }

    /// The threads and tasks that hold a lock: those whose steps before the current one count
    /// more acquisitions than releases (`count` gives +1, -1 or 0 per op), tasks `waiting` for
    /// the lock left out.
    fn holders(&self, s: &State, count: impl Fn(&Op) -> i32, waiting: impl Fn(usize) -> bool) -> Vec<String> {
        let held = |p: &Program, pc: u8| p.ops.iter().take(pc as usize).map(&count).sum::<i32>() > 0;
        let mut out = Vec::new();
        for (t, info) in self.sys.threads.iter().enumerate() {
            if let ThreadKind::Plain(p) = &info.kind {
                if s.threads[t].phase != Phase::Done && held(p, s.threads[t].pc) {
                    out.push(info.name.clone());
                }
            }
        }
        for (k, info) in self.sys.tasks.iter().enumerate() {
            if !s.tasks[k].done && !waiting(k) && held(&info.program, s.tasks[k].pc) {
                out.push(format!("task {}", info.name));
            }
        }
        out
    }
}

fn held_by(holders: &[String]) -> String {
    match holders {
        [] => ", held by no one still running".into(),
        _ => format!(", held by {}", holders.join(" and ")),
    }
}
