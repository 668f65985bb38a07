"""PostgreSQL connections of a service process (one pool), and the migrate step's table privileges.

Two roles per service (deploy/postgres/init.sql): the owner ``<service>_owner`` creates
and migrates the tables of schema ``<service>`` (``kim migrate``), the runtime role
``<service>`` runs the processes. :func:`apply_privileges` decides, table by table, what
the runtime role may do; it runs at the end of every ``kim migrate``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import Connection, sql
from psycopg_pool import ConnectionPool

APPEND_ONLY_TABLES: tuple[str, ...] = ("access_log",)
"""Tables the runtime role may only read and append to, besides each service's event table
(``<schema>.<name>_events``, named by eventsourcing, which ``kim migrate`` adds itself).
A new append-only table is listed here, and nowhere else; every other table of the schema
gets the runtime role's full DML. Names that do not exist (yet) are skipped."""

FULL_DML = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY = "SELECT, INSERT"
EVENT_TABLE = "SELECT, INSERT, UPDATE"
"""PostgreSQL 15 lets only holders of table-level UPDATE, DELETE or TRUNCATE take the
``LOCK TABLE … IN EXCLUSIVE MODE`` that eventsourcing's recorder takes for every append
(docs/pipeline.md §1.3). So the runtime role holds UPDATE on an event table, and the guard
trigger below rejects every UPDATE (and DELETE and TRUNCATE) on it by any role but the owner."""
GUARD = "kim_append_only"

_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    -- The table's owner role (a migration, a deliberate erasure under Art. 17 GDPR) is not bound.
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'table %.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def make_pool(
    conninfo: str, *, min_size: int = 1, max_size: int = 5, name: str = "kim"
) -> ConnectionPool[Connection[Any]]:
    """A connection pool that opens lazily (nothing connects at import time)."""
    return ConnectionPool(
        conninfo, min_size=min_size, max_size=max_size, open=False, name=name, kwargs={"autocommit": True}, timeout=10
    )


@contextmanager
def schema_setup_lock(conninfo: str, schema: str) -> Iterator[None]:
    """Serialise table creation of ``kim migrate`` runs started at the same time.

    ``CREATE TABLE IF NOT EXISTS`` is not safe against itself: two sessions can
    both find a table missing and one fails on the catalogue's unique index.
    """
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"kim-setup:{schema}",))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"kim-setup:{schema}",))


def apply_privileges(conninfo: str, schema: str, runtime_role: str, event_tables: Sequence[str]) -> dict[str, str]:
    """Grant the runtime role what it needs on every table of ``schema``; run as the schema's owner.

    - event tables (``event_tables``) and :data:`APPEND_ONLY_TABLES`: read and append only,
      guarded by a statement trigger that rejects UPDATE, DELETE and TRUNCATE;
    - every other table (views, relay position, process status, idempotency keys, ...): full DML;
    - sequences: USAGE; tables the owner creates later (a projection rebuild): full DML by default.

    The runtime role owns nothing, so it can neither ALTER nor DROP a table, nor disable a
    trigger. One transaction: a running process sees the old grants or the new ones.
    Returns the privileges per table.
    """
    role = sql.Identifier(runtime_role)
    append_only = {*event_tables, *APPEND_ONLY_TABLES}
    granted: dict[str, str] = {}
    with psycopg.connect(conninfo, connect_timeout=10) as conn, conn.transaction():
        conn.execute(sql.SQL(_GUARD_FUNCTION).format(function=sql.Identifier(schema, GUARD)))
        conn.execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT {} ON TABLES TO {}").format(
                sql.Identifier(schema), sql.SQL(FULL_DML), role
            )
        )
        conn.execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE ON SEQUENCES TO {}").format(
                sql.Identifier(schema), role
            )
        )
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))]
        for table in sorted(tables):
            name = sql.Identifier(schema, table)
            privileges = EVENT_TABLE if table in event_tables else APPEND_ONLY if table in append_only else FULL_DML
            conn.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC, {}").format(name, role))
            conn.execute(sql.SQL("GRANT {} ON TABLE {} TO {}").format(sql.SQL(privileges), name, role))
            if table in append_only:
                conn.execute(
                    sql.SQL(
                        "CREATE OR REPLACE TRIGGER {} BEFORE UPDATE OR DELETE OR TRUNCATE ON {} "
                        "FOR EACH STATEMENT EXECUTE FUNCTION {}()"
                    ).format(sql.Identifier(GUARD), name, sql.Identifier(schema, GUARD))
                )
            granted[table] = privileges
        conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(sql.Identifier(schema), role))
    return granted
