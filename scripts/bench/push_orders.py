"""Sends N work orders (structured CloudEvents, as the outside systems do) to hotline.inbound as fast
as the broker takes them, spread over 20 villages. Prints nothing; exits non-zero if any send failed."""
import json, sys, uuid
from confluent_kafka import Producer

count, run, bootstrap = int(sys.argv[1]), sys.argv[2], sys.argv[3]
failed = []
producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True})
for index in range(count):
    village = "370115101%03d" % (300 + index % 20)
    event = {"specversion": "1.0", "id": f"{run}-{index}", "source": "/gov/jinan/12345", "type": "lifeline.hotline.WorkOrderPushed.v1",
             "time": "2026-11-30T10:00:00Z", "datacontenttype": "application/json",
             "data": {"orderNumber": f"{run}-{index}", "channel": "hotline12345", "villageCode": village, "summary": "来电反映家中困难",
                      "receivedAt": "2026-11-30T10:00:00Z"}}
    while True:
        try:
            producer.produce("hotline.inbound", key=village, value=json.dumps(event).encode(),
                             headers=[("content-type", "application/cloudevents+json")], on_delivery=lambda e, m: e and failed.append(e))
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)
producer.flush(60)
sys.exit(1 if failed else 0)
