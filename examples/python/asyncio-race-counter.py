"""Three deposit coroutines update a shared balance with a read, an await and a write, and no lock around them.

Expected:
loop-never-blocked: yes
no-lost-update: no
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio

balance = 0


async def deposit():
    global balance
    for _ in range(2):
        tmp = balance
        await asyncio.sleep(0)  # every other deposit reads the same stale balance here
        balance = tmp + 1


async def main():
    await asyncio.gather(deposit(), deposit(), deposit())
    print("balance", balance, "expected", 6)


if __name__ == "__main__":
    asyncio.run(main())
