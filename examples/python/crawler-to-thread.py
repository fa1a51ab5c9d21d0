"""Async crawler that hands each blocking urlopen download to a worker thread with asyncio.to_thread, beside a heartbeat task.

Expected:
loop-never-blocked: yes
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import asyncio
import urllib.request

URLS = ["http://example.com/", "http://example.org/", "http://example.net/"]

pages = {}
beats = 0


def download(u):
    return urllib.request.urlopen(u).read()


async def fetch(u):
    # The socket reads happen in a pool thread with the GIL released.
    body = await asyncio.to_thread(download, u)
    pages[u] = len(body)


async def heartbeat():
    global beats
    for _ in range(3):
        await asyncio.sleep(0.01)
        beats += 1


async def main():
    hb = asyncio.create_task(heartbeat())
    await asyncio.gather(*(fetch(u) for u in URLS))
    await hb
    print("pages:", pages, "beats:", beats)


if __name__ == "__main__":
    asyncio.run(main())
