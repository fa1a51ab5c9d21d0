"""A non-daemon worker thread serves jobs from a queue.Queue in a while-True loop, so the process never exits once the jobs run out.

Expected:
loop-never-blocked: n/a
no-lost-update: n/a
no-deadlock: no
offload-in-parallel: n/a
"""
import queue
import threading
import time

jobs = queue.Queue()


def serve():
    while True:
        job = jobs.get()  # blocks forever once the queue is empty
        time.sleep(0.01)  # handling one request
        print("served", job)


if __name__ == "__main__":
    worker = threading.Thread(target=serve)
    worker.start()
    for _ in range(3):
        jobs.put(1)
    worker.join()
    print("never printed")
