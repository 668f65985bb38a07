"""Idempotency keys in the service's own PostgreSQL schema.

``idempotency_keys`` holds the result of each completed request under its
(caller, operation, key); it is written by the recorder in the transaction of the
command's events (``PostgresResultRecord``), so the primary key makes a command
happen at most once per key. ``idempotency_claims`` holds the advisory
in-progress markers (see ``shared/application/idempotency.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from psycopg import Connection, Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from shared.application.idempotency import Claim, IdempotencyScope, IdempotencyStore, StoredResult
from shared.application.results import Position, Saved
from shared.service import Service

KEYS, CLAIMS = "idempotency_keys", "idempotency_claims"

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {keys} (
    caller text NOT NULL,
    operation text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    case_id uuid NOT NULL,
    first_version int NOT NULL,
    version int NOT NULL,
    notification_id bigint NOT NULL,
    published boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    PRIMARY KEY (caller, operation, key)
);
CREATE INDEX IF NOT EXISTS {keys_expiry} ON {keys} (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS {claims} (
    caller text NOT NULL,
    operation text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    token uuid NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, operation, key)
);
"""

SCOPE = "caller = %(caller)s AND operation = %(operation)s AND key = %(key)s"


def _params(scope: IdempotencyScope, **extra: Any) -> dict[str, Any]:
    return {"caller": scope.caller, "operation": scope.operation, "key": scope.key, **extra}


class PostgresIdempotencyStore(IdempotencyStore):
    """Keys and results in ``<schema>.idempotency_keys``, markers in ``<schema>.idempotency_claims``."""

    def __init__(self, pool: ConnectionPool[Connection[Any]], schema: str, service: Service) -> None:
        self.pool = pool
        self.schema = schema
        self.service = service
        self.keys = sql.Identifier(schema, KEYS)
        self.claims = sql.Identifier(schema, CLAIMS)

    def setup(self) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                sql.SQL(SCHEMA_SQL).format(
                    keys=self.keys, claims=self.claims, keys_expiry=sql.Identifier(f"{KEYS}_expiry")
                )
            )

    def find(self, scope: IdempotencyScope) -> StoredResult | None:
        query = sql.SQL(
            "SELECT fingerprint, case_id, version, notification_id, published FROM {} "
            f"WHERE {SCOPE} AND (expires_at IS NULL OR expires_at > now())"
        ).format(self.keys)
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(query, _params(scope)).fetchone()
        if row is None:
            return None
        position = Position(self.service, row["notification_id"], row["published"])
        return StoredResult(row["fingerprint"], Saved(row["case_id"], row["version"], position))

    def claim(self, scope: IdempotencyScope, fingerprint: str, lease: timedelta) -> Claim:
        token = uuid4()
        # An expired result is forgotten now, so that the key can be used again; a
        # marker older than the lease belongs to a request that died and is taken over.
        forget = sql.SQL(f"DELETE FROM {{}} WHERE {SCOPE} AND expires_at <= now()").format(self.keys)
        take = sql.SQL(
            "INSERT INTO {0} (caller, operation, key, fingerprint, token) "
            "VALUES (%(caller)s, %(operation)s, %(key)s, %(fingerprint)s, %(token)s) "
            "ON CONFLICT (caller, operation, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
            "token = EXCLUDED.token, claimed_at = now() WHERE {0}.claimed_at < now() - %(lease)s "
            "RETURNING token"
        ).format(self.claims)
        held = sql.SQL(f"SELECT token, fingerprint FROM {{}} WHERE {SCOPE}").format(self.claims)
        params = _params(scope, fingerprint=fingerprint, token=token, lease=lease)
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            cur.execute(forget, params)
            if cur.execute(take, params).fetchone() is not None:
                return Claim(acquired=True, token=token, fingerprint=fingerprint)
            row = cur.execute(held, params).fetchone()
        if row is None:  # released between the two statements: try again
            return self.claim(scope, fingerprint, lease)
        return Claim(acquired=False, token=row["token"], fingerprint=row["fingerprint"])

    def release(self, scope: IdempotencyScope, token: UUID) -> None:
        query = sql.SQL(f"DELETE FROM {{}} WHERE {SCOPE} AND token = %(token)s").format(self.claims)
        with self.pool.connection() as conn:
            conn.execute(query, _params(scope, token=token))

    def result_record(self, scope: IdempotencyScope, fingerprint: str, expires_at: datetime | None) -> object:
        return PostgresResultRecord(self.keys, KEYS, scope, fingerprint, expires_at)

    def purge_expired(self, now: datetime) -> int:
        query = sql.SQL("DELETE FROM {} WHERE expires_at <= %s").format(self.keys)
        with self.pool.connection() as conn:
            return conn.execute(query, (now,)).rowcount


@dataclass(frozen=True)
class PostgresResultRecord:
    """The result of a request, inserted by the recorder with the command's events."""

    identifier: sql.Identifier
    table: str
    scope: IdempotencyScope
    fingerprint: str
    expires_at: datetime | None

    def write(self, cursor: Cursor[DictRow], saved: Saved, events: int) -> None:
        cursor.execute(
            sql.SQL(
                "INSERT INTO {} (caller, operation, key, fingerprint, case_id, first_version, version, "
                "notification_id, published, expires_at) VALUES (%(caller)s, %(operation)s, %(key)s, "
                "%(fingerprint)s, %(case_id)s, %(first_version)s, %(version)s, %(notification_id)s, "
                "%(published)s, %(expires_at)s)"
            ).format(self.identifier),
            _params(
                self.scope,
                fingerprint=self.fingerprint,
                case_id=saved.case_id,
                first_version=saved.version - events + 1,
                version=saved.version,
                notification_id=saved.position.notification_id,
                published=saved.position.published,
                expires_at=self.expires_at,
            ),
        )
