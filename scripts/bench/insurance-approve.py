#!/usr/bin/env python3
"""Approves the claims PREFIX1..PREFIXN at once through the insurance instances on PORTS, CONCURRENCY
requests in flight (closed loop: the figure is the rate the service sustains); prints the seconds it
took and how many answers had each HTTP status.

usage: insurance-approve.py TOKEN PREFIX COUNT CONCURRENCY PORT...
"""
import collections
import http.client
import sys
import threading
import time

token, prefix, count, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ports = [int(p) for p in sys.argv[5:]]
lock = threading.Lock()
next_claim = [1]
statuses = collections.Counter()


def worker(index):
    connection = http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)], timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while True:
        with lock:
            n = next_claim[0]
            next_claim[0] += 1
        if n > count:
            break
        connection.request("POST", f"/v1/claims/{prefix}{n}/approval", body=b"{}", headers=headers)
        response = connection.getresponse()
        response.read()
        with lock:
            statuses[response.status] += 1
    connection.close()


threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
started = time.monotonic()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.monotonic() - started
print(f"{elapsed:.3f}", ",".join(f"{status}:{n}" for status, n in sorted(statuses.items())))
