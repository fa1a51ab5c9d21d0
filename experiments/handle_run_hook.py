# Rule 8: can the conformance recorder see every task resumption by wrapping
# asyncio.events.Handle._run?  For a task's step / wake-up callback, is
# handle._callback.__self__ the Task?
#
# Two tasks each run:  await asyncio.sleep(0.001); await asyncio.sleep(0); (end)
# so each is resumed by the loop 3 times: its first step, the wake-up after the timer, the step
# after sleep(0).  The coroutines count their own resumptions; the hook counts callbacks whose
# `__self__` is one of the tasks.
#
#   python handle_run_hook.py [c|py]     c: the default (C _asyncio.Task where built); py: the
#                                        pure-Python asyncio.tasks._PyTask
# Prints the hook's sequence, one (task, callback type / repr) per callback seen, then one line:
#   python=3.x impl=... seen=A:3,B:3 actual=A:3,B:3 match=yes|no
import asyncio
import sys

SEEN = []
TASKS = {}
_orig = asyncio.events.Handle._run


def _run(self):
    cb = self._callback
    owner = getattr(cb, "__self__", None)
    name = TASKS.get(id(owner)) if owner is not None else None
    SEEN.append((name, type(cb).__name__, getattr(cb, "__name__", "?")))
    return _orig(self)


asyncio.events.Handle._run = _run

ACTUAL = {"A": 0, "B": 0}


class Resumed(object):
    """Counts, from inside the coroutine, each time the loop resumed it."""


async def body(name):
    ACTUAL[name] += 1          # first step
    await asyncio.sleep(0.001)
    ACTUAL[name] += 1          # woken by the timer
    await asyncio.sleep(0)
    ACTUAL[name] += 1          # stepped after the bare yield


def main():
    impl = sys.argv[1] if len(sys.argv) > 1 else "c"
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if impl == "py":
        loop.set_task_factory(lambda lp, coro: asyncio.tasks._PyTask(coro, loop=lp))
    ta = loop.create_task(body("A"))
    tb = loop.create_task(body("B"))
    TASKS[id(ta)] = "A"
    TASKS[id(tb)] = "B"
    loop.run_until_complete(asyncio.gather(ta, tb))
    loop.close()
    for name, typ, cbname in SEEN:
        print("  hook: task=%s callback=%s(%s)" % (name, typ, cbname))
    seen = {"A": 0, "B": 0}
    for name, _, _ in SEEN:
        if name in seen:
            seen[name] += 1
    print("python=%s impl=%s task_type=%s seen=A:%d,B:%d actual=A:%d,B:%d match=%s"
          % (sys.version.split()[0], impl, type(ta).__module__ + "." + type(ta).__name__,
             seen["A"], seen["B"], ACTUAL["A"], ACTUAL["B"],
             "yes" if seen == ACTUAL else "no"))


if __name__ == "__main__":
    main()
