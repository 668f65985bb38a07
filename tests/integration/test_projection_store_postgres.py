"""The same behaviour suite on PostgreSQL, in the kobiz schema under a per-test table prefix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest

from shared.persistence.pool import make_pool
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.service import Service
from shared.settings import get_settings
from tests.support.projection_suite import CaseHistoryStoreSuite

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pool(infra_env: dict[str, str]) -> Iterator[Any]:
    # The suite creates and drops view tables: the owner role's work (the runtime role has only DML).
    pool = make_pool(get_settings(Service.KOBIZ).as_owner().pg_conninfo(), max_size=2)
    pool.open(wait=True)
    yield pool
    pool.close()


class TestPostgresStore(CaseHistoryStoreSuite):
    @pytest.fixture
    def store(self, pool: Any) -> Iterator[PostgresCaseHistoryStore]:
        store = PostgresCaseHistoryStore(pool, "kobiz", prefix=f"t{uuid4().hex[:8]}_", service=Service.KOBIZ)
        store.setup()
        yield store
        store.drop()


def test_rebuild_tables_swap_in_atomically(pool: Any) -> None:
    from tests.support.projection_suite import Feed, opened

    prefix = f"t{uuid4().hex[:8]}_"
    live = PostgresCaseHistoryStore(pool, "kobiz", prefix=prefix)
    scratch = PostgresCaseHistoryStore(pool, "kobiz", prefix="rebuild_" + prefix)
    for store in (live, scratch):
        store.drop()
        store.setup()
    feed, old_case, new_case = Feed(Service.KOBIZ), uuid4(), uuid4()
    live.apply_batch([feed.record(opened(old_case))], {})
    scratch.apply_batch([feed.record(opened(new_case))], {})
    scratch.swap_in(live)
    assert live.summary(new_case) is not None and live.summary(old_case) is None
    # The scratch names are free again, so the next rebuild can start.
    scratch.setup()
    assert scratch.counts()["timeline"] == 0
    scratch.drop()
    live.drop()
