"""Intake's event store under measurement: topping it up, windows of it, and reading it whole."""

from __future__ import annotations

import time
from typing import Any

from psycopg import sql

from bench import workload
from bench.environment import BenchEnv
from bench.timing import Rate
from services.bootstrap import Container
from shared.service import Service

PREFILL_BATCH = 500  # aggregates per save(); two events each


class EventStore:
    """The notification log of intake's application (built by the composition root)."""

    def __init__(self, bench: BenchEnv, intake: Container) -> None:
        self.bench = bench
        self.intake = intake
        self.app = intake.app
        self.table = sql.Identifier(intake.settings.pg_schema, f"{self.app.name.lower()}_events")

    def reset(self) -> None:
        """Empty intake's event store (earlier phases appended to it)."""
        with self.bench.pg(Service.INTAKE) as conn:
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(self.table))

    def _row(self, query: sql.Composed, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        with self.intake.postgres.connection() as conn:
            row = conn.execute(query, params).fetchone()
        if row is None:
            msg = f"no row from {query!r}"
            raise RuntimeError(msg)
        return tuple(row)

    def size(self) -> int:
        return int(self._row(sql.SQL("SELECT count(*) FROM {}").format(self.table))[0])

    def window_start(self, count: int) -> int:
        """The notification id after which the store's last ``count`` events follow."""
        if count >= self.size():
            return 0
        query = sql.SQL("SELECT notification_id FROM {} ORDER BY notification_id DESC OFFSET %s LIMIT 1")
        return int(self._row(query.format(self.table), (count,))[0])

    def events_after(self, start: int) -> tuple[int, int]:
        """How many events follow ``start``, and the last notification id."""
        query = sql.SQL("SELECT count(*), max(notification_id) FROM {} WHERE notification_id > %s")
        count, last = self._row(query.format(self.table), (start,))
        return int(count), int(last or 0)

    def prefill(self, size: int) -> Rate:
        """Top the store up to ``size`` events with batched saves (two events per case)."""
        rate = Rate()
        stored = self.size()
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
                stored = self.size()
                continue
            step = sum(c.version for c in cases)
            added += step
            stored += step
        if added:
            rate.add(added, time.perf_counter() - started)
        return rate

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
