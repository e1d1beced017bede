"""The Kafka benchmark's yardstick (benches/kafka.rs): a bare Python loop with confluent-kafka
that does what an echo model on Kafka does, at-least-once — consume a batch, decode each
record's JSON, echo it, encode it, produce it (acks=all, idempotent), flush (every record
acknowledged), commit the batch's offsets synchronously. It runs until it is stopped; it
prints "reading" when it reads its first records, "revoked <n>" when the group takes
partitions from it.

    kafka_loop.py <bootstrap servers> <input topic> <group> <output topic>
"""

import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer

servers, topic_in, group, topic_out = sys.argv[1:5]
consumer = Consumer(
    {
        "bootstrap.servers": servers,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        # as the engine's (the mock coordinator waits most of it when a member joins)
        "session.timeout.ms": 10000,
    }
)
producer = Producer({"bootstrap.servers": servers, "enable.idempotence": True, "acks": "all"})


def revoked(_consumer, partitions):
    if partitions:
        print(f"revoked {len(partitions)}", flush=True)


consumer.subscribe([topic_in], on_revoke=revoked)
reading = False
while True:
    # as many records as the engine's batches have (its default watermark)
    batch = consumer.consume(num_messages=1000, timeout=0.1)
    if not batch:
        continue
    if not reading:
        reading = True
        print("reading", flush=True)
    for message in batch:
        if message.error():
            continue
        record = json.loads(message.value())
        # to partition 0, as the engine's output without a Partition
        producer.produce(topic_out, json.dumps(record).encode(), partition=0)
    producer.flush()
    try:
        consumer.commit(asynchronous=False)
    except KafkaException:
        # refused while the group rebalances: the records are read again (at least once)
        pass
