"""The projector: Kafka records -> this service's case-history view, exactly once in effect.

Offsets belong to the projection. They are stored in the same PostgreSQL
transaction as the view rows and read back whenever partitions are assigned, so
Kafka's committed group offsets are informational only (they show lag to
operators). A crash at any point leaves view and offsets consistent; the records
after the stored offsets are consumed again, and already-seen events (same
source and sequence) change nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from shared.bus.wire import PoisonMessageError, decode, source_of, topic_owner
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.ports import OffsetFencingError
from shared.projection.records import ConsumedRecord, KafkaPosition, PoisonCause, Withheld
from shared.service import Service

log = logging.getLogger(__name__)


def classify(record: object) -> ConsumedRecord:
    """Decode a Kafka record; a record that is not a valid event becomes poison.

    On a service topic (:func:`~shared.bus.wire.topic_owner`) only that service's events
    count: a record whose CloudEvents ``source`` is another one is rejected before it is
    decoded, whatever it claims to be (cause ``foreign_source``)."""
    # ``record`` is a kafka-python ConsumerRecord (untyped) or a test's look-alike: duck-typed.
    topic, partition, offset = record.topic, record.partition, record.offset  # type: ignore[attr-defined]  # duck-typed, see above
    headers = [(k, v) for k, v in (record.headers or [])]  # type: ignore[attr-defined]  # duck-typed, see above
    key, value = record.key, record.value  # type: ignore[attr-defined]  # duck-typed, see above
    owner = topic_owner(topic)
    source = next((bytes(v).decode("utf-8", "replace") for k, v in headers if k == "ce_source"), None)
    if owner is not None and source is not None and source != source_of(owner):
        reason = f"source {source[:100]} does not belong to topic {topic}"
        return ConsumedRecord(
            topic, partition, offset, None, reason, key, value, headers, poison_cause=PoisonCause.FOREIGN_SOURCE
        )
    try:
        envelope = decode(headers, key, value)
    except PoisonMessageError as exc:
        return ConsumedRecord(topic, partition, offset, poison_reason=str(exc), key=key, value=value, headers=headers)
    return ConsumedRecord(topic, partition, offset, envelope=envelope)


def fetch(consumer: KafkaConsumer, pointers: Sequence[KafkaPosition], timeout_s: float = 30.0) -> list[ConsumedRecord]:
    """Read the records at these positions (withheld pointers, dead letters) again from Kafka
    (a consumer without a group); a record Kafka does not hand out is missing from the result."""
    found: list[ConsumedRecord] = []
    for pointer in sorted(pointers, key=lambda p: (p.topic, p.partition, p.offset)):
        tp = TopicPartition(pointer.topic, pointer.partition)
        consumer.assign([tp])
        consumer.seek(tp, pointer.offset)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=500, max_records=1).get(tp, [])
            if batch:
                if batch[0].offset == pointer.offset:
                    found.append(classify(batch[0]))
                break
    return found


@dataclass
class ProjectorStats:
    """Counters an operator (and a test) can read."""

    batches: int = 0
    records: int = 0
    applied: int = 0
    withheld: int = 0
    parked: int = 0
    skipped: int = 0
    released: int = 0
    removed: int = 0
    fenced: int = 0
    errors: int = 0
    lag: dict[str, int] = field(default_factory=dict)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python is untyped: an Any base class
    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        for tp in revoked:
            self.projector.expected.pop((tp.topic, tp.partition), None)

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        self.projector.seek_to_stored(list(assigned))


class Projector:
    """Consumes the topics a service may read into its case-history store."""

    def __init__(
        self,
        service: Service,
        store: CaseHistoryStore,
        consumer_factory: Callable[[], KafkaConsumer],
        topics: Sequence[str],
        *,
        fetcher_factory: Callable[[], KafkaConsumer] | None = None,
        batch_size: int = 500,
        poll_timeout_ms: int = 200,
        sweep_interval_s: float = 60.0,
    ) -> None:
        self.service = service
        self.store = store
        self.consumer_factory = consumer_factory
        self.topics = list(topics)
        self.batch_size = batch_size
        self.poll_timeout_ms = poll_timeout_ms
        self.expected: dict[tuple[str, int], int | None] = {}
        self.fetcher_factory = fetcher_factory
        self.sweep_interval_s = sweep_interval_s
        self.stats = ProjectorStats()
        self.consumer: KafkaConsumer | None = None
        self._last_lag_report = 0.0
        self._next_sweep = 0.0

    def seek_to_stored(self, partitions: list[TopicPartition]) -> None:
        """Resume every partition at the offset stored with the view."""
        assert self.consumer is not None
        stored = self.store.load_offsets()
        for tp in partitions:
            offset = stored.get((tp.topic, tp.partition))
            self.expected[(tp.topic, tp.partition)] = offset
            if offset is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, offset)

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; survive broker and database outages."""
        backoff = 0.2
        while not stop.is_set():
            try:
                self._consume(stop)
                backoff = 0.2
            except Exception as exc:  # noqa: BLE001 - keep running; state is in the database
                self.stats.errors += 1
                log.warning("projector %s: %s; retrying in %.1fs", self.service.value, type(exc).__name__, backoff)
                self._close()
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self._close()

    def _close(self) -> None:
        if self.consumer is not None:
            try:
                self.consumer.close(autocommit=False)
            except Exception:  # noqa: BLE001 - closing a broken client
                log.debug("consumer close failed", exc_info=True)
            self.consumer = None
            self.expected.clear()

    def _consume(self, stop: threading.Event) -> None:
        self.store.setup()
        self.consumer = self.consumer_factory()
        self.consumer.subscribe(self.topics, listener=_Rebalance(self))
        while not stop.is_set():
            polled = self.consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.batch_size)
            records = [classify(r) for batch in polled.values() for r in batch]
            if records:
                self.apply(records)
            if time.monotonic() >= self._next_sweep:
                self.sweep()
            self._report_lag()

    def sweep(self) -> None:
        """Apply consents that began, ended or changed since the last sweep, and release
        whatever a live consent covers but is still withheld (e.g. after a crash)."""
        outcome = self.store.sweep()
        self.stats.removed += outcome.removed
        self.release(self.store.releasable())
        self._next_sweep = time.monotonic() + self.sweep_interval_s

    def release(self, pointers: Sequence[Withheld]) -> None:
        """Fetch withheld records that a consent now covers and bring them into the view."""
        if not pointers or self.fetcher_factory is None:
            return
        started = time.monotonic()
        fetcher = self.fetcher_factory()
        try:
            records = fetch(fetcher, pointers)
        finally:
            fetcher.close()
        released = self.store.release(records)
        self.stats.released += released
        log.info(
            "projector %s: released %d of %d withheld events a consent now covers (%.2fs)",
            self.service.value,
            released,
            len(pointers),
            time.monotonic() - started,
        )

    def apply(self, records: list[ConsumedRecord]) -> None:
        """Apply one polled batch, or re-seek if the stored offsets moved."""
        assert self.consumer is not None
        try:
            outcome = self.store.apply_batch(records, self.expected)
        except OffsetFencingError:
            self.stats.fenced += 1
            log.info("projector %s: stored offsets moved; resuming from them", self.service.value)
            self.seek_to_stored(list(self.consumer.assignment()))
            return
        ends: dict[tuple[str, int], int] = {}
        for r in records:
            ends[r.tp] = max(ends.get(r.tp, 0), r.offset + 1)
        self.expected.update(ends)
        for r in records:
            if r.poison_reason:
                skipped = (r.topic, r.partition, r.offset) in outcome.skipped
                log.warning(
                    "projector %s: %s record %s/%d@%d %s: %s",
                    self.service.value,
                    "skipped" if skipped else "parked",
                    r.topic,
                    r.partition,
                    r.offset,
                    "(a type it may never hold)" if skipped else "as dead letter",
                    r.poison_reason,
                )
        self.stats.parked += sum(1 for r in records if r.poison_reason) - len(outcome.skipped)
        self.stats.skipped += len(outcome.skipped)
        self.stats.batches += 1
        self.stats.records += len(records)
        self.stats.applied += outcome.applied
        self.stats.withheld += outcome.withheld
        self.stats.removed += outcome.removed
        self._commit_informational(ends)
        self.release(outcome.releasable)

    def _commit_informational(self, ends: dict[tuple[str, int], int]) -> None:
        # Group offsets only show operators the lag; the truth is in the view.
        assert self.consumer is not None
        try:
            self.consumer.commit({TopicPartition(t, p): OffsetAndMetadata(o, "", -1) for (t, p), o in ends.items()})
        except Exception:  # noqa: BLE001 - informational commit; a rebalance may reject it
            log.debug("informational offset commit failed", exc_info=True)

    def _report_lag(self) -> None:
        now = time.monotonic()
        if self.consumer is None or now - self._last_lag_report < 1.0:
            return
        self._last_lag_report = now
        lag: dict[str, int] = {}
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is not None:
                lag[f"{tp.topic}/{tp.partition}"] = max(0, high - self.consumer.position(tp))
        self.stats.lag = lag
