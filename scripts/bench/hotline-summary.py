#!/usr/bin/env python3
"""Prints hotline's bench figures from the files scripts/bench/hotline.sh left in STATE.

usage: hotline-summary.py STATE RUNS LATENCY_RUNS ORDERS HOUSEHOLDS RATE SECONDS WARMUP LOAD_BEFORE LOAD_AFTER
"""
import statistics
import sys

state, runs, latency_runs, orders, households, rate, seconds, warmup, load_before, load_after = sys.argv[1:11]
runs, latency_runs, orders = int(runs), int(latency_runs), int(orders)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def spread(values, fmt="%.0f"):
    return f"{fmt % statistics.median(values)} ({fmt % min(values)}–{fmt % max(values)})"


rows = [line.split() for line in open(f"{state}/throughput.runs")]
rates = [orders / float(r[0]) for r in rows]
ceilings = [orders / float(r[1]) for r in rows]
last = rows[-1][2:]
print(f"hotline: registry of {int(households):,} households ({3 * int(households):,} people, 800 villages); load average {load_before} before, {load_after} after")
print(f"  {orders:,} work orders published at once, to every order recorded (read, household found, repeats merged) and its events published, {runs} runs:")
print(f"    {spread(rates)} orders/s | the Python client reading them back {spread(ceilings)} orders/s | ratio {100 * statistics.median(rates) / statistics.median(ceilings):.1f}%")
print(f"    last run: recorded {last[0]}, risk {last[1]}, leads {last[2]}, merged into an earlier lead {last[3]}; found by ID number {last[4]}, "
      f"phone {last[5]}, name in the spoken village {last[6]}; village only from the address {last[7]}; no village (district triage) {last[8]}; events published {last[9]}")

hop, floor, stage_handle, stage_relay, stage_read, counts = [], [], [], [], [], []
for run in range(1, latency_runs + 1):
    measured = [line.split() for line in open(f"{state}/latency-{run}")]
    scheduled = {key: float(at) for key, at, _ in measured}
    read = {key: float(t) for key, _, t in measured if t != "lost"}
    latencies = [1000 * (read[k] - scheduled[k]) for k in read]
    stages = {key: (float(c), float(s)) for key, c, s in (line.split() for line in open(f"{state}/stages-{run}") if len(line.split()) == 3)}
    handle = [1000 * (stages[k][0] - scheduled[k]) for k in read if k in stages]
    relay = [1000 * (stages[k][1] - stages[k][0]) for k in read if k in stages]
    to_read = [1000 * (read[k] - stages[k][1]) for k in read if k in stages]
    risk, recorded = open(f"{state}/recorded-{run}").read().split()
    floor_rows = [line.split() for line in open(f"{state}/floor-{run}")]
    floor_latencies = [1000 * (float(t) - float(at)) for _, at, t in floor_rows if t != "lost"]
    hop.append(latencies)
    floor.append(floor_latencies)
    stage_handle.append(handle)
    stage_relay.append(relay)
    stage_read.append(to_read)
    counts.append(f"{len(read)}/{len(measured)} (risk {risk} of {recorded} recorded)")


def row(series, label):
    parts = []
    for p in (50, 90, 99, 99.9, 100):
        values = [pct(s, p) for s in series if s]
        parts.append(f"p{p if p != 100 else 'max'} {statistics.median(values):.1f}" + (f" ({min(values):.1f}–{max(values):.1f})" if p == 99 else ""))
    return f"    {label}: " + ", ".join(parts).replace("pmax", "max") + " ms"


print(f"  publish → RiskLeadRaised read from hotline.leads, open loop at {rate} risk orders/s, {seconds} s after {warmup} s warm-up, "
      f"latency from the scheduled send, medians of {latency_runs} runs (p99 range):")
print(row(hop, "publish → lead"))
print(row(floor, "broker floor (Python producer → Python consumer, same rate)"))
print("    stages, p50/p99: publish → lead written to the outbox "
      f"{statistics.median(pct(s, 50) for s in stage_handle):.1f}/{statistics.median(pct(s, 99) for s in stage_handle):.1f} ms; "
      f"outbox → published {statistics.median(pct(s, 50) for s in stage_relay):.1f}/{statistics.median(pct(s, 99) for s in stage_relay):.1f} ms; "
      f"published → read {statistics.median(pct(s, 50) for s in stage_read):.1f}/{statistics.median(pct(s, 99) for s in stage_read):.1f} ms")
print("    leads read / measured orders per run: " + "; ".join(counts))
