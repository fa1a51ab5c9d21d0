"""A metrics coroutine calls the blocking time.sleep next to a heartbeat coroutine that awaits asyncio.sleep.

Expected:
loop-never-blocked: no
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio
import time

beats = 0
flushes = 0


async def flush_metrics():
    global flushes
    time.sleep(0.1)  # blocks the whole loop; should be await asyncio.sleep(0.1)
    flushes += 1


async def heartbeat():
    global beats
    for _ in range(3):
        await asyncio.sleep(0.01)
        beats += 1


async def main():
    await asyncio.gather(heartbeat(), flush_metrics())
    print("beats", beats, "flushes", flushes)


if __name__ == "__main__":
    asyncio.run(main())
