"""Three threads bump a shared page-view counter, each read-modify-write held under one threading.Lock.

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: no
"""
import threading
import time

counter = 0
lock = threading.Lock()


def read_delta():
    time.sleep(0.001)
    return 1


def record_views():
    global counter
    for _ in range(2):
        with lock:
            counter += read_delta()


if __name__ == "__main__":
    threads = [threading.Thread(target=record_views) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("counter", counter, "expected", 6)
