#!/usr/bin/env python3
"""Prints insurance's bench figures from the files scripts/bench/insurance.sh left in STATE.

usage: insurance-summary.py STATE RUNS CLAIMS HOUSEHOLDS CONCURRENCY LOAD_BEFORE LOAD_AFTER
"""
import statistics
import sys

state, runs, claims, households, concurrency, load_before, load_after = sys.argv[1:8]
claims = int(claims)
rows = [line.split() for line in open(f"{state}/runs")]


def spread(values, fmt="%.0f"):
    return f"{fmt % statistics.median(values)} ({fmt % min(values)}–{fmt % max(values)})"


rates = [claims / float(r[0]) for r in rows]
ceilings = [float(r[1]) for r in rows]
print(f"insurance: {claims:,} claims of {int(households):,} households approved at once by {concurrency} clients over two instances, "
      f"a fund for half of them; load average {load_before} before, {load_after} after")
print(f"  approvals (each answered: approved, or rejected for the fund or the yearly cap), {runs} runs:")
print(f"    {spread(rates)} approvals/s | pgbench, the same ledger transaction, {concurrency} clients: {spread(ceilings)} tps | "
      f"ratio {100 * statistics.median(rates) / statistics.median(ceilings):.1f}%")
for index, r in enumerate(rows, 1):
    approved, fund, cap, remaining, over = r[3:8]
    print(f"    run {index}: HTTP {r[2]}; approved {approved}, rejected for the fund {fund}, for the yearly cap {cap}; "
          f"left in the fund {int(remaining) / 100:.2f} yuan; households over their cap {over}")
