"""The access log's table in the service's own schema, and its in-memory twin.

Append-only: ``kim migrate`` creates it as the owner role and the runtime role may only
INSERT and SELECT (``shared/persistence/pool.py``: ``APPEND_ONLY_TABLES``, with a
trigger refusing UPDATE, DELETE and TRUNCATE).

Each row carries the id of the transaction that wrote it (``txid``, ``xid8``). The
relay to Kafka reads in (txid, id) order and only rows of transactions older than
every transaction still running (``pg_snapshot_xmin``): such a row is final, and no
row can appear later before it. So the relay skips nothing, even though the ids of
concurrent transactions commit out of order (``shared/outbox/access_relay.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from shared.access.log import AccessEntry, Accessor, AccessQuery, LoggedAccess, Outcome
from shared.access.model import Operation
from shared.application.results import Saved
from shared.service import Service

TABLE = "access_log"
POSITION_TABLE = "access_relay_position"

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {table} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at timestamptz NOT NULL,
    service text NOT NULL,
    actor text NOT NULL,
    roles text[] NOT NULL,
    departments text[] NOT NULL,
    client_id text NOT NULL,
    correlation_id text NOT NULL,
    operation text NOT NULL,
    route text NOT NULL,
    subject_id uuid,
    case_id uuid,
    field_group text NOT NULL,
    purpose text NOT NULL,
    access_grant text NOT NULL,
    basis text NOT NULL,
    outcome text NOT NULL
);
CREATE INDEX IF NOT EXISTS {by_case} ON {table} (case_id, id);
CREATE INDEX IF NOT EXISTS {by_subject} ON {table} (subject_id, id);
CREATE INDEX IF NOT EXISTS {by_actor} ON {table} (actor, id);
CREATE INDEX IF NOT EXISTS {by_time} ON {table} USING brin (at);
CREATE INDEX IF NOT EXISTS {by_txid} ON {table} (txid, id);
CREATE TABLE IF NOT EXISTS {position} (
    name text PRIMARY KEY,
    txid xid8 NOT NULL,
    id bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""

COLUMNS = (
    "at, service, actor, roles, departments, client_id, correlation_id, operation, route, "
    "subject_id, case_id, field_group, purpose, access_grant, basis, outcome"
)
INSERT_SQL = f"INSERT INTO {{}} ({COLUMNS}) VALUES ({', '.join(['%s'] * 16)})"


def _params(e: AccessEntry) -> tuple[Any, ...]:
    a = e.accessor
    return (
        e.at,
        e.service.value,
        a.actor,
        list(a.roles),
        list(a.departments),
        a.client_id,
        a.correlation_id,
        e.operation.value,
        e.route,
        e.subject_id,
        e.case_id,
        e.field_group,
        e.purpose,
        e.grant,
        e.basis,
        e.outcome.value,
    )


def _logged(r: dict[str, Any]) -> LoggedAccess:
    accessor = Accessor(r["actor"], tuple(r["roles"]), tuple(r["departments"]), r["client_id"], r["correlation_id"])
    entry = AccessEntry(
        Service(r["service"]),
        accessor,
        Operation(r["operation"]),
        r["route"],
        r["subject_id"],
        r["case_id"],
        r["field_group"],
        r["purpose"],
        r["access_grant"],
        r["basis"],
        Outcome(r["outcome"]),
        r["at"],
    )
    return LoggedAccess(r["id"], entry)


def _for_saved(entry: AccessEntry, saved: Saved) -> AccessEntry:
    """A command's entry with the subject it created (intake: the case is the subject)."""
    return entry.with_subject(saved.case_id, saved.case_id if entry.service is Service.INTAKE else None)


@dataclass(frozen=True, slots=True)
class RelayCursor:
    """Where the access relay stands: the last (transaction, id) it published."""

    txid: int = 0
    id: int = 0


class PostgresAccessLog:
    """The access log in the service's schema."""

    def __init__(self, pool: ConnectionPool[Any], schema: str) -> None:
        self.pool = pool
        self.table = sql.Identifier(schema, TABLE)
        self.position = sql.Identifier(schema, POSITION_TABLE)

    def setup(self) -> None:
        names = {n: sql.Identifier(f"{TABLE}_{n}") for n in ("by_case", "by_subject", "by_actor", "by_time", "by_txid")}
        with self.pool.connection() as conn:
            conn.execute(sql.SQL(SCHEMA_SQL).format(table=self.table, position=self.position, **names))

    def record(self, entries: Sequence[AccessEntry]) -> None:
        if not entries:
            return
        with self.pool.connection() as conn, conn.cursor() as cur:
            cur.executemany(sql.SQL(INSERT_SQL).format(self.table), [_params(e) for e in entries])

    def written_with_command(self, entries: Sequence[AccessEntry]) -> object:
        return PostgresAccessRecord(self.table, tuple(entries))

    def query(self, query: AccessQuery) -> list[LoggedAccess]:
        where: list[str] = ["id > %s"]
        params: list[Any] = [query.after_id]
        if query.case_id is not None:
            where.append("(case_id = %s OR subject_id = %s)")
            params += [query.case_id, query.case_id]
        if query.actor is not None:
            where.append("actor = %s")
            params.append(query.actor)
        if query.since is not None:
            where.append("at >= %s")
            params.append(query.since)
        if query.until is not None:
            where.append("at < %s")
            params.append(query.until)
        if query.outcome is not None:
            where.append("outcome = %s")
            params.append(query.outcome.value)
        statement = sql.SQL("SELECT * FROM {} WHERE " + " AND ".join(where) + " ORDER BY id LIMIT %s").format(
            self.table
        )
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return [_logged(r) for r in cur.execute(statement, [*params, query.limit]).fetchall()]

    # --- the relay's side ------------------------------------------------------------

    def final_after(self, cursor: RelayCursor, limit: int) -> list[tuple[RelayCursor, LoggedAccess]]:
        """Entries after ``cursor`` whose transactions are older than any still running, in (txid, id) order."""
        statement = sql.SQL(
            "SELECT *, txid::text::bigint AS txid_n FROM {} WHERE (txid, id) > (%s::text::xid8, %s) "
            "AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid, id LIMIT %s"
        ).format(self.table)
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(statement, (str(cursor.txid), cursor.id, limit)).fetchall()
        return [(RelayCursor(r["txid_n"], r["id"]), _logged(r)) for r in rows]

    def load_cursor(self, name: str) -> RelayCursor:
        statement = sql.SQL("SELECT txid::text::bigint, id FROM {} WHERE name = %s").format(self.position)
        with self.pool.connection() as conn:
            row = conn.execute(statement, (name,)).fetchone()
        return RelayCursor(int(row[0]), int(row[1])) if row else RelayCursor()

    def save_cursor(self, name: str, cursor: RelayCursor) -> None:
        statement = sql.SQL(
            "INSERT INTO {0} (name, txid, id) VALUES (%s, %s::text::xid8, %s) ON CONFLICT (name) DO UPDATE "
            "SET txid = EXCLUDED.txid, id = EXCLUDED.id, updated_at = now() "
            "WHERE ({0}.txid, {0}.id) < (EXCLUDED.txid, EXCLUDED.id)"
        ).format(self.position)
        with self.pool.connection() as conn:
            conn.execute(statement, (name, str(cursor.txid), cursor.id))


@dataclass(frozen=True)
class PostgresAccessRecord:
    """Appends a command's entries in the transaction of its events."""

    identifier: sql.Identifier
    entries: tuple[AccessEntry, ...]
    table: str = TABLE

    def write(self, cursor: Cursor[DictRow], saved: Saved, events: int) -> None:
        statement = sql.SQL(INSERT_SQL).format(self.identifier)
        for entry in self.entries:
            cursor.execute(statement, _params(_for_saved(entry, saved)))


class MemoryAccessLog:
    """The same log in memory (unit tests): append-only by construction."""

    def __init__(self) -> None:
        self._entries: list[LoggedAccess] = []
        self._lock = threading.Lock()

    def record(self, entries: Sequence[AccessEntry]) -> None:
        with self._lock:
            for entry in entries:
                self._entries.append(LoggedAccess(len(self._entries) + 1, entry))

    def written_with_command(self, entries: Sequence[AccessEntry]) -> object:
        return MemoryAccessRecord(self, tuple(entries))

    def query(self, query: AccessQuery) -> list[LoggedAccess]:
        with self._lock:
            return [e for e in self._entries if query.matches(e)][: query.limit]

    def entries(self) -> list[AccessEntry]:
        """Every entry, in order (tests)."""
        with self._lock:
            return [e.entry for e in self._entries]


@dataclass(frozen=True)
class MemoryAccessRecord:
    log: MemoryAccessLog
    entries: tuple[AccessEntry, ...]

    def check(self) -> None:
        """Appending cannot conflict."""

    def write(self, saved: Saved, events: int) -> None:
        self.log.record([_for_saved(e, saved) for e in self.entries])
