//! A scenario compiled for the model: names resolved to small indices, `count` copies
//! expanded, executor workers allotted. This is the static half of the model; the dynamic
//! half is [`crate::cpython::state::State`].

use crate::cpython::state::{Dims, State, MAX_LOCKS, MAX_TASKS, MAX_THREADS, MAX_VARS, NONE};
use crate::input::scenario::{
    python_version, Duration, GilKind, Runtime, Scenario, Step, SwitchPoints, ThreadBody, TimeMode, WriteValue,
};

/// The default executor's size, `ThreadPoolExecutor(max_workers=None)`
/// (`Lib/concurrent/futures/thread.py: ThreadPoolExecutor.__init__`): `os.cpu_count() * 5`
/// on 3.5–3.7, `min(32, os.cpu_count() + 4)` from 3.8 (bpo-35279). Older and other versions
/// (2.7 has no asyncio and is modelled with 3.x loop semantics) take the 3.8 rule.
pub fn default_executor_workers(python: &str, cores: u32) -> u32 {
    match python {
        "3.5" | "3.6" | "3.7" => cores * 5,
        _ => 32.min(cores + 4),
    }
}

/// One operation of a compiled program: a [`Step`] with names resolved to indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Compute(Duration),
    CCall(Duration),
    CNoGil(Duration),
    Io(Duration),
    Sleep(Duration),
    Read(u8),
    Write(u8, WriteValue),
    Incr(u8),
    IncrCall(u8),
    Append(u8),
    /// `threading.Lock.acquire`; with `timeout N` ([`Limit`]) a give-up skips the section.
    Lock(u8, Limit),
    Unlock(u8),
    AwaitSleep(Duration),
    AwaitIo(Duration),
    AwaitCoro,
    /// The job runs this blocking op on an executor worker.
    AwaitToThread(Box<Op>),
    /// `await to_thread J` / `await run_in_executor J`: job J of [`System::jobs`].
    AwaitJob(u8),
    AwaitLock(u8),
    Release(u8),
    AwaitTask(u8),
    /// `asyncio.wait_for(T, N)` ([`crate::cpython::timeouts`]).
    AwaitWaitFor {
        task: u8,
        ticks: u8,
    },
    /// `async with asyncio.timeout(N)` around the awaiting op `inner`
    /// ([`crate::cpython::timeouts`]).
    AwaitTimeout {
        ticks: u8,
        inner: Box<Op>,
    },
    /// `T.cancel()` ([`crate::cpython::cancel`]).
    Cancel(u8),
    /// `threading.Event`, `threading.Semaphore`, `queue.Queue` ([`crate::cpython::sync`]),
    /// each on sync object N of [`System::syncs`].
    EventSet(u8),
    EventClear(u8),
    EventWait(u8, Limit),
    Acquire(u8, Limit),
    SemRelease(u8),
    Put(u8, Limit),
    Get(u8, Limit),
    /// `threading.Condition` wait, notify, notify_all on condition N of [`System::conds`]
    /// ([`crate::cpython::sync`]).
    CondWait(u8),
    CondNotify(u8),
    CondNotifyAll(u8),
    /// `asyncio.Event`, `asyncio.Semaphore`, `asyncio.Queue` ([`crate::cpython::aio_sync`]),
    /// on sync object N.
    AwaitEventWait(u8),
    AsyncEventSet(u8),
    AsyncEventClear(u8),
    AwaitAcquire(u8),
    AsyncSemRelease(u8),
    AwaitPut(u8),
    AwaitGet(u8),
}

impl Op {
    /// Whether the step ends with a C function returning, after which 3.10+ checks the eval
    /// breaker (`CALL` checks once a C callee is back: `Python/ceval.c` 3.10, `Python/bytecodes.c`
    /// 3.12+): a C call holding the GIL or releasing it, a blocking call, a `threading.Lock`
    /// method, `list.append`, `Task.cancel` (the C `_asyncio.Task`).
    pub fn ends_with_c_call(&self) -> bool {
        matches!(
            self,
            Op::CCall(_)
                | Op::CNoGil(_)
                | Op::Io(_)
                | Op::Sleep(_)
                | Op::Lock(..)
                | Op::Unlock(_)
                | Op::Append(_)
                | Op::Cancel(_)
        ) || self.is_sync()
            || self.is_cond()
    }

    /// Whether the step begins by entering Python code, whose `RESUME` (3.11+; function entry
    /// on 3.10) checks the eval breaker before the step has any effect: pure Python, and the
    /// awaits, which call a coroutine or a Python method of asyncio (`asyncio.sleep`,
    /// `Lock.acquire`, `Lock.release`, `to_thread`). Awaiting a task enters no Python frame.
    pub fn enters_python(&self) -> bool {
        matches!(
            self,
            Op::Compute(_)
                | Op::AwaitSleep(_)
                | Op::AwaitIo(_)
                | Op::AwaitCoro
                | Op::AwaitToThread(_)
                | Op::AwaitJob(_)
                | Op::AwaitLock(_)
                | Op::Release(_)
                | Op::AwaitWaitFor { .. }
                | Op::AwaitTimeout { .. }
        ) || self.is_sync()
            || self.is_cond()
            || self.async_sync_object().is_some()
    }

    /// A `threading.Condition` method: Python code (`Lib/threading.py: Condition`) that
    /// enters a frame and ends with a C call on a lock.
    pub fn is_cond(&self) -> bool {
        matches!(self, Op::CondWait(_) | Op::CondNotify(_) | Op::CondNotifyAll(_))
    }

    /// An event, semaphore or queue method: Python code (`Lib/threading.py`, `Lib/queue.py`)
    /// that enters a frame and ends with the C `release` of its condition's lock, so it starts
    /// and ends at switch points on 3.10+. In between it holds that lock, so it is atomic for
    /// every other operation on the same object.
    pub fn is_sync(&self) -> bool {
        self.sync_object().is_some()
    }

    /// Hands work to the loop's executor: `await to_thread` of a step or a job.
    pub fn offloads(&self) -> bool {
        matches!(self.leaf(), Op::AwaitToThread(_) | Op::AwaitJob(_))
    }

    /// The sync object an asyncio event, semaphore or queue op works on.
    pub fn async_sync_object(&self) -> Option<u8> {
        match self {
            Op::AwaitEventWait(o)
            | Op::AsyncEventSet(o)
            | Op::AsyncEventClear(o)
            | Op::AwaitAcquire(o)
            | Op::AsyncSemRelease(o)
            | Op::AwaitPut(o)
            | Op::AwaitGet(o) => Some(*o),
            _ => None,
        }
    }

    /// The sync object a `threading` event, semaphore or queue op works on.
    pub fn sync_object(&self) -> Option<u8> {
        match self {
            Op::EventSet(o)
            | Op::EventClear(o)
            | Op::EventWait(o, _)
            | Op::Acquire(o, _)
            | Op::SemRelease(o)
            | Op::Put(o, _)
            | Op::Get(o, _) => Some(*o),
            _ => None,
        }
    }

    /// The `timeout N` of a `threading` waiting op (lock, event, semaphore, queue).
    pub fn limit(&self) -> Limit {
        match self {
            Op::Lock(_, t) | Op::EventWait(_, t) | Op::Acquire(_, t) | Op::Put(_, t) | Op::Get(_, t) => *t,
            _ => None,
        }
    }

    /// The op that really waits: the awaiting op inside an `await timeout`, else itself.
    pub fn leaf(&self) -> &Op {
        match self {
            Op::AwaitTimeout { inner, .. } => inner,
            op => op,
        }
    }
}

/// A lock of either kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockRef {
    Threading(u8),
    Asyncio(u8),
}

impl LockRef {
    /// +1 for an op that takes the lock, -1 for one that gives it back.
    pub fn count(self, op: &Op) -> i32 {
        match (self, op.leaf()) {
            (LockRef::Threading(l), Op::Lock(x, _)) | (LockRef::Asyncio(l), Op::AwaitLock(x)) if *x == l => 1,
            (LockRef::Threading(l), Op::Unlock(x)) | (LockRef::Asyncio(l), Op::Release(x)) if *x == l => -1,
            _ => 0,
        }
    }
}

/// A `timeout N` in ticks on a `threading` waiting op (None: no timeout).
pub type Limit = Option<u8>;

/// One `threading` waiting object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncInfo {
    pub name: String,
    pub kind: SyncKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncKind {
    Event,
    /// `threading.Semaphore(initial)`.
    Semaphore {
        initial: u8,
    },
    /// `queue.Queue(maxsize)`; 0 is unbounded.
    Queue {
        maxsize: u8,
    },
    AsyncEvent,
    /// `asyncio.Semaphore(initial)`.
    AsyncSemaphore {
        initial: u8,
    },
    /// `asyncio.Queue(maxsize)`; 0 is unbounded.
    AsyncQueue {
        maxsize: u8,
    },
}

impl SyncKind {
    /// The value the object starts with: a clear flag, the semaphore's count, no items.
    pub fn initial(self) -> u8 {
        match self {
            SyncKind::Semaphore { initial } | SyncKind::AsyncSemaphore { initial } => initial,
            _ => 0,
        }
    }

    /// A queue's bound (0: unbounded); None for other objects.
    pub fn maxsize(self) -> Option<u8> {
        match self {
            SyncKind::Queue { maxsize } | SyncKind::AsyncQueue { maxsize } => Some(maxsize),
            _ => None,
        }
    }

    /// asyncio's primitive rather than `threading`'s.
    pub fn is_asyncio(self) -> bool {
        matches!(self, SyncKind::AsyncEvent | SyncKind::AsyncSemaphore { .. } | SyncKind::AsyncQueue { .. })
    }

    /// The same object as asyncio's class (the parser has checked that its uses agree).
    fn as_asyncio(self) -> SyncKind {
        match self {
            SyncKind::Event => SyncKind::AsyncEvent,
            SyncKind::Semaphore { initial } => SyncKind::AsyncSemaphore { initial },
            SyncKind::Queue { maxsize } => SyncKind::AsyncQueue { maxsize },
            kind => kind,
        }
    }
}

/// A program and how it loops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub ops: Vec<Op>,
    /// `repeat = true`: run the ops forever (`while True:`).
    pub repeat: bool,
    /// The source steps, for people.
    pub steps: Vec<Step>,
    /// Where each step comes from in a Python program (`app.py:23 time.sleep(2) in
    /// handler()`); empty for a scenario file.
    pub origins: Vec<String>,
}

impl Program {
    /// The program with the source lines the scenario records for entry `name`.
    fn with_origins(mut self, scenario: &Scenario, name: &str) -> Program {
        self.origins = scenario.origins.get(name).cloned().unwrap_or_default();
        self
    }
}

/// What an OS thread runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadKind {
    /// A plain `threading.Thread` running its own program.
    Plain(Program),
    /// An asyncio event loop (index into [`System::loops`]).
    Loop(u8),
    /// A worker of a loop's default executor (`ThreadPoolExecutor`).
    Worker(u8),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadInfo {
    pub name: String,
    pub kind: ThreadKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInfo {
    pub name: String,
    pub program: Program,
    /// The loop this task runs on (index into [`System::loops`]).
    pub loop_id: u8,
}

/// A `threading.Condition(lock)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CondInfo {
    pub name: String,
    /// Its lock, in [`System::locks`].
    pub lock: u8,
}

/// A `[[jobs]]` entry: the blocking ops an executor worker runs for `await to_thread J`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobInfo {
    pub name: String,
    pub program: Program,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopInfo {
    /// The OS thread that runs this loop.
    pub thread: u8,
    /// Its tasks, in creation order.
    pub tasks: Vec<u8>,
    /// Its executor workers (thread indices), allotted one per possibly outstanding job.
    pub workers: Vec<u8>,
}

/// A scenario compiled for the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct System {
    pub scenario_name: String,
    pub runtime: Runtime,
    pub threads: Vec<ThreadInfo>,
    pub tasks: Vec<TaskInfo>,
    pub loops: Vec<LoopInfo>,
    pub vars: Vec<(String, i64)>,
    pub locks: Vec<String>,
    pub async_locks: Vec<String>,
    /// `threading.Event`s, `threading.Semaphore`s and `queue.Queue`s, in order of first use.
    pub syncs: Vec<SyncInfo>,
    pub jobs: Vec<JobInfo>,
    pub conds: Vec<CondInfo>,
    /// Some state can have more threads wanting a CPU than there are cores: only then does
    /// the model track which threads have one.
    pub cpu_contention: bool,
    /// Ranges of plain threads that are `count` copies of one entry: identical programs, so
    /// states that differ only by a permutation of them behave alike (symmetry).
    pub thread_copies: Vec<(usize, usize)>,
    /// Ranges of tasks that are `count` copies of one entry and stay interchangeable: on one
    /// loop, and named by no program (`await task`, `wait_for`, `cancel` single one copy out),
    /// nor awaiting I/O in ticks mode (I/O that comes due in the same tick is collected in
    /// task order, [`crate::cpython::asyncio::tick_timers`]).
    pub task_copies: Vec<(usize, usize)>,
}

impl System {
    /// Compiles a scenario under its runtime (use [`Runtime::with_python`] for a variant first).
    pub fn compile(scenario: &Scenario, runtime: &Runtime) -> Result<System, String> {
        let mut sys = System {
            scenario_name: scenario.name.clone(),
            runtime: runtime.clone(),
            threads: Vec::new(),
            tasks: Vec::new(),
            loops: Vec::new(),
            vars: scenario.vars.clone(),
            locks: Vec::new(),
            async_locks: Vec::new(),
            syncs: Vec::new(),
            jobs: Vec::new(),
            conds: Vec::new(),
            cpu_contention: false,
            thread_copies: Vec::new(),
            task_copies: Vec::new(),
        };
        // Declared queues and semaphores first, with their sizes; undeclared ones get defaults.
        for (name, maxsize) in &scenario.queues {
            sys.syncs.push(SyncInfo { name: name.clone(), kind: SyncKind::Queue { maxsize: *maxsize } });
        }
        for (name, initial) in &scenario.semaphores {
            sys.syncs.push(SyncInfo { name: name.clone(), kind: SyncKind::Semaphore { initial: *initial } });
        }
        // Tasks first, so that `await task T` can be resolved in any order.
        let tasks = scenario.expanded_tasks();
        // Every task a program names, so that copies singled out are not taken as interchangeable.
        let named = std::cell::RefCell::new(Vec::new());
        let task_index = |name: &str| {
            let k = tasks.iter().position(|(n, _)| n == name);
            named.borrow_mut().extend(k);
            k
        };
        let mut task_loop = vec![NONE; tasks.len()];
        for (name, lock) in &scenario.conditions {
            let lock = intern(&mut sys.locks, lock);
            sys.conds.push(CondInfo { name: name.clone(), lock });
        }
        for job in &scenario.jobs {
            let program = sys.compile_program(&job.steps, false, &task_index)?.with_origins(scenario, &job.name);
            sys.jobs.push(JobInfo { name: job.name.clone(), program });
        }
        for spec in &scenario.threads {
            if spec.count > 1 && matches!(spec.body, ThreadBody::Steps(_)) {
                let start =
                    scenario.threads.iter().take_while(|t| !std::ptr::eq(*t, spec)).map(|t| t.count as usize).sum();
                sys.thread_copies.push((start, start + spec.count as usize));
            }
        }
        for (tname, spec) in scenario.expanded_threads() {
            let index = sys.threads.len() as u8;
            let kind = match &spec.body {
                ThreadBody::Steps(steps) => ThreadKind::Plain(
                    sys.compile_program(steps, spec.repeat, &task_index)?.with_origins(scenario, &spec.name),
                ),
                ThreadBody::Loop(names) => {
                    let loop_id = sys.loops.len() as u8;
                    let mut members = Vec::new();
                    for name in names {
                        // A `count` task listed by its base name brings all its copies.
                        for (k, (tn, ts)) in tasks.iter().enumerate() {
                            if (ts.name == *name || tn == name) && !members.contains(&(k as u8)) {
                                members.push(k as u8);
                                task_loop[k] = loop_id;
                            }
                        }
                    }
                    sys.loops.push(LoopInfo { thread: index, tasks: members, workers: Vec::new() });
                    ThreadKind::Loop(loop_id)
                }
            };
            sys.threads.push(ThreadInfo { name: tname, kind });
        }
        for (k, (tname, spec)) in tasks.iter().enumerate() {
            if task_loop[k] == NONE {
                return Err(format!("task `{tname}` runs on no loop"));
            }
            let program =
                sys.compile_program(&spec.steps, spec.repeat, &task_index)?.with_origins(scenario, &spec.name);
            sys.tasks.push(TaskInfo { name: tname.clone(), program, loop_id: task_loop[k] });
        }
        sys.task_copies = sys.interchangeable_tasks(scenario, &named.into_inner());
        // Executor workers: one per task that may have a job outstanding, up to the pool's bound.
        let bound = default_executor_workers(&runtime.python, runtime.cores) as usize;
        for l in 0..sys.loops.len() {
            let offloading = sys.loops[l]
                .tasks
                .iter()
                .filter(|&&k| sys.tasks[k as usize].program.ops.iter().any(Op::offloads))
                .count();
            for i in 0..offloading.min(bound) {
                let name = if sys.loops.len() == 1 {
                    format!("executor{i}")
                } else {
                    format!("{}.executor{i}", sys.threads[sys.loops[l].thread as usize].name)
                };
                let index = sys.threads.len() as u8;
                sys.threads.push(ThreadInfo { name, kind: ThreadKind::Worker(l as u8) });
                sys.loops[l].workers.push(index);
            }
        }
        if sys.threads.len() > MAX_THREADS {
            return Err(format!("{} threads with executor workers; at most {MAX_THREADS}", sys.threads.len()));
        }
        if sys.tasks.len() > MAX_TASKS
            || sys.vars.len() > MAX_VARS
            || sys.locks.len() > MAX_LOCKS
            || sys.async_locks.len() > MAX_LOCKS
        {
            return Err("scenario exceeds the model's capacity (tasks, variables or locks)".into());
        }
        sys.cpu_contention = sys.max_cpu_demand() > runtime.cores as usize;
        Ok(sys)
    }

    /// The ranges of task copies that symmetry may reduce ([`System::task_copies`]), given the
    /// tasks that programs name.
    fn interchangeable_tasks(&self, scenario: &Scenario, named: &[usize]) -> Vec<(usize, usize)> {
        let mut copies = Vec::new();
        let mut start = 0;
        for spec in &scenario.tasks {
            let range = start..start + spec.count as usize;
            start = range.end;
            let tasks = &self.tasks[range.clone()];
            let one_loop = tasks.iter().all(|t| t.loop_id == tasks[0].loop_id);
            let io_by_index =
                self.is_ticks() && tasks[0].program.ops.iter().any(|op| matches!(op.leaf(), Op::AwaitIo(_)));
            if range.len() > 1 && one_loop && !io_by_index && !named.iter().any(|k| range.contains(k)) {
                copies.push((range.start, range.end));
            }
        }
        copies
    }

    fn compile_program(
        &mut self,
        steps: &[Step],
        repeat: bool,
        task_index: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<Program, String> {
        let ops = steps.iter().map(|s| self.compile_step(s, task_index)).collect::<Result<_, _>>()?;
        Ok(Program { ops, repeat, steps: steps.to_vec(), origins: Vec::new() })
    }

    fn compile_step(&mut self, step: &Step, task_index: &dyn Fn(&str) -> Option<usize>) -> Result<Op, String> {
        Ok(match step {
            Step::Compute(d) => Op::Compute(*d),
            Step::CCall(d) => Op::CCall(*d),
            Step::CNoGil(d) => Op::CNoGil(*d),
            Step::Io(d) => Op::Io(*d),
            Step::Sleep(d) => Op::Sleep(*d),
            Step::Read(x) => Op::Read(self.var(x)),
            Step::Write(x, v) => Op::Write(self.var(x), *v),
            Step::Incr(x) => Op::Incr(self.var(x)),
            Step::IncrCall(x) => Op::IncrCall(self.var(x)),
            Step::Append(x) => Op::Append(self.var(x)),
            Step::Lock(_, Some(_)) | Step::Acquire(_, Some(_)) if python_version(&self.runtime.python) < (3, 2) => {
                return Err(format!(
                    "`{step}` needs `acquire(timeout=)`, new in Python 3.2; this run models {}",
                    self.runtime.python
                ));
            }
            Step::Lock(l, t) => Op::Lock(intern(&mut self.locks, l), *t),
            Step::Unlock(l) => Op::Unlock(intern(&mut self.locks, l)),
            Step::AwaitSleep(d) => Op::AwaitSleep(*d),
            Step::AwaitIo(d) => Op::AwaitIo(*d),
            Step::AwaitCoro => Op::AwaitCoro,
            Step::AwaitToThread(inner) => Op::AwaitToThread(Box::new(self.compile_step(inner, task_index)?)),
            Step::AwaitJob { job, .. } => Op::AwaitJob(
                self.jobs.iter().position(|j| j.name == *job).ok_or_else(|| format!("unknown job `{job}`"))? as u8,
            ),
            Step::AwaitLock(l) => Op::AwaitLock(intern(&mut self.async_locks, l)),
            Step::Release(l) => Op::Release(intern(&mut self.async_locks, l)),
            Step::AwaitTask(t) => Op::AwaitTask(task_index(t).ok_or_else(|| format!("unknown task `{t}`"))? as u8),
            Step::AwaitWaitFor(t, n) => {
                Op::AwaitWaitFor { task: task_index(t).ok_or_else(|| format!("unknown task `{t}`"))? as u8, ticks: *n }
            }
            Step::AwaitTimeout(n, inner) => {
                if python_version(&self.runtime.python) < (3, 11) {
                    return Err(format!(
                        "`{step}` needs `asyncio.timeout`, new in Python 3.11; this run models {}",
                        self.runtime.python
                    ));
                }
                Op::AwaitTimeout { ticks: *n, inner: Box::new(self.compile_step(inner, task_index)?) }
            }
            Step::Cancel(t) => Op::Cancel(task_index(t).ok_or_else(|| format!("unknown task `{t}`"))? as u8),
            Step::EventSet(e) => Op::EventSet(self.sync(e, SyncKind::Event)),
            Step::EventClear(e) => Op::EventClear(self.sync(e, SyncKind::Event)),
            Step::EventWait(e, t) => Op::EventWait(self.sync(e, SyncKind::Event), *t),
            Step::Acquire(x, t) => Op::Acquire(self.sync(x, SyncKind::Semaphore { initial: 1 }), *t),
            Step::SemRelease(x) => Op::SemRelease(self.sync(x, SyncKind::Semaphore { initial: 1 })),
            Step::CondWait(c) => Op::CondWait(self.cond(c)?),
            Step::CondNotify(c) => Op::CondNotify(self.cond(c)?),
            Step::CondNotifyAll(c) => Op::CondNotifyAll(self.cond(c)?),
            Step::Put(q, t) => Op::Put(self.sync(q, SyncKind::Queue { maxsize: 0 }), *t),
            Step::Get(q, t) => Op::Get(self.sync(q, SyncKind::Queue { maxsize: 0 }), *t),
            Step::AwaitEventWait(e) => Op::AwaitEventWait(self.sync(e, SyncKind::AsyncEvent)),
            Step::AsyncEventSet(e) => Op::AsyncEventSet(self.sync(e, SyncKind::AsyncEvent)),
            Step::AsyncEventClear(e) => Op::AsyncEventClear(self.sync(e, SyncKind::AsyncEvent)),
            Step::AwaitAcquire(x) => Op::AwaitAcquire(self.sync(x, SyncKind::AsyncSemaphore { initial: 1 })),
            Step::AsyncSemRelease(x) => Op::AsyncSemRelease(self.sync(x, SyncKind::AsyncSemaphore { initial: 1 })),
            Step::AwaitPut(q) => Op::AwaitPut(self.sync(q, SyncKind::AsyncQueue { maxsize: 0 })),
            Step::AwaitGet(q) => Op::AwaitGet(self.sync(q, SyncKind::AsyncQueue { maxsize: 0 })),
        })
    }

    /// The sync object `name`, added with `kind` (CPython's default: `Semaphore(1)`, an
    /// unbounded `Queue()`) at its first use unless declared (a declared one becomes
    /// asyncio's when an asyncio step uses it); the parser has checked that every use agrees
    /// on the kind.
    fn sync(&mut self, name: &str, kind: SyncKind) -> u8 {
        match self.syncs.iter().position(|o| o.name == name) {
            Some(i) => {
                if kind.is_asyncio() {
                    self.syncs[i].kind = self.syncs[i].kind.as_asyncio();
                }
                i as u8
            }
            None => {
                self.syncs.push(SyncInfo { name: name.to_owned(), kind });
                (self.syncs.len() - 1) as u8
            }
        }
    }

    fn cond(&self, name: &str) -> Result<u8, String> {
        let c = self.conds.iter().position(|c| c.name == name);
        c.map(|c| c as u8).ok_or_else(|| format!("unknown condition `{name}`"))
    }

    fn var(&mut self, name: &str) -> u8 {
        match self.vars.iter().position(|(n, _)| n == name) {
            Some(i) => i as u8,
            None => {
                self.vars.push((name.to_string(), 0));
                (self.vars.len() - 1) as u8
            }
        }
    }

    /// How many threads could want a CPU at once: every thread on a free-threaded build;
    /// otherwise the GIL holder plus the threads that can run C code without the GIL.
    fn max_cpu_demand(&self) -> usize {
        if self.runtime.gil == GilKind::None {
            return self.threads.len();
        }
        let loop_ops = |l: u8| self.loops[l as usize].tasks.iter().map(|&k| &self.tasks[k as usize].program.ops);
        let releases = |ops: &[Op]| ops.iter().any(|op| matches!(op, Op::CNoGil(_)));
        let offloads = |ops: &[Op]| ops.iter().any(|op| self.job_ops(op).iter().any(|op| matches!(op, Op::CNoGil(_))));
        let gil_free = self
            .threads
            .iter()
            .filter(|t| match &t.kind {
                ThreadKind::Plain(p) => releases(&p.ops),
                ThreadKind::Loop(l) => loop_ops(*l).any(|ops| releases(ops)),
                ThreadKind::Worker(l) => loop_ops(*l).any(|ops| offloads(ops)),
            })
            .count();
        self.threads.len().min(gil_free + 1)
    }

    /// The ops an executor worker runs for an offloading op: the blocking op of
    /// `await to_thread STEP`, a job's ops; none for other ops.
    pub fn job_ops<'a>(&'a self, op: &'a Op) -> &'a [Op] {
        match op.leaf() {
            Op::AwaitToThread(inner) => std::slice::from_ref(&**inner),
            Op::AwaitJob(j) => &self.jobs[*j as usize].program.ops,
            _ => &[],
        }
    }

    /// The op a suspended task waits in: the one before its program counter (the awaiting op
    /// inside an `await timeout`: [`System::scope_op`] is the whole).
    pub fn waiting_op(&self, s: &State, k: usize) -> Option<&Op> {
        self.scope_op(s, k).map(Op::leaf)
    }

    /// The op before task `k`'s program counter, as written.
    pub fn scope_op(&self, s: &State, k: usize) -> Option<&Op> {
        let pc = s.tasks[k].pc as usize;
        pc.checked_sub(1).and_then(|i| self.tasks[k].program.ops.get(i))
    }

    /// How many slots of each state array this system uses.
    pub fn dims(&self) -> Dims {
        Dims {
            threads: self.threads.len(),
            tasks: self.tasks.len(),
            loops: self.loops.len(),
            vars: self.vars.len(),
            locks: self.locks.len(),
            async_locks: self.async_locks.len(),
            syncs: self.syncs.len(),
            conds: self.conds.len(),
        }
    }

    pub fn thread_index(&self, name: &str) -> Option<u8> {
        self.threads.iter().position(|t| t.name == name).map(|i| i as u8)
    }

    pub fn task_index(&self, name: &str) -> Option<u8> {
        self.tasks.iter().position(|t| t.name == name).map(|i| i as u8)
    }

    pub fn var_index(&self, name: &str) -> Option<u8> {
        self.vars.iter().position(|(n, _)| n == name).map(|i| i as u8)
    }

    pub fn is_ticks(&self) -> bool {
        self.runtime.time == TimeMode::Ticks
    }

    pub fn gil(&self) -> GilKind {
        self.runtime.gil
    }

    pub fn bytecode_switch_points(&self) -> bool {
        self.runtime.switch_points == SwitchPoints::Bytecode
    }

    /// The loop a thread runs, if it is a loop thread.
    pub fn loop_of_thread(&self, t: usize) -> Option<usize> {
        match self.threads[t].kind {
            ThreadKind::Loop(l) => Some(l as usize),
            _ => None,
        }
    }
}

fn intern(names: &mut Vec<String>, name: &str) -> u8 {
    match names.iter().position(|n| n == name) {
        Some(i) => i as u8,
        None => {
            names.push(name.to_string());
            (names.len() - 1) as u8
        }
    }
}
