//! How a model's actions and states read for people, in Python's vocabulary: the text of
//! every counterexample step, graph node and Explorer page. It only reads the model; nothing
//! here changes what is explored.

use std::fmt::Write as _;

use crate::cpython::model::{Action, Ctx, GilModel};
use crate::cpython::program::{Op, ThreadKind};
use crate::cpython::state::{Callback, Cancel, GilRel, Phase, Scope, State, Wait, NONE};
use crate::input::scenario::{GilKind, WriteValue};

impl GilModel {
    /// An action without the state it is taken in: a label for the Explorer's list of moves.
    pub fn action_label(&self, action: &Action) -> String {
        let name = |t: u8| self.sys.threads[t as usize].name.as_str();
        match *action {
            Action::Tick { swap: None } => "the clock ticks".into(),
            Action::Tick { swap: Some((a, b)) } => {
                format!("the OS gives {}'s CPU to {}; the clock ticks", name(a), name(b))
            }
            Action::TakeGil(t) => format!("{} takes the GIL", name(t)),
            Action::TakeGilBefore(t, w) => format!("{} takes the GIL before {}", name(t), name(w)),
            Action::Timeout(t) => format!("{}'s switch interval runs out", name(t)),
            Action::ForcedDrop(t) => format!("{} drops the GIL on the drop request", name(t)),
            Action::CheckInterval(t) => format!("{} releases the GIL at its check interval", name(t)),
            Action::Step(t, d) => format!("{} steps ({d})", name(t)),
            Action::Return(t) => format!("{}'s blocking call returns", name(t)),
            Action::Due(k) => format!("{}'s timer or I/O is due", self.sys.tasks[k as usize].name),
            Action::TimeoutDue(k) => format!("{}'s timeout is due", self.sys.tasks[k as usize].name),
            Action::GiveUp(t) => format!("{} gives up waiting (timeout)", name(t)),
            Action::AcquireLock(t) => format!("{} acquires its threading.Lock", name(t)),
            Action::Wake(t) => format!("{} goes on from its wait", name(t)),
            Action::Preempt(a, b) => format!("the OS gives {}'s CPU to {}", name(a), name(b)),
        }
    }

    /// What a call that releases the GIL says of it; nothing where there is no GIL to release
    /// (free-threaded).
    fn releases_gil(&self, words: &'static str) -> &'static str {
        if self.sys.gil() == GilKind::None {
            ""
        } else {
            words
        }
    }

    /// A one-line, human description of an action, in Python's vocabulary.
    pub fn describe_action(&self, s: &State, action: Action) -> String {
        let name = |t: u8| self.sys.threads[t as usize].name.as_str();
        match action {
            Action::Tick { swap: None } => format!("tick {} -> {}", s.now, s.now + 1),
            Action::Tick { swap: Some((a, b)) } => {
                format!("OS gives {}'s CPU to {}; tick {} -> {}", name(a), name(b), s.now, s.now + 1)
            }
            Action::TakeGil(t) => format!("{} takes the GIL", name(t)),
            Action::TakeGilBefore(t, w) => {
                format!(
                    "{} takes the GIL before {}, whom the release woke: {} waits a fresh interval",
                    name(t),
                    name(w),
                    name(w)
                )
            }
            Action::Timeout(t) => format!("{}'s switch interval runs out: it sets the drop request", name(t)),
            Action::ForcedDrop(t) => format!("{} drops the GIL on the drop request", name(t)),
            Action::CheckInterval(t) => format!("{} releases the GIL at its check interval", name(t)),
            Action::Step(t, d) => self.describe_step(s, t as usize, d),
            Action::Return(t) => format!("{}'s blocking call returns", name(t)),
            Action::Due(k) => {
                let what = if matches!(s.tasks[k as usize].wait, Wait::Timer { .. }) { "timer" } else { "I/O" };
                format!("{}'s {what} is due", self.sys.tasks[k as usize].name)
            }
            Action::TimeoutDue(k) => format!("{}'s timeout is due", self.sys.tasks[k as usize].name),
            Action::GiveUp(t) => {
                let what = match self.current_op(s, t as usize).0 {
                    Some(Op::Lock(l, _)) => {
                        format!(": no threading.Lock {}, its section skipped", self.sys.locks[*l as usize])
                    }
                    Some(Op::Get(o, _)) => format!(": queue.Empty from {}", self.sync_name(*o)),
                    Some(Op::Put(o, _)) => format!(": queue.Full from {}", self.sync_name(*o)),
                    Some(Op::Acquire(o, _)) => format!(": no permit of {}", self.sync_name(*o)),
                    _ => String::new(),
                };
                format!("{}'s timeout runs out{what}", name(t))
            }
            Action::AcquireLock(t) => match s.threads[t as usize].phase {
                Phase::LockWait { lock } => {
                    let again = if self.current_op(s, t as usize).0.is_some_and(Op::is_cond) {
                        " again, notified in its Condition.wait"
                    } else {
                        ""
                    };
                    format!("{} acquires threading.Lock {}{again}", name(t), self.sys.locks[lock as usize])
                }
                _ => format!("{} acquires its threading.Lock", name(t)),
            },
            Action::Wake(t) => {
                let what = match s.threads[t as usize].phase {
                    Phase::SyncWait { obj, .. } => format!(" on {}", self.sync_name(obj)),
                    _ => String::new(),
                };
                format!("{} stops waiting{what} and goes on", name(t))
            }
            Action::Preempt(a, b) => format!("OS gives {}'s CPU to {}", name(a), name(b)),
        }
    }

    fn describe_step(&self, s: &State, t: usize, d: u8) -> String {
        let name = &self.sys.threads[t].name;
        let mut text = String::new();
        match s.threads[t].phase {
            Phase::Ready => {
                let (op, ctx) = self.current_op(s, t);
                let who = match ctx {
                    Ctx::Task(k) => format!("{name} (task {})", self.sys.tasks[k].name),
                    Ctx::Thread(_) => name.clone(),
                };
                match op {
                    Some(Op::Read(x)) => {
                        let (name, value) = (&self.sys.vars[*x as usize].0, s.vars[*x as usize]);
                        let _ = write!(text, "{who}: read {name} (loads {value})");
                    }
                    Some(op) => {
                        let _ = write!(text, "{who}: {}", self.op_text(op, d));
                    }
                    None => {
                        let repeats = match ctx {
                            Ctx::Task(k) => self.sys.tasks[k].program.repeat,
                            Ctx::Thread(_) => matches!(&self.sys.threads[t].kind, ThreadKind::Plain(p) if p.repeat),
                        };
                        let what = if repeats { "loops back to its first step" } else { "finishes" };
                        let _ = write!(text, "{who}: {what}");
                    }
                }
                if let (Some(_), Some(origin)) = (op, self.origin_at(s, t)) {
                    let _ = write!(text, " — {origin}");
                }
            }
            Phase::Cpu { left, .. } => {
                let _ = write!(text, "{name} runs one tick ({} left)", left - 1);
            }
            Phase::NoGil { left } => {
                let without = self.releases_gil(" without the GIL");
                let _ = write!(text, "{name} runs one tick of C code{without} ({} left)", left - 1);
            }
            Phase::IncrLoaded { value, .. } => {
                let _ = write!(text, "{name} stores {} (loaded {value})", value as u16 + 1);
            }
            Phase::LoopTop => {
                let _ = write!(text, "{name}: loop polls the selector{}", self.releases_gil(" (releases the GIL)"));
            }
            Phase::LoopProcess => {
                let _ = write!(text, "{name}: loop moves due I/O and timers to the ready queue");
            }
            Phase::LoopRun => {
                let l = self.loop_of(t);
                let cb = s.loops[l].ready.front();
                let _ = match (s.loops[l].todo, cb) {
                    (0, _) => write!(text, "{name}: loop round ends"),
                    (_, Some(Callback::Step(k))) => {
                        write!(text, "{name}: loop resumes task {}", self.sys.tasks[k as usize].name)
                    }
                    (_, Some(Callback::SetResult(k))) => {
                        write!(text, "{name}: loop sets the result awaited by {}", self.sys.tasks[k as usize].name)
                    }
                    (_, Some(Callback::CancelJob(k))) => write!(
                        text,
                        "{name}: loop cancels the executor job of {} if no worker has it yet",
                        self.sys.tasks[k as usize].name
                    ),
                    _ => write!(text, "{name}: loop"),
                };
            }
            other => {
                let _ = write!(text, "{name}: {other:?}");
            }
        }
        text
    }

    fn sync_name(&self, o: u8) -> &str {
        &self.sys.syncs[o as usize].name
    }

    fn op_text(&self, op: &Op, d: u8) -> String {
        let var = |x: &u8| self.sys.vars[*x as usize].0.clone();
        match op {
            Op::Compute(_) => format!("compute {d}"),
            Op::CCall(_) => format!("c_call {d}"),
            Op::CNoGil(_) => format!("c_nogil {d}{}", self.releases_gil(" (releases the GIL)")),
            Op::Io(_) => format!("io{}", self.releases_gil(" (releases the GIL)")),
            Op::Sleep(_) => format!("time.sleep{}", self.releases_gil(" (releases the GIL)")),
            Op::Read(x) => format!("read {}", var(x)),
            Op::Write(x, v) => format!(
                "write {} {}",
                var(x),
                match v {
                    WriteValue::Const(c) => c.to_string(),
                    WriteValue::LocalPlus(c) => format!("local{c:+}"),
                }
            ),
            Op::Incr(x) => format!("{} += 1: load", var(x)),
            Op::IncrCall(x) => format!("{} += f(): load", var(x)),
            Op::Append(x) => format!("{}.append(…) (one C call)", var(x)),
            Op::Lock(l, t) => format!("acquire threading.Lock {}{}", self.sys.locks[*l as usize], limit(*t)),
            Op::EventSet(o) => format!("threading.Event {}.set()", self.sync_name(*o)),
            Op::EventClear(o) => format!("threading.Event {}.clear()", self.sync_name(*o)),
            Op::EventWait(o, t) => format!("threading.Event {}.wait({})", self.sync_name(*o), timeout_arg(*t)),
            Op::Acquire(o, t) => format!("threading.Semaphore {}.acquire({})", self.sync_name(*o), timeout_arg(*t)),
            Op::SemRelease(o) => format!("threading.Semaphore {}.release()", self.sync_name(*o)),
            Op::Put(o, None) => format!("queue.Queue {}.put(…)", self.sync_name(*o)),
            Op::Put(o, Some(n)) => format!("queue.Queue {}.put(…, timeout={n})", self.sync_name(*o)),
            Op::CondWait(c) => format!("threading.Condition {}.wait()", self.sys.conds[*c as usize].name),
            Op::CondNotify(c) => format!("threading.Condition {}.notify()", self.sys.conds[*c as usize].name),
            Op::CondNotifyAll(c) => format!("threading.Condition {}.notify_all()", self.sys.conds[*c as usize].name),
            Op::Get(o, t) => format!("queue.Queue {}.get({})", self.sync_name(*o), timeout_arg(*t)),
            Op::Unlock(l) => format!("release threading.Lock {}", self.sys.locks[*l as usize]),
            Op::AwaitSleep(_) => format!("await asyncio.sleep({d})"),
            Op::AwaitIo(_) => "await io".into(),
            Op::AwaitCoro => "await coro() (does not suspend)".into(),
            Op::AwaitToThread(inner) => format!("await to_thread({})", self.op_text(inner, 0)),
            Op::AwaitJob(j) => format!("await to_thread({})", self.sys.jobs[*j as usize].name),
            Op::AwaitLock(l) => format!("await asyncio.Lock {}", self.sys.async_locks[*l as usize]),
            Op::Release(l) => format!("release asyncio.Lock {}", self.sys.async_locks[*l as usize]),
            Op::AwaitTask(k) => format!("await task {}", self.sys.tasks[*k as usize].name),
            Op::AwaitWaitFor { task, ticks } => {
                format!("await asyncio.wait_for({}, {ticks})", self.sys.tasks[*task as usize].name)
            }
            Op::AwaitTimeout { ticks, inner } => {
                format!("async with asyncio.timeout({ticks}): {}", self.op_text(inner, d))
            }
            Op::Cancel(k) => format!("{}.cancel()", self.sys.tasks[*k as usize].name),
            Op::AwaitEventWait(o) => format!("await asyncio.Event {}.wait()", self.sync_name(*o)),
            Op::AsyncEventSet(o) => format!("asyncio.Event {}.set()", self.sync_name(*o)),
            Op::AsyncEventClear(o) => format!("asyncio.Event {}.clear()", self.sync_name(*o)),
            Op::AwaitAcquire(o) => format!("await asyncio.Semaphore {}.acquire()", self.sync_name(*o)),
            Op::AsyncSemRelease(o) => format!("asyncio.Semaphore {}.release()", self.sync_name(*o)),
            Op::AwaitPut(o) => format!("await asyncio.Queue {}.put(…)", self.sync_name(*o)),
            Op::AwaitGet(o) => format!("await asyncio.Queue {}.get()", self.sync_name(*o)),
        }
    }

    /// A short description of a state for people: who holds the GIL, what each thread and
    /// task is doing, the clock.
    pub fn describe_state(&self, s: &State) -> String {
        self.state_lines(s).join("; ")
    }

    /// [`GilModel::describe_state`] as separate lines: the clock, the GIL, each thread, each
    /// loop's ready queue, each task, the shared variables.
    pub fn state_lines(&self, s: &State) -> Vec<String> {
        let sys = &self.sys;
        let mut parts = Vec::new();
        if sys.is_ticks() {
            parts.push(format!("t={}", s.now));
        }
        if sys.gil() != GilKind::None {
            let holder =
                if s.gil.holder == NONE { "free".to_string() } else { sys.threads[s.gil.holder as usize].name.clone() };
            parts.push(format!("GIL {holder}{}", if s.gil.drop_request { " (drop requested)" } else { "" }));
        }
        for (t, info) in sys.threads.iter().enumerate() {
            let th = &s.threads[t];
            if matches!(info.kind, ThreadKind::Worker(_)) && th.phase == Phase::Idle {
                continue;
            }
            let gil = match th.gil {
                GilRel::Wants => " waits GIL",
                GilRel::Switching => " waits switch",
                _ => "",
            };
            let task = match (&info.kind, th.task) {
                (ThreadKind::Loop(_), k) if k != NONE => format!("task {}: ", sys.tasks[k as usize].name),
                (ThreadKind::Worker(_), k) if k != NONE => format!("job of {}: ", sys.tasks[k as usize].name),
                _ => String::new(),
            };
            parts.push(format!("{}: {task}{}{gil}", info.name, self.phase_words(s, th.phase)));
        }
        for (l, info) in sys.loops.iter().enumerate() {
            let lp = &s.loops[l];
            let ready: Vec<String> = lp
                .ready
                .as_slice()
                .iter()
                .map(|c| match c {
                    Callback::Step(k) => sys.tasks[*k as usize].name.clone(),
                    Callback::SetResult(k) => format!("set_result({})", sys.tasks[*k as usize].name),
                    Callback::CancelJob(k) => format!("cancel_job({})", sys.tasks[*k as usize].name),
                    Callback::Timeout(k) => format!("timeout({})", sys.tasks[*k as usize].name),
                    Callback::ReleaseWaiter(k) => format!("release_waiter({})", sys.tasks[*k as usize].name),
                    Callback::Empty => String::new(),
                })
                .collect();
            let name = &sys.threads[info.thread as usize].name;
            parts.push(format!("{name} ready queue [{}]", ready.join(", ")));
        }
        for (k, info) in sys.tasks.iter().enumerate() {
            let task = &s.tasks[k];
            let what = match (task.done, task.cancelled, task.cancel) {
                (true, true, _) => "cancelled".to_string(),
                (true, false, _) => "done".to_string(),
                (false, _, Cancel::None) => wait_text(task.wait),
                (false, _, _) => format!("{} (CancelledError coming)", wait_text(task.wait)),
            };
            let what = match task.scope {
                Scope::None => what,
                Scope::Expiring => format!("{what}, its timeout expired"),
                Scope::Cancelling { .. } => format!("{what}, waiting for its cancelled task"),
                Scope::Entered => format!("{what}, in a timeout"),
            };
            parts.push(format!("{}: {what}", info.name));
        }
        if !sys.vars.is_empty() {
            let vars: Vec<String> =
                sys.vars.iter().enumerate().map(|(i, (n, _))| format!("{n}={}", s.vars[i])).collect();
            parts.push(vars.join(" "));
        }
        parts
    }
}

impl GilModel {
    /// A thread's phase with the names it involves: the lock waited for and its holder, the
    /// condition waited on.
    fn phase_words(&self, s: &State, p: Phase) -> String {
        let sys = &self.sys;
        match p {
            Phase::LockWait { lock } => {
                let holders = self.lock_holders(s, crate::cpython::holders::LockRef::Threading(lock));
                let held =
                    if holders.is_empty() { String::new() } else { format!(", held by {}", holders.join(" and ")) };
                format!("waits for lock {}{held}", sys.locks[lock as usize])
            }
            Phase::CondWait { cond } => format!("waits on condition {}", sys.conds[cond as usize].name),
            Phase::SyncWait { obj, woken: false } => format!("waits on {}", sys.syncs[obj as usize].name),
            p => phase_text(p),
        }
    }
}

fn phase_text(p: Phase) -> String {
    match p {
        Phase::Ready => "ready".into(),
        Phase::Cpu { left, python: true } => format!("compute ({left} left)"),
        Phase::Cpu { left, python: false } => format!("c_call ({left} left)"),
        Phase::NoGil { left } => format!("c_nogil ({left} left)"),
        Phase::Blocked { sleep: true, .. } => "time.sleep".into(),
        Phase::Blocked { .. } => "io".into(),
        Phase::LockWait { .. } => "waits for lock".into(),
        Phase::SyncWait { woken: true, .. } => "notified, not yet running".into(),
        Phase::SyncWait { .. } => "waits (event, semaphore or queue)".into(),
        Phase::CondWait { .. } => "waits on a condition".into(),
        Phase::IncrLoaded { value, .. } => format!("loaded {value}"),
        Phase::Done => "done".into(),
        Phase::Idle => "idle".into(),
        Phase::LoopTop => "loop top".into(),
        Phase::Select => "select".into(),
        Phase::LoopProcess => "loop back from select".into(),
        Phase::LoopRun => "loop runs callbacks".into(),
    }
}

fn wait_text(w: Wait) -> String {
    match w {
        Wait::Nothing => "running".into(),
        Wait::Timer { .. } => "sleeping (timer)".into(),
        Wait::Io { .. } => "awaiting I/O".into(),
        Wait::Due { .. } => "due".into(),
        Wait::Job => "awaiting executor".into(),
        Wait::Wakeup => "result being set".into(),
        Wait::AsyncLock { .. } => "awaiting lock".into(),
        Wait::Task { .. } => "awaiting task".into(),
        Wait::WaitFor { .. } => "in wait_for".into(),
        Wait::AsyncSync { .. } => "awaiting an event, semaphore or queue".into(),
        Wait::Scheduled => "ready".into(),
    }
}

/// ` (timeout N)` after a lock acquire that has one.
fn limit(t: Option<u8>) -> String {
    t.map(|n| format!(" (timeout {n})")).unwrap_or_default()
}

/// `timeout=N` as the argument of a waiting method that has one.
fn timeout_arg(t: Option<u8>) -> String {
    t.map(|n| format!("timeout={n}")).unwrap_or_default()
}
