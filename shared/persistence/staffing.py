"""The staffing index of a service's cases or files: PostgreSQL and in memory.

One row per case or file: who is assigned, the deputies, the KIM case it belongs
to, whether it is closed. The row is written by the recorder in the transaction of
the command's events (a side record, ``shared/application/recording.py``), so it is
exactly as current as the events; it is a cache of the aggregate's state, never the
truth (``kim migrate`` creates it; a rebuild could replay the aggregates).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from shared.application.results import Saved
from shared.staffing import Deputy, StaffingRow

TABLE = "staffing"

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {table} (
    subject_id uuid PRIMARY KEY,
    case_id uuid,
    assignees jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    deputies jsonb NOT NULL DEFAULT '[]'::jsonb,
    closed boolean NOT NULL DEFAULT false,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS {by_case} ON {table} (case_id);
CREATE INDEX IF NOT EXISTS {by_staff} ON {table} USING gin (assignees);
CREATE INDEX IF NOT EXISTS {unassigned} ON {table} (updated_at, subject_id)
    WHERE assignees = '{{}}'::jsonb AND NOT closed;
"""


def _assignees_json(row: StaffingRow) -> str:
    return json.dumps({staff: since.isoformat() if since else None for staff, since in row.assignees.items()})


def _deputies_json(row: StaffingRow) -> str:
    return json.dumps(
        [
            {
                "staff_id": d.staff_id,
                "for": d.for_staff_id,
                "from": d.from_on.isoformat(),
                "until": d.until_on.isoformat(),
            }
            for d in row.deputies
        ]
    )


def _row(record: dict[str, Any]) -> StaffingRow:
    return StaffingRow(
        subject_id=record["subject_id"],
        case_id=record["case_id"],
        assignees={staff: date.fromisoformat(since) if since else None for staff, since in record["assignees"].items()},
        deputies=[
            Deputy(d["staff_id"], d["for"], date.fromisoformat(d["from"]), date.fromisoformat(d["until"]))
            for d in record["deputies"]
        ],
        closed=record["closed"],
    )


class PostgresStaffingIndex:
    """The index in the service's schema."""

    def __init__(self, pool: ConnectionPool[Any], schema: str) -> None:
        self.pool = pool
        self.table = sql.Identifier(schema, TABLE)
        self.schema = schema

    def setup(self) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                sql.SQL(SCHEMA_SQL).format(
                    table=self.table,
                    by_case=sql.Identifier(f"{TABLE}_by_case"),
                    by_staff=sql.Identifier(f"{TABLE}_by_staff"),
                    unassigned=sql.Identifier(f"{TABLE}_unassigned"),
                )
            )

    def row_of(self, subject_id: UUID) -> StaffingRow | None:
        query = sql.SQL("SELECT * FROM {} WHERE subject_id = %s").format(self.table)
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            found = cur.execute(query, (subject_id,)).fetchone()
        return _row(found) if found else None

    def rows_of_case(self, case_id: UUID) -> list[StaffingRow]:
        query = sql.SQL("SELECT * FROM {} WHERE case_id = %s ORDER BY subject_id").format(self.table)
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return [_row(r) for r in cur.execute(query, (case_id,)).fetchall()]

    def rows_of(self, subject_ids: Sequence[UUID]) -> dict[UUID, StaffingRow]:
        if not subject_ids:
            return {}
        query = sql.SQL("SELECT * FROM {} WHERE subject_id = ANY(%s)").format(self.table)
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return {r["subject_id"]: _row(r) for r in cur.execute(query, (list(subject_ids),)).fetchall()}

    def rows_of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, list[StaffingRow]]:
        if not case_ids:
            return {}
        query = sql.SQL("SELECT * FROM {} WHERE case_id = ANY(%s) ORDER BY case_id, subject_id").format(self.table)
        found: dict[UUID, list[StaffingRow]] = {}
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            for record in cur.execute(query, (list(case_ids),)).fetchall():
                found.setdefault(record["case_id"], []).append(_row(record))
        return found

    def rows_of_staff(self, staff_id: str) -> list[StaffingRow]:
        query = sql.SQL(
            "SELECT * FROM {} WHERE assignees ? %(staff)s OR deputies @> %(deputy)s::jsonb ORDER BY updated_at DESC"
        ).format(self.table)
        params = {"staff": staff_id, "deputy": json.dumps([{"staff_id": staff_id}])}
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return [_row(r) for r in cur.execute(query, params).fetchall()]

    def unassigned(self, limit: int, offset: int) -> list[StaffingRow]:
        query = sql.SQL(
            "SELECT * FROM {} WHERE assignees = '{{}}'::jsonb AND NOT closed ORDER BY updated_at, subject_id "
            "LIMIT %s OFFSET %s"
        ).format(self.table)
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return [_row(r) for r in cur.execute(query, (limit, offset)).fetchall()]

    def written_with_events(self, row: StaffingRow) -> object:
        return PostgresStaffingRecord(self.table, TABLE, row)


@dataclass(frozen=True)
class PostgresStaffingRecord:
    """Upserts one index row in the transaction of the command's events."""

    identifier: sql.Identifier
    table: str
    row: StaffingRow

    def write(self, cursor: Cursor[DictRow], saved: Saved, events: int) -> None:
        cursor.execute(
            sql.SQL(
                "INSERT INTO {0} (subject_id, case_id, assignees, deputies, closed, version) "
                "VALUES (%(subject_id)s, %(case_id)s, %(assignees)s, %(deputies)s, %(closed)s, %(version)s) "
                "ON CONFLICT (subject_id) DO UPDATE SET case_id = EXCLUDED.case_id, assignees = EXCLUDED.assignees, "
                "deputies = EXCLUDED.deputies, closed = EXCLUDED.closed, version = EXCLUDED.version, "
                "updated_at = now() WHERE {0}.version < EXCLUDED.version"
            ).format(self.identifier),
            {
                "subject_id": self.row.subject_id,
                "case_id": self.row.case_id,
                "assignees": _assignees_json(self.row),
                "deputies": _deputies_json(self.row),
                "closed": self.row.closed,
                "version": saved.version,
            },
        )


class MemoryStaffingIndex:
    """The same index in memory (unit tests)."""

    def __init__(self) -> None:
        self._rows: dict[UUID, StaffingRow] = {}
        self._lock = threading.Lock()

    def row_of(self, subject_id: UUID) -> StaffingRow | None:
        with self._lock:
            return self._rows.get(subject_id)

    def rows_of_case(self, case_id: UUID) -> list[StaffingRow]:
        with self._lock:
            return sorted((r for r in self._rows.values() if r.case_id == case_id), key=lambda r: r.subject_id)

    def rows_of(self, subject_ids: Sequence[UUID]) -> dict[UUID, StaffingRow]:
        with self._lock:
            return {s: self._rows[s] for s in subject_ids if s in self._rows}

    def rows_of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, list[StaffingRow]]:
        wanted = set(case_ids)
        found: dict[UUID, list[StaffingRow]] = {}
        with self._lock:
            for row in sorted(self._rows.values(), key=lambda r: r.subject_id):
                if row.case_id in wanted:
                    found.setdefault(row.case_id, []).append(row)
        return found

    def rows_of_staff(self, staff_id: str) -> list[StaffingRow]:
        with self._lock:
            return [
                r
                for r in self._rows.values()
                if staff_id in r.assignees or any(d.staff_id == staff_id for d in r.deputies)
            ]

    def unassigned(self, limit: int, offset: int) -> list[StaffingRow]:
        with self._lock:  # in the order rows were first written (dicts keep insertion order)
            waiting = [r for r in self._rows.values() if not r.assignees and not r.closed]
        return waiting[offset : offset + limit]

    def put(self, row: StaffingRow) -> None:
        with self._lock:
            self._rows[row.subject_id] = row

    def written_with_events(self, row: StaffingRow) -> object:
        return MemoryStaffingRecord(self, row)


@dataclass(frozen=True)
class MemoryStaffingRecord:
    index: MemoryStaffingIndex
    row: StaffingRow

    def check(self) -> None:
        """An upsert cannot conflict."""

    def write(self, saved: Saved, events: int) -> None:
        self.index.put(self.row)
