"""Three threads each zlib-compress a multi-megabyte log segment, and zlib releases the GIL around deflate.

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import threading
import time
import zlib

sizes = {}


def compress_segment(name):
    data = b"2024-05-01 12:00:00 GET /index.html 200\n" * 200000  # about 8 MB
    packed = zlib.compress(data)
    sizes[name] = len(packed)


if __name__ == "__main__":
    start = time.perf_counter()
    t1 = threading.Thread(target=compress_segment, args=("mon",))
    t2 = threading.Thread(target=compress_segment, args=("tue",))
    t3 = threading.Thread(target=compress_segment, args=("wed",))
    t1.start()
    t2.start()
    t3.start()
    t1.join()
    t2.join()
    t3.join()
    print("sizes", sizes, "in %.3f s" % (time.perf_counter() - start))
