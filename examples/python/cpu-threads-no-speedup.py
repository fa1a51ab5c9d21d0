"""Two threads run the same pure-Python checksum loop, and the GIL lets only one of them execute bytecode at a time.

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: no
"""
import threading
import time

checksums = {}


def checksum(name):
    total = 0
    for i in range(300000):
        total += i * i
    checksums[name] = total


if __name__ == "__main__":
    start = time.perf_counter()
    t1 = threading.Thread(target=checksum, args=("left",))
    t2 = threading.Thread(target=checksum, args=("right",))
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    print("two checksums in %.3f s" % (time.perf_counter() - start))
