#!/usr/bin/env python3
"""Department screening's topic path for make bench: publishes the first COUNT records of the bench's
monthly file to TOPIC as a department's system would (structured CloudEvents, key = record id, the
record ids prefixed with RUN so that each run is new), as fast as the broker takes them. With
`--consume`, reads them back instead (the Python client's ceiling on the same machine) and prints the
seconds from the first to the last record.

usage: screening-push.py BOOTSTRAP TOPIC CSV COUNT RUN [--consume]
"""
import csv
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, Producer

bootstrap, topic, path, count, run = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
KINDS = {"新纳入低保": "minimumLivingAllowance", "临时救助": "temporaryRelief", "危房鉴定": "dangerousHouse", "个人自付医疗费用": "medicalExpense",
         "残疾评定": "disabilityCertified", "失业登记": "unemploymentRegistered", "机动车登记": "vehicle"}

if "--consume" in sys.argv:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-screening-" + uuid.uuid4().hex[:8], "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    consumer.subscribe([topic])
    seen, first, deadline = 0, None, time.time() + 300
    while seen < count and time.time() < deadline:
        for message in consumer.consume(500, 0.5):
            if message.error() is None and (message.key() or b"").decode().startswith(run):
                first = first or time.time()
                seen += 1
    consumer.close()
    print("%.3f %d" % ((time.time() - first) if first else 0, seen))
    sys.exit(0 if seen == count else 1)

failed = []
producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True})
with open(path, encoding="utf-8", newline="") as f:
    rows = csv.reader(f)
    next(rows)
    for index, row in enumerate(rows):
        if index >= count:
            break
        department, record_id, period, number, name, kind, date, amount, details = row
        record_id = f"{run}{record_id}"
        data = {"department": department, "recordId": record_id, "period": period, "idNumber": number, "name": name, "kind": KINDS[kind], "date": date}
        if amount:
            data["amountFen"] = int(amount)
        if details:
            data["details"] = dict(part.split("=", 1) for part in details.split(";"))
        event = {"specversion": "1.0", "id": record_id, "source": "/gov/jinan/bigdata", "type": "lifeline.department-screening.DepartmentRecordPushed.v1",
                 "time": "2026-11-30T10:00:00Z", "datacontenttype": "application/json", "data": data}
        while True:
            try:
                producer.produce(topic, key=record_id, value=json.dumps(event, ensure_ascii=False).encode(),
                                 headers=[("content-type", "application/cloudevents+json")], on_delivery=lambda e, m: e and failed.append(e))
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
producer.flush(60)
sys.exit(1 if failed else 0)
