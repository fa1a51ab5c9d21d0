//! Reading a scenario file: the located TOML tree ([`crate::input::located`]) decoded entry by
//! entry, each checked on its own, then what the entries say of each other (unique names, loops
//! and their tasks, locks, sizes); and loading folders of them.

use std::collections::HashMap;
use std::path::Path;

use toml::Spanned;

use super::raw::*;
use super::source_file::ScenarioFile;
use super::step::{LockKind, LockOp, BLOCKING_FORMS};
use super::uses::Uses;
use super::*;
use crate::input::located::{InputError, Source};

// ---------------------------------------------------------------------------------------------
// Parsing one file: each entry on its own first
// ---------------------------------------------------------------------------------------------

/// Who runs a program: only tasks may await; a job runs on an executor thread.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Thread,
    Task,
    Job,
}

impl ScenarioFile<'_> {
    fn runtime(&self, raw: &RawRuntime) -> Result<Runtime, InputError> {
        let python = match &raw.python {
            Some(p) if python_rules(p.get_ref()).is_some() => p.get_ref().clone(),
            Some(p) => {
                let message = format!(
                    "unknown python version `{}`; expected one of {}",
                    p.get_ref(),
                    quoted_names(PYTHON_VERSIONS.iter().copied())
                );
                return Err(self.at(p.span(), message));
            }
            None => Runtime::default().python,
        };
        let version = Runtime::default().with_python(&python).unwrap_or_default();
        Ok(Runtime {
            gil: self.choice_or(raw.gil.as_ref(), "gil", GIL_NAMES, version.gil)?,
            gil_explicit: raw.gil.is_some(),
            switch_points: self.choice_or(
                raw.switch_points.as_ref(),
                "switch_points",
                SWITCH_POINT_NAMES,
                version.switch_points,
            )?,
            switch_points_explicit: raw.switch_points.is_some(),
            switch_interval: self.int_or(
                raw.switch_interval.as_ref(),
                "switch_interval",
                MAX_INTERVAL,
                version.switch_interval,
            )?,
            check_interval: self.int_or(
                raw.check_interval.as_ref(),
                "check_interval",
                MAX_INTERVAL,
                version.check_interval,
            )?,
            cores: self.int_or(raw.cores.as_ref(), "cores", MAX_CORES, version.cores)?,
            time: self.choice_or(raw.time.as_ref(), "time", TIME_NAMES, version.time)?,
            horizon: self.int_or(raw.horizon.as_ref(), "horizon", MAX_HORIZON, version.horizon)?,
            python,
        })
    }

    /// An optional keyword field, or its default.
    fn choice_or<T: Copy>(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
        table: &[(&str, T)],
        default: T,
    ) -> Result<T, InputError> {
        value.map_or(Ok(default), |v| self.choice(v, key, table))
    }

    /// An optional positive integer field up to `hi`, or its default.
    fn int_or(&self, value: Option<&Spanned<i64>>, key: &str, hi: u32, default: u32) -> Result<u32, InputError> {
        value.map_or(Ok(default), |v| self.int_in(v, key, 1, hi))
    }

    pub(super) fn count(&self, count: Option<&Spanned<i64>>) -> Result<u32, InputError> {
        self.int_or(count, "count", MAX_THREADS.min(MAX_TASKS), 1)
    }

    fn thread(&self, raw: &RawThread, time: TimeMode, uses: &Uses) -> Result<ThreadSpec, InputError> {
        let name = self.identifier(&raw.name, "thread")?;
        let count = self.entry_count(&raw.name, raw.count.as_ref(), "thread")?;
        let body = match (&raw.steps, &raw.tasks) {
            (Some(steps), None) => {
                ThreadBody::Steps(self.program(steps, Owner::Thread, raw.repeat.as_ref(), time, uses)?)
            }
            (None, Some(tasks)) => {
                self.loop_thread(raw)?;
                ThreadBody::Loop(tasks.get_ref().iter().map(|t| t.get_ref().clone()).collect())
            }
            (Some(_), Some(tasks)) => {
                let message = format!(
                    "thread `{name}` has both `steps` and `loop`; expected one of them (a loop's code is its tasks)"
                );
                return Err(self.at(tasks.span(), message));
            }
            (None, None) => {
                let message = format!(
                    "thread `{name}` has neither `steps` nor `loop`; expected `steps = [...]` or `loop = [task names]`"
                );
                return Err(self.at(raw.name.span(), message));
            }
        };
        Ok(ThreadSpec { name, count, repeat: is_true(raw.repeat.as_ref()), body })
    }

    /// A loop thread runs its own tasks once: copies would put a task on two loops, and
    /// `repeat` belongs on the tasks.
    fn loop_thread(&self, raw: &RawThread) -> Result<(), InputError> {
        if let Some(count) = raw.count.as_ref().filter(|c| *c.get_ref() != 1) {
            let message =
                "count on a loop thread; expected count = 1 (each task runs on one loop: write one thread per loop)";
            return Err(self.at(count.span(), message));
        }
        if let Some(repeat) = raw.repeat.as_ref().filter(|r| *r.get_ref()) {
            let message =
                "repeat = true on a loop thread; expected it on the tasks (a loop runs until its tasks are done)";
            return Err(self.at(repeat.span(), message));
        }
        Ok(())
    }

    /// A `[[jobs]]` entry: blocking steps, run on an executor worker.
    fn job(&self, raw: &RawJob, time: TimeMode, uses: &Uses) -> Result<JobSpec, InputError> {
        Ok(JobSpec {
            name: self.identifier(&raw.name, "job")?,
            steps: self.program(&raw.steps, Owner::Job, None, time, uses)?,
        })
    }

    fn task(&self, raw: &RawTask, time: TimeMode, uses: &Uses) -> Result<TaskSpec, InputError> {
        Ok(TaskSpec {
            name: self.identifier(&raw.name, "task")?,
            count: self.entry_count(&raw.name, raw.count.as_ref(), "task")?,
            repeat: is_true(raw.repeat.as_ref()),
            steps: self.program(&raw.steps, Owner::Task, raw.repeat.as_ref(), time, uses)?,
        })
    }

    /// The steps of one thread or task, checked on their own.
    fn program(
        &self,
        list: &SpannedList,
        owner: Owner,
        repeat: Option<&Spanned<bool>>,
        time: TimeMode,
        uses: &Uses,
    ) -> Result<Vec<Step>, InputError> {
        let raw = list.get_ref();
        if let Some(extra) = raw.get(MAX_STEPS) {
            let message = format!("too many steps; expected at most {MAX_STEPS} in one program");
            return Err(self.at(extra.span(), message));
        }
        let steps = raw.iter().map(|s| self.step(s, owner, uses)).collect::<Result<Vec<_>, _>>()?;
        self.lock_pairs(&steps, raw, uses)?;
        if let Some(repeat) = repeat.filter(|r| *r.get_ref()) {
            self.repeat_body(&steps, repeat, time, uses)?;
        }
        Ok(steps)
    }

    fn step(&self, raw: &Spanned<String>, owner: Owner, uses: &Uses) -> Result<Step, InputError> {
        let step: Step = raw.get_ref().parse().map_err(|message: String| self.at(raw.span(), message))?;
        let step = match owner {
            Owner::Thread | Owner::Job => match step {
                // `release S` in a thread is `threading.Semaphore.release`.
                Step::Release(x) => Step::SemRelease(x),
                step => step,
            },
            Owner::Task => uses.resolve_in_task(step),
        };
        if owner != Owner::Task && step.is_awaiting() {
            let who = if owner == Owner::Job { "a job runs on an executor thread, which" } else { "a thread" };
            let message = format!(
                "`{}` is an awaiting step, and {who} cannot await; expected a blocking step ({}), or move it to a [[tasks]] entry",
                raw.get_ref(),
                BLOCKING_FORMS.join(", ")
            );
            return Err(self.at(raw.span(), message));
        }
        Ok(step)
    }

    /// A program gives back only locks it holds at that point (CPython raises RuntimeError on
    /// releasing an unlocked lock; a model of it would have nothing to release), and waits on
    /// or notifies a declared condition only while it holds the condition's lock
    /// (`Condition.wait`/`notify` raise RuntimeError on an un-acquired lock).
    fn lock_pairs(&self, steps: &[Step], raw: &[Spanned<String>], uses: &Uses) -> Result<(), InputError> {
        let mut held: Vec<(&str, LockKind)> = Vec::new();
        let mut timed: Vec<bool> = Vec::new();
        for (step, raw) in steps.iter().zip(raw) {
            if let Some(c) = step.condition() {
                let message = match uses.condition_lock(c) {
                    None => format!(
                        "`{}` names no condition; expected a `[conditions]` entry such as `{c} = \"L\"` (its lock)",
                        raw.get_ref()
                    ),
                    Some(lock) if !held.contains(&(lock, LockKind::Threading)) => format!(
                        "`{}` needs condition `{c}`'s lock `{lock}`, which this program does not hold here; expected it between `lock {lock}` and `unlock {lock}`",
                        raw.get_ref()
                    ),
                    Some(_) => continue,
                };
                return Err(self.at(raw.span(), message));
            }
            let Some((lock, kind, op)) = step.lock_use() else {
                continue;
            };
            match (op, held.iter().position(|&h| h == (lock, kind))) {
                (LockOp::Acquire, _) => {
                    held.push((lock, kind));
                    timed.push(step.gives_up());
                }
                (LockOp::Release, Some(i)) => {
                    // A timed acquire that gives up skips its section: sections must nest.
                    let inner = (i + 1..held.len()).find(|&j| timed[j] || timed[i]);
                    if let Some(j) = inner {
                        let message = if timed[i] {
                            format!(
                                "`{}` ends the section of `{lock}`, taken with a timeout, while `{}` taken inside it is still held; a give-up skips the whole section, so sections must nest: expected `{}` released first",
                                raw.get_ref(),
                                held[j].0,
                                held[j].0
                            )
                        } else {
                            format!(
                                "`{}` falls inside the section of `{}`, taken with a timeout after `{lock}`, which a give-up skips to its release; sections must nest: expected `{}` released first",
                                raw.get_ref(),
                                held[j].0,
                                held[j].0
                            )
                        };
                        return Err(self.at(raw.span(), message));
                    }
                    held.remove(i);
                    timed.remove(i);
                }
                (LockOp::Release, None) => {
                    let message = format!(
                        "`{}` gives back `{lock}`, which this program does not hold here; expected a `{} {lock}` earlier in the same program",
                        raw.get_ref(),
                        kind.acquire_verb()
                    );
                    return Err(self.at(raw.span(), message));
                }
            }
        }
        Ok(())
    }

    /// A `repeat` body must do something, and in ticks mode take time: a body that takes no
    /// tick would run forever at one instant, and the clock would never pass.
    fn repeat_body(
        &self,
        steps: &[Step],
        repeat: &Spanned<bool>,
        time: TimeMode,
        uses: &Uses,
    ) -> Result<(), InputError> {
        if steps.is_empty() {
            return Err(self.at(repeat.span(), "repeat = true with no steps; expected at least one step to repeat"));
        }
        if time == TimeMode::Ticks && !steps.iter().any(|s| uses.takes_ticks(s)) {
            let message = "repeat = true but no step takes a tick, so time would never pass; expected a step that lasts at least 1 tick (compute, c_call, c_nogil, io, time.sleep, await asyncio.sleep N > 0, await io, await to_thread of one)";
            return Err(self.at(repeat.span(), message));
        }
        Ok(())
    }
}

fn is_true(flag: Option<&Spanned<bool>>) -> bool {
    flag.is_some_and(|f| *f.get_ref())
}

// ---------------------------------------------------------------------------------------------
// Parsing one file: what the entries say of each other
// ---------------------------------------------------------------------------------------------

/// The parsed entries beside their raw forms, for checks across entries.
struct Entries<'a> {
    src: ScenarioFile<'a>,
    raw: &'a RawFile,
    threads: &'a [ThreadSpec],
    tasks: &'a [TaskSpec],
    jobs: &'a [JobSpec],
    uses: &'a Uses,
}

impl Entries<'_> {
    /// Every thread and task entry: its kind, name (located) and count, threads first.
    fn named(&self) -> Vec<(&'static str, &Spanned<String>, u32)> {
        let threads = self.raw.threads.iter().zip(self.threads).map(|(r, t)| ("thread", &r.name, t.count));
        let tasks = self.raw.tasks.iter().zip(self.tasks).map(|(r, t)| ("task", &r.name, t.count));
        threads.chain(tasks).collect()
    }

    /// Every step of every program in order (threads in file order, then tasks), located.
    fn steps(&self) -> Vec<(&Step, &Spanned<String>)> {
        let threads = self.raw.threads.iter().zip(self.threads).flat_map(|(r, t)| {
            let steps: &[Step] = match &t.body {
                ThreadBody::Steps(steps) => steps,
                ThreadBody::Loop(_) => &[],
            };
            steps.iter().zip(raw_steps(r.steps.as_ref()))
        });
        let tasks = self.raw.tasks.iter().zip(self.tasks).flat_map(|(r, t)| t.steps.iter().zip(r.steps.get_ref()));
        let jobs = self.raw.jobs.iter().zip(self.jobs).flat_map(|(r, j)| j.steps.iter().zip(r.steps.get_ref()));
        threads.chain(tasks).chain(jobs).collect()
    }

    /// Names are unique over threads and tasks, counting copies: claims name them all.
    fn unique_names(&self) -> Result<(), InputError> {
        let mut taken: HashMap<String, String> = HashMap::new();
        for (kind, name, count) in self.named() {
            let owner = match count {
                1 => format!("{kind} `{}`", name.get_ref()),
                _ => format!("{kind} `{}` (count {count})", name.get_ref()),
            };
            let mut names = copy_names(name.get_ref(), count);
            if count != 1 {
                names.insert(0, name.get_ref().clone());
            }
            for n in names {
                if let Some(first) = taken.get(&n) {
                    let message = format!(
                        "duplicate name `{n}`: {first} has it already; expected unique thread and task names (an entry with count N also takes NAME0 … NAME(N-1))"
                    );
                    return Err(self.src.at(name.span(), message));
                }
                taken.insert(n, owner.clone());
            }
        }
        Ok(())
    }

    /// The model's fixed-size arrays: threads, tasks (copies counted) and loops.
    fn sizes(&self) -> Result<(), InputError> {
        let mut totals = [("thread", 0, MAX_THREADS), ("task", 0, MAX_TASKS)];
        for (kind, name, count) in self.named() {
            let Some((_, total, max)) = totals.iter_mut().find(|(k, _, _)| *k == kind) else {
                continue;
            };
            *total += count;
            if *total > *max {
                let message =
                    format!("too many {kind}s: this entry makes {total}; expected at most {max}, copies counted");
                return Err(self.src.at(name.span(), message));
            }
        }
        if let Some(extra) = self.raw.threads.iter().filter_map(|t| t.tasks.as_ref()).nth(MAX_LOOPS) {
            let message = format!("too many event loops; expected at most {MAX_LOOPS} loop threads");
            return Err(self.src.at(extra.span(), message));
        }
        Ok(())
    }

    /// Each task runs on exactly one loop: for each task entry, the index of its loop thread.
    fn loops(&self) -> Result<Vec<usize>, InputError> {
        let mut loop_of: Vec<Option<usize>> = vec![None; self.tasks.len()];
        for (t, raw) in self.raw.threads.iter().enumerate() {
            for entry in raw_steps(raw.tasks.as_ref()) {
                let Some(k) = self.tasks.iter().position(|task| task.name == *entry.get_ref()) else {
                    let message = format!(
                        "unknown task `{}` in `loop`; expected the name of a [[tasks]] entry{}",
                        entry.get_ref(),
                        self.task_names_hint()
                    );
                    return Err(self.src.at(entry.span(), message));
                };
                if let Some(other) = loop_of[k] {
                    let message = format!(
                        "task `{}` is already on the loop of thread `{}`; expected each task on one loop, once",
                        entry.get_ref(),
                        self.threads[other].name
                    );
                    return Err(self.src.at(entry.span(), message));
                }
                loop_of[k] = Some(t);
            }
        }
        let placed = loop_of.iter().zip(&self.raw.tasks).map(|(l, raw)| {
            l.ok_or_else(|| {
                let message = format!(
                    "task `{}` runs on no loop; expected its name in some thread's `loop = [...]`",
                    raw.name.get_ref()
                );
                self.src.at(raw.name.span(), message)
            })
        });
        placed.collect()
    }

    fn task_names_hint(&self) -> String {
        let names: Vec<&str> = self.tasks.iter().map(|t| t.name.as_str()).collect();
        if names.is_empty() {
            " (there are none)".to_string()
        } else {
            format!(": {}", names.join(", "))
        }
    }

    /// `await task T` names another task of the same loop (asyncio refuses a task of another
    /// loop, and a task awaiting itself never ends); `cancel T` a task of the same loop
    /// (`Task.cancel` is not thread-safe), itself included. T is a copy name when T's entry has copies.
    fn awaited_tasks(&self, loop_of: &[usize]) -> Result<(), InputError> {
        let copies = expand(self.tasks, |t| (&t.name, t.count));
        for (k, (task, raw)) in self.tasks.iter().zip(&self.raw.tasks).enumerate() {
            for (step, raw_step) in task.steps.iter().zip(raw.steps.get_ref()) {
                let (Step::AwaitTask(target) | Step::Cancel(target)) = step else {
                    continue;
                };
                let problem = match copies.iter().find(|(n, _)| n == target) {
                    None => {
                        let names: Vec<&str> = copies.iter().map(|(n, _)| n.as_str()).collect();
                        format!("`{step}` names no task; expected one of: {}", names.join(", "))
                    }
                    // A task may cancel itself: `CancelledError` comes at its next suspension.
                    Some(&(_, j)) if j == k && matches!(step, Step::AwaitTask(_)) => {
                        format!("task `{}` would await itself; expected another task", task.name)
                    }
                    Some(&(_, j)) if loop_of[j] != loop_of[k] => format!(
                        "task `{target}` runs on the loop of thread `{}`, not on this task's loop; expected a task of the same loop",
                        self.threads[loop_of[j]].name
                    ),
                    Some(_) => continue,
                };
                return Err(self.src.at(raw_step.span(), problem));
            }
        }
        Ok(())
    }

    /// `[conditions]`: names and their locks' names are identifiers, at most [`MAX_CONDS`],
    /// none also an event's, semaphore's or queue's name.
    fn conditions(&self) -> Result<Vec<(String, String)>, InputError> {
        let mut out = Vec::new();
        for (i, (name, lock)) in self.raw.conditions.iter().enumerate() {
            if i == MAX_CONDS {
                let message = format!("too many conditions; expected at most {MAX_CONDS}");
                return Err(self.src.at(name.span(), message));
            }
            let name = self.src.identifier(name, "condition")?;
            let lock = self.src.identifier(lock, "lock")?;
            out.push((name, lock));
        }
        Ok(out)
    }

    /// Job names are unique, at most [`MAX_JOBS`], and every `await to_thread J` or
    /// `await run_in_executor J` names one of them.
    fn jobs(&self) -> Result<(), InputError> {
        for (i, raw) in self.raw.jobs.iter().enumerate() {
            if i == MAX_JOBS {
                let message = format!("too many jobs; expected at most {MAX_JOBS} [[jobs]] entries");
                return Err(self.src.at(raw.name.span(), message));
            }
            if self.jobs[..i].iter().any(|j| j.name == self.jobs[i].name) {
                let message = format!("duplicate job name `{}`; expected unique [[jobs]] names", self.jobs[i].name);
                return Err(self.src.at(raw.name.span(), message));
            }
        }
        for (step, raw) in self.steps() {
            let Step::AwaitJob { job, .. } = step else { continue };
            if !self.jobs.iter().any(|j| j.name == *job) {
                let names: Vec<&str> = self.jobs.iter().map(|j| j.name.as_str()).collect();
                let known = if names.is_empty() { "there are none".to_owned() } else { names.join(", ") };
                let message = format!(
                    "`{}` names no job; expected the name of a [[jobs]] entry ({known}), or a blocking step after `await to_thread`",
                    raw.get_ref()
                );
                return Err(self.src.at(raw.span(), message));
            }
        }
        Ok(())
    }

    /// Shared variables, `[vars]` first in file order, then the others in order of first use;
    /// checks locks on the way (one kind per name, and the array sizes).
    fn shared(&self) -> Result<Vec<(String, i64)>, InputError> {
        let mut vars = self.declared_vars()?;
        let mut locks: Vec<(&str, LockKind)> = Vec::new();
        let mut syncs: Vec<(String, SyncUse)> = self.declared_syncs()?;
        for (step, raw) in self.steps() {
            if let Some((name, kind)) = step.sync_use() {
                self.add_sync(&mut syncs, &locks, name, kind, raw)?;
            }
            if let Some(x) = step.variable().filter(|x| !vars.iter().any(|(v, _)| v == x)) {
                if vars.len() == MAX_VARS {
                    let message = format!("`{x}` is one shared variable too many; expected at most {MAX_VARS}");
                    return Err(self.src.at(raw.span(), message));
                }
                vars.push((x.to_string(), 0));
            }
            if let Some((lock, kind, _)) = step.lock_use() {
                self.add_lock(&mut locks, lock, kind, raw)?;
            }
        }
        Ok(vars)
    }

    /// A `threading` event, semaphore or queue named by a step: one kind per name, none also a
    /// lock's, at most [`MAX_SYNCS`] in all.
    fn add_sync(
        &self,
        syncs: &mut Vec<(String, SyncUse)>,
        locks: &[(&str, LockKind)],
        name: &str,
        kind: SyncUse,
        raw: &Spanned<String>,
    ) -> Result<(), InputError> {
        let describe = SyncUse::describe;
        let message = match syncs.iter().find(|(n, _)| n == name) {
            Some(&(_, k)) if k == kind => return Ok(()),
            Some(&(_, k)) => format!(
                "`{name}` is used here as {} but is {}; expected one kind per name",
                describe(kind),
                describe(k)
            ),
            None if locks.iter().any(|(l, _)| *l == name) => {
                format!("`{name}` is a lock, and is used here as {}; expected one kind per name", describe(kind))
            }
            None if syncs.len() < MAX_SYNCS => {
                syncs.push((name.to_owned(), kind));
                return Ok(());
            }
            None => {
                format!("`{name}` is one too many events, semaphores and queues; expected at most {MAX_SYNCS} in all")
            }
        };
        Err(self.src.at(raw.span(), message))
    }

    /// `[queues]` and `[semaphores]`, validated: names, `maxsize` and starting values of a byte,
    /// `kind` of a queue; each is `threading`'s or asyncio's as its uses say.
    fn declared_syncs(&self) -> Result<Vec<(String, SyncUse)>, InputError> {
        let mut out = Vec::new();
        for RawQueue { name, maxsize, kind } in &self.raw.queues {
            let name = self.src.identifier(name, "queue")?;
            if let Some(m) = maxsize {
                self.src.int_in(m, "maxsize", 0, MAX_VALUE)?;
            }
            let by_use = if self.uses.async_queues.contains(&name) { SyncUse::AsyncQueue } else { SyncUse::Queue };
            let declared = match kind.as_ref().map(|k| (k, k.get_ref().as_str())) {
                None => by_use,
                Some((_, "thread")) => SyncUse::Queue,
                Some((_, "asyncio")) => SyncUse::AsyncQueue,
                Some((k, other)) => {
                    let message = format!(
                        "unknown queue kind `{other}`; expected `\"thread\"` (queue.Queue) or `\"asyncio\"` (asyncio.Queue)"
                    );
                    return Err(self.src.at(k.span(), message));
                }
            };
            out.push((name, declared));
        }
        for (name, value) in &self.raw.semaphores {
            let name = self.src.identifier(name, "semaphore")?;
            self.src.int_in(value, &name, 0, MAX_VALUE)?;
            out.push((name.clone(), self.uses.semaphore_kind(&name)));
        }
        if out.len() > MAX_SYNCS {
            return Err(self.src.error(0, format!("too many queues and semaphores; expected at most {MAX_SYNCS}")));
        }
        Ok(out)
    }

    fn add_lock<'s>(
        &self,
        locks: &mut Vec<(&'s str, LockKind)>,
        lock: &'s str,
        kind: LockKind,
        raw: &Spanned<String>,
    ) -> Result<(), InputError> {
        let message = match locks.iter().find(|(l, _)| *l == lock) {
            Some(&(_, k)) if k == kind => return Ok(()),
            Some(&(_, k)) => format!(
                "`{lock}` is used here as {} but earlier as {}; expected one kind per lock name",
                kind.describe(),
                k.describe()
            ),
            None if locks.iter().filter(|(_, k)| *k == kind).count() < MAX_LOCKS => {
                locks.push((lock, kind));
                return Ok(());
            }
            None => format!("`{lock}` is one lock too many; expected at most {MAX_LOCKS} of {}", kind.describe()),
        };
        Err(self.src.at(raw.span(), message))
    }

    /// The `[vars]` table: names and one-byte starting values.
    fn declared_vars(&self) -> Result<Vec<(String, i64)>, InputError> {
        let entries = &self.raw.vars;
        if let Some((extra, _)) = entries.get(MAX_VARS) {
            let message = format!("too many shared variables; expected at most {MAX_VARS}");
            return Err(self.src.at(extra.span(), message));
        }
        let var = |(name, value): &(Spanned<String>, Spanned<i64>)| {
            let name = self.src.identifier(name, "variable")?;
            let value = self.src.int_in(value, &name, 0, MAX_VALUE)?;
            Ok((name, i64::from(value)))
        };
        entries.iter().map(var).collect()
    }
}

/// Parses and validates one scenario file (SPEC §2). `default_name` is used when the file sets
/// no `name`; `title` defaults to the name.
pub fn parse_scenario(path: &Path, source: &str, default_name: &str) -> Result<Scenario, InputError> {
    let src = ScenarioFile { src: Source::new(path, source) };
    let raw = src.raw_file(&src.src.tree("scenario files")?)?;
    let name = match &raw.name {
        Some(n) => src.scenario_name(n)?,
        None => default_name.to_string(),
    };
    let runtime = src.runtime(raw.runtime.as_ref().unwrap_or(&RawRuntime::default()))?;
    let uses = Uses::of(&raw);
    let threads = raw.threads.iter().map(|t| src.thread(t, runtime.time, &uses)).collect::<Result<Vec<_>, _>>()?;
    let tasks = raw.tasks.iter().map(|t| src.task(t, runtime.time, &uses)).collect::<Result<Vec<_>, _>>()?;
    let jobs = raw.jobs.iter().map(|j| src.job(j, runtime.time, &uses)).collect::<Result<Vec<_>, _>>()?;
    let entries = Entries { src, raw: &raw, threads: &threads, tasks: &tasks, jobs: &jobs, uses: &uses };
    entries.unique_names()?;
    entries.sizes()?;
    let loop_of = entries.loops()?;
    entries.awaited_tasks(&loop_of)?;
    entries.jobs()?;
    let vars = entries.shared()?;
    let queues = raw
        .queues
        .iter()
        .map(|q| (q.name.get_ref().clone(), q.maxsize.as_ref().map_or(0, |m| *m.get_ref() as u8)))
        .collect();
    let semaphores = raw.semaphores.iter().map(|(n, v)| (n.get_ref().clone(), *v.get_ref() as u8)).collect();
    let conditions = entries.conditions()?;
    if threads.is_empty() {
        return Err(src.error(0, "no threads; expected at least one [[threads]] entry"));
    }
    Ok(Scenario {
        title: raw.title.clone().unwrap_or_else(|| name.clone()),
        name,
        path: path.to_path_buf(),
        runtime,
        threads,
        tasks,
        vars,
        queues,
        semaphores,
        jobs,
        conditions,
        origins: Default::default(),
    })
}
