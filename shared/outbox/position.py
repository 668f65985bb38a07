"""The relay's position: the last notification id it has published, kept in the service's own schema."""

from __future__ import annotations

import threading
from typing import Any

from psycopg import Connection, sql
from psycopg_pool import ConnectionPool


class PostgresRelayPosition:
    """The relay's last published notification id, one row per relay."""

    def __init__(self, pool: ConnectionPool[Connection[Any]], schema: str, name: str = "kafka") -> None:
        self.pool = pool
        self.table = sql.Identifier(schema, "relay_position")
        self.name = name

    def setup(self) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, notification_id bigint NOT NULL, "
                    "updated_at timestamptz NOT NULL DEFAULT now())"
                ).format(self.table)
            )

    def load(self) -> int:
        with self.pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT notification_id FROM {} WHERE name = %s").format(self.table), (self.name,)
            ).fetchone()
        return int(row[0]) if row else 0

    def save(self, notification_id: int) -> None:
        # Never move backwards, even if two relays run by mistake.
        with self.pool.connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {0} (name, notification_id) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                    "SET notification_id = GREATEST({0}.notification_id, EXCLUDED.notification_id), updated_at = now()"
                ).format(self.table),
                (self.name, notification_id),
            )


class InMemoryRelayPosition:
    """The relay position for unit tests."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def load(self) -> int:
        with self._lock:
            return self.value

    def save(self, notification_id: int) -> None:
        with self._lock:
            self.value = max(self.value, notification_id)
