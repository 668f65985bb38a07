"""Fakes for fast unit tests: an in-memory Kafka, its producer and consumer, and the
whole three-service pipeline wired through them.

These are working stand-ins, not mocks: the fake broker keeps partitioned logs with
offsets, the producer writes to them and hands back future-like objects, the
consumer reads them with positions and seeks. Tests assert on what ends up in the
logs, the relay positions and the views, never on calls.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kafka import TopicPartition
from kafka.errors import KafkaError, NotEnoughReplicasError

from services.bootstrap import Container, build_container, build_projector, build_relay, create_app
from shared.outbox.position import InMemoryRelayPosition
from shared.outbox.relay import Outgoing, Relay
from shared.projection.consumer import Projector, classify
from shared.service import Service
from shared.settings import ServiceSettings, get_settings


@dataclass(frozen=True)
class Record:
    """A stored Kafka record, shaped like kafka-python's ConsumerRecord."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    @property
    def header_dict(self) -> dict[str, bytes]:
        return dict(self.headers)


class FakeFuture:
    """What a producer's ``send`` returns: done or not, failed or not."""

    def __init__(self, *, done: bool = True, exception: BaseException | None = None) -> None:
        self.is_done = done
        self.exception = exception

    def failed(self) -> bool:
        return self.is_done and self.exception is not None

    def succeeded(self) -> bool:
        return self.is_done and self.exception is None


class FakeKafka:
    """An in-memory broker: topics of partitioned logs, with faults a test can arm.

    ``fail_next(n)``: the next n sends are rejected (nothing is written, the future
    fails). ``time_out_next(n)``: the next n sends are written to the log but their
    acknowledgement never arrives (the future never completes) - the case that makes
    delivery at-least-once.
    """

    def __init__(self, partitions: int = 3) -> None:
        self.partitions = partitions
        self._logs: dict[str, list[list[Record]]] = {}
        self._changed = threading.Condition()
        self._skip = 0
        self._fail = 0
        self._time_out = 0
        self.error: type[KafkaError] = NotEnoughReplicasError
        self.producers: list[FakeProducer] = []

    # --- faults ---------------------------------------------------------------

    def fail_next(self, n: int, *, after: int = 0, error: type[KafkaError] = NotEnoughReplicasError) -> None:
        """Let ``after`` sends succeed, then reject the next ``n``."""
        with self._changed:
            self._skip, self._fail, self._time_out, self.error = after, n, 0, error

    def time_out_next(self, n: int, *, after: int = 0) -> None:
        """Let ``after`` sends succeed, then store ``n`` without ever acknowledging them."""
        with self._changed:
            self._skip, self._fail, self._time_out = after, 0, n

    def _fault(self) -> str | None:
        if self._skip > 0:
            self._skip -= 1
            return None
        if self._fail > 0:
            self._fail -= 1
            return "fail"
        if self._time_out > 0:
            self._time_out -= 1
            return "time_out"
        return None

    # --- logs -----------------------------------------------------------------

    def topic(self, name: str) -> list[list[Record]]:
        with self._changed:
            return self._logs.setdefault(name, [[] for _ in range(self.partitions)])

    def partitions_for(self, name: str) -> list[TopicPartition]:
        return [TopicPartition(name, p) for p in range(len(self.topic(name)))]

    def append(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> FakeFuture:
        log = self.topic(topic)
        with self._changed:
            fault = self._fault()
            if fault == "fail":
                return FakeFuture(exception=self.error("rejected by the fake broker"))
            partition = zlib.crc32(key) % len(log)
            log[partition].append(Record(topic, partition, len(log[partition]), key, value, list(headers)))
            self._changed.notify_all()
            return FakeFuture(done=fault != "time_out")

    def read(self, topic: str, partition: int, offset: int, limit: int) -> list[Record]:
        with self._changed:
            return list(self._logs.get(topic, [[]] * (partition + 1))[partition][offset : offset + limit])

    def end(self, topic: str, partition: int) -> int:
        with self._changed:
            return len(self.topic(topic)[partition])

    def records(self, topic: str) -> list[Record]:
        """Every record of a topic, partition by partition."""
        with self._changed:
            return [r for log in self._logs.get(topic, []) for r in log]

    def wait_for_change(self, timeout: float) -> None:
        with self._changed:
            self._changed.wait(timeout)

    # --- clients --------------------------------------------------------------

    def producer(self) -> FakeProducer:
        producer = FakeProducer(self)
        self.producers.append(producer)
        return producer

    def consumer(self) -> FakeConsumer:
        return FakeConsumer(self)


@dataclass
class Sent:
    """One message handed to a producer."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    future: FakeFuture


class FakeProducer:
    """Records what it is asked to send and writes it to the fake broker."""

    def __init__(self, kafka: FakeKafka) -> None:
        self.kafka = kafka
        self.sent: list[Sent] = []
        self.closed = False

    def send(self, topic: str, *, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> FakeFuture:
        if self.closed:
            raise KafkaError("send on a closed producer")
        future = self.kafka.append(topic, key, value, headers)
        self.sent.append(Sent(topic, key, value, list(headers), future))
        return future

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class FakeConsumer:
    """A consumer over the fake broker: assignment, positions, seeks, long poll."""

    def __init__(self, kafka: FakeKafka) -> None:
        self.kafka = kafka
        self.positions: dict[TopicPartition, int] = {}
        self.committed: dict[TopicPartition, int] = {}
        self.closed = False

    def subscribe(self, topics: Sequence[str], listener: Any = None) -> None:
        partitions = [tp for t in topics for tp in self.kafka.partitions_for(t)]
        self.assign(partitions)
        if listener is not None:
            listener.on_partitions_assigned(partitions)

    def assign(self, partitions: Sequence[TopicPartition]) -> None:
        self.positions = {tp: 0 for tp in partitions}

    def assignment(self) -> set[TopicPartition]:
        return set(self.positions)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp] = offset

    def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        for tp in partitions or tuple(self.positions):
            self.positions[tp] = 0

    def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    def highwater(self, tp: TopicPartition) -> int:
        return self.kafka.end(tp.topic, tp.partition)

    def poll(self, timeout_ms: int = 0, max_records: int = 500) -> dict[TopicPartition, list[Record]]:
        result = self._fetch(max_records)
        if not result and timeout_ms > 0:
            self.kafka.wait_for_change(timeout_ms / 1000)
            result = self._fetch(max_records)
        return result

    def _fetch(self, max_records: int) -> dict[TopicPartition, list[Record]]:
        result: dict[TopicPartition, list[Record]] = {}
        budget = max_records
        for tp, offset in sorted(self.positions.items()):
            if budget <= 0:
                break
            records = self.kafka.read(tp.topic, tp.partition, offset, budget)
            if records:
                result[tp] = records
                self.positions[tp] = records[-1].offset + 1
                budget -= len(records)
        return result

    def commit(self, offsets: dict[TopicPartition, Any] | None = None) -> None:
        for tp, meta in (offsets or {}).items():
            self.committed[tp] = getattr(meta, "offset", meta)

    def close(self, autocommit: bool = False) -> None:
        self.closed = True


# --- the three services wired in memory ---------------------------------------


@dataclass
class InMemoryPipeline:
    """Three in-memory services, their relays and projectors, over one fake Kafka.

    ``settle()`` moves everything synchronously (relay, then project, until nothing
    moves); ``running()`` runs the real ``Relay.run`` and ``Projector.run`` loops in
    threads instead. Withheld events that a consent releases are fetched again from
    the fake broker by a consumer without a group, as ``shared.projection.consumer.fetch``
    does from Kafka (assign, seek, ``poll(max_records=1)``, close).
    """

    partitions: int = 3
    batch_size: int = 500
    kafka: FakeKafka = field(init=False)
    containers: dict[Service, Container] = field(init=False)
    relays: dict[Service, Relay] = field(init=False)
    projectors: dict[Service, Projector] = field(init=False)

    def __post_init__(self) -> None:
        self.kafka = FakeKafka(self.partitions)
        self.containers = {s: build_container(s, self.settings(s), in_memory=True) for s in Service}
        # Wired by the composition root, as the processes are, on the fake broker and positions.
        self.relays = {
            s: build_relay(c, positions=InMemoryRelayPosition(), producer_factory=self.kafka.producer)
            for s, c in self.containers.items()
        }
        self.projectors = {
            s: build_projector(c, consumer_factory=self.kafka.consumer, fetcher_factory=self.kafka.consumer)
            for s, c in self.containers.items()
        }

    def settings(self, service: Service) -> ServiceSettings:
        """The service's settings with this pipeline's batch size and a short poll."""
        return get_settings(service).model_copy(
            update={
                "relay_batch_size": self.batch_size,
                "projector_batch_size": self.batch_size,
                "projector_poll_timeout_ms": 50,
            }
        )

    def topic(self, service: Service) -> str:
        return self.containers[service].settings.topic

    def pending(self, service: Service) -> list[Outgoing]:
        """The relay's next batch: stored events after its position."""
        relay = self.relays[service]
        notifications = relay.app.recorder.select_notifications(
            start=relay.positions.load(), limit=relay.batch_size, inclusive_of_start=False
        )
        return [relay.to_outgoing(n) for n in notifications]

    def relay(self, service: Service) -> int:
        """Publish everything the service has stored since its relay's position."""
        moved = 0
        while batch := self.pending(service):
            self.relays[service].publish(batch)
            moved += len(batch)
        return moved

    def project(self, service: Service) -> int:
        """Let the service's projector consume everything on the topics."""
        projector = self.projectors[service]
        if projector.consumer is None:
            projector.consumer = projector.consumer_factory()
            partitions = [tp for t in projector.topics for tp in self.kafka.partitions_for(t)]
            projector.consumer.assign(partitions)
            projector.seek_to_stored(partitions)
        moved = 0
        while polled := projector.consumer.poll(timeout_ms=0, max_records=projector.batch_size):
            records = [classify(r) for batch in polled.values() for r in batch]
            projector.apply(records)
            moved += len(records)
        return moved

    def settle(self, rounds: int = 20) -> None:
        """Relay and project until nothing moves any more."""
        for _ in range(rounds):
            moved = sum(self.relay(s) for s in Service) + sum(self.project(s) for s in Service)
            if not moved:
                return
        msg = f"pipeline did not settle within {rounds} rounds"
        raise AssertionError(msg)

    @contextmanager
    def running(self) -> Iterator[threading.Event]:
        """Run every relay and projector loop in a thread until the block ends."""
        stop = threading.Event()
        loops: list[Callable[[threading.Event], None]] = [
            *(r.run for r in self.relays.values()),
            *(p.run for p in self.projectors.values()),
        ]
        threads = [threading.Thread(target=loop, args=(stop,), daemon=True) for loop in loops]
        for thread in threads:
            thread.start()
        try:
            yield stop
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
        alive = [t for t in threads if t.is_alive()]
        assert not alive, f"loops did not stop: {alive}"

    @contextmanager
    def clients(self) -> Iterator[dict[Service, Any]]:
        """In-process HTTP clients of the three services, on this pipeline's containers."""
        from tests.support.tokens import WORKERS, client_for

        def app(service: Service) -> Any:
            return create_app(service, lambda: self.containers[service])

        with (
            client_for(app(Service.INTAKE), WORKERS[Service.INTAKE]) as intake,
            client_for(app(Service.FOREIGN_OFFICE), WORKERS[Service.FOREIGN_OFFICE]) as fo,
            client_for(app(Service.KOBIZ), WORKERS[Service.KOBIZ]) as kobiz,
        ):
            yield {Service.INTAKE: intake, Service.FOREIGN_OFFICE: fo, Service.KOBIZ: kobiz}
