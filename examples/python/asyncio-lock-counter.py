"""Three deposit coroutines update a shared balance with a read, an await and a write, all inside one asyncio.Lock.

Expected:
loop-never-blocked: yes
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio

balance = 0
alock = asyncio.Lock()


async def deposit():
    global balance
    for _ in range(2):
        async with alock:
            tmp = balance
            await asyncio.sleep(0)  # another task may run here, but cannot enter the lock
            balance = tmp + 1


async def main():
    await asyncio.gather(deposit(), deposit(), deposit())
    print("balance", balance, "expected", 6)


if __name__ == "__main__":
    asyncio.run(main())
