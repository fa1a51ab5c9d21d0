"""Two CPU-bound scoring coroutines with no await inside their loops, gathered beside a ticker task.

Expected:
loop-never-blocked: no
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio

scores = {}
ticks = 0


async def score(name):
    total = 0
    for i in range(300000):
        total += i * i
    scores[name] = total


async def ticker():
    global ticks
    for _ in range(3):
        await asyncio.sleep(0.01)
        ticks += 1


async def main():
    await asyncio.gather(ticker(), score("alpha"), score("beta"))
    print("ticks", ticks, "scores", sorted(scores))


if __name__ == "__main__":
    asyncio.run(main())
