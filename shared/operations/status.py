"""Heartbeats of the relay and projector, kept in the service's own schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg import Connection, sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool


class StatusBoard:
    """Heartbeats of the relay and projector, read by ``/readyz`` and ``kim status``."""

    def __init__(self, pool: ConnectionPool[Connection[Any]], schema: str) -> None:
        self.pool = pool
        self.table = sql.Identifier(schema, "process_status")

    def setup(self) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (process text PRIMARY KEY, details jsonb NOT NULL, "
                    "updated_at timestamptz NOT NULL DEFAULT now())"
                ).format(self.table)
            )

    def beat(self, process: str, details: dict[str, Any]) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (process, details) VALUES (%s, %s) ON CONFLICT (process) DO UPDATE "
                    "SET details = EXCLUDED.details, updated_at = now()"
                ).format(self.table),
                (process, Jsonb(details)),
            )

    def read(self) -> dict[str, dict[str, Any]]:
        with self.pool.connection() as conn:
            rows = conn.execute(sql.SQL("SELECT process, details, updated_at FROM {}").format(self.table)).fetchall()
        now = datetime.now(UTC)
        return {r[0]: {**r[1], "age_s": round((now - r[2]).total_seconds(), 1)} for r in rows}
