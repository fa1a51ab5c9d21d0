# The "measured" claims of properties/folklore.toml, one experiment each, on the running
# interpreter.  Each function reproduces the experiment described in the comment above its
# claim (same operation and sizes; best-of-N and repeated runs/trials as the comment says: the
# five data-race experiments do 5 runs, since one run of a race can miss), and prints one final
# line "result: <figure>".
#
#   python experiments/folklore_measured.py NAME      NAME: a claim id, e.g. folk.incr-atomic
#   python experiments/folklore_measured.py --list    the names, one per line
#
# Runs on 2.7 and 3.6-3.13: no f-strings, no nonlocal; the asyncio experiments live in a
# string (ASYNC_SRC) that is compiled only on 3.x.  sys.setswitchinterval is changed only by the
# two convoy experiments, whose comments give the interval.  Experiments that need two cores
# (thread/process/executor speedups, the convoys) should not share the machine with another
# job.  Results are in experiments/folklore_measured.md.
from __future__ import print_function

import os
import socket
import subprocess
import sys
import threading
import time

clock = getattr(time, "perf_counter", time.time)
PY2 = sys.version_info[0] == 2
VER = "%d.%d" % sys.version_info[:2]
FULLVER = sys.version.split()[0]
try:
    irange = xrange  # noqa: F821  (2.7: no list of a million ints for the loop)
except NameError:
    irange = range

EXPERIMENTS = []  # (name, what, function), in folklore.toml order


def experiment(name, what):
    def register(fn):
        EXPERIMENTS.append((name, what, fn))
        return fn
    return register


def result(text):
    print("result: " + text)


def not_applicable(reason):
    result("not applicable on %s (%s)" % (VER, reason))


def ms(seconds):
    return "%.1f ms" % (seconds * 1e3)


def run_threads(target, nthreads, args=()):
    """Start nthreads threads on target(*args), released together by an Event; join them."""
    gate = threading.Event()

    def body():
        gate.wait()
        target(*args)

    ts = [threading.Thread(target=body) for _ in range(nthreads)]
    for t in ts:
        t.start()
    gate.set()
    for t in ts:
        t.join()


def spin(n):
    while n:
        n -= 1


# --- Data races under threads -----------------------------------------------------------------

counter = 0
x = 0


def one():
    return 1


def g(v):
    return v + 1


def _incr(n):
    global counter
    for _ in irange(n):
        counter += 1


def _incr_call(n):
    global counter
    for _ in irange(n):
        counter += one()


def _read_call_write(n):
    global x
    for _ in irange(n):
        v = x
        v = g(v)
        x = v


def _read_write(n):
    global x
    for _ in irange(n):
        v = x
        x = v + 1


def _locked_incr_call(n, lock):
    global x
    for _ in irange(n):
        with lock:
            x += one()


def _race(worker, n, args=(), runs=5):
    """Updates lost by 2 threads x n iterations of worker, in each of `runs` runs."""
    global counter, x
    lost = []
    for _ in range(runs):
        counter = x = 0
        run_threads(worker, 2, (n,) + args)
        lost.append(2 * n - (counter or x))
    return "lost %s of %d updates in %d runs (runs with a loss: %d of %d)" % (
        ", ".join(str(v) for v in lost), 2 * n, runs, sum(1 for v in lost if v), runs)


@experiment("folk.incr-atomic", "2 threads x 1,000,000 `counter += 1` on a global, 5 runs")
def incr_atomic():
    result(_race(_incr, 1000000))


@experiment("folk.incr-call-atomic",
            "2 threads x 1,000,000 `counter += one()` (def one(): return 1), 5 runs")
def incr_call_atomic():
    result(_race(_incr_call, 1000000))


@experiment("folk.gil-makes-code-thread-safe",
            "2 threads x 200,000 `v = x; v = g(v); x = v` (def g(v): return v + 1), 5 runs")
def gil_makes_code_thread_safe():
    result(_race(_read_call_write, 200000))


@experiment("folk.switch-between-any-two-bytecodes",
            "2 threads x 1,000,000 `v = x; x = v + 1` (no call between read and write), 5 runs")
def switch_between_any_two_bytecodes():
    result(_race(_read_write, 1000000))


@experiment("folk.lock-makes-incr-safe", "2 threads x 300,000 `with lock: x += one()`, 5 runs")
def lock_makes_incr_safe():
    result(_race(_locked_incr_call, 300000, (threading.Lock(),)))


# --- Sleeping and blocking --------------------------------------------------------------------

@experiment("folk.time-sleep-blocks-other-threads",
            "loop iterations of the main thread while another thread is in time.sleep(0.5)")
def time_sleep_blocks_other_threads():
    t = threading.Thread(target=time.sleep, args=(0.5,))
    n = 0
    t0 = clock()
    t.start()
    end = t0 + 0.5
    while clock() < end:
        n += 1
    alive = t.is_alive()
    t.join()
    result("main thread ran %d loop iterations during the other thread's time.sleep(0.5)"
           " (sleeper still asleep at the end: %s)" % (n, "yes" if alive else "no"))


@experiment("folk.time-sleep-blocks-loop",
            "lateness of a task's await asyncio.sleep(0.01) beside another task's time.sleep(0.2)")
def time_sleep_blocks_loop():
    if PY2:
        return not_applicable("no asyncio")
    late = async_ns()["time_sleep_blocks_loop"]()
    result("a task's await asyncio.sleep(0.01) returned %s late beside another task's"
           " time.sleep(0.2) (tasks ticker, blocker created in order)" % ms(late))


# --- What await does --------------------------------------------------------------------------

def _order_figure(order, before, after):
    i, j, k = order.index(before), order.index(after), order.index("b runs")
    if i < k < j:
        verdict = "b ran at the await"
    elif k < i:
        verdict = "b ran before a started: gather scheduled b first, inconclusive"
    else:
        verdict = "b did not run at the await"
    return "order %s: %s" % (order, verdict)


@experiment("folk.await-always-yields",
            "tasks a, b created in order: does b run while a does `await coro()` (returns at once)?")
def await_always_yields():
    if PY2:
        return not_applicable("no asyncio")
    order = async_ns()["await_coro_order"]()
    result(_order_figure(order, "a: before await coro()", "a: after await coro()"))


@experiment("folk.asyncio-sleep0-yields",
            "tasks a, b created in order: does b run while a does `await asyncio.sleep(0)`?")
def asyncio_sleep0_yields():
    if PY2:
        return not_applicable("no asyncio")
    order = async_ns()["await_sleep0_order"]()
    result(_order_figure(order, "a: before sleep(0)", "a: after sleep(0)"))


# --- Do asyncio programs need locks? ----------------------------------------------------------

@experiment("folk.asyncio-no-locks-without-await",
            "two tasks each `v = x[0]; x[0] = v + 1`")
def asyncio_no_locks_without_await():
    if PY2:
        return not_applicable("no asyncio")
    v = async_ns()["rw_tasks"](False)
    result("x = %d after two tasks (%s)" % (v, "no update lost" if v == 2 else "an update lost"))


@experiment("folk.asyncio-no-locks-across-await",
            "two tasks each `v = x[0]; await asyncio.sleep(0); x[0] = v + 1`")
def asyncio_no_locks_across_await():
    if PY2:
        return not_applicable("no asyncio")
    v = async_ns()["rw_tasks"](True)
    result("x = %d after two tasks (%s)" % (v, "no update lost" if v == 2 else "an update lost"))


# --- Threads and speed ------------------------------------------------------------------------

def _two_processes(fn, arg):
    t = clock()
    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            try:
                fn(arg)
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    return clock() - t


@experiment("folk.threads-no-cpu-speedup",
            "two `while n: n -= 1` loops (n = 10**7): sequential vs two threads vs two "
            "processes, best of 5")
def threads_no_cpu_speedup():
    n = 10 ** 7
    seq = thr = pro = float("inf")
    for _ in range(5):
        t = clock()
        spin(n)
        spin(n)
        seq = min(seq, clock() - t)
        t = clock()
        run_threads(spin, 2, (n,))
        thr = min(thr, clock() - t)
        pro = min(pro, _two_processes(spin, n))
    result("sequential %.2f s, two threads %.2f s (%.2f of sequential), two processes %.2f s"
           " (%.2f of sequential), best of 5" % (seq, thr, thr / seq, pro, pro / seq))


def _recv_after(delay):
    a, b = socket.socketpair()
    timer = threading.Timer(delay, b.send, (b"x",))
    timer.start()
    a.recv(1)
    timer.join()
    a.close()
    b.close()


@experiment("folk.threads-help-io",
            "two blocking socket recv() of 0.2 s each (socketpair, a timer thread sends): "
            "sequential vs two threads")
def threads_help_io():
    t = clock()
    _recv_after(0.2)
    _recv_after(0.2)
    seq = clock() - t
    t = clock()
    run_threads(_recv_after, 2, (0.2,))
    thr = clock() - t
    result("sequential %.2f s, two threads %.2f s" % (seq, thr))


@experiment("folk.c-nogil-runs-in-parallel",
            "zlib.compress and hashlib.sha256().update on a 128 MB buffer, twice: sequential "
            "vs two threads, best of 5")
def c_nogil_runs_in_parallel():
    import hashlib
    import zlib
    buf = b"\0" * (128 << 20)

    def comp(_):
        zlib.compress(buf)

    def sha(_):
        hashlib.sha256().update(buf)

    backend = type(hashlib.sha256()).__module__
    figures = []
    for name, fn in (("zlib.compress", comp), ("sha256 update (%s)" % backend, sha)):
        seq = thr = float("inf")
        for _ in range(5):
            t = clock()
            fn(0)
            fn(0)
            seq = min(seq, clock() - t)
            t = clock()
            run_threads(fn, 2, (0,))
            thr = min(thr, clock() - t)
        figures.append("%s sequential %.2f s, two threads %.2f s" % (name, seq, thr))
    result("; ".join(figures) + " (best of 5)")


@experiment("folk.run-in-executor-avoids-gil",
            "loop.run_in_executor(None, f), f = `while n: n -= 1` (n = 5*10**6): one job vs "
            "two at once, best of 3")
def run_in_executor_avoids_gil():
    if PY2:
        return not_applicable("no asyncio")
    one_job, two_jobs = async_ns()["executor_jobs"](5 * 10 ** 6)
    result("one job %.2f s, two jobs at once %.2f s (%.2f of two sequential), best of 3"
           % (one_job, two_jobs, two_jobs / (2 * one_job)))


# --- How the GIL is handed over ---------------------------------------------------------------

def _handoff_trial():
    order = []
    t0 = clock()

    def waker(name, at):
        d = t0 + at - clock()
        if d > 0:
            time.sleep(d)
        order.append(name)

    w1 = threading.Thread(target=waker, args=("w1", 0.010))
    w2 = threading.Thread(target=waker, args=("w2", 0.012))
    w1.start()
    w2.start()
    while len(order) < 2:  # the main thread is the CPU-bound hog
        pass
    w1.join()
    w2.join()
    return order[0]


@experiment("folk.gil-handoff-fifo",
            "CPU-bound hog holds the GIL; w1 wakes from time.sleep at 10 ms, w2 at 12 ms: "
            "how often w2 gets the GIL first (300 trials)")
def gil_handoff_fifo():
    trials = 300
    w2_first = sum(1 for _ in range(trials) if _handoff_trial() == "w2")
    result("w2 (woke 2 ms later) got the GIL first in %d of %d trials" % (w2_first, trials))


@experiment("folk.long-c-call-freezes-threads",
            "longest gap of a thread looping on time.sleep(0.001) while the main thread runs "
            "sum(range(10**8))")
def long_c_call_freezes_threads():
    stamps = []
    done = [False]

    def sleeper():
        app = stamps.append
        while not done[0]:
            time.sleep(0.001)
            app(clock())

    th = threading.Thread(target=sleeper)
    th.start()
    time.sleep(0.05)
    t0 = clock()
    sum(range(10 ** 8))
    call = clock() - t0
    time.sleep(0.05)
    done[0] = True
    th.join()
    gap = max(b - a for a, b in zip(stamps, stamps[1:]))
    result("sleeping thread's longest gap %s during a %s sum(range(10**8))" % (ms(gap), ms(call)))


ECHO_SRC = ("import os\n"
            "while True:\n"
            "    b = os.read(0, 1)\n"
            "    if not b:\n"
            "        break\n"
            "    os.write(1, b)\n")


def _round_trips(ncpu, interval, n=200):
    """Round-trip times of n one-byte echoes from an I/O thread beside ncpu CPU-bound threads."""
    p = subprocess.Popen([sys.executable, "-c", ECHO_SRC], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, bufsize=0)
    wfd, rfd = p.stdin.fileno(), p.stdout.fileno()
    os.write(wfd, b"x")  # the echo process is up
    os.read(rfd, 1)
    old = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    stop = [False]
    rtts = []

    def cpu():
        while not stop[0]:
            pass

    def io():
        for _ in range(n):
            t = clock()
            os.write(wfd, b"x")
            os.read(rfd, 1)
            rtts.append(clock() - t)

    cpus = [threading.Thread(target=cpu) for _ in range(ncpu)]
    for t in cpus:
        t.start()
    time.sleep(0.02)
    tio = threading.Thread(target=io)
    tio.start()
    tio.join()
    stop[0] = True
    for t in cpus:
        t.join()
    sys.setswitchinterval(old)
    p.stdin.close()
    p.wait()
    p.stdout.close()
    rtts.sort()
    return rtts[len(rtts) // 2], rtts[-1]


def _convoy_figure(label, med_max):
    return "%s median %s max %s" % (label, ms(med_max[0]), ms(med_max[1]))


@experiment("folk.short-interval-cures-convoy-one-cpu-thread",
            "200 one-byte round trips of an I/O thread with an echo process beside one "
            "CPU-bound thread, switch interval 5 ms and 1 ms; alone")
def convoy_one_cpu():
    if not hasattr(sys, "setswitchinterval"):
        return not_applicable("no sys.setswitchinterval: the old GIL has a check interval")
    r5 = _round_trips(1, 0.005)
    r1 = _round_trips(1, 0.001)
    r0 = _round_trips(0, 0.005)
    result("beside 1 CPU thread: %s; %s; alone: %s" % (
        _convoy_figure("5 ms interval", r5), _convoy_figure("1 ms interval", r1),
        _convoy_figure("", r0).strip()))


@experiment("folk.short-interval-cures-convoy-two-cpu-threads",
            "the same beside two CPU-bound threads, switch interval 1 ms and 5 ms")
def convoy_two_cpu():
    if not hasattr(sys, "setswitchinterval"):
        return not_applicable("no sys.setswitchinterval: the old GIL has a check interval")
    r1 = _round_trips(2, 0.001)
    r5 = _round_trips(2, 0.005)
    result("beside 2 CPU threads: %s; %s" % (
        _convoy_figure("1 ms interval", r1), _convoy_figure("5 ms interval", r5)))


# --- Locks ------------------------------------------------------------------------------------

@experiment("folk.asyncio-lock-fifo",
            "8 tasks queue on an asyncio.Lock held across an await; the h/a/b program "
            "(h holds across sleep(0.03), a asks at 10 ms, b at 20 ms, h again on release), 5 runs")
def asyncio_lock_fifo():
    if PY2:
        return not_applicable("no asyncio")
    ns = async_ns()
    queue = ns["lock_queue_order"](8)
    runs = [ns["lock_hab_order"]() for _ in range(5)]
    same = sum(1 for r in runs if r == ["a", "b", "h"])
    other = sorted(set(",".join(r) for r in runs if r != ["a", "b", "h"]))
    result("8 queued tasks acquired in order %s; h/a/b order a,b,h in %d of 5 runs%s"
           % (queue, same, (" (others: %s)" % "; ".join(other)) if other else ""))


def _barging_trial():
    lock = threading.Lock()
    lock.acquire()

    def blocked():
        lock.acquire()
        lock.release()

    b = threading.Thread(target=blocked)
    b.start()
    time.sleep(0.002)  # B is now blocked in lock.acquire()
    lock.release()
    barged = lock.acquire(False)
    if barged:
        lock.release()
    b.join()
    return barged


def _queue_trial(nwaiters=6):
    lock = threading.Lock()
    lock.acquire()
    order = []

    def waiter(i):
        lock.acquire()
        order.append(i)
        lock.release()

    ts = []
    for i in range(nwaiters):
        t = threading.Thread(target=waiter, args=(i,))
        t.start()
        ts.append(t)
        time.sleep(0.002)
    lock.release()
    for t in ts:
        t.join()
    return order == list(range(nwaiters))


@experiment("folk.threading-lock-fifo",
            "B blocks in lock.acquire(), A releases and at once lock.acquire(False) (200 trials); "
            "six waiters queued 2 ms apart (100 trials)")
def threading_lock_fifo():
    barged = sum(1 for _ in range(200) if _barging_trial())
    in_order = sum(1 for _ in range(100) if _queue_trial())
    result("A re-took the lock ahead of the blocked B in %d of 200 trials; six queued waiters"
           " served in queue order in %d of 100 trials" % (barged, in_order))


# --- asyncio code, compiled only on 3.x -------------------------------------------------------

ASYNC_SRC = '''
import asyncio
import time

clock = time.perf_counter


def run(make_coro):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(make_coro())
    finally:
        if hasattr(loop, "shutdown_default_executor"):
            loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        asyncio.set_event_loop(None)


def time_sleep_blocks_loop():
    async def main():
        res = {}

        async def ticker():
            t0 = clock()
            await asyncio.sleep(0.01)
            res["late"] = clock() - t0 - 0.01

        async def blocker():
            time.sleep(0.2)

        # Tasks created in order, as a scenario's loop creates them (3.6's gather would
        # schedule its arguments in set() order).
        first, second = asyncio.ensure_future(ticker()), asyncio.ensure_future(blocker())
        await asyncio.gather(first, second)
        return res["late"]
    return run(main)


async def coro():
    return 1


def await_coro_order():
    async def main():
        order = []

        async def a():
            order.append("a: before await coro()")
            await coro()
            order.append("a: after await coro()")

        async def b():
            order.append("b runs")

        # Created in order: a is scheduled first on every version (see above).
        first, second = asyncio.ensure_future(a()), asyncio.ensure_future(b())
        await asyncio.gather(first, second)
        return order
    return run(main)


def await_sleep0_order():
    async def main():
        order = []

        async def a():
            order.append("a: before sleep(0)")
            await asyncio.sleep(0)
            order.append("a: after sleep(0)")

        async def b():
            order.append("b runs")

        # Created in order: a is scheduled first on every version (see above).
        first, second = asyncio.ensure_future(a()), asyncio.ensure_future(b())
        await asyncio.gather(first, second)
        return order
    return run(main)


def rw_tasks(with_await):
    async def main():
        x = [0]

        async def task():
            v = x[0]
            if with_await:
                await asyncio.sleep(0)
            x[0] = v + 1

        await asyncio.gather(task(), task())
        return x[0]
    return run(main)


def executor_jobs(n):
    async def main():
        loop = asyncio.get_event_loop()
        one = two = float("inf")
        for _ in range(3):
            t = clock()
            await loop.run_in_executor(None, spin, n)
            one = min(one, clock() - t)
            t = clock()
            await asyncio.gather(loop.run_in_executor(None, spin, n),
                                 loop.run_in_executor(None, spin, n))
            two = min(two, clock() - t)
        return one, two
    return run(main)


def lock_queue_order(ntasks):
    async def main():
        lock = asyncio.Lock()
        order = []

        async def task(i):
            async with lock:
                order.append(i)
                await asyncio.sleep(0)

        await lock.acquire()
        tasks = [asyncio.ensure_future(task(i)) for i in range(ntasks)]
        await asyncio.sleep(0.01)   # all of them queue behind the held lock
        lock.release()
        await asyncio.gather(*tasks)
        return order
    return run(main)


def lock_hab_order():
    async def main():
        lock = asyncio.Lock()
        order = []

        async def h():
            await lock.acquire()
            await asyncio.sleep(0.03)
            lock.release()
            await lock.acquire()      # asks again right after its release
            order.append("h")
            lock.release()

        async def waiter(name, at):
            await asyncio.sleep(at)
            await lock.acquire()
            order.append(name)
            lock.release()

        await asyncio.gather(h(), waiter("a", 0.01), waiter("b", 0.02))
        return order
    return run(main)
'''

_ASYNC_NS = {}


def async_ns():
    if not _ASYNC_NS:
        _ASYNC_NS["spin"] = spin
        exec(compile(ASYNC_SRC, "<folklore_measured asyncio>", "exec"), _ASYNC_NS)
    return _ASYNC_NS


def main(argv):
    names = [e[0] for e in EXPERIMENTS]
    if len(argv) != 2:
        sys.stderr.write("usage: %s NAME | --list\n" % argv[0])
        return 2
    if argv[1] == "--list":
        for n in names:
            print(n)
        return 0
    for name, what, fn in EXPERIMENTS:
        if name == argv[1]:
            print("# python %s, %s: %s" % (FULLVER, name, what))
            sys.stdout.flush()
            fn()
            return 0
    sys.stderr.write("unknown experiment %r (try --list)\n" % argv[1])
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
