"""Request handler coroutines wait on an asyncio.Event that a warm-up coroutine sets once its cache is loaded.

Expected:
loop-never-blocked: yes
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio

warm = asyncio.Event()
cache = {}
answered = 0


async def warm_up():
    await asyncio.sleep(0.02)  # loading the cache from a remote store
    cache["greeting"] = 1
    warm.set()


async def handle():
    global answered
    await warm.wait()
    await asyncio.sleep(0.001)  # writing the response
    answered += 1


async def main():
    await asyncio.gather(handle(), handle(), warm_up())
    print("answered", answered, "cache", cache)


if __name__ == "__main__":
    asyncio.run(main())
