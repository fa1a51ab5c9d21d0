"""A reader thread feeds a bounded queue.Queue that a writer thread drains, each side doing blocking I/O per item.

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import queue
import threading
import time

chunks = queue.Queue(maxsize=2)
written = 0


def reader():
    for _ in range(4):
        time.sleep(0.01)  # reading a chunk from disk
        chunks.put(1)


def writer():
    global written
    for _ in range(4):
        chunk = chunks.get()
        time.sleep(0.01)  # writing the chunk to the network
        written += chunk


if __name__ == "__main__":
    r = threading.Thread(target=reader)
    w = threading.Thread(target=writer)
    r.start()
    w.start()
    r.join()
    w.join()
    print("written", written)
