"""Does cancelling a task inside asyncio.wait_for get lost when the inner task has just finished?

The waiter awaits wait_for(target, 5); target finishes in the second round, and in the same
round (before the waiter resumes) boss cancels the waiter. Prints "lost" when the waiter goes
on as if not cancelled, "cancelled" otherwise. Model: timeouts/wait-for-cancel-lost.
"""
import asyncio


async def main():
    done = []

    async def target():
        await asyncio.sleep(0)

    async def waiter():
        await asyncio.wait_for(t, 5)
        done.append("went on")

    async def boss():
        await asyncio.sleep(0)
        w.cancel()

    t = asyncio.ensure_future(target())
    w = asyncio.ensure_future(waiter())
    b = asyncio.ensure_future(boss())
    await asyncio.gather(t, w, b, return_exceptions=True)
    print("lost" if done and not w.cancelled() else "cancelled")


asyncio.get_event_loop().run_until_complete(main())
