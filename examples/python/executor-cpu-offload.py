"""Two pure-Python checksum jobs handed to the default executor with run_in_executor and gathered by the main coroutine.

Expected:
loop-never-blocked: yes
no-lost-update: n/a
no-deadlock: yes
offload-in-parallel: no
"""
import asyncio
import time


def crunch(label):
    total = 0
    for i in range(300000):
        total += i * i
    return total


async def main():
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    # Both jobs run in pool threads, but they take turns holding the GIL.
    await asyncio.gather(
        loop.run_in_executor(None, crunch, "a"),
        loop.run_in_executor(None, crunch, "b"),
    )
    print("both jobs took %.3f s" % (time.perf_counter() - start))


if __name__ == "__main__":
    asyncio.run(main())
