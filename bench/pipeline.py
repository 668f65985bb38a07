"""Relay, projection and rebuild throughput (G3, G4, G5) as the event store grows.

For each store size the intake store is topped up with batched saves (cases of
two published events), then:

- the real :class:`shared.relay.Relay` drains the store to a fresh topic,
  against a raw kafka-python producer sending as many messages of the same
  sizes with the same producer settings (``shared.kafka.make_producer``);
- the real :class:`Projector` with :class:`PostgresCaseHistoryStore` (fresh
  prefixed tables, kobiz's view) consumes that topic, against a raw consumer
  with the same settings that only iterates the records;
- ``shared.projection.rebuild.rebuild`` rebuilds kobiz's view from it;
- ``select_notifications`` + decode reads the whole store (G5's reference).

Stores larger than ``whole_limit`` are measured on a window: the relay drains
only the last ``window`` events (from a saved position), and the projector
consumes them into a view that already holds the rest of the store as rows
(copies of really projected rows with other keys, made in SQL, because
projecting a million events takes too long for one run). A rebuild is a read
of the whole topic, so it is measured only up to ``whole_limit``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from kafka import TopicPartition
from psycopg import sql

from bench import workload
from bench.environment import BenchEnv
from bench.timing import Rate, TimedConsumer, wait_until
from shared.kafka import make_consumer, make_producer
from shared.pgstate import PostgresRelayPosition
from shared.projection.consumer import Projector
from shared.projection.postgres import PostgresCaseHistoryStore, make_pool
from shared.projection.rebuild import rebuild
from shared.relay import Relay
from shared.settings import Service, get_settings

PREFILL_BATCH = 500  # aggregates per save(); two events each
SEED = 1000  # really projected events that the synthetic rows of a windowed stage copy
# View tables grown by copying rows; the keys are rewritten so that copies are new rows.
GROWN_TABLES = ("processed_events", "case_timeline", "case_summary")


@dataclass
class Stage:
    """Figures at one store size."""

    size: int
    reps: int
    measured: int  # events per measurement (the window, or the whole store)
    rates: dict[str, Rate] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Pipeline:
    """The intake store, kobiz's view and their Kafka topics under measurement."""

    def __init__(self, bench: BenchEnv) -> None:
        self.bench = bench
        self.intake = get_settings(Service.INTAKE)
        self.kobiz = get_settings(Service.KOBIZ)
        self.app = workload.intake_app()
        self.intake_pool = make_pool(self.intake.pg_conninfo(), max_size=2, name="bench-intake")
        self.intake_pool.open(wait=True, timeout=30)
        self.kobiz_pool = make_pool(self.kobiz.pg_conninfo(), max_size=self.kobiz.pg_pool_size, name="bench-kobiz")
        self.kobiz_pool.open(wait=True, timeout=30)
        PostgresRelayPosition(self.intake_pool, self.intake.pg_schema).setup()
        bench.on_recover.append(self._check_pools)
        self.table = sql.Identifier(self.intake.pg_schema, f"{self.app.name.lower()}_events")

    def _check_pools(self) -> None:
        """Drop pooled connections that a restart of PostgreSQL broke."""
        for pool in (self.intake_pool, self.kobiz_pool, self.app.recorder.datastore.pool):
            pool.check()

    def close(self) -> None:
        self.bench.on_recover.remove(self._check_pools)
        self.app.close()
        self.intake_pool.close()
        self.kobiz_pool.close()

    # --- the store ------------------------------------------------------------

    def reset_store(self) -> None:
        """Empty intake's event store (earlier phases appended to it)."""
        with self.bench.pg(Service.INTAKE) as conn:
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(self.table))

    def _query(self, query: sql.Composable, params: Any = ()) -> Any:
        with self.intake_pool.connection() as conn:
            row = conn.execute(query, params).fetchone()
        return row[0] if row else None

    def store_size(self) -> int:
        return int(self._query(sql.SQL("SELECT count(*) FROM {}").format(self.table)))

    def window_start(self, count: int) -> int:
        """The notification id after which the store's last ``count`` events follow."""
        if count >= self.store_size():
            return 0
        return int(
            self._query(
                sql.SQL("SELECT notification_id FROM {} ORDER BY notification_id DESC OFFSET %s LIMIT 1").format(
                    self.table
                ),
                (count,),
            )
        )

    def events_after(self, start: int) -> tuple[int, int]:
        """How many events follow ``start``, and the last notification id."""
        row = sql.SQL("SELECT count(*), max(notification_id) FROM {} WHERE notification_id > %s").format(self.table)
        with self.intake_pool.connection() as conn:
            count, last = conn.execute(row, (start,)).fetchone()
        return int(count), int(last or 0)

    def prefill(self, size: int) -> Rate:
        """Top the store up to ``size`` events with batched saves (two events per case)."""
        rate = Rate()
        stored = self.store_size()
        started = time.perf_counter()
        added = 0
        while stored < size:
            missing = size - stored
            cases = [workload.opened_case() for _ in range(min(PREFILL_BATCH, (missing + 1) // 2))]
            if missing % 2 and len(cases) * 2 > missing:
                cases[-1] = workload.new_case()  # end exactly at ``size``
            try:
                self.app.save(*cases)
            except Exception:  # noqa: BLE001 - PostgreSQL restarted by someone: wait, count again
                self.bench.recover()
                self.bench.repeated.append("prefill: a batch failed and was saved again")
                stored = self.store_size()
                continue
            step = sum(c.version for c in cases)
            added += step
            stored += step
        if added:
            rate.add(added, time.perf_counter() - started)
        return rate

    # --- relay ----------------------------------------------------------------

    def relay(self, topic: str, start: int, last_id: int, timeout: float) -> tuple[float, dict[str, Any]]:
        """Drain the store after ``start`` with the real Relay (settings as services.bootstrap.build_relay)."""
        positions = PostgresRelayPosition(self.intake_pool, self.intake.pg_schema, name=f"bench-{uuid4().hex[:8]}")
        if start:
            positions.save(start)
        producer = self._producer(topic)
        relay = Relay(
            self.app,
            topic,
            positions,
            _once(producer, lambda: self._producer(topic)),
            batch_size=self.intake.relay_batch_size,
            linger_s=self.intake.relay_linger_ms / 1000,
            ack_timeout_s=self.intake.relay_delivery_timeout_ms / 1000 + 5,
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
        expected, _ = self.events_after(start)
        if stats.published != expected:
            msg = f"relay published {stats.published} of {expected} events"
            raise RuntimeError(msg)
        return done - started, {
            "batches": stats.batches,
            "events_per_batch": stats.published / max(stats.batches, 1),
            "failures": stats.failures,
        }

    def raw_produce(self, topic: str, messages: list[Any], count: int) -> float:
        """Send ``count`` messages of the relay's sizes with a raw producer, then flush."""
        producer = self._producer(topic)
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

    def _producer(self, topic: str) -> Any:
        producer = make_producer(
            self.bench.bootstrap,
            client_id="kim-bench-relay",
            linger_ms=self.intake.relay_linger_ms,
            delivery_timeout_ms=self.intake.relay_delivery_timeout_ms,
        )
        producer.partitions_for(topic)  # metadata now, not inside the measurement
        return producer

    # --- projection -----------------------------------------------------------

    def view(self) -> PostgresCaseHistoryStore:
        """Fresh, empty kobiz view tables under a prefix of their own."""
        store = PostgresCaseHistoryStore(self.kobiz_pool, self.kobiz.pg_schema, prefix=f"bv{uuid4().hex[:6]}_")
        store.setup()
        return store

    def project(
        self,
        topic: str,
        count: int,
        timeout: float,
        store: PostgresCaseHistoryStore | None = None,
    ) -> tuple[float, dict[str, Any]]:
        """The real Projector (settings as build_projector) consumes ``count`` records into a view."""
        view = store or self.view()
        before = view.counts()["processed"]
        consumers: list[TimedConsumer] = []

        def factory() -> Any:
            consumer = TimedConsumer(
                make_consumer(
                    self.bench.bootstrap,
                    group_id=f"{self.bench.infra.topic_prefix}.bench-{uuid4().hex[:6]}",
                    client_id="kim-bench-projector",
                    max_poll_records=self.kobiz.projector_batch_size,
                )
            )
            consumers.append(consumer)
            return consumer

        projector = Projector(
            Service.KOBIZ,
            view,
            factory,
            [topic],
            batch_size=self.kobiz.projector_batch_size,
            poll_timeout_ms=self.kobiz.projector_poll_timeout_ms,
        )
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
        consumer = TimedConsumer(
            make_consumer(
                self.bench.bootstrap,
                group_id=None,
                client_id="kim-bench-raw",
                max_poll_records=self.kobiz.projector_batch_size,
            )
        )
        try:
            partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            seen, size = 0, 0
            deadline = time.perf_counter() + timeout
            while seen < count:
                polled = consumer.poll(
                    timeout_ms=self.kobiz.projector_poll_timeout_ms, max_records=self.kobiz.projector_batch_size
                )
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
        assert consumer.started_at is not None
        return done - consumer.started_at

    def rebuild(self, topic: str, count: int) -> tuple[float, dict[str, Any]]:
        """``kim rebuild kobiz`` on one topic: fresh tables, read to the end, swap in."""
        live = self.view()
        consumer = TimedConsumer(make_consumer(self.bench.bootstrap, group_id=None, client_id="kim-rebuild"))
        try:
            counts = rebuild(Service.KOBIZ, live, consumer, [topic])  # type: ignore[arg-type]
            done = time.perf_counter()
        finally:
            consumer.close()
            live.drop()
        if counts["processed"] != count or consumer.started_at is None:
            msg = f"rebuild: expected {count} processed events, got {counts}"
            raise RuntimeError(msg)
        return done - consumer.started_at, {"timeline_rows": counts["timeline"]}

    def grown_view(self, rows: int, messages: list[Any]) -> tuple[PostgresCaseHistoryStore, int]:
        """A view holding about ``rows`` events: SEED really projected, the rest copies of them.

        Copies get negative sequences and case ids derived from (case id, copy
        number), so they are new rows in every index and sort before the
        window's real events, as older events would.
        """
        view = self.view()
        seed_topic = self.bench.create_topic(f"seed.{uuid4().hex[:6]}")
        seed = messages[:SEED]
        self.raw_produce(seed_topic, seed, len(seed))
        self.project(seed_topic, len(seed), 300, store=view)
        self.bench.delete_topics([seed_topic])
        copies = max(0, rows // len(seed) - 1)
        with self.kobiz_pool.connection() as conn:
            for name in GROWN_TABLES:
                table = view.t(name)
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {t} SELECT (jsonb_populate_record(NULL::{t}, to_jsonb(x) || jsonb_strip_nulls("
                        "jsonb_build_object('sequence', -(g::bigint * 1000000000 + (to_jsonb(x) ->> 'sequence')::bigint), "
                        "'case_id', md5((to_jsonb(x) ->> 'case_id') || ':' || g)::uuid)))).* "
                        "FROM {t} x, generate_series(1, %s) g"
                    ).format(t=table),
                    (copies,),
                )
                conn.execute(sql.SQL("ANALYZE {}").format(table))
        return view, view.counts()["processed"]

    def select_decode(self) -> tuple[int, float]:
        """Read the whole notification log in pages of 1000 and decode every event."""
        recorder, mapper = self.app.recorder, self.app.mapper
        position, n = 0, 0
        started = time.perf_counter()
        while True:
            page = recorder.select_notifications(start=position, limit=1000, inclusive_of_start=False)
            if not page:
                break
            for notification in page:
                mapper.to_domain_event(notification)
            n += len(page)
            position = page[-1].id
        return n, time.perf_counter() - started

    # --- one store size ---------------------------------------------------------

    def stage(self, size: int, reps: int, whole_limit: int, window: int) -> Stage:
        prefill = self.prefill(size)
        stored = self.store_size()
        windowed = stored > whole_limit and stored - window > 2 * SEED
        start = self.window_start(window) if windowed else 0
        count, last_id = self.events_after(start)
        reps = 1 if windowed else reps
        stage = Stage(size, reps, count)
        timeout = 120 + count / 100
        messages = self.bench.stable(lambda: workload.sample_messages(self.app), "reading sample messages")
        r = stage.rates
        r["prefill"] = prefill
        for key in ("relay", "raw_producer", "projector", "raw_consumer", "rebuild", "select_decode"):
            r[key] = Rate()
        r["relay"].extra["batch_size"] = self.intake.relay_batch_size
        r["raw_producer"].extra["message_bytes"] = round(
            sum(len(m.value) + len(m.key) for m in messages) / len(messages)
        )
        bench = self.bench

        def relay_run(rep: int) -> tuple[float, dict[str, Any], str]:
            topic = bench.create_topic(f"relay.{size}.{rep}.{uuid4().hex[:4]}")
            try:
                return (*self.relay(topic, start, last_id, timeout), topic)
            except BaseException:
                bench.delete_topics([topic])
                raise

        def raw_run(rep: int) -> float:
            topic = bench.create_topic(f"raw.{size}.{rep}.{uuid4().hex[:4]}")
            try:
                return self.raw_produce(topic, messages, count)
            finally:
                bench.delete_topics([topic])

        main_topic = ""
        for rep in range(reps):
            topic = ""

            def relay_once(rep: int = rep) -> tuple[float, dict[str, Any], str]:
                nonlocal topic
                if topic:  # a repeated measurement publishes to a fresh topic
                    bench.delete_topics([topic])
                seconds, info, topic = relay_run(rep)
                return seconds, info, topic

            seconds, info, topic = bench.stable(relay_once, f"relay run {rep + 1} at {size:,} events")
            r["relay"].add(count, seconds)
            r["relay"].extra.update(info)
            if rep == 0:
                main_topic = topic
            else:
                bench.delete_topics([topic])
            r["raw_producer"].add(count, bench.stable(lambda rep=rep: raw_run(rep), f"raw producer at {size:,}"))
        grown = None
        if windowed:
            grown, rows = bench.stable(lambda: self.grown_view(stored - count, messages), "growing the view")
            stage.notes.append(f"last {count:,} events of the store; the view held {rows:,} events before")
        for _ in range(reps):
            # Into a grown view a second attempt would find the events processed: no repeats there.
            seconds, info = bench.stable(
                lambda: self.project(main_topic, count, timeout, store=grown),
                f"projector at {size:,} events",
                tries=1 if grown else 5,
            )
            r["projector"].add(count, seconds)
            r["projector"].extra.update(info)
            r["raw_consumer"].add(
                count, bench.stable(lambda: self.raw_consume(main_topic, count, timeout), f"raw consumer at {size:,}")
            )
        if grown is not None:
            grown.drop()
        if windowed:
            del r["rebuild"]
            stage.notes.append("rebuild not measured (a rebuild reads the whole topic)")
        else:
            for _ in range(reps):
                seconds, info = bench.stable(lambda: self.rebuild(main_topic, count), f"rebuild at {size:,} events")
                r["rebuild"].add(count, seconds)
                r["rebuild"].extra.update(info)
                r["raw_consumer"].add(
                    count,
                    bench.stable(lambda: self.raw_consume(main_topic, count, timeout), f"raw consumer at {size:,}"),
                )
        r["select_decode"].add(*bench.stable(self.select_decode, f"select_notifications at {size:,}"))
        self.bench.delete_topics([main_topic])
        return stage


def _once(first: Any, make: Callable[[], Any]) -> Callable[[], Any]:
    """A producer factory that hands out a warmed-up producer first, fresh ones after."""
    handed: list[Any] = []

    def factory() -> Any:
        if not handed:
            handed.append(first)
            return first
        return make()

    return factory
