"""A transfer thread takes the accounts lock then the audit lock while an audit thread takes them in the opposite order.

Expected:
loop-never-blocked: n/a
no-lost-update: n/a
no-deadlock: no
offload-in-parallel: yes
"""
import threading
import time

accounts_lock = threading.Lock()
audit_lock = threading.Lock()


def transfer():
    with accounts_lock:
        time.sleep(0.01)  # debiting the source account
        with audit_lock:
            print("transfer logged")


def audit():
    with audit_lock:
        time.sleep(0.01)  # flushing the audit log
        with accounts_lock:
            print("balances checked")


if __name__ == "__main__":
    t1 = threading.Thread(target=transfer)
    t2 = threading.Thread(target=audit)
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    print("done")
