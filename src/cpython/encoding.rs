//! A state as bytes: [`State::encode`] writes the slots a model uses (its [`Dims`]) in a
//! fixed order, [`State::decode`] reads them back. The checker hashes the bytes into a
//! fingerprint and keeps the states still to expand as packed bytes
//! ([`crate::check::packing`]: tens of bytes where a [`State`] takes hundreds), so a wide
//! search level fits in memory.

use crate::cpython::state::*;

impl Phase {
    /// The phase's tag (its place in the enum) and its fields. Each half is its own match,
    /// which the compiler turns into a table and a few merged arms rather than a jump per
    /// variant: the phase is the least predictable branch of a successor's encoding.
    fn encode(self) -> [u8; 3] {
        let tag = match self {
            Phase::Ready => 0,
            Phase::Cpu { .. } => 1,
            Phase::NoGil { .. } => 2,
            Phase::Blocked { .. } => 3,
            Phase::LockWait { .. } => 4,
            Phase::SyncWait { .. } => 5,
            Phase::CondWait { .. } => 6,
            Phase::IncrLoaded { .. } => 7,
            Phase::Done => 8,
            Phase::Idle => 9,
            Phase::LoopTop => 10,
            Phase::Select => 11,
            Phase::LoopProcess => 12,
            Phase::LoopRun => 13,
        };
        let (a, b) = match self {
            Phase::Cpu { left: a, python: b }
            | Phase::Blocked { left: a, sleep: b }
            | Phase::SyncWait { obj: a, woken: b }
            | Phase::IncrLoaded { value: a, call: b } => (a, b as u8),
            Phase::NoGil { left: a } | Phase::LockWait { lock: a } | Phase::CondWait { cond: a } => (a, 0),
            _ => (0, 0),
        };
        [tag, a, b]
    }

    fn decode([tag, a, b]: [u8; 3]) -> Phase {
        match tag {
            0 => Phase::Ready,
            1 => Phase::Cpu { left: a, python: b != 0 },
            2 => Phase::NoGil { left: a },
            3 => Phase::Blocked { left: a, sleep: b != 0 },
            4 => Phase::LockWait { lock: a },
            5 => Phase::SyncWait { obj: a, woken: b != 0 },
            6 => Phase::CondWait { cond: a },
            7 => Phase::IncrLoaded { value: a, call: b != 0 },
            8 => Phase::Done,
            9 => Phase::Idle,
            10 => Phase::LoopTop,
            11 => Phase::Select,
            12 => Phase::LoopProcess,
            _ => Phase::LoopRun,
        }
    }
}

impl Wait {
    /// The tag (its place in the enum) and the fields, each its own match, as
    /// [`Phase::encode`].
    fn encode(self) -> [u8; 3] {
        let tag = match self {
            Wait::Nothing => 0,
            Wait::Timer { .. } => 1,
            Wait::Io { .. } => 2,
            Wait::Due { .. } => 3,
            Wait::Job => 4,
            Wait::Wakeup => 5,
            Wait::AsyncLock { .. } => 6,
            Wait::Task { .. } => 7,
            Wait::WaitFor { .. } => 8,
            Wait::AsyncSync { .. } => 9,
            Wait::Scheduled => 10,
        };
        let (a, b) = match self {
            Wait::Timer { left, delay } => (left, delay),
            Wait::Due { timer } => (timer as u8, 0),
            Wait::Io { left: a }
            | Wait::AsyncLock { lock: a }
            | Wait::Task { task: a }
            | Wait::WaitFor { task: a }
            | Wait::AsyncSync { obj: a } => (a, 0),
            _ => (0, 0),
        };
        [tag, a, b]
    }

    fn decode([tag, a, b]: [u8; 3]) -> Wait {
        match tag {
            0 => Wait::Nothing,
            1 => Wait::Timer { left: a, delay: b },
            2 => Wait::Io { left: a },
            3 => Wait::Due { timer: a != 0 },
            4 => Wait::Job,
            5 => Wait::Wakeup,
            6 => Wait::AsyncLock { lock: a },
            7 => Wait::Task { task: a },
            8 => Wait::WaitFor { task: a },
            9 => Wait::AsyncSync { obj: a },
            _ => Wait::Scheduled,
        }
    }
}

impl Callback {
    fn encode(self) -> u8 {
        match self {
            Callback::Empty => 0,
            Callback::Step(k) => 1 + k,
            Callback::SetResult(k) => 0x80 | k,
            Callback::CancelJob(k) => 0x40 | k,
            Callback::Timeout(k) => 0x20 | k,
            Callback::ReleaseWaiter(k) => 0x10 | k,
        }
    }

    /// Task indices are below [`MAX_TASKS`], so the high bits say which callback it is.
    fn decode(b: u8) -> Callback {
        match b {
            0 => Callback::Empty,
            _ if b & 0x80 != 0 => Callback::SetResult(b & 0x7f),
            _ if b & 0x40 != 0 => Callback::CancelJob(b & 0x3f),
            _ if b & 0x20 != 0 => Callback::Timeout(b & 0x1f),
            _ if b & 0x10 != 0 => Callback::ReleaseWaiter(b & 0x0f),
            _ => Callback::Step(b - 1),
        }
    }
}

impl Deadline {
    fn encode(self) -> [u8; 3] {
        match self {
            Deadline::None => [0, 0, 0],
            Deadline::Armed { left, delay } => [1, left, delay],
            Deadline::Due => [2, 0, 0],
            Deadline::Queued => [3, 0, 0],
        }
    }

    fn decode([tag, left, delay]: [u8; 3]) -> Deadline {
        match tag {
            0 => Deadline::None,
            1 => Deadline::Armed { left, delay },
            2 => Deadline::Due,
            _ => Deadline::Queued,
        }
    }
}

impl Scope {
    fn encode(self) -> u8 {
        match self {
            Scope::None => 0,
            Scope::Entered => 1,
            Scope::Expiring => 2,
            Scope::Cancelling { timed_out } => 3 + timed_out as u8,
        }
    }

    fn decode(b: u8) -> Scope {
        match b {
            0 => Scope::None,
            1 => Scope::Entered,
            2 => Scope::Expiring,
            _ => Scope::Cancelling { timed_out: b == 4 },
        }
    }
}

impl<const N: usize> Fifo<u8, N> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.len);
        out.extend_from_slice(self.as_slice());
    }

    fn decode(r: &mut Reader) -> Self {
        let mut fifo = Fifo::default();
        let n = r.byte() as usize;
        fifo.items[..n].copy_from_slice(r.bytes(n));
        fifo.len = n as u8;
        fifo
    }
}

/// Reads an encoding front to back.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }
    fn byte(&mut self) -> u8 {
        self.bytes(1)[0]
    }
    fn bool(&mut self) -> bool {
        self.byte() != 0
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.bytes(2).try_into().expect("two bytes"))
    }
}

fn gil_rel(b: u8) -> GilRel {
    [GilRel::No, GilRel::Has, GilRel::Wants, GilRel::Switching][b as usize & 3]
}

fn wait_round(b: u8) -> WaitRound {
    [WaitRound::Untimed, WaitRound::Timing, WaitRound::SwitchSeen][(b as usize).min(2)]
}

fn cancel(b: u8) -> Cancel {
    [Cancel::None, Cancel::MustCancel, Cancel::FutureCancelled][(b as usize).min(2)]
}

/// Bytes of one thread in an encoding: the threads come first, one block each.
pub const THREAD_BYTES: usize = 13;
const _: () = assert!(THREAD_BYTES < 16, "a thread's block and its index fit a u128 sort key");

/// Where a thread's fields after its phase begin in a [`Thread`]: the phase's three bytes.
const AFTER_PHASE: usize = 3;

// The fields after the phase are laid out as the block encodes them: one byte each, but
// `gil_wait`'s two, with no padding between them.
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<Phase>() == AFTER_PHASE);
    assert!(offset_of!(Thread, gil) == 3 && offset_of!(Thread, pc) == 4 && offset_of!(Thread, reg) == 5);
    assert!(offset_of!(Thread, window) == 6 && offset_of!(Thread, round) == 7);
    assert!(offset_of!(Thread, gil_wait) == 8 && offset_of!(Thread, cpu) == 10);
    assert!(offset_of!(Thread, task) == 11 && offset_of!(Thread, deadline) == THREAD_BYTES - 1);
    assert!(size_of::<GilRel>() == 1 && size_of::<WaitRound>() == 1 && size_of::<bool>() == 1);
};

impl Thread {
    /// The thread's block of an encoding: its phase's bytes, then its other fields as they
    /// lie in memory (one copy; writing them one by one made a race's search 4% slower).
    pub fn encode(&self) -> [u8; THREAD_BYTES] {
        let mut block = [0u8; THREAD_BYTES];
        block[..AFTER_PHASE].copy_from_slice(&self.phase.encode());
        block[AFTER_PHASE..].copy_from_slice(self.fields_after_phase());
        // The block holds `gil_wait` little-endian, as memory does on little-endian CPUs.
        #[cfg(target_endian = "big")]
        block[8..10].copy_from_slice(&self.gil_wait.to_le_bytes());
        block
    }

    /// The bytes of the fields after the phase.
    fn fields_after_phase(&self) -> &[u8; THREAD_BYTES - AFTER_PHASE] {
        // SAFETY: `Thread` is `repr(C)`; the assertions above place its fields after the
        // phase at bytes 3..13, each a whole byte-sized value or `gil_wait`'s two bytes, so
        // those bytes are initialised and in bounds, and `u8` has no alignment.
        unsafe { &*(self as *const Thread).cast::<u8>().add(AFTER_PHASE).cast() }
    }

    /// The thread whose block [`Thread::encode`] gave.
    fn decode(b: &[u8; THREAD_BYTES]) -> Thread {
        Thread {
            phase: Phase::decode([b[0], b[1], b[2]]),
            gil: gil_rel(b[3]),
            pc: b[4],
            reg: b[5],
            window: b[6],
            round: wait_round(b[7]),
            gil_wait: u16::from_le_bytes([b[8], b[9]]),
            cpu: b[10] != 0,
            task: b[11],
            deadline: b[12],
        }
    }
}

/// Bytes of one task in an encoding: the tasks follow the threads, one block each.
pub const TASK_BYTES: usize = 12;

impl Task {
    /// The task's block of an encoding.
    pub fn encode(&self) -> [u8; TASK_BYTES] {
        let [w0, w1, w2] = self.wait.encode();
        let [l0, l1] = self.lateness.to_le_bytes();
        let flags =
            self.done as u8 | (self.cancelled as u8) << 1 | (self.cancel as u8) << 2 | (self.extra_cancel as u8) << 4;
        let [d0, d1, d2] = self.timer.encode();
        [w0, w1, w2, self.pc, self.reg, flags, l0, l1, self.scope.encode(), d0, d1, d2]
    }

    /// The task whose block [`Task::encode`] gave.
    fn decode(b: &[u8; TASK_BYTES]) -> Task {
        let flags = b[5];
        Task {
            wait: Wait::decode([b[0], b[1], b[2]]),
            pc: b[3],
            reg: b[4],
            done: flags & 1 != 0,
            cancelled: flags & 2 != 0,
            cancel: cancel((flags >> 2) & 3),
            extra_cancel: flags & 16 != 0,
            lateness: u16::from_le_bytes([b[6], b[7]]),
            scope: Scope::decode(b[8]),
            timer: Deadline::decode([b[9], b[10], b[11]]),
        }
    }
}

/// The order symmetry sorts copies of a thread in: their blocks, compared as byte strings
/// (the key's low byte stays zero, free for the thread's index).
pub fn block_key(block: &[u8]) -> u128 {
    let mut key = [0u8; 16];
    key[..THREAD_BYTES].copy_from_slice(&block[..THREAD_BYTES]);
    u128::from_be_bytes(key)
}

impl State {
    /// A byte string that identifies the state among those of one model: every field of the
    /// slots the model uses, in a fixed order. Equal states give equal bytes and unequal
    /// states (of the same model) unequal bytes; the checker hashes it into a fingerprint.
    /// Returns where the GIL's fields begin (symmetry renames the threads they name).
    /// A search encodes every successor whole: encoding a thread's or a task's block costs
    /// fewer instructions than comparing it with the parent's to copy the parent's bytes
    /// (a quarter fewer in this function, on a race's search).
    pub fn encode(&self, dims: &Dims, out: &mut Vec<u8>) -> usize {
        out.clear();
        self.encode_onto(dims, out)
    }

    /// [`State::encode`] after the bytes `out` holds (a search writes its successors one
    /// after the other); where the GIL's fields begin is counted from the state's first byte.
    pub fn encode_onto(&self, dims: &Dims, out: &mut Vec<u8>) -> usize {
        let start = out.len();
        // Threads and tasks are fixed-size blocks, written into room made for them at once.
        let (threads, tasks) = (dims.threads * THREAD_BYTES, dims.tasks * TASK_BYTES);
        out.resize(start + threads + tasks, 0);
        let (thread_blocks, task_blocks) = out[start..].split_at_mut(threads);
        for (th, block) in self.threads.iter().zip(thread_blocks.chunks_exact_mut(THREAD_BYTES)) {
            block.copy_from_slice(&th.encode());
        }
        for (task, block) in self.tasks.iter().zip(task_blocks.chunks_exact_mut(TASK_BYTES)) {
            block.copy_from_slice(&task.encode());
        }
        for l in &self.loops[..dims.loops] {
            out.push(l.ready.len);
            out.extend(l.ready.as_slice().iter().map(|c| c.encode()));
            out.extend_from_slice(&[l.todo, l.last_task]);
            l.timers.encode(out);
            l.due.encode(out);
            l.jobs.encode(out);
        }
        let gil_at = out.len() - start;
        let g = &self.gil;
        out.extend_from_slice(&[
            g.holder,
            g.last_holder,
            g.drop_request as u8,
            g.forced_release as u8,
            g.since_check,
            g.fresh as u8,
        ]);
        out.extend_from_slice(&self.vars[..dims.vars]);
        out.extend(self.locks[..dims.locks].iter().map(|&b| b as u8));
        out.extend_from_slice(&self.syncs[..dims.syncs]);
        for w in &self.async_waiters[..dims.syncs] {
            out.push(w.wakeup_scheduled as u8);
            w.fifo.encode(out);
        }
        for c in &self.cond_waiters[..dims.conds] {
            c.encode(out);
        }
        for a in &self.async_locks[..dims.async_locks] {
            out.extend_from_slice(&[a.locked as u8, a.woken as u8]);
            a.waiters.encode(out);
        }
        for w in &self.done_waiters[..dims.tasks] {
            w.encode(out);
        }
        let [n0, n1] = self.now.to_le_bytes();
        let fault = match self.fault {
            None => 0,
            Some(Fault::VarOverflow { var }) => 1 + var,
            Some(Fault::SyncOverflow { obj }) => 128 + obj,
        };
        out.extend_from_slice(&[n0, n1, self.handoffs, self.forced_switches, self.task_switches, fault]);
        gil_at
    }

    /// The state whose [`State::encode`] with the same `dims` gave `bytes`; slots past the
    /// model's dims are at their defaults, as in every state of the model.
    pub fn decode(dims: &Dims, bytes: &[u8]) -> State {
        let mut s = State::default();
        s.decode_from(dims, bytes);
        s
    }

    /// Overwrites the slots `dims` names with what `bytes` encode (the others are left as
    /// they are: at their defaults in a state of the same model), saving a search the
    /// clearing and moving of a whole state per state it expands.
    pub fn decode_from(&mut self, dims: &Dims, bytes: &[u8]) {
        let s = self;
        // Threads and tasks are fixed-size blocks: each is read whole.
        let (threads, rest) = bytes.split_at(dims.threads * THREAD_BYTES);
        for (th, block) in s.threads.iter_mut().zip(threads.chunks_exact(THREAD_BYTES)) {
            *th = Thread::decode(block.try_into().expect("a thread's block"));
        }
        let (tasks, rest) = rest.split_at(dims.tasks * TASK_BYTES);
        for (k, block) in s.tasks.iter_mut().zip(tasks.chunks_exact(TASK_BYTES)) {
            *k = Task::decode(block.try_into().expect("a task's block"));
        }
        let mut r = Reader(rest);
        for l in &mut s.loops[..dims.loops] {
            let n = r.byte();
            l.ready = Fifo::default();
            for &c in r.bytes(n as usize) {
                l.ready.push(Callback::decode(c));
            }
            l.todo = r.byte();
            l.last_task = r.byte();
            l.timers = Fifo::decode(&mut r);
            l.due = Fifo::decode(&mut r);
            l.jobs = Fifo::decode(&mut r);
        }
        let g = &mut s.gil;
        g.holder = r.byte();
        g.last_holder = r.byte();
        g.drop_request = r.bool();
        g.forced_release = r.bool();
        g.since_check = r.byte();
        g.fresh = r.bool();
        s.vars[..dims.vars].copy_from_slice(r.bytes(dims.vars));
        for lock in &mut s.locks[..dims.locks] {
            *lock = r.bool();
        }
        s.syncs[..dims.syncs].copy_from_slice(r.bytes(dims.syncs));
        for w in &mut s.async_waiters[..dims.syncs] {
            w.wakeup_scheduled = r.bool();
            w.fifo = Fifo::decode(&mut r);
        }
        for c in &mut s.cond_waiters[..dims.conds] {
            *c = Fifo::decode(&mut r);
        }
        for a in &mut s.async_locks[..dims.async_locks] {
            a.locked = r.bool();
            a.woken = r.bool();
            a.waiters = Fifo::decode(&mut r);
        }
        for w in &mut s.done_waiters[..dims.tasks] {
            *w = Fifo::decode(&mut r);
        }
        s.now = r.u16();
        s.handoffs = r.byte();
        s.forced_switches = r.byte();
        s.task_switches = r.byte();
        s.fault = match r.byte() {
            0 => None,
            b if b >= 128 => Some(Fault::SyncOverflow { obj: b - 128 }),
            b => Some(Fault::VarOverflow { var: b - 1 }),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thread's block is its fields in declaration order, one byte each but `gil_wait`'s
    /// two (little-endian): the copy of its memory gives the bytes field by field would.
    #[test]
    fn a_thread_block_holds_each_field_in_order() {
        let th = Thread {
            phase: Phase::IncrLoaded { value: 7, call: true },
            gil: GilRel::Switching,
            pc: 11,
            reg: 12,
            window: 13,
            round: WaitRound::SwitchSeen,
            gil_wait: 0x0f0e,
            cpu: true,
            task: 16,
            deadline: 17,
        };
        assert_eq!(th.encode(), [7, 7, 1, 3, 11, 12, 13, 2, 0x0e, 0x0f, 1, 16, 17]);
        assert_eq!(Thread::decode(&th.encode()), th);
        assert_eq!(Thread::default().encode(), [0; THREAD_BYTES]);
    }
}
