"""Two pure-Python jobs offloaded with run_in_executor beside a ticker task, which must win the GIL back after every poll.

Expected:
loop-never-blocked: no
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: no
"""
import asyncio

results = {}
ticks = 0


def crunch(label):
    total = 0
    for i in range(300000):
        total += i * i
    return total


async def job(label):
    loop = asyncio.get_running_loop()
    value = await loop.run_in_executor(None, crunch, label)
    results[label] = value


async def ticker():
    global ticks
    for _ in range(5):
        await asyncio.sleep(0.01)
        ticks += 1


async def main():
    await asyncio.gather(ticker(), job("a"), job("b"))
    print("ticks", ticks, "jobs", sorted(results))


if __name__ == "__main__":
    asyncio.run(main())
