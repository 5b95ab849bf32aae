"""The ceiling for raw consume: the Python confluent-kafka client (librdkafka 2.16, as the services use)
reading the same records with the same settings. Prints `python_consume_msgs_per_s=N consumed=M`."""
import sys, time, uuid
from confluent_kafka import Consumer

topic, records = sys.argv[1], int(sys.argv[2])
consumer = Consumer({
    "bootstrap.servers": sys.argv[3],
    "group.id": "bench-python-" + uuid.uuid4().hex[:8],
    "auto.offset.reset": "earliest",
    "enable.auto.commit": True,
    "enable.auto.offset.store": False,
    "fetch.wait.max.ms": 10,
    "queued.max.messages.kbytes": 16384,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 500,
})
consumer.subscribe([topic])
consumed, start, size = 0, None, 0
deadline = time.time() + 120
while consumed < records and time.time() < deadline:
    batch = consumer.consume(num_messages=5000, timeout=1.0)
    if not batch:
        continue
    if start is None:
        start = time.perf_counter()
    for message in batch:
        if message.error() is None:
            consumed += 1
            size += len(message.value())
seconds = time.perf_counter() - start
consumer.close()
print(f"python_consume_msgs_per_s={int(consumed / seconds)} consumed={consumed} bytes={size}")
