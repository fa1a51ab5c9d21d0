"""Four upload threads share a threading.Semaphore(2) so that at most two uploads are in flight, and count completions under a lock.

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import threading
import time

slots = threading.Semaphore(2)
lock = threading.Lock()
uploaded = 0


def upload():
    global uploaded
    with slots:
        time.sleep(0.02)  # sending one file to object storage
    with lock:
        uploaded += 1


if __name__ == "__main__":
    threads = [threading.Thread(target=upload) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("uploaded", uploaded)
