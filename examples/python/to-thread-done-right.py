"""A slow blocking flush is handed to asyncio.to_thread while a ticker task keeps running on the loop.

Expected:
loop-never-blocked: yes
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import asyncio
import time

ticks = 0
flushed = 0


async def flush():
    global flushed
    await asyncio.to_thread(time.sleep, 0.05)  # stands for a blocking disk flush
    flushed += 1


async def ticker():
    global ticks
    for _ in range(5):
        await asyncio.sleep(0.01)
        ticks += 1


async def main():
    await asyncio.gather(ticker(), flush())
    print("ticks", ticks, "flushed", flushed)


if __name__ == "__main__":
    asyncio.run(main())
