"""A coroutine runs an external command with the blocking subprocess.run while a ticker task waits on the same loop.

Expected:
loop-never-blocked: no
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio
import subprocess

ticks = 0
builds = 0


async def build():
    global builds
    # Blocks the loop thread until the child exits.
    subprocess.run(["sleep", "0.05"])
    builds += 1


async def ticker():
    global ticks
    for _ in range(3):
        await asyncio.sleep(0.01)
        ticks += 1


async def main():
    await asyncio.gather(ticker(), build())
    print("ticks", ticks, "builds", builds)


if __name__ == "__main__":
    asyncio.run(main())
