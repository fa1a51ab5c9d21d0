"""Async crawler whose fetch coroutine calls the blocking urllib.request.urlopen directly, beside a heartbeat task.

Expected:
loop-never-blocked: no
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio
import urllib.request

URLS = ["http://example.com/", "http://example.org/", "http://example.net/"]

pages = {}
beats = 0


async def fetch(u):
    # Blocking call on the loop thread: nothing else on the loop runs until it returns.
    body = urllib.request.urlopen(u).read()
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
