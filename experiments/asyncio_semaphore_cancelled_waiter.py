# Rule: what does cancelling the waiter that asyncio.Semaphore has just woken do to the permit?
#
# holder takes Semaphore(1)'s permit and gives it back; release wakes victim, and boss cancels
# victim in the same round, before it resumes (models/cancel/semaphore-woken-waiter-cancelled).
# A late task then asks for the free permit. 3.9's acquire leaves `_wakeup_scheduled` set when
# the woken waiter is cancelled and wakes no one (its CancelledError handler only calls
# `_wake_up_next`), so the late task waits with the permit free; 3.8 and 3.10+ let it in.
#
#   python asyncio_semaphore_cancelled_waiter.py
# Prints one line: result: <stranded or not>, whether late got the permit, permits free
import asyncio
import sys


async def main():
    s = asyncio.Semaphore(1)
    got = []

    async def holder():
        await s.acquire()
        await asyncio.sleep(0)
        s.release()

    async def victim():
        await s.acquire()
        s.release()

    async def boss():
        await asyncio.sleep(0)
        tasks[1].cancel()

    async def late():
        await asyncio.sleep(0.05)
        await s.acquire()
        got.append("late")
        s.release()

    tasks = [asyncio.ensure_future(c) for c in (holder(), victim(), boss(), late())]
    await asyncio.wait(tasks, timeout=0.5)
    stranded = not got
    print("result: %s: late %s the permit, %d permit(s) free, victim cancelled: %s (python %s)"
          % ("stranded" if stranded else "not stranded", "did not get" if stranded else "got",
             s._value, tasks[1].cancelled(), sys.version.split()[0]))
    for t in tasks:
        t.cancel()


asyncio.get_event_loop().run_until_complete(main())
