"""PostgreSQL connections of a service process: one pool, and serialised table creation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import Connection
from psycopg_pool import ConnectionPool


def make_pool(
    conninfo: str, *, min_size: int = 1, max_size: int = 5, name: str = "kim"
) -> ConnectionPool[Connection[Any]]:
    """A connection pool that opens lazily (nothing connects at import time)."""
    return ConnectionPool(
        conninfo, min_size=min_size, max_size=max_size, open=False, name=name, kwargs={"autocommit": True}, timeout=10
    )


@contextmanager
def schema_setup_lock(conninfo: str, schema: str) -> Iterator[None]:
    """Serialise table creation of a service's processes starting at the same time.

    ``CREATE TABLE IF NOT EXISTS`` is not safe against itself: two sessions can
    both find a table missing and one fails on the catalogue's unique index. The
    API, relay and projector of a service start together, so they take turns.
    """
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"kim-setup:{schema}",))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"kim-setup:{schema}",))
