#!/usr/bin/env python3
"""Hotline's part of make bench, the Python side.

  burst BOOTSTRAP DATA_DIR COUNT RUN
      Publishes COUNT work orders to hotline.inbound as the hotline systems would (structured CloudEvents,
      key = order number, numbers prefixed with RUN), as fast as the broker takes them. Texts come from
      the labelled set (all categories), callers from the bench registry: 35 % give their ID number, 20 %
      only a phone, 20 % a name and a loosely spoken address, 10 % an address only, 15 % nothing; one
      in ten orders repeats an earlier caller of the run (merged into the earlier lead when both are risks).
  readback BOOTSTRAP COUNT RUN
      Reads those orders back from hotline.inbound (the Python client's ceiling) and prints the seconds
      from the first to the last and the count.
  latency BOOTSTRAP DATA_DIR RATE SECONDS WARMUP RUN OFFSET OUT
      Open loop: publishes risk orders (each from a different household, from person OFFSET on) at RATE
      per second for WARMUP + SECONDS seconds, on a schedule independent of answers, and reads
      hotline.leads; writes "order scheduled_s read_s" per lead of a measured order to OUT.
  floor BOOTSTRAP RATE SECONDS WARMUP TOPIC OUT
      The broker's own produce → consume latency at the same rate and size, same clients (the floor).
"""
import csv
import json
import random
import sys
import threading
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

mode, bootstrap = sys.argv[1], sys.argv[2]
LABELLED = "Tests/LifelineTests/Data/hotline-labelled-orders.jsonl"
CHANNELS = {"hotline12345": "/gov/jinan/12345", "hotline12317": "/gov/jinan/12317", "cyberspace": "/gov/jinan/cac", "petition": "/gov/jinan/xfj"}
PRODUCER = {"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True}
CONSUMER = {"bootstrap.servers": bootstrap, "enable.auto.commit": False, "fetch.wait.max.ms": 10}


def people(data_dir):
    with open(f"{data_dir}/people.csv", encoding="utf-8") as f:
        return list(csv.reader(f))


def spoken(village, town, roll):
    """An address as a caller says it: with or without the district and town, 庄 for 村."""
    core = village[:-1]
    forms = [f"济阳区{town}{village}", f"{town}{village}", f"{village}", f"济阳{town[:-2] if town.endswith('街道') else town}{core}庄附近"]
    return forms[int(roll * len(forms)) % len(forms)]


def order_event(run, index, text, channel, person, how, received):
    number, name, phone, village_code, village, town, _ = person
    data = {"orderNumber": f"{run}-{index}", "channel": channel, "summary": text, "receivedAt": received}
    if how == "id":
        data["caller"] = {"name": name, "phone": phone or None, "idNumber": number}
    elif how == "phone" and phone:
        data["caller"] = {"phone": phone}
    elif how in ("name", "phone"):
        data["caller"] = {"name": name}
        data["address"] = spoken(village, town, random.random())
    elif how == "address":
        data["address"] = spoken(village, town, random.random())
    return {"specversion": "1.0", "id": data["orderNumber"], "source": CHANNELS[channel], "type": "lifeline.hotline.WorkOrderPushed.v1",
            "time": received, "datacontenttype": "application/json", "data": data}


def send(producer, topic, key, value, failed):
    while True:
        try:
            producer.produce(topic, key=key, value=value, headers=[("content-type", "application/cloudevents+json")],
                             on_delivery=lambda e, m: e and failed.append(e))
            return
        except BufferError:
            producer.poll(0.05)


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


if mode == "burst":
    data_dir, count, run = sys.argv[3], int(sys.argv[4]), sys.argv[5]
    random.seed(run)
    labelled = [json.loads(line) for line in open(LABELLED, encoding="utf-8")]
    registry = people(data_dir)
    producer, failed, callers = Producer(PRODUCER), [], []
    for index in range(count):
        example = labelled[index % len(labelled)]
        roll = random.random()
        how = "id" if roll < 0.35 else "phone" if roll < 0.55 else "name" if roll < 0.75 else "address" if roll < 0.85 else "none"
        person = random.choice(callers) if callers and random.random() < 0.1 else random.choice(registry)
        callers.append(person)
        event = order_event(run, index, example["text"], example["channel"], person, how, now_iso())
        send(producer, "hotline.inbound", event["id"], json.dumps(event, ensure_ascii=False).encode(), failed)
        producer.poll(0)
    producer.flush(60)
    sys.exit(1 if failed else 0)

if mode == "readback":
    count, run = int(sys.argv[3]), sys.argv[4]
    consumer = Consumer({**CONSUMER, "group.id": "bench-hotline-" + uuid.uuid4().hex[:8], "auto.offset.reset": "earliest"})
    consumer.subscribe(["hotline.inbound"])
    seen, first, deadline = 0, None, time.time() + 300
    while seen < count and time.time() < deadline:
        for message in consumer.consume(500, 0.5):
            if message.error() is None and (message.key() or b"").decode().startswith(run + "-"):
                first = first or time.time()
                seen += 1
    consumer.close()
    print("%.3f %d" % ((time.time() - first) if first else 0, seen))
    sys.exit(0 if seen == count else 1)


def tail_consumer(topic):
    """A consumer assigned to every partition of `topic` at its end, ready before the first send."""
    consumer = Consumer({**CONSUMER, "group.id": "bench-tail-" + uuid.uuid4().hex[:8]})
    partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
    assigned = []
    for p in partitions:
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
        assigned.append(TopicPartition(topic, p, high))
    consumer.assign(assigned)
    return consumer


def open_loop(producer_topic, rate, seconds, warmup, make, reader_topic, key_of, out):
    """Sends `make(i)` (key, value) at i / rate seconds from the start; reads `reader_topic` until every
    measured send is seen or 60 s after the last; writes key, scheduled and read times."""
    consumer = tail_consumer(reader_topic)
    total = int(rate * (seconds + warmup))
    scheduled, read, failed = {}, {}, []
    done = threading.Event()

    def reader():
        while not done.is_set():
            for message in consumer.consume(500, 0.1):
                if message.error() is None:
                    key = key_of(message)
                    if key in scheduled and key not in read:
                        read[key] = time.time()
    thread = threading.Thread(target=reader)
    thread.start()
    producer = Producer({**PRODUCER, "linger.ms": 0})
    start = time.time() + 1
    for i in range(total):
        at = start + i / rate
        delay = at - time.time()
        if delay > 0:
            time.sleep(delay)
        key, value = make(i)
        scheduled[key] = (at, i >= rate * warmup)
        send(producer, producer_topic, key, value, failed)
        producer.poll(0)
    producer.flush(60)
    deadline = time.time() + 60
    while time.time() < deadline and len(read) < len(scheduled):
        time.sleep(0.2)
    done.set()
    thread.join()
    consumer.close()
    with open(out, "w") as f:
        for key, (at, measured) in scheduled.items():
            if measured:
                f.write("%s %.6f %s\n" % (key, at, "%.6f" % read[key] if key in read else "lost"))
    return 1 if failed else 0


if mode == "latency":
    data_dir, rate, seconds, warmup, run, offset, out = sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], int(sys.argv[8]), sys.argv[9]
    risks = [e for e in (json.loads(line) for line in open(LABELLED, encoding="utf-8")) if e["category"] == "risk" and not e["thirdParty"]]
    registry = people(data_dir)

    def make(i):
        person = registry[(offset + i) * 3 % len(registry)]  # one person per household, each household once
        example = risks[i % len(risks)]
        event = order_event(run, i, example["text"], example["channel"], person, "id", now_iso())
        return event["id"], json.dumps(event, ensure_ascii=False).encode()

    def lead_order(message):
        try:
            return json.loads(message.value()).get("orderNumber")
        except ValueError:
            return None
    sys.exit(open_loop("hotline.inbound", rate, seconds, warmup, make, "hotline.leads", lead_order, out))

if mode == "floor":
    rate, seconds, warmup, topic, out = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    payload = b"x" * 600
    sys.exit(open_loop(topic, rate, seconds, warmup, lambda i: (f"f{i}", payload), topic, lambda m: (m.key() or b"").decode(), out))
