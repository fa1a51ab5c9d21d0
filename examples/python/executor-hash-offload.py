"""Two SHA-256 digests of large buffers offloaded with run_in_executor, where hashlib releases the GIL while it hashes.

Expected:
loop-never-blocked: yes
no-lost-update: n/a
no-deadlock: yes
offload-in-parallel: yes
"""
import asyncio
import hashlib
import time


def digest(label):
    data = b"block" * 4000000  # 20 MB, well over hashlib's 2048-byte threshold
    return hashlib.sha256(data).hexdigest()


async def main():
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    await asyncio.gather(
        loop.run_in_executor(None, digest, "left"),
        loop.run_in_executor(None, digest, "right"),
    )
    print("two digests in %.3f s" % (time.perf_counter() - start))


if __name__ == "__main__":
    asyncio.run(main())
