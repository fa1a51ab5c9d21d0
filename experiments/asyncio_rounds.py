# Rule 3: how many rounds of BaseEventLoop._run_once pass between an event and the task's
# resumption, per kind of wake-up; and the order of I/O callbacks and due timers in a round.
#
# Rounds are counted by wrapping the loop's `_run_once` (one call = one round); every callback
# the loop runs is logged with its round by wrapping `asyncio.events.Handle._run`.
#
#   python asyncio_rounds.py
# Prints one line:
#   python=3.x timer=A io=B executor=C sleep0=D lock=E task=F soon=G order=I/O-first|timer-first
# where each number is (round in which the task resumed) - (round of the event):
#   timer    : the round the TimerHandle of asyncio.sleep(0.01) ran
#   io       : the round the selector reported the socket readable (reader callback ran)
#   executor : the round the worker's call_soon_threadsafe(_set_state ...) callback ran
#   sleep0   : the round the task yielded in asyncio.sleep(0)
#   lock     : the round the holder called Lock.release()
#   task     : the round the awaited task returned
#   soon     : a callback scheduled with call_soon from inside a callback
#   order    : which callback ran first when a timer and a socket became ready before one poll
import asyncio
import socket
import sys
import threading
import time

R = [0]
LOG = []
_orig_run = asyncio.events.Handle._run


def _run(self):
    LOG.append((R[0], getattr(self._callback, "__name__", repr(self._callback))))
    return _orig_run(self)


asyncio.events.Handle._run = _run


def install(loop):
    orig = loop._run_once

    def run_once():
        R[0] += 1
        return orig()
    loop._run_once = run_once


def first_round(name, after=0):
    for r, n in LOG:
        if r >= after and name in n:
            return r
    return None


async def timer_case():
    r0 = R[0]
    await asyncio.sleep(0.01)
    return R[0] - first_round("_set_result_unless_cancelled", r0)


async def io_case(loop):
    a, b = socket.socketpair()
    a.setblocking(False)
    threading.Timer(0.01, lambda: b.send(b"x")).start()
    r0 = R[0]
    await loop.sock_recv(a, 1)
    res = R[0] - first_round("_sock_recv", r0)
    a.close()
    b.close()
    return res


async def executor_case(loop):
    r0 = R[0]
    await loop.run_in_executor(None, time.sleep, 0.01)
    return R[0] - first_round("_set_state", r0)


async def sleep0_case():
    r0 = R[0]
    await asyncio.sleep(0)
    return R[0] - r0


async def lock_case(loop):
    lock = asyncio.Lock()
    mark = {}

    async def holder():
        await lock.acquire()
        await asyncio.sleep(0.005)
        mark["release"] = R[0]
        lock.release()

    async def waiter():
        await asyncio.sleep(0)
        await lock.acquire()
        mark["acquired"] = R[0]
        lock.release()

    await asyncio.gather(holder(), waiter())
    return mark["acquired"] - mark["release"]


async def task_case(loop):
    mark = {}

    async def child():
        await asyncio.sleep(0.005)
        mark["end"] = R[0]

    t = loop.create_task(child())
    await t
    return R[0] - mark["end"]


async def soon_case(loop):
    fut = loop.create_future()
    mark = {}

    def second():
        mark["second"] = R[0]
        fut.set_result(None)

    def first():
        mark["first"] = R[0]
        loop.call_soon(second)

    loop.call_soon(first)
    await fut
    return mark["second"] - mark["first"]


async def order_case(loop):
    a, b = socket.socketpair()
    a.setblocking(False)
    seen = []
    loop.add_reader(a.fileno(), lambda: (seen.append("io"), a.recv(1), loop.remove_reader(a.fileno())))
    loop.call_later(0.001, lambda: seen.append("timer"))
    b.send(b"x")
    time.sleep(0.02)  # block the loop: both are ready before the next poll
    while len(seen) < 2:
        await asyncio.sleep(0.001)
    a.close()
    b.close()
    return "I/O-first" if seen[0] == "io" else "timer-first"


async def main(loop):
    out = {}
    out["timer"] = await timer_case()
    out["io"] = await io_case(loop)
    out["executor"] = await executor_case(loop)
    out["sleep0"] = await sleep0_case()
    out["lock"] = await lock_case(loop)
    out["task"] = await task_case(loop)
    out["soon"] = await soon_case(loop)
    out["order"] = await order_case(loop)
    return out


def run():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    install(loop)
    out = loop.run_until_complete(main(loop))
    loop.close()
    keys = ["timer", "io", "executor", "sleep0", "lock", "task", "soon", "order"]
    print("python=%s %s" % (sys.version.split()[0], " ".join("%s=%s" % (k, out[k]) for k in keys)))


if __name__ == "__main__":
    run()
