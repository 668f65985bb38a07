"""The index of a service's break-glass requests: PostgreSQL and in memory.

One row per request: who asked, on which case or file, whether it was granted and
from when to when, whether it was reviewed. No free text (the reason and the notes
stay in the aggregate). The row is written by the recorder in the transaction of the
request's events (a side record), so it is exactly as current as they are; the
reach lookup asks it which grants are in force now. ``kim migrate`` creates it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from shared.access.break_glass import PENDING_FOR, BreakGlassRow
from shared.application.results import Saved

TABLE = "break_glass"

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {table} (
    grant_id uuid PRIMARY KEY,
    subject_id uuid NOT NULL,
    requester text NOT NULL,
    emergency boolean NOT NULL,
    requested_at timestamptz NOT NULL,
    starts_at timestamptz,
    ends_at timestamptz,
    closed boolean NOT NULL DEFAULT false,
    reviewed boolean NOT NULL DEFAULT false,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS {by_subject} ON {table} (subject_id, ends_at);
CREATE INDEX IF NOT EXISTS {to_review} ON {table} (requested_at) WHERE starts_at IS NOT NULL AND NOT reviewed;
"""

COLUMNS = "grant_id, subject_id, requester, emergency, requested_at, starts_at, ends_at, closed, reviewed"

_WHERE = {
    "pending": "starts_at IS NULL AND NOT closed AND requested_at > %(lapsed)s",
    "active": "starts_at <= %(now)s AND ends_at > %(now)s",
    "to-review": "starts_at IS NOT NULL AND NOT reviewed",
}


def _row(record: dict[str, Any]) -> BreakGlassRow:
    return BreakGlassRow(**{name: record[name] for name in COLUMNS.split(", ")})


class PostgresBreakGlassIndex:
    """The index in the service's schema."""

    def __init__(self, pool: ConnectionPool[Any], schema: str) -> None:
        self.pool = pool
        self.table = sql.Identifier(schema, TABLE)

    def setup(self) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                sql.SQL(SCHEMA_SQL).format(
                    table=self.table,
                    by_subject=sql.Identifier(f"{TABLE}_by_subject"),
                    to_review=sql.Identifier(f"{TABLE}_to_review"),
                )
            )

    def _select(self, where: str, params: dict[str, Any]) -> list[BreakGlassRow]:
        query = sql.SQL("SELECT {} FROM {} WHERE " + where + " ORDER BY requested_at, grant_id").format(
            sql.SQL(COLUMNS), self.table
        )
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return [_row(r) for r in cur.execute(query, params).fetchall()]

    def holders(self, subject_id: UUID, now: datetime) -> dict[str, UUID]:
        rows = self._select("subject_id = %(subject)s AND " + _WHERE["active"], {"subject": subject_id, "now": now})
        return {row.requester: row.grant_id for row in rows}

    def holders_of(self, subject_ids: Sequence[UUID], now: datetime) -> dict[UUID, dict[str, UUID]]:
        if not subject_ids:
            return {}
        rows = self._select(
            "subject_id = ANY(%(subjects)s) AND " + _WHERE["active"], {"subjects": list(subject_ids), "now": now}
        )
        return _by_subject(rows)

    def rows(self, now: datetime, state: str, requester: str | None = None) -> list[BreakGlassRow]:
        where = _WHERE[state] + (" AND requester = %(requester)s" if requester is not None else "")
        return self._select(where, {"now": now, "lapsed": now - PENDING_FOR, "requester": requester})

    def open_of(self, subject_id: UUID, requester: str, now: datetime) -> list[BreakGlassRow]:
        either = f"(({_WHERE['pending']}) OR ({_WHERE['active']}))"
        where = f"subject_id = %(subject)s AND requester = %(requester)s AND {either}"
        params = {"subject": subject_id, "requester": requester, "now": now, "lapsed": now - PENDING_FOR}
        return self._select(where, params)

    def written_with_events(self, row: BreakGlassRow) -> object:
        return PostgresBreakGlassRecord(self.table, TABLE, row)


@dataclass(frozen=True)
class PostgresBreakGlassRecord:
    """Upserts one index row in the transaction of the request's events."""

    identifier: sql.Identifier
    table: str
    row: BreakGlassRow

    def write(self, cursor: Cursor[DictRow], saved: Saved, events: int) -> None:
        cursor.execute(
            sql.SQL(
                "INSERT INTO {0} (" + COLUMNS + ", version) VALUES (%(grant_id)s, %(subject_id)s, %(requester)s, "
                "%(emergency)s, %(requested_at)s, %(starts_at)s, %(ends_at)s, %(closed)s, %(reviewed)s, %(version)s) "
                "ON CONFLICT (grant_id) DO UPDATE SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, "
                "closed = EXCLUDED.closed, reviewed = EXCLUDED.reviewed, version = EXCLUDED.version, "
                "updated_at = now() WHERE {0}.version < EXCLUDED.version"
            ).format(self.identifier),
            {name: getattr(self.row, name) for name in COLUMNS.split(", ")} | {"version": saved.version},
        )


class MemoryBreakGlassIndex:
    """The same index in memory (unit tests)."""

    def __init__(self) -> None:
        self._rows: dict[UUID, BreakGlassRow] = {}
        self._lock = threading.Lock()

    def _all(self) -> list[BreakGlassRow]:
        with self._lock:
            return sorted(self._rows.values(), key=lambda r: (r.requested_at, r.grant_id))

    def holders(self, subject_id: UUID, now: datetime) -> dict[str, UUID]:
        return {r.requester: r.grant_id for r in self._all() if r.subject_id == subject_id and r.in_force(now)}

    def holders_of(self, subject_ids: Sequence[UUID], now: datetime) -> dict[UUID, dict[str, UUID]]:
        wanted = set(subject_ids)
        return _by_subject([r for r in self._all() if r.subject_id in wanted and r.in_force(now)])

    def rows(self, now: datetime, state: str, requester: str | None = None) -> list[BreakGlassRow]:
        keep = {"pending": lambda r: r.pending(now), "active": lambda r: r.in_force(now), "to-review": _to_review}
        return [r for r in self._all() if keep[state](r) and (requester is None or r.requester == requester)]

    def open_of(self, subject_id: UUID, requester: str, now: datetime) -> list[BreakGlassRow]:
        return [
            r
            for r in self._all()
            if r.subject_id == subject_id and r.requester == requester and (r.pending(now) or r.in_force(now))
        ]

    def put(self, row: BreakGlassRow) -> None:
        with self._lock:
            self._rows[row.grant_id] = replace(row)

    def written_with_events(self, row: BreakGlassRow) -> object:
        return MemoryBreakGlassRecord(self, row)


def _by_subject(rows: list[BreakGlassRow]) -> dict[UUID, dict[str, UUID]]:
    """Per subject, staff id -> grant id (rows oldest first: a later grant of the same person wins, as in holders)."""
    found: dict[UUID, dict[str, UUID]] = {}
    for row in rows:
        found.setdefault(row.subject_id, {})[row.requester] = row.grant_id
    return found


def _to_review(row: BreakGlassRow) -> bool:
    return row.to_review()


@dataclass(frozen=True)
class MemoryBreakGlassRecord:
    index: MemoryBreakGlassIndex
    row: BreakGlassRow

    def check(self) -> None:
        """An upsert cannot conflict."""

    def write(self, saved: Saved, events: int) -> None:
        self.index.put(self.row)
