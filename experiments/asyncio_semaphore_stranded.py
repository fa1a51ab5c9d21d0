# Rule: can asyncio.Semaphore leave tasks waiting while permits are free?
#
# w waits on Semaphore(0); r releases three permits at once (the first is w's); n1 and n2 ask
# for one after the releases but before w resumes. 3.9's acquire (`_wakeup_scheduled`, bpo-45997)
# keeps n1 and n2 out while w's wake-up is pending and wakes no one when w resumes: they wait
# with two permits free until some later release. 3.8 lets them take the free permits; 3.10.13+
# hands permits over and a resumed waiter passes on what is left (gh-90155).
#
#   python asyncio_semaphore_stranded.py
# Prints one line: result: <stranded or not>, tasks finished, permits left free
import asyncio
import sys


async def main():
    s = asyncio.Semaphore(0)
    done = []

    async def w():
        await s.acquire()
        done.append("w")

    async def n(name):
        await asyncio.sleep(0)
        await s.acquire()
        done.append(name)

    async def r():
        s.release()
        s.release()
        s.release()

    tasks = [asyncio.ensure_future(c) for c in (w(), n("n1"), n("n2"), r())]
    await asyncio.wait(tasks, timeout=0.5)
    stranded = len(done) < 3
    print("result: %s: %d of 3 tasks got a permit, %d permits free (python %s)"
          % ("stranded" if stranded else "not stranded", len(done), s._value, sys.version.split()[0]))
    for t in tasks:
        t.cancel()


asyncio.get_event_loop().run_until_complete(main())
