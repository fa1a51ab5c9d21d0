# Rules 5 and 6: does a call release the GIL while it runs?
#
# Thread B is cooperative: `while not done: b += 1; time.sleep(1e-5)`, so it wants the GIL
# back every ~10 us but never forces a switch (the switch interval is set to 10 s, and on 2.7
# the check interval to 2**30, so no drop request / ticker release ever happens).
# Thread A runs N times:  s = b; OP; if b != s: changed += 1
# B can run during OP only if OP releases the GIL, so changed > 0 means "OP releases the GIL"
# (possibly only sometimes: a thread woken by the release must also win the race for it).
#
#   python gil_release_probe.py OP [N]
#     sleep0        time.sleep(0)
#     epoll0        selectors.DefaultSelector().select(0) on an idle pipe (2.7: select.epoll().poll(0))
#     select0       select.select([r], [], [], 0) on an idle pipe
#     lock_free     lk.acquire(); lk.release() on a free threading.Lock
#     sha_2047      hashlib.sha256(2047 bytes)       (below HASHLIB_GIL_MINSIZE)
#     sha_2048      hashlib.sha256(2048 bytes)
#     sha_1M        hashlib.sha256(1 MiB)
#     shaupd_2048   h.update(2048 bytes) on an existing sha256 object
#     shaupd_1M     h.update(1 MiB) on an existing sha256 object
#     zlib_1M       zlib.compress(1 MiB)              (candidate c_nogil where hashlib lacks OpenSSL)
#     sum_range     sum(range(1000))                  (control: keeps the GIL)
#     abs           abs(1)                            (control)
# Prints one line: version op n changed
from __future__ import print_function

import hashlib
import os
import select
import sys
import threading
import time


def make_op(name):
    r, w = os.pipe()
    if name == "sleep0":
        return lambda: time.sleep(0)
    if name == "epoll0":
        try:
            import selectors
            sel = selectors.DefaultSelector()
            sel.register(r, selectors.EVENT_READ)
            return lambda: sel.select(0)
        except ImportError:
            ep = select.epoll()
            ep.register(r, select.EPOLLIN)
            return lambda: ep.poll(0)
    if name == "select0":
        return lambda: select.select([r], [], [], 0)
    if name == "lock_free":
        lk = threading.Lock()

        def op():
            lk.acquire()
            lk.release()
        return op
    if name.startswith("sha_"):
        size = {"sha_2047": 2047, "sha_2048": 2048, "sha_1M": 1 << 20}[name]
        buf = b"x" * size
        return lambda: hashlib.sha256(buf)
    if name.startswith("shaupd_"):
        size = {"shaupd_2048": 2048, "shaupd_1M": 1 << 20}[name]
        buf = b"x" * size
        h = hashlib.sha256()
        return lambda: h.update(buf)
    if name == "zlib_1M":
        import zlib
        buf = os.urandom(1 << 20)
        return lambda: zlib.compress(buf, 1)
    if name == "sum_range":
        return lambda: sum(range(1000))
    if name == "abs":
        return lambda: abs(1)
    raise SystemExit("unknown op " + name)


state = {"b": 0, "done": False}


def spinner():
    sleep = time.sleep
    st = state
    while not st["done"]:
        st["b"] += 1
        sleep(1e-5)


def main():
    name = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else (2000 if name.endswith("_1M") else 100000)
    op = make_op(name)
    try:
        sys.setswitchinterval(10.0)
    except AttributeError:
        sys.setcheckinterval(1 << 30)
    tb = threading.Thread(target=spinner)
    tb.start()
    time.sleep(0.01)
    st = state
    changed = 0
    for _ in range(n):
        s = st["b"]
        op()
        if st["b"] != s:
            changed += 1
    st["done"] = True
    tb.join()
    print("python=%s op=%s n=%d changed=%d" % (sys.version.split()[0], name, n, changed))


if __name__ == "__main__":
    main()
