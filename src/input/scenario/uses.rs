//! How the names of events, semaphores and queues, and of jobs, are used across a scenario
//! file, read before its entries are checked one by one.

use super::raw::{raw_steps, RawFile};
use super::*;

/// How the names of events, semaphores and queues are used across the file: the spellings
/// that `threading` and asyncio share in a task (`release S`, `event.set E`) mean the class
/// the name's other uses say.
#[derive(Default)]
pub(super) struct Uses {
    /// Names awaited with `await event.wait`, `await acquire`, `await queue.put/get`.
    async_events: Vec<String>,
    async_semaphores: Vec<String>,
    pub(super) async_queues: Vec<String>,
    /// Names used by a blocking `threading` step (in a thread, a task or `await to_thread`).
    thread_events: Vec<String>,
    thread_semaphores: Vec<String>,
    /// `[semaphores]` names.
    declared_semaphores: Vec<String>,
    /// Jobs with a step that lasts at least one tick.
    timed_jobs: Vec<String>,
    /// `[conditions]`: each name with its lock's.
    conditions: Vec<(String, String)>,
}

impl Uses {
    /// Reads every step that parses; the ones that do not are reported where they are checked.
    pub(super) fn of(raw: &RawFile) -> Uses {
        let mut uses = Uses {
            declared_semaphores: raw.semaphores.iter().map(|(n, _)| n.get_ref().clone()).collect(),
            conditions: raw.conditions.iter().map(|(c, l)| (c.get_ref().clone(), l.get_ref().clone())).collect(),
            ..Uses::default()
        };
        let threads = raw.threads.iter().flat_map(|t| raw_steps(t.steps.as_ref()).iter().map(|s| (s, true)));
        let tasks = raw.tasks.iter().flat_map(|t| t.steps.get_ref().iter().map(|s| (s, false)));
        let jobs = raw.jobs.iter().flat_map(|j| j.steps.get_ref().iter().map(|s| (s, true)));
        for job in &raw.jobs {
            if job.steps.get_ref().iter().any(|s| s.get_ref().parse::<Step>().is_ok_and(|s| s.takes_ticks())) {
                uses.timed_jobs.push(job.name.get_ref().clone());
            }
        }
        for (text, in_thread) in threads.chain(tasks).chain(jobs) {
            let Ok(step) = text.get_ref().parse::<Step>() else { continue };
            let step = match step {
                Step::AwaitTimeout(_, inner) => *inner,
                step => step,
            };
            let leaf = match step {
                Step::AwaitToThread(inner) => (*inner, true),
                step => (step, in_thread),
            };
            let (list, name) = match leaf {
                (Step::AwaitEventWait(e), _) => (&mut uses.async_events, e),
                (Step::AwaitAcquire(x), _) => (&mut uses.async_semaphores, x),
                (Step::AwaitPut(q) | Step::AwaitGet(q), _) => (&mut uses.async_queues, q),
                (Step::EventWait(e, _), _) | (Step::EventSet(e) | Step::EventClear(e), true) => {
                    (&mut uses.thread_events, e)
                }
                (Step::Acquire(x, _), _) | (Step::Release(x), true) => (&mut uses.thread_semaphores, x),
                _ => continue,
            };
            if !list.contains(&name) {
                list.push(name);
            }
        }
        uses
    }

    /// The lock of condition `c`, if it is declared.
    pub(super) fn condition_lock(&self, c: &str) -> Option<&str> {
        self.conditions.iter().find(|(n, _)| n == c).map(|(_, l)| l.as_str())
    }

    /// Lets the clock move: a step that lasts at least one tick, or a job with such a step.
    pub(super) fn takes_ticks(&self, step: &Step) -> bool {
        match step {
            Step::AwaitJob { job, .. } => self.timed_jobs.contains(job),
            step => step.takes_ticks(),
        }
    }

    /// A declared semaphore is asyncio's unless a `threading` step uses it.
    pub(super) fn semaphore_kind(&self, name: &String) -> SyncUse {
        if self.thread_semaphores.contains(name) && !self.async_semaphores.contains(name) {
            SyncUse::Semaphore
        } else {
            SyncUse::AsyncSemaphore
        }
    }

    /// A step of a task with the spellings shared by `threading` and asyncio resolved:
    /// `release X` gives back an asyncio semaphore, a `threading.Semaphore` or (otherwise) an
    /// `asyncio.Lock`; `event.set E` / `event.clear E` act on an `asyncio.Event` unless only
    /// `threading` steps use E.
    pub(super) fn resolve_in_task(&self, step: Step) -> Step {
        match step {
            Step::Release(x) if self.async_semaphores.contains(&x) => Step::AsyncSemRelease(x),
            Step::Release(x) if self.thread_semaphores.contains(&x) => Step::SemRelease(x),
            Step::Release(x) if self.declared_semaphores.contains(&x) => Step::AsyncSemRelease(x),
            Step::EventSet(e) if !self.is_thread_event(&e) => Step::AsyncEventSet(e),
            Step::EventClear(e) if !self.is_thread_event(&e) => Step::AsyncEventClear(e),
            step => step,
        }
    }

    fn is_thread_event(&self, name: &String) -> bool {
        self.thread_events.contains(name) && !self.async_events.contains(name)
    }
}
