"""A loader thread sets a threading.Event once the settings are in, releasing a worker thread that waits on it.

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import threading
import time

ready = threading.Event()
settings = {}
reports = 0


def loader():
    time.sleep(0.02)  # reading the settings from a slow mount
    settings["mode"] = 1
    ready.set()
    time.sleep(0.01)  # closing the connection to the mount


def worker():
    global reports
    ready.wait()
    time.sleep(0.01)  # writing the first report
    reports += 1


if __name__ == "__main__":
    w = threading.Thread(target=worker)
    l = threading.Thread(target=loader)
    w.start()
    l.start()
    l.join()
    w.join()
    print("settings", settings, "reports", reports)
