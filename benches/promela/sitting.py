#!/usr/bin/env python3
"""One sitting of the race comparison: SPIN, gilcheck on one core and gilcheck on two, in
turn, for several rounds, so that the machine's drift touches all three alike.

Run from the repository root (after `cargo build --release`; SPIN from `apt-get install
spin`):

    python3 benches/promela/sitting.py            # race N = 5, five rounds
    python3 benches/promela/sitting.py --n 4 --rounds 3

Prints each round and a Markdown row of medians: SPIN's seconds and peak memory, gilcheck's
on one core (and its fraction of SPIN's time), on two cores, and two against one as the
median of the rounds' own ratios.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GILCHECK = os.path.join("target", "release", "gilcheck")


def build_pan(n, work):
    """Builds SPIN's verifier for race N with full state storage, as the README states."""
    subprocess.run(["spin", f"-DN={n}", "-a", os.path.join(HERE, "race.pml")], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["gcc", "-O2", "-DSAFETY", "-DNOREDUCE", "-DNOCLAIM", "-w", "-o", "pan", "pan.c"], cwd=work,
                   check=True)
    return os.path.join(work, "pan")


def run_spin(pan, work):
    """SPIN's wall seconds and the states it stored."""
    start = time.monotonic()
    out = subprocess.run([pan, "-m1000000", "-w26"], cwd=work, check=True, capture_output=True, text=True).stdout
    seconds = time.monotonic() - start
    stored = next(line.split()[0] for line in out.splitlines() if "states, stored" in line)
    return seconds, int(stored)


def run_gilcheck(n, threads):
    out = subprocess.run([GILCHECK, "bench", "--row", f"race-{n}-nosym", "--threads", str(threads)], check=True,
                         capture_output=True, text=True).stdout
    row = json.loads(out)
    return row["seconds"], row["states"], row["peak_kib"] / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5, help="threads racing (2..6)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not os.path.exists(GILCHECK):
        sys.exit(f"{GILCHECK} is missing: run `cargo build --release` first")
    with tempfile.TemporaryDirectory() as work:
        pan = build_pan(args.n, work)
        spin, one, two, ratios, one_mib = [], [], [], [], 0.0
        for r in range(1, args.rounds + 1):
            s, spin_states = run_spin(pan, work)
            # The largest child so far, which is SPIN (gilcheck takes a sixth of it).
            spin_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            t1, states, mib = run_gilcheck(args.n, 1)
            t2, states2, _ = run_gilcheck(args.n, 2)
            if not spin_states == states == states2:
                sys.exit(f"state counts differ: SPIN {spin_states}, gilcheck {states} and {states2}")
            spin.append(s)
            one.append(t1)
            two.append(t2)
            ratios.append(t1 / t2)
            one_mib = max(one_mib, mib)
            print(f"round {r}: SPIN {s:.2f} s, one core {t1:.2f} s, two cores {t2:.2f} s ({t1 / t2:.2f}x)",
                  flush=True)
    med = statistics.median
    print(f"\nrace N = {args.n}, {states:,} states, {args.rounds} rounds (medians):")
    print("| SPIN | gilcheck, one core | of SPIN's time | two cores | two against one |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {med(spin):.2f} s, {spin_mib:,.0f} MiB | {med(one):.2f} s, {one_mib:,.0f} MiB | "
          f"{med(one) / med(spin):.2f} | {med(two):.2f} s | {med(ratios):.2f}x |")


if __name__ == "__main__":
    main()
