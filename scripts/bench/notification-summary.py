#!/usr/bin/env python3
"""Prints notification's bench figures from the files scripts/bench/notification.sh left in STATE.

usage: notification-summary.py STATE RUNS LATENCY_RUNS EVENTS HOUSEHOLDS RATE SECONDS WARMUP LOAD_BEFORE LOAD_AFTER
"""
import statistics
import sys

state, runs, latency_runs, events, households, rate, seconds, warmup, load_before, load_after = sys.argv[1:11]
runs, latency_runs, events = int(runs), int(latency_runs), int(events)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def spread(values, fmt="%.0f"):
    return f"{fmt % statistics.median(values)} ({fmt % min(values)}–{fmt % max(values)})"


rows = [line.split() for line in open(f"{state}/throughput.runs")]
messages = 4 * events
rates = [messages / float(r[0]) for r in rows]
ceilings = [2 * events / float(r[1]) for r in rows]
last = rows[-1]
print(f"notification: directory of {int(households):,} households in 60 villages, one grid member each; load average {load_before} before, {load_after} after")
print(f"  {events:,} CaseDecided published at once ({messages:,} messages: household SMS, village inbox, grid member SMS and inbox), "
      f"to every message sent or delivered and its events published, {runs} runs:")
print(f"    {spread(rates)} messages/s ({spread([r / 2 for r in rates])} through the SMS gateway) | SMS posted straight to the stand-in "
      f"by 16 Python clients {spread(ceilings)} /s | ratio (gateway messages) {100 * statistics.median(rates) / 2 / statistics.median(ceilings):.1f}%")
print(f"    last run: messages {last[3]}, SMS {last[4]}, inbox {last[5]}, failed {last[6]}, most tries {last[7]}; ceiling errors {last[2]}")

hop, floor, lost = [], [], []
for run in range(1, latency_runs + 1):
    measured = [line.split() for line in open(f"{state}/latency-{run}")]
    arrived = [1000 * (float(t) - float(at)) for _, at, t in measured if t != "lost"]
    lost.append(sum(1 for *_, t in measured if t == "lost"))
    hop.append((pct(arrived, 50), pct(arrived, 99), max(arrived) if arrived else float("nan")))
    floor_rows = [line.split() for line in open(f"{state}/floor-{run}")]
    read = [1000 * (float(t) - float(at)) for _, at, t in floor_rows if t != "lost"]
    floor.append((pct(read, 50), pct(read, 99)))
print(f"  publish → grid member's SMS at the gateway, open loop {rate} events/s for {seconds} s after {warmup} s warm-up, {latency_runs} runs "
      f"(each on a fresh broker and service):")
print(f"    p50 {spread([h[0] for h in hop])} ms, p99 {spread([h[1] for h in hop])} ms, max {spread([h[2] for h in hop])} ms; not arrived within 60 s: {lost}")
print(f"    the broker alone at the same rate (floor): p50 {spread([f[0] for f in floor])} ms, p99 {spread([f[1] for f in floor])} ms")
