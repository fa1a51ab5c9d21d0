//! A deadlock in words: for a state where nothing can move, which threads and tasks are
//! stuck, on what, and who holds it ("t1 waits for lock `a`, held by t2"), so that a report
//! says "deadlock" first instead of "a state with no move left".
//! The holder of a lock is read from the programs ([`crate::cpython::holders`]).

use crate::cpython::holders::LockRef;
use crate::cpython::model::GilModel;
use crate::cpython::program::{Op, SyncKind, ThreadKind};
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
                let holders = self.lock_holders(s, LockRef::Threading(lock));
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
                    (SyncKind::Queue { .. }, Some(Op::Put(..))) => format!("waits to put into full queue `{}`", o.name),
                    (SyncKind::Queue { .. }, _) => format!("waits to get from empty queue `{}`", o.name),
                    _ => unreachable!("a thread waits on threading's objects only"),
                };
                stuck.push(format!("{} {what}", info.name));
            }
        }
        for (t, info) in sys.threads.iter().enumerate() {
            if let Phase::CondWait { cond } = s.threads[t].phase {
                let c = &sys.conds[cond as usize];
                let lock = &sys.locks[c.lock as usize];
                stuck.push(format!(
                    "{} waits on condition `{}` (lock `{lock}`), which no one left will notify",
                    info.name, c.name
                ));
            }
        }
        for (k, info) in sys.tasks.iter().enumerate() {
            if s.tasks[k].done {
                continue;
            }
            let what = match s.tasks[k].wait {
                Wait::AsyncLock { lock } => {
                    let holders = self.lock_holders(s, LockRef::Asyncio(lock));
                    format!("awaits asyncio lock `{}`{}", sys.async_locks[lock as usize], held_by(&holders))
                }
                Wait::Task { task } => format!("awaits task {}", sys.tasks[task as usize].name),
                Wait::Job => {
                    let job = sys.waiting_op(s, k).map_or(String::new(), |op| match op {
                        Op::AwaitJob(j) => format!(" {}", sys.jobs[*j as usize].name),
                        _ => String::new(),
                    });
                    let worker = (0..sys.threads.len()).find(|&w| {
                        matches!(sys.threads[w].kind, ThreadKind::Worker(_)) && s.threads[w].task == k as u8
                    });
                    match worker {
                        Some(w) => format!("awaits its executor job{job}, running on {}", sys.threads[w].name),
                        None => format!("awaits its executor job{job}, queued for a worker"),
                    }
                }
                Wait::AsyncSync { obj } => {
                    let o = &sys.syncs[obj as usize];
                    match (o.kind, sys.waiting_op(s, k)) {
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
}

fn held_by(holders: &[String]) -> String {
    match holders {
        [] => ", held by no one".into(),
        _ => format!(", held by {}", holders.join(" and ")),
    }
}
