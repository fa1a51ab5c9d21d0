# Rule: a task's end wakes the tasks awaiting it in the order they began to await it.
#
# Task a ends after a few rounds; c begins to await a at once, b one round later, although b
# was created first. A future runs its done-callbacks in the order they were added
# (Lib/asyncio/futures.py: __schedule_callbacks, call_soon for each), and awaiting a task adds
# the awaiting task's wake-up as a callback (Task.__step: add_done_callback(self.__wakeup)).
#
#   python asyncio_done_callback_order.py
# Prints one line: result: the order in which the awaiting tasks resumed
import asyncio
import sys

order = []


async def a():
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def b(t):
    await asyncio.sleep(0)
    await t
    order.append("b")


async def c(t):
    await t
    order.append("c")


async def main():
    t = asyncio.ensure_future(a())
    await asyncio.gather(b(t), c(t))


asyncio.get_event_loop().run_until_complete(main()) if sys.version_info < (3, 7) else asyncio.run(main())
print("result: resumed " + ", ".join(order) + " (python %d.%d.%d)" % sys.version_info[:3])
