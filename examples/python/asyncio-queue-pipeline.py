"""A producer coroutine feeds an asyncio.Queue that a consumer coroutine drains, both awaiting non-blocking sleeps.

Expected:
loop-never-blocked: yes
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio

jobs = asyncio.Queue()
processed = 0


async def producer():
    for _ in range(3):
        await asyncio.sleep(0.005)  # waiting for the next event from a feed
        await jobs.put(1)


async def consumer():
    global processed
    for _ in range(3):
        item = await jobs.get()
        await asyncio.sleep(0.002)  # writing the event to a store
        processed += item


async def main():
    await asyncio.gather(producer(), consumer())
    print("processed", processed)


if __name__ == "__main__":
    asyncio.run(main())
