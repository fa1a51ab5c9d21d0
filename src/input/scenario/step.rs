//! Steps: the verbs of a scenario's programs (`compute 3`, `await asyncio.sleep 1`, …), parsed
//! from their text with messages that quote the step, and printed back the same way.

use std::fmt;

use super::*;
use crate::input::located::{escape_controls, excerpt};

// ---------------------------------------------------------------------------------------------
// Steps: syntax
// ---------------------------------------------------------------------------------------------

/// The blocking steps of SPEC §2, as error messages list them.
pub(super) const BLOCKING_FORMS: &[&str] = &[
    "compute N",
    "c_call N",
    "c_nogil N",
    "io N",
    "time.sleep N",
    "read X",
    "write X V",
    "incr X",
    "incr_call X",
    "append X",
    "lock L",
    "lock L timeout N",
    "unlock L",
    "event.set E",
    "event.clear E",
    "event.wait E",
    "event.wait E timeout N",
    "acquire S",
    "acquire S timeout N",
    "release S",
    "put Q",
    "put Q timeout N",
    "get Q",
    "get Q timeout N",
    "cond.wait C",
    "cond.notify C",
    "cond.notify_all C",
];
/// The awaiting steps of SPEC §2, allowed in tasks only.
pub(super) const AWAITING_FORMS: &[&str] = &[
    "await asyncio.sleep N",
    "await io N",
    "await coro",
    "await to_thread STEP",
    "await to_thread J",
    "await run_in_executor J",
    "await lock L",
    "release L",
    "await task T",
    "await wait_for T N",
    "await timeout N STEP",
    "cancel T",
    "await event.wait E",
    "await acquire S",
    "await queue.put Q",
    "await queue.get Q",
];

/// ` timeout N` after a waiting step that has one: the file syntax.
struct Limit(Option<u8>);

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, " timeout {n}"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Duration {
    /// `N`, or `a..b` for a range: the file syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}..{}", self.lo, self.hi)
        }
    }
}

impl fmt::Display for WriteValue {
    /// `7`, `local`, `local+1` or `local-2`: the file syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WriteValue::Const(v) => write!(f, "{v}"),
            WriteValue::LocalPlus(0) => f.write_str("local"),
            WriteValue::LocalPlus(k) if k > 0 => write!(f, "local+{k}"),
            WriteValue::LocalPlus(k) => write!(f, "local-{}", k.unsigned_abs()),
        }
    }
}

impl fmt::Display for Step {
    /// The step as a scenario file writes it, so that parsing it back gives the same step.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Compute(d) => write!(f, "compute {d}"),
            Step::CCall(d) => write!(f, "c_call {d}"),
            Step::CNoGil(d) => write!(f, "c_nogil {d}"),
            Step::Io(d) => write!(f, "io {d}"),
            Step::Sleep(d) => write!(f, "time.sleep {d}"),
            Step::Read(x) => write!(f, "read {x}"),
            Step::Write(x, v) => write!(f, "write {x} {v}"),
            Step::Incr(x) => write!(f, "incr {x}"),
            Step::IncrCall(x) => write!(f, "incr_call {x}"),
            Step::Append(x) => write!(f, "append {x}"),
            Step::Lock(l, t) => write!(f, "lock {l}{}", Limit(*t)),
            Step::Unlock(l) => write!(f, "unlock {l}"),
            Step::AwaitSleep(d) => write!(f, "await asyncio.sleep {d}"),
            Step::AwaitIo(d) => write!(f, "await io {d}"),
            Step::AwaitCoro => f.write_str("await coro"),
            Step::AwaitToThread(step) => write!(f, "await to_thread {step}"),
            Step::AwaitJob { job, call: JobCall::ToThread } => write!(f, "await to_thread {job}"),
            Step::AwaitJob { job, call: JobCall::RunInExecutor } => write!(f, "await run_in_executor {job}"),
            Step::AwaitLock(l) => write!(f, "await lock {l}"),
            Step::Release(l) => write!(f, "release {l}"),
            Step::AwaitTask(t) => write!(f, "await task {t}"),
            Step::AwaitWaitFor(t, n) => write!(f, "await wait_for {t} {n}"),
            Step::AwaitTimeout(n, step) => write!(f, "await timeout {n} {step}"),
            Step::Cancel(t) => write!(f, "cancel {t}"),
            Step::EventSet(e) => write!(f, "event.set {e}"),
            Step::EventClear(e) => write!(f, "event.clear {e}"),
            Step::EventWait(e, t) => write!(f, "event.wait {e}{}", Limit(*t)),
            Step::Acquire(x, t) => write!(f, "acquire {x}{}", Limit(*t)),
            Step::SemRelease(x) => write!(f, "release {x}"),
            Step::CondWait(c) => write!(f, "cond.wait {c}"),
            Step::CondNotify(c) => write!(f, "cond.notify {c}"),
            Step::CondNotifyAll(c) => write!(f, "cond.notify_all {c}"),
            Step::Put(q, t) => write!(f, "put {q}{}", Limit(*t)),
            Step::Get(q, t) => write!(f, "get {q}{}", Limit(*t)),
            Step::AwaitEventWait(e) => write!(f, "await event.wait {e}"),
            Step::AsyncEventSet(e) => write!(f, "event.set {e}"),
            Step::AsyncEventClear(e) => write!(f, "event.clear {e}"),
            Step::AwaitAcquire(x) => write!(f, "await acquire {x}"),
            Step::AsyncSemRelease(x) => write!(f, "release {x}"),
            Step::AwaitPut(q) => write!(f, "await queue.put {q}"),
            Step::AwaitGet(q) => write!(f, "await queue.get {q}"),
        }
    }
}

impl std::str::FromStr for Step {
    /// What is wrong and what was expected, without a location.
    type Err = String;

    /// Parses one step as a file writes it: words separated by one or more spaces.
    fn from_str(text: &str) -> Result<Step, String> {
        let length = text.chars().count();
        if length > MAX_STEP_CHARS {
            let message = format!("step `{}` is {length} characters long", excerpt(text));
            return Err(format!("{message}; expected at most {MAX_STEP_CHARS}, e.g. `compute 3`"));
        }
        let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
        StepText { text }.any(&words)
    }
}

impl Step {
    /// Allowed in tasks only: the awaits, and the plain methods of asyncio's primitives
    /// (`release` of an `asyncio.Lock` or `asyncio.Semaphore`, `set`/`clear` of an
    /// `asyncio.Event`).
    pub fn is_awaiting(&self) -> bool {
        matches!(
            self,
            Step::AwaitSleep(_)
                | Step::AwaitIo(_)
                | Step::AwaitCoro
                | Step::AwaitToThread(_)
                | Step::AwaitJob { .. }
                | Step::AwaitLock(_)
                | Step::Release(_)
                | Step::AwaitTask(_)
                | Step::AwaitWaitFor(..)
                | Step::AwaitTimeout(..)
                | Step::Cancel(_)
                | Step::AwaitEventWait(_)
                | Step::AsyncEventSet(_)
                | Step::AsyncEventClear(_)
                | Step::AwaitAcquire(_)
                | Step::AsyncSemRelease(_)
                | Step::AwaitPut(_)
                | Step::AwaitGet(_)
        )
    }

    /// Lets the clock move: the step lasts at least one tick whatever its range picks.
    pub fn takes_ticks(&self) -> bool {
        match self {
            Step::Compute(d)
            | Step::CCall(d)
            | Step::CNoGil(d)
            | Step::Io(d)
            | Step::Sleep(d)
            | Step::AwaitSleep(d)
            | Step::AwaitIo(d) => d.lo > 0,
            Step::AwaitToThread(step) | Step::AwaitTimeout(_, step) => step.takes_ticks(),
            _ => false,
        }
    }

    /// The shared variable the step reads or writes (on a worker thread for `await to_thread`).
    pub fn variable(&self) -> Option<&str> {
        match self.leaf() {
            Step::Read(x) | Step::Write(x, _) | Step::Incr(x) | Step::IncrCall(x) | Step::Append(x) => Some(x),
            _ => None,
        }
    }

    /// The event, semaphore or queue (`threading`'s or asyncio's) the step works on, with its
    /// kind.
    pub fn sync_use(&self) -> Option<(&str, SyncUse)> {
        match self.leaf() {
            Step::EventSet(e) | Step::EventClear(e) | Step::EventWait(e, _) => Some((e, SyncUse::Event)),
            Step::Acquire(x, _) | Step::SemRelease(x) => Some((x, SyncUse::Semaphore)),
            Step::Put(q, _) | Step::Get(q, _) => Some((q, SyncUse::Queue)),
            Step::AwaitEventWait(e) | Step::AsyncEventSet(e) | Step::AsyncEventClear(e) => {
                Some((e, SyncUse::AsyncEvent))
            }
            Step::AwaitAcquire(x) | Step::AsyncSemRelease(x) => Some((x, SyncUse::AsyncSemaphore)),
            Step::AwaitPut(q) | Step::AwaitGet(q) => Some((q, SyncUse::AsyncQueue)),
            _ => None,
        }
    }

    /// The step that really runs: the blocking step of an `await to_thread` and the awaiting
    /// step of an `await timeout`, else itself.
    pub fn leaf(&self) -> &Step {
        match self {
            Step::AwaitToThread(step) => step.leaf(),
            Step::AwaitTimeout(_, step) => step.leaf(),
            step => step,
        }
    }

    /// The task that the step awaits (`await task T`, `await wait_for T N`, inside an
    /// `await timeout` too).
    pub fn awaited_task(&self) -> Option<&str> {
        match self.leaf() {
            Step::AwaitTask(t) | Step::AwaitWaitFor(t, _) => Some(t),
            _ => None,
        }
    }

    /// A lock taken with a timeout (`lock L timeout N`, `await timeout N await lock L`): when
    /// it gives up, the program skips the section up to the lock's release.
    pub(super) fn gives_up(&self) -> bool {
        match self {
            Step::Lock(_, limit) => limit.is_some(),
            Step::AwaitTimeout(_, step) => matches!(**step, Step::AwaitLock(_)),
            _ => false,
        }
    }

    /// The `threading.Condition` the step waits on or notifies.
    pub fn condition(&self) -> Option<&str> {
        match self.leaf() {
            Step::CondWait(c) | Step::CondNotify(c) | Step::CondNotifyAll(c) => Some(c),
            _ => None,
        }
    }

    /// The lock the step takes or gives back, with its kind.
    pub(super) fn lock_use(&self) -> Option<(&str, LockKind, LockOp)> {
        match self.leaf() {
            Step::Lock(l, _) => Some((l, LockKind::Threading, LockOp::Acquire)),
            Step::Unlock(l) => Some((l, LockKind::Threading, LockOp::Release)),
            Step::AwaitLock(l) => Some((l, LockKind::Asyncio, LockOp::Acquire)),
            Step::Release(l) => Some((l, LockKind::Asyncio, LockOp::Release)),
            _ => None,
        }
    }
}

/// `threading.Lock` and `asyncio.Lock` behave differently, so one name is one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LockKind {
    Threading,
    Asyncio,
}

impl LockKind {
    pub(super) fn describe(self) -> &'static str {
        match self {
            LockKind::Threading => "a threading.Lock (lock/unlock)",
            LockKind::Asyncio => "an asyncio.Lock (await lock/release)",
        }
    }

    /// The step that takes a lock of this kind, for messages.
    pub(super) fn acquire_verb(self) -> &'static str {
        match self {
            LockKind::Threading => "lock",
            LockKind::Asyncio => "await lock",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LockOp {
    Acquire,
    Release,
}

/// The text of one step being parsed: every error message quotes it whole.
struct StepText<'a> {
    text: &'a str,
}

impl StepText<'_> {
    fn error(&self, what: impl fmt::Display, expected: impl fmt::Display) -> String {
        format!("{what} in step `{}`; expected {expected}", escape_controls(self.text))
    }

    fn unknown(&self) -> String {
        let forms: Vec<&str> = BLOCKING_FORMS.iter().chain(AWAITING_FORMS).copied().collect();
        format!("unknown step `{}`; expected one of: {}", escape_controls(self.text), forms.join(", "))
    }

    /// Any step of SPEC §2.
    fn any(&self, words: &[&str]) -> Result<Step, String> {
        match words.split_first() {
            Some((&"await", rest)) => self.awaiting(rest),
            Some((&"release", args)) => Ok(Step::Release(self.name("release L", args)?)),
            Some((&"cancel", args)) => Ok(Step::Cancel(self.name("cancel T", args)?)),
            _ => self.blocking(words)?.ok_or_else(|| self.unknown()),
        }
    }

    /// A blocking step, or None when the first word is no blocking verb.
    fn blocking(&self, words: &[&str]) -> Result<Option<Step>, String> {
        let Some((&verb, args)) = words.split_first() else {
            return Ok(None);
        };
        let step = match verb {
            "compute" => Step::Compute(self.duration("compute N", args, 1)?),
            "c_call" => Step::CCall(self.duration("c_call N", args, 1)?),
            "c_nogil" => Step::CNoGil(self.duration("c_nogil N", args, 1)?),
            "io" => Step::Io(self.duration("io N", args, 1)?),
            "time.sleep" => Step::Sleep(self.duration("time.sleep N", args, 1)?),
            "read" => Step::Read(self.name("read X", args)?),
            "write" => self.write(args)?,
            "incr" => Step::Incr(self.name("incr X", args)?),
            "incr_call" => Step::IncrCall(self.name("incr_call X", args)?),
            "append" => Step::Append(self.name("append X", args)?),
            "lock" => self.timed(args, "lock L", Step::Lock)?,
            "unlock" => Step::Unlock(self.name("unlock L", args)?),
            "event.set" => Step::EventSet(self.name("event.set E", args)?),
            "event.clear" => Step::EventClear(self.name("event.clear E", args)?),
            "event.wait" => self.timed(args, "event.wait E", Step::EventWait)?,
            "acquire" => self.timed(args, "acquire S", Step::Acquire)?,
            "put" => self.timed(args, "put Q", Step::Put)?,
            "cond.wait" => Step::CondWait(self.name("cond.wait C", args)?),
            "cond.notify" => Step::CondNotify(self.name("cond.notify C", args)?),
            "cond.notify_all" => Step::CondNotifyAll(self.name("cond.notify_all C", args)?),
            "get" => self.timed(args, "get Q", Step::Get)?,
            _ => return Ok(None),
        };
        Ok(Some(step))
    }

    /// The words after `await`.
    fn awaiting(&self, words: &[&str]) -> Result<Step, String> {
        let Some((&what, args)) = words.split_first() else {
            return Err(self.unknown());
        };
        Ok(match what {
            "asyncio.sleep" => Step::AwaitSleep(self.duration("await asyncio.sleep N", args, 0)?),
            "io" => Step::AwaitIo(self.duration("await io N", args, 1)?),
            "coro" => {
                let [] = self.args("await coro", args)?;
                Step::AwaitCoro
            }
            "to_thread" => self.to_thread(args)?,
            "run_in_executor" => {
                Step::AwaitJob { job: self.name("await run_in_executor J", args)?, call: JobCall::RunInExecutor }
            }
            "lock" => Step::AwaitLock(self.name("await lock L", args)?),
            "task" => Step::AwaitTask(self.name("await task T", args)?),
            "wait_for" => {
                let [task, n] = self.args("await wait_for T N", args)?;
                Step::AwaitWaitFor(self.identifier(task)?, self.timeout_ticks(n, 1)?)
            }
            "timeout" => self.timeout_scope(args)?,
            "event.wait" => Step::AwaitEventWait(self.name("await event.wait E", args)?),
            "acquire" => Step::AwaitAcquire(self.name("await acquire S", args)?),
            "queue.put" => Step::AwaitPut(self.name("await queue.put Q", args)?),
            "queue.get" => Step::AwaitGet(self.name("await queue.get Q", args)?),
            _ => return Err(self.unknown()),
        })
    }

    /// `await to_thread STEP`: the executor runs blocking code only (never an await); one
    /// word that is no blocking verb names a `[[jobs]]` entry.
    fn to_thread(&self, words: &[&str]) -> Result<Step, String> {
        if let [word] = words {
            if !BLOCKING_FORMS.iter().any(|form| form.split(' ').next() == Some(*word)) {
                return Ok(Step::AwaitJob { job: self.identifier(word)?, call: JobCall::ToThread });
            }
        }
        match self.blocking(words)? {
            Some(step) => Ok(Step::AwaitToThread(Box::new(step))),
            None if words.is_empty() => Err(self.error(
                "missing step after `await to_thread`",
                format!("a blocking step: {}", BLOCKING_FORMS.join(", ")),
            )),
            None => Err(self.error(
                format!("`{}` cannot run in `await to_thread`", words.join(" ")),
                format!("a blocking step: {}", BLOCKING_FORMS.join(", ")),
            )),
        }
    }

    /// A waiting step with an optional `timeout N`: `lock L`, `lock L timeout N`.
    fn timed(&self, args: &[&str], form: &str, make: fn(String, Option<u8>) -> Step) -> Result<Step, String> {
        let forms = format!("`{form}` or `{form} timeout N`");
        match args {
            [name, "timeout", n] => Ok(make(self.identifier(name)?, Some(self.timeout_ticks(n, 0)?))),
            [_, "timeout"] => Err(self.error("missing ticks after `timeout`", forms)),
            [_, "timeout", _, extra, ..] | [_, extra, ..] => {
                Err(self.error(format_args!("unexpected `{extra}`"), forms))
            }
            _ => Ok(make(self.name(form, args)?, None)),
        }
    }

    /// The N of a timeout: whole ticks, at least `min`.
    fn timeout_ticks(&self, word: &str, min: u32) -> Result<u8, String> {
        match parse_uint(word) {
            Some(n) if n < u64::from(min) => Err(self.error(
                format_args!("timeout `{word}`"),
                "at least 1 tick for an asyncio timeout (a zero timeout is only the `threading` forms' non-blocking try)",
            )),
            Some(n) if n <= u64::from(MAX_DURATION) => Ok(n as u8),
            Some(_) => Err(self.error(format_args!("timeout `{word}` is too long"), format_args!("at most {MAX_DURATION} ticks"))),
            None => Err(self.error(format_args!("bad timeout `{word}`"), "whole ticks N")),
        }
    }

    /// `await timeout N STEP`: STEP is one awaiting step (its leading `await` may be left out).
    fn timeout_scope(&self, words: &[&str]) -> Result<Step, String> {
        let expected = "`await timeout N STEP` with an awaiting STEP, e.g. `await timeout 2 await lock L`";
        let Some((n, rest)) = words.split_first() else {
            return Err(self.error("missing ticks after `await timeout`", expected));
        };
        let ticks = self.timeout_ticks(n, 1)?;
        let rest = rest.strip_prefix(&["await"]).unwrap_or(rest);
        if rest.is_empty() {
            return Err(self.error("missing step after `await timeout N`", expected));
        }
        let inner = self.awaiting(rest)?;
        if matches!(inner, Step::AwaitTimeout(..) | Step::AwaitWaitFor(..)) {
            return Err(self.error("a timeout inside a timeout", expected));
        }
        Ok(Step::AwaitTimeout(ticks, Box::new(inner)))
    }

    /// Exactly the N arguments of `form` (e.g. "write X V").
    fn args<'w, const N: usize>(&self, form: &str, args: &[&'w str]) -> Result<[&'w str; N], String> {
        <[&str; N]>::try_from(args).map_err(|_| {
            let what = args.get(N).map_or("missing argument".to_string(), |w| format!("unexpected `{w}`"));
            self.error(what, format_args!("`{form}`"))
        })
    }

    /// The one argument of `form`, a name.
    fn name(&self, form: &str, args: &[&str]) -> Result<String, String> {
        let [word] = self.args(form, args)?;
        self.identifier(word)
    }

    fn identifier(&self, word: &str) -> Result<String, String> {
        if is_identifier(word) {
            Ok(word.to_string())
        } else {
            Err(self.error(format_args!("bad name `{}`", excerpt(word)), IDENTIFIER))
        }
    }

    /// The one argument of `form`, a duration of at least `min` ticks.
    fn duration(&self, form: &str, args: &[&str], min: u32) -> Result<Duration, String> {
        let [word] = self.args(form, args)?;
        let (lo, hi) = word.split_once("..").unwrap_or((word, word));
        let (Some(lo), Some(hi)) = (parse_uint(lo), parse_uint(hi)) else {
            return Err(
                self.error(format_args!("bad duration `{word}`"), "whole ticks N, or a range a..b (both included)")
            );
        };
        if lo > hi {
            return Err(self.error(format_args!("empty range `{word}`"), "a..b with a <= b"));
        }
        if hi > u64::from(MAX_DURATION) {
            return Err(
                self.error(format_args!("duration `{word}` is too long"), format_args!("at most {MAX_DURATION} ticks"))
            );
        }
        if lo < u64::from(min) {
            return Err(self.error(
                format_args!("zero-tick duration `{word}`"),
                "at least 1 tick (a blocking step takes time; only `await asyncio.sleep` may take 0)",
            ));
        }
        // Both fit: hi <= MAX_DURATION.
        Ok(Duration { lo: lo as u32, hi: hi as u32 })
    }

    /// `write X V`.
    fn write(&self, args: &[&str]) -> Result<Step, String> {
        let [var, value] = self.args("write X V", args)?;
        let var = self.identifier(var)?;
        let value = self.write_value(value)?;
        Ok(Step::Write(var, value))
    }

    /// `V` of `write X V`: a byte, `local`, `local+K` or `local-K`.
    fn write_value(&self, word: &str) -> Result<WriteValue, String> {
        let (magnitude, make): (&str, fn(i64) -> WriteValue) = if word == "local" {
            ("0", WriteValue::LocalPlus)
        } else if let Some(k) = word.strip_prefix("local+") {
            (k, WriteValue::LocalPlus)
        } else if let Some(k) = word.strip_prefix("local-") {
            (k, |k| WriteValue::LocalPlus(-k))
        } else {
            (word, WriteValue::Const)
        };
        match parse_uint(magnitude) {
            Some(k) if k <= u64::from(MAX_VALUE) => Ok(make(k as i64)),
            Some(_) => Err(self.error(
                format_args!("value `{word}` does not fit a shared variable"),
                format_args!("0 to {MAX_VALUE} (shared variables are one byte)"),
            )),
            None => Err(self.error(
                format_args!("bad value `{word}`"),
                format_args!("an integer 0 to {MAX_VALUE}, `local`, `local+K` or `local-K`"),
            )),
        }
    }
}

/// What a name must look like, for messages.
pub(super) const IDENTIFIER: &str =
    "an identifier: a letter or `_`, then letters, digits or `_`, at most 64 characters in all";

pub(super) fn is_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    word.len() <= MAX_NAME_CHARS
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A whole number written with ASCII digits only (no sign); `u64::MAX` when it overflows.
fn parse_uint(word: &str) -> Option<u64> {
    let digits = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| word.parse().unwrap_or(u64::MAX))
}
