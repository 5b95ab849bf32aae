#!/usr/bin/env python3
"""Reads a Kafka topic from the beginning with the Python confluent-kafka client (an outside client,
not Lifeline's own code) and prints one JSON line per record: key, headers and value.

usage: consume-topic.py BOOTSTRAP TOPIC SECONDS COUNT [KEY ...]
Prints the records with one of the KEYs (every record when none is given); stops after SECONDS, or
once COUNT records were printed (COUNT 0: only the time limit).
"""
import json
import sys
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

bootstrap, topic, seconds, count = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
wanted = set(sys.argv[5:])
consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": "outside-" + uuid.uuid4().hex[:8],
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
})
# Every partition assigned directly from its beginning: no consumer-group join to wait for.
partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
printed = 0
deadline = time.time() + seconds
done = False
while time.time() < deadline and not done:
    for message in consumer.consume(500, 0.5):
        if message.error():
            continue
        key = message.key().decode() if message.key() else None
        if wanted and key not in wanted:
            continue
        headers = {name: (value.decode() if value else None) for name, value in (message.headers() or [])}
        print(json.dumps({"key": key, "headers": headers, "value": json.loads(message.value())}, ensure_ascii=False), flush=True)
        printed += 1
        if count and printed >= count:
            done = True
            break
consumer.close()
