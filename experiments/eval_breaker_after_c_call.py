# Rule: where the eval breaker is checked around a call (lost updates of a global counter).
#
# Two threads each run N iterations of one loop body on the global `x`; the result is the
# number of increments lost (2*N - x).  A lost update needs a thread switch between the
# load `v = x` and the store `x = v + 1`.
#
#   python eval_breaker_after_c_call.py PLACE CALL [N]
#     PLACE  before : c(); v = x; x = v + 1      (the call comes before the load)
#            after  : v = x; x = v + 1; c()      (the call comes after the store)
#            inside : v = x; c(); x = v + 1      (control: a call between load and store)
#            none   : v = x; x = v + 1           (no call in the body)
#     CALL   abs | len | append | sorted | isinstance | release | pyfunc
#
# Prints one line: version place call n lost
# Valid on 2.7 and 3.x (no f-strings).
from __future__ import print_function

import sys
import threading

CALLS = {
    "abs": "abs(1)",                     # builtin, METH_O
    "len": "len(L)",                     # builtin len (3.12+: CALL_NO_KW_LEN / CALL_LEN)
    "append": "L.append(1)",             # list.append (3.11+: specialised LIST_APPEND)
    "sorted": "sorted(S)",               # builtin with keywords
    "isinstance": "isinstance(x, int)",  # builtin isinstance (3.12+: specialised)
    "release": "lk.release()",           # threading.Lock.release (lk acquired just before)
    "pyfunc": "f()",                     # a pure-Python function that returns at once
}

BODIES = {
    "before": "    {c}\n    v = x\n    x = v + 1\n",
    "after": "    v = x\n    x = v + 1\n    {c}\n",
    "inside": "    v = x\n    {c}\n    x = v + 1\n",
    "none": "    v = x\n    x = v + 1\n",
}


def main():
    place = sys.argv[1]
    call = sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 300000
    c = CALLS[call]
    pre = "    lk.acquire()\n" if call == "release" else ""
    body = BODIES[place].replace("{c}", c)
    if call == "release" and place == "none":
        pre = ""
    src = (
        "def work(n):\n"
        "  global x\n"
        "  L = []\n"
        "  S = (3, 1, 2)\n"
        "  lk = threading.Lock()\n"
        "  for i in range(n):\n"
        + "".join("  " + line + "\n" for line in (pre + body).splitlines())
    )
    g = {"threading": threading, "x": 0}
    exec("def f():\n    pass\n", g)
    exec(src, g)
    try:
        sys.setswitchinterval(0.0001)
    except AttributeError:
        sys.setcheckinterval(100)
    ts = [threading.Thread(target=g["work"], args=(n,)) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("python=%s place=%s call=%s n=%d lost=%d"
          % (sys.version.split()[0], place, call, n, 2 * n - g["x"]))


if __name__ == "__main__":
    main()
