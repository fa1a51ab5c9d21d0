"""Two daemon worker threads serve jobs from a queue.Queue in a while-True loop that never returns, and the main thread exits after a grace period.

Expected:
loop-never-blocked: n/a
no-lost-update: n/a
no-deadlock: yes
offload-in-parallel: yes
"""
import queue
import threading
import time

jobs = queue.Queue()
lock = threading.Lock()
handled = 0


def serve():
    global handled
    while True:
        job = jobs.get()
        time.sleep(0.01)  # handling one request
        with lock:
            handled += 1


if __name__ == "__main__":
    # The workers never finish; as daemon threads they end when the main thread exits.
    workers = [threading.Thread(target=serve, daemon=True) for _ in range(2)]
    for w in workers:
        w.start()
    for _ in range(4):
        jobs.put(1)
    time.sleep(0.1)
    print("handled", handled)
