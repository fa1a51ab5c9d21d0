"""Three threads bump a shared page-view counter with no lock, and each increment waits on a slow read of the delta.

Expected:
loop-never-blocked: n/a
no-lost-update: no
no-deadlock: yes
offload-in-parallel: yes
"""
import threading
import time

counter = 0


def read_delta():
    time.sleep(0.001)  # the GIL is released here, after counter was already loaded
    return 1


def record_views():
    global counter
    for _ in range(2):
        counter += read_delta()


if __name__ == "__main__":
    threads = [threading.Thread(target=record_views) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("counter", counter, "expected", 6)
