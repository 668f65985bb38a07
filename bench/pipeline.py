"""Relay, projection and rebuild throughput (G3, G4, G5) as the event store grows.

Intake's and kobiz's application, pool and view are built by the composition root
(``services.bootstrap.build_container``), the relay and the projector by
``build_relay`` and ``build_projector``, so they run with the services' settings.
For each store size the intake store is topped up with batched saves (cases of
two published events), then:

- the real :class:`shared.outbox.relay.Relay` drains the store to a fresh topic,
  against a raw kafka-python producer sending as many messages of the same
  sizes with the same producer settings (:mod:`bench.publishing`);
- the real :class:`shared.projection.consumer.Projector` with a
  :class:`PostgresCaseHistoryStore` (fresh prefixed tables, kobiz's view)
  consumes that topic, against a raw consumer with the same settings that only
  iterates the records (:mod:`bench.projection`);
- ``shared.projection.rebuild.rebuild`` rebuilds kobiz's view from it;
- ``select_notifications`` + decode reads the whole store (G5's reference,
  :mod:`bench.event_store`).

Stores larger than ``whole_limit`` are measured on a window: the relay drains
only the last ``window`` events (from a saved position), and the projector
consumes them into a view that already holds the rest of the store as rows
(copies of really projected rows with other keys, made in SQL, because
projecting a million events takes too long for one run). A rebuild is a read
of the whole topic, so it is measured only up to ``whole_limit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import uuid4

from bench import workload
from bench.environment import BenchEnv
from bench.event_store import EventStore
from bench.goals import GROWTH_RATES
from bench.projection import Projection
from bench.publishing import Publishing
from bench.timing import Rate
from services.bootstrap import build_container
from shared.bus.wire import WireMessage
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.service import Service

SEED = 1000  # really projected events that the synthetic rows of a windowed stage copy


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
        self.intake = build_container(Service.INTAKE)
        try:
            self.kobiz = build_container(Service.KOBIZ)
        except BaseException:
            self.intake.close()
            raise
        self.store = EventStore(bench, self.intake)
        self.publishing = Publishing(self.intake)
        self.projection = Projection(self.kobiz)
        bench.on_recover.append(self._check_pools)

    def _check_pools(self) -> None:
        """Drop pooled connections that a restart of PostgreSQL broke."""
        for pool in workload.pools(self.intake) + workload.pools(self.kobiz):
            pool.check()

    def close(self) -> None:
        self.bench.on_recover.remove(self._check_pools)
        self.intake.close()
        self.kobiz.close()

    def reset_store(self) -> None:
        """Empty intake's event store (earlier phases appended to it)."""
        self.store.reset()

    def grown_view(self, rows: int, messages: list[WireMessage]) -> tuple[PostgresCaseHistoryStore, int]:
        """A view holding about ``rows`` events: SEED really projected, the rest copies of them."""
        view = self.projection.view()
        seed_topic = self.bench.create_topic(f"seed.{uuid4().hex[:6]}")
        seed = messages[:SEED]
        self.publishing.raw_produce(seed_topic, seed, len(seed))
        self.projection.project(seed_topic, len(seed), 300, store=view)
        self.bench.delete_topics([seed_topic])
        return view, self.projection.copy_rows(view, max(0, rows // len(seed) - 1))

    # --- one store size ---------------------------------------------------------

    def stage(self, size: int, reps: int, whole_limit: int, window: int) -> Stage:
        bench, store, publishing, projection = self.bench, self.store, self.publishing, self.projection
        prefill = store.prefill(size)
        stored = store.size()
        windowed = stored > whole_limit and stored - window > 2 * SEED
        start = store.window_start(window) if windowed else 0
        count, last_id = store.events_after(start)
        reps = 1 if windowed else reps
        stage = Stage(size, reps, count)
        timeout = 120 + count / 100
        messages = bench.stable(lambda: workload.sample_messages(self.intake), "reading sample messages")
        r = stage.rates
        r["prefill"] = prefill
        for key in GROWTH_RATES:
            r[key] = Rate()
        r["relay"].extra["batch_size"] = self.intake.settings.relay_batch_size
        r["raw_producer"].extra["message_bytes"] = round(
            sum(len(m.value) + len(m.key) for m in messages) / len(messages)
        )

        def relay_run(rep: int) -> tuple[float, dict[str, Any], str]:
            topic = bench.create_topic(f"relay.{size}.{rep}.{uuid4().hex[:4]}")
            try:
                return (*publishing.relay(topic, start, last_id, count, timeout), topic)
            except BaseException:
                bench.delete_topics([topic])
                raise

        def raw_run(rep: int) -> float:
            topic = bench.create_topic(f"raw.{size}.{rep}.{uuid4().hex[:4]}")
            try:
                return publishing.raw_produce(topic, messages, count)
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
            r["raw_producer"].add(count, bench.stable(partial(raw_run, rep), f"raw producer at {size:,}"))

        def raw_consume() -> float:
            return projection.raw_consume(main_topic, count, timeout)

        grown: PostgresCaseHistoryStore | None = None
        if windowed:
            grown, rows = bench.stable(lambda: self.grown_view(stored - count, messages), "growing the view")
            stage.notes.append(f"last {count:,} events of the store; the view held {rows:,} events before")
        for _ in range(reps):
            # Into a grown view a second attempt would find the events processed: no repeats there.
            seconds, info = bench.stable(
                lambda: projection.project(main_topic, count, timeout, store=grown),
                f"projector at {size:,} events",
                tries=1 if grown else 5,
            )
            r["projector"].add(count, seconds)
            r["projector"].extra.update(info)
            r["raw_consumer"].add(count, bench.stable(raw_consume, f"raw consumer at {size:,}"))
        if grown is not None:
            grown.drop()
        if windowed:
            del r["rebuild"]
            stage.notes.append("rebuild not measured (a rebuild reads the whole topic)")
        else:
            for _ in range(reps):
                seconds, info = bench.stable(
                    lambda: projection.rebuild(main_topic, count), f"rebuild at {size:,} events"
                )
                r["rebuild"].add(count, seconds)
                r["rebuild"].extra.update(info)
                r["raw_consumer"].add(count, bench.stable(raw_consume, f"raw consumer at {size:,}"))
        r["select_decode"].add(*bench.stable(store.select_decode, f"select_notifications at {size:,}"))
        bench.delete_topics([main_topic])
        return stage
