"""Three deposit threads each fetch a rate outside the lock, then update a shared balance between lock.acquire() and lock.release().

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import threading
import time

balance = 100
lock = threading.Lock()


def deposit():
    global balance
    for _ in range(2):
        time.sleep(0.005)  # fetching the exchange rate, outside the lock
        lock.acquire()
        tmp = balance
        time.sleep(0.001)  # writing the ledger entry
        balance = tmp + 10
        lock.release()


if __name__ == "__main__":
    threads = [threading.Thread(target=deposit) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("balance", balance, "expected", 160)
