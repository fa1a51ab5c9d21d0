# Rule 2: the default executor's size and whether an idle worker is reused.
#
# - max_workers of ThreadPoolExecutor() and of asyncio's default executor
#   (loop.run_in_executor(None, ...)), beside os.cpu_count()
# - seq: threads started after 6 jobs submitted one after another, each awaited before the next
#   (3.8+: the idle worker is reused -> 1; <= 3.7: a new thread per submit up to max_workers)
# - conc: the most jobs running at once when 40 jobs that sleep 50 ms are submitted together
#
#   python executor_default_size.py
# Prints one line: version cpus max_workers asyncio_max_workers seq conc
import asyncio
import concurrent.futures
import os
import sys
import threading
import time


def main():
    ex = concurrent.futures.ThreadPoolExecutor()
    for _ in range(6):
        ex.submit(time.sleep, 0.005).result()
        time.sleep(0.01)
    seq = len(ex._threads)
    ex.shutdown()

    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def job():
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1

    ex = concurrent.futures.ThreadPoolExecutor()
    fs = [ex.submit(job) for _ in range(40)]
    for f in fs:
        f.result()
    conc = state["max"]
    mw = ex._max_workers
    ex.shutdown()

    loop = asyncio.new_event_loop()
    loop.run_until_complete(loop.run_in_executor(None, time.sleep, 0))
    amw = loop._default_executor._max_workers
    loop.close()
    print("python=%s cpus=%s max_workers=%d asyncio_max_workers=%d seq=%d conc=%d"
          % (sys.version.split()[0], os.cpu_count(), mw, amw, seq, conc))


if __name__ == "__main__":
    main()
