# Rule 4: asyncio.Lock / asyncio.Semaphore(1) fairness: can a task barge past a woken waiter?
#
# H acquires, then W1 and W2 queue (in that order).  H releases and, in the same step (before
# the woken W1 has run), tries to acquire again; a newcomer N also calls acquire right after
# H's release, in the same round.  The order in which the four acquisitions complete is printed:
# strict FIFO without barging gives  H,W1,W2,H,N  (H's second acquire queues behind W2 because
# it queued first); barging gives H,H,...  (H re-takes at once).
#
#   python asyncio_lock_fairness.py
# Prints one line: version lock=ORDER sem=ORDER
import asyncio
import sys


async def scenario(prim):
    order = []

    async def holder():
        await prim.acquire()
        order.append("H")
        await asyncio.sleep(0.01)      # W1, W2 queue meanwhile
        prim.release()
        asyncio.ensure_future(newcomer())
        await prim.acquire()           # same step as the release: barge?
        order.append("H")
        prim.release()

    async def newcomer():
        await prim.acquire()
        order.append("N")
        prim.release()

    async def waiter(name):
        await asyncio.sleep(0.001)
        await prim.acquire()
        order.append(name)
        await asyncio.sleep(0)
        prim.release()

    await asyncio.gather(holder(), waiter("W1"), waiter("W2"))
    await asyncio.sleep(0.01)
    return ",".join(order)


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    lock = loop.run_until_complete(scenario(asyncio.Lock()))
    sem = loop.run_until_complete(scenario(asyncio.Semaphore(1)))
    loop.close()
    print("python=%s lock=%s sem=%s" % (sys.version.split()[0], lock, sem))


if __name__ == "__main__":
    main()
