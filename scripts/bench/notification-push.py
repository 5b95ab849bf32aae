#!/usr/bin/env python3
"""Notification's part of make bench, the Python side.

  burst BOOTSTRAP COUNT RUN HOUSEHOLDS
      Publishes COUNT CaseDecided events to review.cases as review would (structured CloudEvents, key =
      household id, case ids RUN-i), one per bench household, as fast as the broker takes them. Each
      calls for four messages: the household's SMS, the village's inbox, the grid member's SMS and inbox.
  gateway GATEWAY_URL COUNT CONCURRENCY RUN
      The ceiling beside it: COUNT SMS posted straight to the stand-in gateway by CONCURRENCY clients
      on kept-alive connections, as notification posts them; prints the seconds it took and the errors.
  latency BOOTSTRAP GATEWAY_URL RATE SECONDS WARMUP RUN HOUSEHOLDS OFFSET OUT
      Open loop: CaseDecided events at RATE per second for WARMUP + SECONDS seconds, on a schedule
      independent of answers; then reads from the stand-in when each grid member's SMS (its text names
      the case) arrived; writes "case scheduled_s received_s|lost" per measured event to OUT.
"""
import base64
import http.client
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid

from confluent_kafka import Producer

mode = sys.argv[1]
PRODUCER_BASE = {"linger.ms": 5, "enable.idempotence": True}


def decided(run, index, household, village):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    data = {"caseId": f"{run}-{index}", "householdId": household, "villageCode": village, "kind": "identification", "outcome": "monitored",
            "category": "suddenHardship", "reason": "家庭医疗支出大", "endedAt": "systemEntry", "decidedAt": now, "applicationNumbers": [],
            "leads": []}
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/lifeline/review", "type": "lifeline.review.CaseDecided.v1",
            "time": now, "datacontenttype": "application/json", "subject": data["caseId"], "data": data}


def household(index, households):
    n = index % households
    return f"B{n}", "370115101" + str(200 + n % 60).zfill(3)


def send(producer, key, event, failed):
    value = json.dumps(event, ensure_ascii=False).encode()
    while True:
        try:
            producer.produce("review.cases", key=key, value=value, headers=[("content-type", "application/cloudevents+json")],
                             on_delivery=lambda e, m: e and failed.append(e))
            return
        except BufferError:
            producer.poll(0.05)


def received_since(gateway, since):
    with urllib.request.urlopen(f"{gateway}/received?channel=sms&since={since}", timeout=60) as answer:
        return json.load(answer)["received"]


if mode == "burst":
    bootstrap, count, run, households = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    producer, failed = Producer({**PRODUCER_BASE, "bootstrap.servers": bootstrap}), []
    for i in range(count):
        key, village = household(i, households)
        send(producer, key, decided(run, i, key, village), failed)
        producer.poll(0)
    producer.flush(60)
    sys.exit(1 if failed else 0)

if mode == "gateway":
    gateway, count, concurrency, run = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    credentials = "Basic " + base64.b64encode(b"lifeline:standin-secret").decode()
    text = "【济阳防返贫】您联系的农户案件X-1（识别）结果：纳入监测，突发严重困难户。"
    counter, lock, errors = iter(range(count)), threading.Lock(), []

    def worker():
        # One kept-alive connection per client, as notification's HTTP client keeps its connections.
        url = urllib.parse.urlparse(gateway)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                connection.close()
                return
            body = json.dumps({"messageId": f"{run}-{i}", "phone": "13900000000", "text": text, "segments": [text]}, ensure_ascii=False).encode()
            try:
                connection.request("POST", "/sms", body=body, headers={
                    "Content-Type": "application/json; charset=utf-8", "Authorization": credentials, "Idempotency-Key": f"{run}-{i}"})
                answer = connection.getresponse()
                answer.read()
                if answer.status != 200:
                    errors.append(answer.status)
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors.append(error)
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    started = time.time()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("%.3f %d" % (time.time() - started, len(errors)))
    sys.exit(0)

if mode == "latency":
    bootstrap, gateway, rate, seconds, warmup, run, households, offset, out = (
        sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], int(sys.argv[8]), int(sys.argv[9]),
        sys.argv[10])
    since = len(received_since(gateway, 0))
    producer, failed = Producer({**PRODUCER_BASE, "bootstrap.servers": bootstrap, "linger.ms": 0}), []
    total = int(rate * (seconds + warmup))
    scheduled = {}
    start = time.time() + 1
    for i in range(total):
        at = start + i / rate
        delay = at - time.time()
        if delay > 0:
            time.sleep(delay)
        key, village = household(offset + i, households)
        scheduled[f"{run}-{i}"] = (at, i >= rate * warmup)
        send(producer, key, decided(run, i, key, village), failed)
        producer.poll(0)
    producer.flush(60)
    arrived = {}
    deadline = time.time() + 60
    while time.time() < deadline:
        for entry in received_since(gateway, since):
            text = entry.get("text") or ""
            if "您联系的农户案件" in text:
                case = text.split("案件", 1)[1].split("（", 1)[0]
                if case in scheduled and case not in arrived:
                    arrived[case] = entry["receivedAt"]
        if len(arrived) >= len(scheduled):
            break
        time.sleep(1)
    with open(out, "w") as f:
        for case, (at, measured) in scheduled.items():
            if measured:
                f.write("%s %.6f %s\n" % (case, at, "%.6f" % arrived[case] if case in arrived else "lost"))
    sys.exit(1 if failed else 0)
