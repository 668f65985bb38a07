"""The same behaviour suites on PostgreSQL, in the kobiz schema under a per-test table prefix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest

from shared.persistence.pool import make_pool
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.service import Service
from shared.settings import get_settings
from tests.support.dead_letter_suite import DeadLetterSuite
from tests.support.projection_suite import CaseHistoryStoreSuite

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pool(infra_env: dict[str, str]) -> Iterator[Any]:
    # The suite creates and drops view tables: the owner role's work (the runtime role has only DML).
    pool = make_pool(get_settings(Service.KOBIZ).as_owner().pg_conninfo(), max_size=2)
    pool.open(wait=True)
    yield pool
    pool.close()


def fresh_store(pool: Any, service: Service = Service.KOBIZ) -> PostgresCaseHistoryStore:
    store = PostgresCaseHistoryStore(pool, "kobiz", prefix=f"t{uuid4().hex[:8]}_", service=service)
    store.setup()
    return store


class TestPostgresStore(CaseHistoryStoreSuite):
    @pytest.fixture
    def store(self, pool: Any) -> Iterator[PostgresCaseHistoryStore]:
        store = fresh_store(pool)
        yield store
        store.drop()


class TestPostgresDeadLetters(DeadLetterSuite):
    @pytest.fixture
    def store(self, pool: Any) -> Iterator[PostgresCaseHistoryStore]:
        store = fresh_store(pool)
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


def test_a_rebuild_keeps_what_operators_settled(pool: Any) -> None:
    from tests.support.dead_letter_suite import garbled_intake
    from tests.support.projection_suite import Feed, opened

    live, scratch = fresh_store(pool), fresh_store(pool)
    feed, case = Feed(Service.KOBIZ), uuid4()
    records = [feed.record(opened(case)), garbled_intake(feed, case), garbled_intake(feed, None)]
    try:
        for store in (live, scratch):
            store.apply_batch(records, {})
        settled, still_open = sorted(live.dead_letters(), key=lambda d: d.offset)
        live.dismiss_dead_letters([settled.id], "geprüft")
        assert scratch.adopt_resolutions(live) == 1
        by_offset = {d.offset: d for d in scratch.dead_letters()}
        assert by_offset[settled.offset].resolution == "dismissed" and by_offset[settled.offset].replayed_at
        assert by_offset[still_open.offset].replayed_at is None
        assert scratch.consent_holds().everywhere and not scratch.consent_holds().cases
    finally:
        live.drop()
        scratch.drop()
