"""G7's baselines: sequential round trips of raw PostgreSQL commits and raw Kafka produce → consume.

A raw psycopg autocommit INSERT of a row of a stored event's size, and a raw
kafka-python ping-pong of one message of the relay's size (like Kafka's
EndToEndLatency tool: ``send().get()`` then poll; acks=all, idempotent, linger 0).
"""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from psycopg import Connection

from bench import workload
from bench.environment import BenchEnv
from shared.bus.kafka import make_consumer, make_producer
from shared.bus.wire import WireMessage


def pg_commit(conn: Connection[Any], count: int, topic: str, state: bytes) -> list[float]:
    """``count`` autocommit INSERTs, each timed."""
    samples = []
    for row in workload.raw_rows(count, topic, state):
        started = time.perf_counter()
        conn.execute(workload.RAW_INSERT, row, prepare=True)
        samples.append(time.perf_counter() - started)
    return samples


def kafka_ping_pong(bench: BenchEnv, topic: str, message: WireMessage, count: int) -> list[float]:
    """``count`` sends of ``message``, each timed until a consumer at the topic's end received it."""
    producer = make_producer(bench.bootstrap, client_id="kim-bench-latency", linger_ms=0)
    consumer = make_consumer(bench.bootstrap, group_id=None, client_id="kim-bench-latency")
    samples = []
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        for tp in partitions:
            consumer.position(tp)
        producer.send(topic, key=message.key, value=message.value, headers=message.headers).get(timeout=30)
        _receive(consumer)
        for _ in range(count):
            started = time.perf_counter()
            producer.send(topic, key=message.key, value=message.value, headers=message.headers).get(timeout=30)
            _receive(consumer)
            samples.append(time.perf_counter() - started)
    finally:
        producer.close(timeout=5)
        consumer.close()
    return samples


def _receive(consumer: KafkaConsumer) -> None:
    deadline = time.perf_counter() + 30
    while not consumer.poll(timeout_ms=1000):
        if time.perf_counter() > deadline:
            msg = "raw consumer received nothing within 30s"
            raise TimeoutError(msg)
