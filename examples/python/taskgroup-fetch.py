"""An asyncio.TaskGroup starts one non-blocking fetch task per URL and waits for all of them.

Expected:
loop-never-blocked: yes
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio

URLS = ["http://example.com/", "http://example.org/", "http://example.net/"]

statuses = {}
fetched = 0


async def fetch(u):
    global fetched
    await asyncio.sleep(0.02)  # stands for a non-blocking HTTP GET
    statuses[u] = 200
    fetched += 1


async def main():
    async with asyncio.TaskGroup() as tg:
        for u in URLS:
            tg.create_task(fetch(u))
    print("fetched", fetched, statuses)


if __name__ == "__main__":
    asyncio.run(main())
