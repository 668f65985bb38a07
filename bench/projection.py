"""G4 and G5: the real projector and a rebuild of kobiz's view, against a raw consumer.

The projector is built by the composition root (``services.bootstrap.build_projector``:
batch size and poll timeout from kobiz's settings) on fresh view tables under a
prefix of their own, with consumers of a fresh group that note when they got
their partitions (:class:`bench.timing.TimedConsumer`). Its consent fetcher is
the service's own; the workload holds no consents, so it never fetches.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import uuid4

from kafka import TopicPartition
from psycopg import sql

from bench.timing import TimedConsumer, wait_until
from services.bootstrap import Container, build_projector
from shared.bus.kafka import make_consumer
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.projection.rebuild import rebuild
from shared.service import Service

# View tables grown by copying rows; the keys are rewritten so that copies are new rows.
GROWN_TABLES = ("processed_events", "case_timeline", "case_summary")
# Copy ``g`` of a row: a negative sequence (sorts before real events) and a case id derived from (case id, g).
COPY_ROWS = (
    "INSERT INTO {t} SELECT (jsonb_populate_record(NULL::{t}, to_jsonb(x) || jsonb_strip_nulls("
    "jsonb_build_object("
    "'sequence', -(g::bigint * 1000000000 + (to_jsonb(x) ->> 'sequence')::bigint), "
    "'case_id', md5((to_jsonb(x) ->> 'case_id') || ':' || g)::uuid)))).* "
    "FROM {t} x, generate_series(1, %s) g"
)


class Projection:
    """Kobiz's view of the shared case history, fed from one topic."""

    def __init__(self, kobiz: Container) -> None:
        self.kobiz = kobiz
        self.settings = kobiz.settings

    def view(self) -> PostgresCaseHistoryStore:
        """Fresh, empty kobiz view tables under a prefix of their own."""
        store = PostgresCaseHistoryStore(
            self.kobiz.postgres, self.settings.pg_schema, prefix=f"bv{uuid4().hex[:6]}_", service=Service.KOBIZ
        )
        store.setup()
        return store

    def project(
        self, topic: str, count: int, timeout: float, store: PostgresCaseHistoryStore | None = None
    ) -> tuple[float, dict[str, Any]]:
        """The real Projector consumes ``count`` records of ``topic`` into a view (a fresh one by default)."""
        view = store or self.view()
        before = view.counts()["processed"]
        consumers: list[TimedConsumer] = []

        def consumer() -> TimedConsumer:
            timed = TimedConsumer(
                make_consumer(
                    self.settings.infra.kafka_bootstrap,
                    group_id=f"{self.settings.infra.topic_prefix}.bench-{uuid4().hex[:6]}",
                    client_id="kim-bench-projector",
                    max_poll_records=self.settings.projector_batch_size,
                )
            )
            consumers.append(timed)
            return timed

        projector = build_projector(self.kobiz, store=view, topics=[topic], consumer_factory=consumer)
        stop = threading.Event()
        thread = threading.Thread(target=projector.run, args=(stop,), daemon=True, name="bench-projector")
        thread.start()
        try:
            done = wait_until(lambda: projector.stats.records >= count, timeout, what="the projector")
        finally:
            stop.set()
            thread.join(timeout=30)
        processed = view.counts()["processed"] - before
        if store is None:
            view.drop()
        first = consumers[0].started_at if consumers else None
        if first is None or processed != count:
            msg = f"projector: expected {count} newly processed events, the view has {processed}"
            raise RuntimeError(msg)
        stats = projector.stats
        return done - first, {
            "batches": stats.batches,
            "events_per_txn": stats.records / max(stats.batches, 1),
            "fenced": stats.fenced,
            "errors": stats.errors,
            "applied": stats.applied,
        }

    def raw_consume(self, topic: str, count: int, timeout: float) -> float:
        """A raw consumer with the projector's settings that only iterates the records."""
        batch = self.settings.projector_batch_size
        consumer = TimedConsumer(
            make_consumer(
                self.settings.infra.kafka_bootstrap, group_id=None, client_id="kim-bench-raw", max_poll_records=batch
            )
        )
        try:
            partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            seen, size = 0, 0
            deadline = time.perf_counter() + timeout
            while seen < count:
                polled = consumer.poll(timeout_ms=self.settings.projector_poll_timeout_ms, max_records=batch)
                for records in polled.values():
                    for record in records:
                        seen += 1
                        size += len(record.value)
                if time.perf_counter() > deadline:
                    msg = f"raw consumer: {seen} of {count} records after {timeout:.0f}s"
                    raise TimeoutError(msg)
            done = time.perf_counter()
        finally:
            consumer.close()
        if consumer.started_at is None:
            msg = "raw consumer: never assigned"
            raise RuntimeError(msg)
        return done - consumer.started_at

    def rebuild(self, topic: str, count: int) -> tuple[float, dict[str, Any]]:
        """``kim rebuild kobiz`` on one topic: fresh tables, read to the end, swap in."""
        live = self.view()
        consumer = TimedConsumer(
            make_consumer(self.settings.infra.kafka_bootstrap, group_id=None, client_id="kim-rebuild")
        )
        try:
            counts = rebuild(Service.KOBIZ, live, consumer, [topic])
            done = time.perf_counter()
        finally:
            consumer.close()
            live.drop()
        if counts["processed"] != count or consumer.started_at is None:
            msg = f"rebuild: expected {count} processed events, got {counts}"
            raise RuntimeError(msg)
        return done - consumer.started_at, {"timeline_rows": counts["timeline"]}

    def copy_rows(self, view: PostgresCaseHistoryStore, copies: int) -> int:
        """Add ``copies`` copies of every row of the view under new keys; return the events it then holds.

        Copies get negative sequences and case ids derived from (case id, copy
        number), so they are new rows in every index and sort before the real
        events, as older events would.
        """
        with self.kobiz.postgres.connection() as conn:
            for name in GROWN_TABLES:
                table = view.t(name)
                conn.execute(sql.SQL(COPY_ROWS).format(t=table), (copies,))
                conn.execute(sql.SQL("ANALYZE {}").format(table))
        return view.counts()["processed"]
