"""G3: the real outbox relay drains the store to a topic, against a raw producer of the same messages.

The relay is built by the composition root (``services.bootstrap.build_relay``:
batch size, linger and acknowledgement timeout from intake's settings) with a
position row of its own and producers made with the same settings as the
relay's (``shared.bus.kafka.make_producer``), which the raw baseline uses too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from kafka import KafkaProducer

from bench.timing import wait_until
from services.bootstrap import Container, build_relay
from shared.bus.kafka import make_producer
from shared.bus.wire import WireMessage
from shared.outbox.position import PostgresRelayPosition


class Publishing:
    """Intake's relay and the raw producer it is held against."""

    def __init__(self, intake: Container) -> None:
        self.intake = intake
        self.settings = intake.settings

    def relay(
        self, topic: str, start: int, last_id: int, expected: int, timeout: float
    ) -> tuple[float, dict[str, Any]]:
        """Drain the store after ``start`` (``expected`` events up to ``last_id``) with the real Relay."""
        positions = PostgresRelayPosition(
            self.intake.postgres, self.settings.pg_schema, name=f"bench-{uuid4().hex[:8]}"
        )
        if start:
            positions.save(start)
        first = self.producer(topic)
        relay = build_relay(
            self.intake, topic=topic, positions=positions, producer_factory=_once(first, lambda: self.producer(topic))
        )
        stop = threading.Event()
        thread = threading.Thread(target=relay.run, args=(stop,), daemon=True, name="bench-relay")
        started = time.perf_counter()
        thread.start()
        try:
            done = wait_until(lambda: relay.stats.position >= last_id, timeout, what="the relay to drain the store")
        finally:
            stop.set()
            thread.join(timeout=30)
        stats = relay.stats
        if stats.published != expected:
            msg = f"relay published {stats.published} of {expected} events"
            raise RuntimeError(msg)
        return done - started, {
            "batches": stats.batches,
            "events_per_batch": stats.published / max(stats.batches, 1),
            "failures": stats.failures,
        }

    def raw_produce(self, topic: str, messages: list[WireMessage], count: int) -> float:
        """Send ``count`` messages of the relay's sizes with a raw producer, then flush."""
        producer = self.producer(topic)
        errors: list[BaseException] = []
        try:
            started = time.perf_counter()
            for i in range(count):
                m = messages[i % len(messages)]
                producer.send(topic, key=m.key, value=m.value, headers=m.headers).add_errback(errors.append)
            producer.flush(timeout=300)
            elapsed = time.perf_counter() - started
        finally:
            producer.close(timeout=5)
        if errors:
            msg = f"raw producer: {len(errors)} sends failed ({errors[0]!r})"
            raise RuntimeError(msg)
        return elapsed

    def producer(self, topic: str) -> KafkaProducer:
        """A producer with the relay's settings, its metadata fetched (not inside a measurement)."""
        producer = make_producer(
            self.settings.infra.kafka_bootstrap,
            client_id="kim-bench-relay",
            linger_ms=self.settings.relay_linger_ms,
            delivery_timeout_ms=self.settings.relay_delivery_timeout_ms,
        )
        producer.partitions_for(topic)
        return producer


def _once(first: KafkaProducer, make: Callable[[], KafkaProducer]) -> Callable[[], KafkaProducer]:
    """A producer factory that hands out a warmed-up producer first, fresh ones after."""
    handed: list[KafkaProducer] = []

    def factory() -> KafkaProducer:
        if not handed:
            handed.append(first)
            return first
        return make()

    return factory
