"""The idempotency behaviour suite on PostgreSQL: intake's container on the session's database.

Time passes by moving the stored timestamps back (``expires_at`` of the results,
``claimed_at`` of the in-progress markers): PostgreSQL compares them with its own
``now()``, so no clock has to be faked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from psycopg import sql

from services.bootstrap import Container, build_container
from shared.persistence.idempotency import CLAIMS, KEYS
from shared.service import Service
from shared.settings import get_settings
from tests.support.idempotency_suite import IdempotencySuite

pytestmark = pytest.mark.postgres


class TestPostgresIdempotency(IdempotencySuite):
    @pytest.fixture
    def container(self, infra_env: dict[str, str]) -> Iterator[Container]:
        get_settings.cache_clear()
        container = build_container(Service.INTAKE)
        yield container
        container.close()

    def pass_time(self, container: Container, delta: timedelta) -> None:
        schema = container.settings.pg_schema
        with container.postgres.connection() as conn, conn.transaction():
            conn.execute(
                sql.SQL("UPDATE {} SET expires_at = expires_at - %s WHERE expires_at IS NOT NULL").format(
                    sql.Identifier(schema, KEYS)
                ),
                (delta,),
            )
            conn.execute(
                sql.SQL("UPDATE {} SET claimed_at = claimed_at - %s").format(sql.Identifier(schema, CLAIMS)), (delta,)
            )
