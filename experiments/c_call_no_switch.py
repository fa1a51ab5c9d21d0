# Rule 6: does a long C call that keeps the GIL (sum(range(k)), sorted(big list)) ever check
# the eval breaker, i.e. can another thread run in the middle of it?
#
# Thread B spins in pure Python, appending a timestamp on every iteration.  The switch interval
# is 1 ms (2.7: check interval 100), so B asks for the GIL within ~1 ms of losing it.  Thread A
# runs the C call, timed.  If the call never lets the GIL go, B's longest gap between two
# timestamps is about the whole call; if it did, the gap stays near the switch interval.
#
#   python c_call_no_switch.py CALL      CALL: sum_range | sorted | zlib (releases: contrast)
# Prints one line: version call call_ms max_gap_ms
from __future__ import print_function

import os
import sys
import threading
import time

clock = getattr(time, "perf_counter", time.time)
state = {"done": False}
stamps = []


def spinner():
    st = state
    app = stamps.append
    c = clock
    while not st["done"]:
        app(c())
        for _ in range(20):
            pass


def main():
    name = sys.argv[1]
    if name == "sum_range":
        k = 20000000
        call = lambda: sum(range(k))
    elif name == "sorted":
        data = list(range(3000000, 0, -1))
        import random
        random.seed(1)
        random.shuffle(data)
        call = lambda: sorted(data)
    elif name == "zlib":
        import zlib
        buf = os.urandom(8 << 20)
        call = lambda: zlib.compress(buf, 6)
    else:
        raise SystemExit("unknown call " + name)
    try:
        sys.setswitchinterval(0.001)
    except AttributeError:
        sys.setcheckinterval(100)
    tb = threading.Thread(target=spinner)
    tb.start()
    time.sleep(0.05)
    t0 = clock()
    call()
    t1 = clock()
    time.sleep(0.05)
    state["done"] = True
    tb.join()
    inside = [s for s in stamps if t0 - 0.002 <= s <= t1 + 0.002]
    pts = [t0] + inside + [t1]
    gap = max(b - a for a, b in zip(pts, pts[1:]))
    print("python=%s call=%s call_ms=%.1f max_gap_ms=%.1f"
          % (sys.version.split()[0], name, (t1 - t0) * 1e3, gap * 1e3))


if __name__ == "__main__":
    main()
