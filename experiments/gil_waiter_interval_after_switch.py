# Rule 7: when does a GIL waiter that did not get the GIL at a switch ask for it again?
#
# New GIL (take_gil): each waiter waits on gil->cond for `interval`; when that wait times out
# and a switch happened meanwhile, it does NOT set the drop request but waits a *fresh*
# interval counted from the timeout.  drop_gil wakes one waiter (COND_SIGNAL).  So after a
# switch, a waiter that was not woken keeps its old deadline and asks only at
# old_deadline + interval, not at switch + interval.
#
# Timeline (interval I = 20 ms):  H spins from 0 and at 25 ms goes to sleep (voluntary drop,
# no drop request pending);  B spins after sleeping 10 ms (waits for the GIL from 10: deadline
# 30);  C spins after sleeping 17 ms (waits from 17: deadline 37).  At 25 one of B, C takes the
# GIL (the other was not woken, or lost the race) and spins.  We measure how long the new
# holder runs before the other one gets the GIL:
#   "switch + I" rule (each waiter restarts its interval at the switch): ~20 ms
#   CPython's rule: B took -> C asks at 37 + 20 = 57: ~32 ms; C took -> B asks at 30 + 20: ~25 ms
#
#   python gil_waiter_interval_after_switch.py [RUNS]
# Prints one line: version runs first-holder counts, median run length of the new holder (ms)
from __future__ import print_function

import sys
import threading
import time

clock = getattr(time, "perf_counter", time.time)
I = 0.020


def trial():
    stamps = {"B": [], "C": []}
    stop = [False]
    t0 = clock() + 0.05          # every thread is started and asleep before t0

    def sleep_until(t):
        d = t - clock()
        if d > 0:
            time.sleep(d)

    def spinner(name, at):
        sleep_until(t0 + at)
        app = stamps[name].append
        c = clock
        while not stop[0]:
            app(c())

    def holder():
        sleep_until(t0)
        while clock() - t0 < 0.025:
            pass
        time.sleep(0.2)

    ts = [threading.Thread(target=holder),
          threading.Thread(target=spinner, args=("B", 0.010)),
          threading.Thread(target=spinner, args=("C", 0.017))]
    for t in ts:
        t.start()
    sleep_until(t0 + 0.15)
    stop[0] = True
    for t in ts:
        t.join()
    b, c = stamps["B"], stamps["C"]
    if not b or not c:
        return None
    first, second = ("B", "C") if b[0] < c[0] else ("C", "B")
    s1 = stamps[first][0]
    s2 = stamps[second][0]
    return first, (s2 - s1) * 1e3, (s1 - t0) * 1e3


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    sys.setswitchinterval(I)
    res = [r for r in (trial() for _ in range(runs)) if r]
    out = []
    for who in ("B", "C"):
        xs = sorted(r[1] for r in res if r[0] == who)
        took = sorted(r[2] for r in res if r[0] == who)
        if xs:
            out.append("%s_first=%d run_ms_median=%.1f run_ms_min=%.1f run_ms_max=%.1f took_at_ms=%.1f"
                       % (who, len(xs), xs[len(xs) // 2], xs[0], xs[-1], took[len(took) // 2]))
        else:
            out.append("%s_first=0" % who)
    print("python=%s runs=%d %s" % (sys.version.split()[0], len(res), " ".join(out)))


if __name__ == "__main__":
    main()
