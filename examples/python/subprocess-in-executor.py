"""A coroutine hands a blocking subprocess.run to the default executor with run_in_executor while a ticker task keeps running.

Expected:
loop-never-blocked: yes
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import asyncio
import subprocess

ticks = 0
builds = 0


def run_step(name):
    subprocess.run(["sleep", "0.05"])  # stands for one build step


async def build():
    global builds
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, run_step, "compile")
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
