"""The web sessions' table in the service's own schema (``kim migrate`` creates it).

One row per session, keyed by the SHA-256 of its id (the browser's cookie holds the id
itself); the tokens are kept in ``data`` on the server and never reach the browser.
Only the service's runtime role may read it; it holds no person data of a case.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg_pool import ConnectionPool

from shared.web.sessions import SessionPolicy, SessionStore, Tokens, WebSession

TABLE = "web_sessions"

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {table} (
    id_hash bytea PRIMARY KEY,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    pending boolean NOT NULL,
    data jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS {by_last_seen} ON {table} (last_seen_at);
CREATE INDEX IF NOT EXISTS {by_created} ON {table} (created_at);
"""


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _encode(session: WebSession) -> str:
    tokens = session.tokens
    data: dict[str, Any] = {
        "csrf_token": session.csrf_token,
        "login": session.login,
        "staff_id": session.staff_id,
        "roles": list(session.roles),
        "tokens": None
        if tokens is None
        else {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "id_token": tokens.id_token,
            "access_expires_at": tokens.access_expires_at.isoformat(),
            "refresh_expires_at": tokens.refresh_expires_at.isoformat() if tokens.refresh_expires_at else None,
        },
    }
    return json.dumps(data)


def _decode(created_at: datetime, last_seen_at: datetime, data: dict[str, Any]) -> WebSession:
    raw = data.get("tokens")
    tokens = None
    if raw is not None:
        access_expires_at = _dt(raw["access_expires_at"])
        assert access_expires_at is not None
        tokens = Tokens(
            raw["access_token"],
            raw.get("refresh_token"),
            raw.get("id_token"),
            access_expires_at,
            _dt(raw.get("refresh_expires_at")),
        )
    return WebSession(
        created_at,
        last_seen_at,
        data["csrf_token"],
        data.get("login") or {},
        tokens,
        data.get("staff_id"),
        tuple(data.get("roles") or ()),
    )


class PostgresSessionStore(SessionStore):
    """The sessions of one service, in its schema."""

    def __init__(self, pool: ConnectionPool[Any], schema: str) -> None:
        self.pool = pool
        self.schema = schema

    def t(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.schema, name)

    def setup(self) -> None:
        """Create the table (``kim migrate``, as the schema's owner); idempotent."""
        query = sql.SQL(SCHEMA_SQL).format(
            table=self.t(TABLE),
            by_last_seen=sql.Identifier(f"{TABLE}_by_last_seen"),
            by_created=sql.Identifier(f"{TABLE}_by_created"),
        )
        with self.pool.connection() as conn:
            conn.execute(query)

    def get(self, key: bytes) -> WebSession | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT created_at, last_seen_at, data FROM {} WHERE id_hash = %s").format(self.t(TABLE)),
                (key,),
            ).fetchone()
        return _decode(row[0], row[1], row[2]) if row else None

    def put(self, key: bytes, session: WebSession) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (id_hash, created_at, last_seen_at, pending, data) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT (id_hash) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, "
                    "pending = EXCLUDED.pending, data = EXCLUDED.data"
                ).format(self.t(TABLE)),
                (key, session.created_at, session.last_seen_at, session.pending, _encode(session)),
            )

    def delete(self, key: bytes) -> None:
        with self.pool.connection() as conn:
            conn.execute(sql.SQL("DELETE FROM {} WHERE id_hash = %s").format(self.t(TABLE)), (key,))

    def purge(self, policy: SessionPolicy, now: datetime) -> int:
        with self.pool.connection() as conn:
            cur = conn.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE (pending AND created_at < %s) "
                    "OR (NOT pending AND (last_seen_at < %s OR created_at < %s))"
                ).format(self.t(TABLE)),
                (now - policy.pending, now - policy.idle, now - policy.absolute),
            )
            return int(cur.rowcount)
