//! The extractor's concurrency forms: threads and pools (`threading.Thread`, `start`, `join`,
//! `ThreadPoolExecutor.submit`/`map`), the objects of `threading` and `queue`, and asyncio's:
//! `asyncio.run`, tasks (`create_task`, `gather`, `TaskGroup`, `wait_for`), `await` of the
//! file's coroutines, sleeps, locks, queues, events, and the executor (`to_thread`,
//! `run_in_executor`).
//!
//! A task is named by a placeholder (`@INDEX.COPY`) until every task is known, because tasks
//! made at one place in a loop merge into one entry with `count` (see [`Walker::task_name`]).

use tree_sitter::Node;

use super::calls;
use super::program::{Actor, ActorKind, Placed};
use super::syntax::{children, is_async};
use super::walk::{Binding, Frame, Global, Walker};
use crate::input::scenario::{Duration, JobCall, Step};

fn ticks(n: u32) -> Duration {
    Duration { lo: n, hi: n }
}

/// A placeholder for copy `copy` of the task at actor `index`.
fn task_ref(index: usize, copy: u32) -> String {
    format!("@{index}.{copy}")
}

impl<'t> Walker<'t> {
    /// Calls that make or drive threads, tasks and shared objects; None for any other call.
    pub fn concurrency_call(
        &mut self,
        frame: &mut Frame<'t>,
        node: Node<'t>,
        name: Option<&str>,
        out: &mut Vec<Placed>,
    ) -> Option<Option<Binding<'t>>> {
        let function = node.child_by_field_name("function")?;
        let args = self.args(node);
        match name {
            Some(n) if n.ends_with("threading.Thread") || n == "Thread" => return Some(self.new_thread(frame, node)),
            Some("asyncio.run") => {
                self.run_loop(frame, node, args.first().copied());
                return Some(None);
            }
            Some("asyncio.create_task" | "asyncio.ensure_future") => {
                let refs = self.new_tasks(frame, node, args.first().copied()?);
                return Some(Some(Binding::Tasks(refs)));
            }
            Some("asyncio.get_running_loop" | "asyncio.get_event_loop" | "asyncio.new_event_loop") => {
                return Some(Some(Binding::Loop));
            }
            _ => {}
        }
        if function.kind() != "attribute" {
            return None;
        }
        let object = function.child_by_field_name("object")?;
        let method = self.file.text(function.child_by_field_name("attribute")?);
        let receiver = self.file.text(object).to_owned();
        if let Some(binding) = frame.bindings.get(&receiver).cloned() {
            return self.binding_method(frame, node, &receiver, binding, method, &args, out);
        }
        let global = self.globals.get(&receiver).cloned()?;
        let timeout = self.kwarg(node, "timeout").and_then(|t| self.seconds(frame, t));
        let limit = timeout.map(|s| self.ticks(s, true) as u8);
        let r = receiver.clone();
        let step = match (global, method) {
            (Global::ThreadLock, "acquire") => Step::Lock(r, limit),
            (Global::ThreadLock, "release") => Step::Unlock(r),
            (Global::AsyncLock, "release") => Step::Release(r),
            (Global::Event | Global::AsyncEvent, "set") => Step::EventSet(r),
            (Global::Event | Global::AsyncEvent, "clear") => Step::EventClear(r),
            (Global::Event, "wait") => Step::EventWait(r, limit),
            (Global::Semaphore(_), "acquire") => Step::Acquire(r, limit),
            (Global::Semaphore(_) | Global::AsyncSemaphore(_), "release") => Step::SemRelease(r),
            (Global::Queue(_), "put") => Step::Put(r, limit),
            (Global::Queue(_), "get") => Step::Get(r, limit),
            (Global::Queue(_), "put_nowait") => Step::Put(r, Some(0)),
            (Global::Queue(_), "get_nowait") => Step::Get(r, Some(0)),
            (Global::Queue(_) | Global::AsyncQueue(_), "task_done" | "qsize" | "empty" | "full") => return Some(None),
            (Global::Collection, "append" | "extend" | "insert" | "add" | "pop" | "popleft" | "remove" | "update") => {
                for a in &args {
                    self.expr(frame, *a, out);
                }
                Step::Append(r)
            }
            (Global::Collection | Global::Constant(_), _) => return None,
            (_, m) => {
                self.note(node, format!("`{receiver}.{m}(…)`: this method is not modelled"));
                return Some(None);
            }
        };
        self.place(frame, node, step, out);
        Some(None)
    }

    /// A method on a local that holds threads, tasks, a pool, a loop or a task group.
    #[allow(clippy::too_many_arguments)]
    fn binding_method(
        &mut self,
        frame: &mut Frame<'t>,
        node: Node<'t>,
        receiver: &str,
        binding: Binding<'t>,
        method: &str,
        args: &[Node<'t>],
        out: &mut Vec<Placed>,
    ) -> Option<Option<Binding<'t>>> {
        match (binding, method) {
            (Binding::Threads(ids), "start") => {
                self.effects += 1;
                for i in ids {
                    self.started[i].0 = true;
                }
            }
            (Binding::Threads(ids), "join") => {
                self.effects += 1;
                for i in ids {
                    self.started[i].1 = true;
                }
            }
            // `threads = []` / `tasks = []`, then `threads.append(t)`, `tasks.append(create_task(…))`.
            (list @ (Binding::Threads(_) | Binding::Tasks(_)), "append") => {
                let item = match args.first() {
                    Some(a) if a.kind() == "identifier" => frame.bindings.get(self.file.text(*a)).cloned(),
                    Some(a) => self.expr(frame, *a, out),
                    None => None,
                };
                let merged = match (list, item) {
                    (Binding::Threads(mut a), Some(Binding::Threads(b))) => {
                        a.extend(b);
                        Binding::Threads(a)
                    }
                    (Binding::Threads(a), Some(Binding::Tasks(b))) if a.is_empty() => Binding::Tasks(b),
                    (Binding::Tasks(mut a), Some(Binding::Tasks(b))) => {
                        a.extend(b);
                        Binding::Tasks(a)
                    }
                    (list, _) => list,
                };
                frame.bindings.insert(receiver.to_owned(), merged);
            }
            (Binding::Tasks(refs), "cancel") => {
                for r in refs {
                    self.place(frame, node, Step::Cancel(r), out);
                }
            }
            (Binding::Tasks(_), "result" | "done" | "add_done_callback") => {}
            (Binding::Pool(p), "submit") => {
                let job = self.job_steps(frame, node, args.first().copied()?, &args[1..]);
                let origin = self.origin(frame, node);
                let base = self.file.text(args[0]).rsplit('.').next().unwrap_or("job").to_owned();
                self.pools[p].jobs.push((base, job, origin));
                self.effects += 1;
            }
            (Binding::Pool(p), "map") => {
                let count = match args.get(1).and_then(|a| self.constant(frame, *a)) {
                    Some(Binding::Len(n)) => self.copies(node, n),
                    _ => {
                        self.note(
                            node,
                            format!(
                                "map over an iterable of unknown length: modelled as {} jobs",
                                self.out.defaults.loop_bound
                            ),
                        );
                        self.out.defaults.loop_bound
                    }
                };
                let job = self.job_steps(frame, node, args.first().copied()?, &[]);
                let origin = self.origin(frame, node);
                let base = self.file.text(args[0]).rsplit('.').next().unwrap_or("job").to_owned();
                for _ in 0..count {
                    self.pools[p].jobs.push((base.clone(), job.clone(), origin.clone()));
                }
                self.effects += 1;
            }
            (Binding::Pool(p), "shutdown") => {
                let origin = self.origin(frame, node);
                self.run_pool(p, &origin);
            }
            (Binding::Loop, "create_task") | (Binding::TaskGroup(_), "create_task") => {
                let refs = self.new_tasks(frame, node, args.first().copied()?);
                if let Some(Binding::TaskGroup(mut made)) = frame.bindings.get(receiver).cloned() {
                    made.extend(refs.iter().cloned());
                    frame.bindings.insert(receiver.to_owned(), Binding::TaskGroup(made));
                }
                return Some(Some(Binding::Tasks(refs)));
            }
            (Binding::Loop, "run_until_complete") => self.run_loop(frame, node, args.first().copied()),
            (Binding::Loop, "run_in_executor") => {
                self.note(
                    node,
                    "`run_in_executor` not awaited here: the job is modelled where the future is awaited, if it is",
                );
                return None;
            }
            (_, "run_in_executor") => return None,
            _ => return None,
        }
        Some(None)
    }

    /// `threading.Thread(target=f, args=(…), name="…")`: a thread running `f`, started later.
    fn new_thread(&mut self, frame: &Frame<'t>, node: Node<'t>) -> Option<Binding<'t>> {
        let Some(target) = self.kwarg(node, "target") else {
            self.note(node, "a Thread without `target=`: not followed (a Thread subclass's `run` is not read)");
            return None;
        };
        let args: Vec<Node> = self.kwarg(node, "args").map(children).unwrap_or_default();
        let func = self.file.text(target).to_owned();
        let base = match self.kwarg(node, "name").filter(|n| n.kind() == "string") {
            Some(n) => self.file.text(n).trim_matches(['"', '\'']).to_owned(),
            None => func.clone(),
        };
        self.actor_depth += 1;
        let (steps, repeat) = self.actor_body(frame, node, &func, &args);
        self.actor_depth -= 1;
        let origin = self.origin(frame, node);
        let index = self.thread_actor(&base, steps, repeat, origin, false);
        if self.kwarg(node, "daemon").is_some_and(|d| self.file.text(d) == "True") {
            self.out.actors[index].daemon = true;
        }
        Some(Binding::Threads(vec![index]))
    }

    /// `asyncio.run(main())`: the event loop on the main thread, `main()` its first task.
    fn run_loop(&mut self, frame: &mut Frame<'t>, node: Node<'t>, coro: Option<Node<'t>>) {
        if self.out.loop_thread.is_some() {
            self.note(node, "a second event loop: not modelled (only the first `asyncio.run` is)");
            return;
        }
        self.out.loop_thread = Some(self.origin(frame, node));
        if let Some(coro) = coro {
            self.new_tasks(frame, node, coro);
        }
    }

    /// Tasks for a coroutine expression (`fetch(u)`, or a name bound to coroutines or tasks):
    /// their placeholders, one per copy.
    pub fn new_tasks(&mut self, frame: &mut Frame<'t>, site: Node<'t>, coro: Node<'t>) -> Vec<String> {
        let (call, count) = match coro.kind() {
            "call" => match self.expr_binding(frame, coro) {
                Some(Binding::Coroutine(call, n)) => (call, n),
                Some(Binding::Tasks(refs)) => return refs,
                _ => {
                    self.note(coro, format!("`{}` is no coroutine of this file: no task made", self.file.text(coro)));
                    return Vec::new();
                }
            },
            _ => match self.expr_binding(frame, coro) {
                Some(Binding::Coroutine(call, n)) => (call, n),
                Some(Binding::Tasks(refs)) => return refs,
                _ => {
                    self.note(coro, format!("`{}`: not a coroutine gilcheck can follow", self.file.text(coro)));
                    return Vec::new();
                }
            },
        };
        let func = call.child_by_field_name("function").map_or("", |f| self.file.text(f)).to_owned();
        let args = self.args(call);
        let name = self.fresh_name(&func);
        let origin = self.origin(frame, site);
        let index = self.add_actor(Actor {
            kind: ActorKind::Task,
            name,
            count,
            repeat: false,
            steps: Vec::new(),
            origin,
            daemon: false,
            future: false,
        });
        self.actor_depth += 1;
        let (steps, repeat) = self.actor_body(frame, call, &func, &args);
        self.actor_depth -= 1;
        self.out.actors[index].steps = steps;
        self.out.actors[index].repeat = repeat;
        // Tasks made at one place in a loop: one entry with `count`.
        if index + 1 == self.out.actors.len() && index > 0 {
            let (prev, this) = (&self.out.actors[index - 1], &self.out.actors[index]);
            if prev.kind == ActorKind::Task
                && prev.origin == this.origin
                && prev.steps == this.steps
                && prev.repeat == this.repeat
            {
                let removed = self.out.actors.pop().expect("the task just made");
                self.started.pop();
                self.names.remove(&removed.name);
                let first = self.out.actors[index - 1].count;
                self.out.actors[index - 1].count += count;
                return (first..first + count).map(|c| task_ref(index - 1, c)).collect();
            }
        }
        (0..count).map(|c| task_ref(index, c)).collect()
    }

    /// What an expression evaluates to, with its steps dropped (a coroutine call has none).
    fn expr_binding(&mut self, frame: &mut Frame<'t>, node: Node<'t>) -> Option<Binding<'t>> {
        if node.kind() == "identifier" {
            return frame.bindings.get(self.file.text(node)).cloned();
        }
        let mut steps = Vec::new();
        let made = self.expr(frame, node, &mut steps);
        if !steps.is_empty() {
            self.note(node, "steps inside a task's argument are not modelled");
        }
        made
    }

    /// The final name of a task placeholder: the entry's name, or a copy's (`fetch0`).
    pub fn task_name(&self, placeholder: &str) -> String {
        let parse = || {
            let (index, copy) = placeholder.strip_prefix('@')?.split_once('.')?;
            Some((index.parse::<usize>().ok()?, copy.parse::<u32>().ok()?))
        };
        match parse() {
            Some((index, copy)) => {
                let actor = &self.out.actors[index];
                if actor.count > 1 {
                    format!("{}{copy}", actor.name)
                } else {
                    actor.name.clone()
                }
            }
            None => placeholder.to_owned(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // await
    // -----------------------------------------------------------------------------------------

    /// `await X`.
    pub fn await_expr(&mut self, frame: &mut Frame<'t>, site: Node<'t>, inner: Node<'t>, out: &mut Vec<Placed>) {
        if !frame.is_async {
            self.note(site, "`await` outside a coroutine: not modelled");
            return;
        }
        if inner.kind() != "call" {
            match frame.bindings.get(self.file.text(inner)).cloned() {
                Some(Binding::Tasks(refs)) => {
                    for r in refs {
                        self.place(frame, site, Step::AwaitTask(r), out);
                    }
                }
                Some(Binding::Coroutine(call, _)) => self.await_coroutine(frame, site, call, out),
                _ => {
                    let what = self.file.text(inner);
                    self.note(
                        site,
                        format!(
                            "`await {what}`: gilcheck cannot tell what it awaits; modelled as `await io {}`",
                            self.out.defaults.io
                        ),
                    );
                    self.place(frame, site, Step::AwaitIo(ticks(self.out.defaults.io)), out);
                }
            }
            return;
        }
        let Some(function) = inner.child_by_field_name("function") else { return };
        let name = self.resolve(function).unwrap_or_default();
        let method = function.child_by_field_name("attribute").map_or("", |a| self.file.text(a));
        let receiver = function.child_by_field_name("object").map_or("", |o| self.file.text(o)).to_owned();
        let args = self.args(inner);
        if let Some(mapped) = self.mapping.calls.get(&name).cloned() {
            for step in mapped.into_iter().flatten() {
                self.place(frame, site, step, out);
            }
            return;
        }
        match name.as_str() {
            "asyncio.sleep" => {
                let t = match args.first().and_then(|a| self.seconds(frame, *a)) {
                    Some(s) => self.ticks(s, true),
                    None => {
                        self.note(
                            site,
                            format!("a sleep of unknown length: modelled as {} ticks", self.out.defaults.io),
                        );
                        self.out.defaults.io
                    }
                };
                self.place(frame, site, Step::AwaitSleep(ticks(t)), out);
                return;
            }
            "asyncio.to_thread" => {
                if let Some(f) = args.first() {
                    self.offload(frame, site, *f, &args[1..], JobCall::ToThread, out);
                }
                return;
            }
            "asyncio.gather" | "asyncio.wait" => {
                let mut refs = Vec::new();
                for arg in &args {
                    refs.extend(self.gather_arg(frame, *arg));
                }
                for r in refs {
                    self.place(frame, site, Step::AwaitTask(r), out);
                }
                return;
            }
            "asyncio.wait_for" => {
                let refs = match args.first() {
                    Some(a) => self.new_tasks(frame, site, *a),
                    None => Vec::new(),
                };
                let timeout =
                    args.get(1).copied().or(self.kwarg(inner, "timeout")).and_then(|t| self.seconds(frame, t));
                for r in refs {
                    let step = match timeout {
                        Some(s) => Step::AwaitWaitFor(r, self.ticks(s, false) as u8),
                        None => Step::AwaitTask(r),
                    };
                    self.place(frame, site, step, out);
                }
                return;
            }
            _ => {}
        }
        if method == "run_in_executor" {
            if args.first().is_some_and(|a| self.file.text(*a) != "None") {
                self.note(site, "an executor of the program's own: modelled as the loop's default executor");
            }
            if let Some(f) = args.get(1) {
                self.offload(frame, site, *f, &args[2..], JobCall::RunInExecutor, out);
            }
            return;
        }
        if self.functions.get(&name).is_some_and(|d| is_async(*d)) {
            self.await_coroutine(frame, site, inner, out);
            return;
        }
        let r = receiver.clone();
        let step = match (self.globals.get(&receiver), method) {
            (Some(Global::AsyncQueue(_)), "get") => Some(Step::AwaitGet(r)),
            (Some(Global::AsyncQueue(_)), "put") => {
                for a in &args {
                    self.expr(frame, *a, out);
                }
                Some(Step::AwaitPut(r))
            }
            (Some(Global::AsyncEvent), "wait") => Some(Step::AwaitEventWait(r)),
            (Some(Global::AsyncSemaphore(_)), "acquire") => Some(Step::AwaitAcquire(r)),
            (Some(Global::AsyncLock), "acquire") => Some(Step::AwaitLock(r)),
            _ => None,
        };
        if let Some(step) = step {
            self.place(frame, site, step, out);
            return;
        }
        if let Some(Binding::Tasks(refs)) = frame.bindings.get(&receiver).cloned() {
            for r in refs {
                self.place(frame, site, Step::AwaitTask(r), out);
            }
            return;
        }
        // Non-blocking I/O the loop's selector waits for (`asyncio.open_connection`, a
        // stream's `read`, `drain`, a subprocess's `communicate`).
        const ASYNC_IO: &[&str] = &[
            "read",
            "readline",
            "readexactly",
            "readuntil",
            "drain",
            "communicate",
            "wait",
            "sock_recv",
            "sock_sendall",
        ];
        let io = ticks(self.out.defaults.io);
        if name.starts_with("asyncio.open_connection")
            || name.starts_with("asyncio.create_subprocess")
            || ASYNC_IO.contains(&method)
        {
            self.place(frame, site, Step::AwaitIo(io), out);
            return;
        }
        for a in &args {
            self.expr(frame, *a, out);
        }
        self.note(
            site,
            format!(
                "`await {}(…)`: an awaitable gilcheck does not know; modelled as `await io {}`",
                self.file.text(function),
                io.lo
            ),
        );
        self.place(frame, site, Step::AwaitIo(io), out);
    }

    /// `await f(…)` of a coroutine of the file: `await coro`, then its steps in this task.
    fn await_coroutine(&mut self, frame: &mut Frame<'t>, site: Node<'t>, call: Node<'t>, out: &mut Vec<Placed>) {
        let func = call.child_by_field_name("function").map_or("", |f| self.file.text(f)).to_owned();
        let args = self.args(call);
        self.place(frame, site, Step::AwaitCoro, out);
        self.call_function(frame, site, &func, &args, out);
    }

    /// One argument of `gather`: a coroutine call, `*coros`, `*(f(u) for u in …)`, or tasks.
    fn gather_arg(&mut self, frame: &mut Frame<'t>, arg: Node<'t>) -> Vec<String> {
        let inner = match arg.kind() {
            "list_splat" | "parenthesized_list_splat" => children(arg).first().copied().unwrap_or(arg),
            _ => arg,
        };
        if inner.kind() == "call" {
            let function = inner.child_by_field_name("function");
            let name = function.and_then(|f| self.resolve(f)).unwrap_or_default();
            let args = self.args(inner);
            let offload = match name.rsplit('.').next() {
                Some("run_in_executor") => args.get(1).map(|f| (*f, 2, JobCall::RunInExecutor)),
                Some("to_thread") if name.starts_with("asyncio.") => args.first().map(|f| (*f, 1, JobCall::ToThread)),
                _ => None,
            };
            if let Some((f, skip, call)) = offload {
                return self.offload_task(frame, arg, f, &args[skip.min(args.len())..], call);
            }
        }
        self.new_tasks(frame, arg, inner)
    }

    /// An executor call that `gather` waits on beside others: a task of its own that awaits it,
    /// so that the jobs run at once. `to_thread` is a coroutine, which `gather` wraps in a real
    /// task (`Lib/asyncio/tasks.py: _ensure_future`); `run_in_executor` returns a future,
    /// which the task only stands for.
    fn offload_task(
        &mut self,
        frame: &Frame<'t>,
        site: Node<'t>,
        f: Node<'t>,
        args: &[Node<'t>],
        call: JobCall,
    ) -> Vec<String> {
        let base = self.file.text(f).rsplit('.').next().unwrap_or("job").to_owned();
        let future = call == JobCall::RunInExecutor;
        let name = self.fresh_name(&if future { format!("{base}_future") } else { base });
        let origin = self.origin(frame, site);
        let index = self.add_actor(Actor {
            kind: ActorKind::Task,
            name,
            count: 1,
            repeat: false,
            steps: Vec::new(),
            origin,
            daemon: false,
            future,
        });
        let mut task_frame = Frame::new(&frame.func, true);
        task_frame.bindings = frame.bindings.clone();
        let mut steps = Vec::new();
        self.actor_depth += 1;
        self.offload(&mut task_frame, site, f, args, call, &mut steps);
        self.actor_depth -= 1;
        self.out.actors[index].steps = steps;
        vec![task_ref(index, 0)]
    }

    /// `await asyncio.to_thread(f, …)` / `await loop.run_in_executor(None, f, …)`: `f`'s steps
    /// on an executor worker (`Lib/asyncio/base_events.py: run_in_executor`), one step as
    /// `await to_thread STEP`, several as a job.
    fn offload(
        &mut self,
        frame: &mut Frame<'t>,
        site: Node<'t>,
        f: Node<'t>,
        args: &[Node<'t>],
        call: JobCall,
        out: &mut Vec<Placed>,
    ) {
        let steps = self.job_steps(frame, site, f, args);
        let single = matches!(
            steps.as_slice(),
            [Placed { step: Step::Compute(_) | Step::CCall(_) | Step::CNoGil(_) | Step::Io(_) | Step::Sleep(_), .. }]
        );
        if single && call == JobCall::ToThread {
            self.place(frame, site, Step::AwaitToThread(Box::new(steps[0].step.clone())), out);
            return;
        }
        let base = self.file.text(f).rsplit('.').next().unwrap_or("job").to_owned();
        let name = self.fresh_name(&base);
        let origin = self.origin(frame, site);
        self.add_actor(Actor {
            kind: ActorKind::Job,
            name: name.clone(),
            count: 1,
            repeat: false,
            steps,
            origin,
            daemon: false,
            future: false,
        });
        self.place(frame, site, Step::AwaitJob { job: name, call }, out);
    }

    /// The steps of work handed to a thread pool or an executor: a function of the file, or a
    /// call of the table (`time.sleep`, `hashlib.sha256`) with its arguments.
    fn job_steps(&mut self, frame: &Frame<'t>, site: Node<'t>, f: Node<'t>, args: &[Node<'t>]) -> Vec<Placed> {
        let mut steps = Vec::new();
        let mut job_frame = Frame::new(&frame.func, false);
        job_frame.bindings = frame.bindings.clone();
        self.actor_depth += 1;
        let name = self.resolve(f).unwrap_or_default();
        if self.functions.contains_key(&name) {
            self.call_function(frame, site, &name, args, &mut steps);
        } else if let Some(mapped) = self.mapping.calls.get(&name).cloned() {
            for step in mapped.into_iter().flatten() {
                self.place(&job_frame, site, step, &mut steps);
            }
        } else if let Some(k) = calls::known(&name) {
            self.cost(&job_frame, site, k.cost, args, &mut steps);
        } else {
            self.note(
                site,
                format!(
                    "`{}` handed to an executor: not a function gilcheck can follow; modelled as `compute {}`",
                    self.file.text(f),
                    self.out.defaults.compute
                ),
            );
        }
        self.actor_depth -= 1;
        if steps.is_empty() {
            let c = self.out.defaults.compute;
            steps.push(Placed { step: Step::Compute(ticks(c)), origin: self.origin(frame, site) });
        }
        steps
    }
}
