"""Two producer threads append readings to a shared list while a consumer thread waits for an event and then totals them.

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import threading
import time

items = []
produced = 0
total = 0
lock = threading.Lock()
done = threading.Event()


def produce():
    global produced
    for _ in range(3):
        time.sleep(0.005)  # waiting on a sensor
        items.append(7)
        with lock:
            produced += 1


def consume():
    global total
    done.wait()
    total += sum(items)


if __name__ == "__main__":
    consumer = threading.Thread(target=consume)
    p1 = threading.Thread(target=produce)
    p2 = threading.Thread(target=produce)
    consumer.start()
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    done.set()
    consumer.join()
    print("produced", produced, "total", total)
