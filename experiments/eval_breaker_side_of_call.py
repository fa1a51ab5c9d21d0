# Rule: on which side of a call the eval breaker is checked (3.10+: before the call starts,
# or after it returns?).
#
# Thread A loops:   a = k; CALL(k); b = k; k += 1      where CALL records k in R
# Thread B (observer) loops taking call-free snapshots  sa = a; sr = R-value; sb = b
# and classifies what it saw:
#   pre  : sa == k but the call has not run yet  (sa != sr): A was switched out between
#          `a = k` (STORE_GLOBAL) and the call's effect  -> a switch point before the call
#   post : the call ran but `b = k` not yet      (sr != sb): a switch point after the call
#          returned and before the next store
#   edge : everything equal (switch at the loop back-edge or elsewhere)
# On <= 3.9 B's own snapshot can be interrupted too, so the counts there are only indicative.
#
#   python eval_breaker_side_of_call.py CALL [N]
#     CALL  setattr : setattr(O, "v", k)    builtin C function (fastcall)
#           append  : L.append(k)          list.append on a global list (3.12+: specialised,
#                                          no check; 3.11 leaves this shape unspecialised)
#           append_local : LL.append(k)    the same list through a local (3.11 specialises it
#                                          to PRECALL_NO_KW_LIST_APPEND: no check)
#           append_cold : L.append(k)      in a fresh code object per iteration (3.8+), so the
#                                          call site is never specialised: the adaptive CALL
#                                          of 3.12+ checks after the call like 3.10's
#           setitem : R.__setitem__(0, k)  C slot wrapper called as a method
#           pyfunc  : f(k)                 a pure-Python function that stores k
# Prints one line: version call pre post edge
from __future__ import print_function

import sys
import threading

CALLS = {
    "setattr": ("setattr(O, 'v', k)", "O.v"),
    "append": ("L.append(k)", "L[-1]"),
    "append_local": ("LL.append(k)", "L[-1]"),
    "append_cold": ("L.append(k)", "L[-1]"),
    "setitem": ("R.__setitem__(0, k)", "R[0]"),
    "pyfunc": ("f(k)", "O.v"),
}


def main():
    call = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300000
    c, probe = CALLS[call]
    src_a = (
        "def writer(n):\n"
        "    global a, b, done\n"
        "    k = 1\n"
        "    LL = L\n"
        "    while k <= n:\n"
        "        a = k\n"
        "        " + c + "\n"
        "        b = k\n"
        "        k += 1\n"
        "    done = 1\n"
    )
    src_b = (
        "def observer():\n"
        "    pre = post = edge = 0\n"
        "    while not done:\n"
        "        sa = a\n"
        "        sr = " + probe + "\n"
        "        sb = b\n"
        "        if sa != sr:\n"
        "            pre += 1\n"
        "        elif sr != sb:\n"
        "            post += 1\n"
        "        else:\n"
        "            edge += 1\n"
        "    res.append((pre, post, edge))\n"
    )

    class Obj(object):
        pass

    o = Obj()
    o.v = 0
    res = []
    g = {"a": 0, "b": 0, "done": 0, "O": o, "L": [0], "R": [0], "res": res}
    exec("def f(k):\n    O.v = k\n", g)
    if call == "append_cold":
        exec("def step(k):\n    global a, b\n    a = k\n    L.append(k)\n    b = k\n", g)
        g["CODE"] = g["step"].__code__
        g["FunctionType"] = type(g["step"])
        g["G"] = g
        src_a = (
            "def writer(n):\n"
            "    global done\n"
            "    k = 1\n"
            "    while k <= n:\n"
            "        FunctionType(CODE.replace(), G)(k)\n"
            "        k += 1\n"
            "    done = 1\n"
        )
    exec(src_a, g)
    exec(src_b, g)
    try:
        sys.setswitchinterval(0.0001)
    except AttributeError:
        sys.setcheckinterval(100)
    tb = threading.Thread(target=g["observer"])
    ta = threading.Thread(target=g["writer"], args=(n,))
    tb.start()
    ta.start()
    ta.join()
    tb.join()
    pre, post, edge = res[0]
    print("python=%s call=%s n=%d pre=%d post=%d edge=%d"
          % (sys.version.split()[0], call, n, pre, post, edge))


if __name__ == "__main__":
    main()
