"""The reach of many cases at once (``ReachLookup.of_cases``) on PostgreSQL: the same answers as one by one
(tests/support/reach_suite.py; in memory: tests/unit/test_reach_batch.py).

The foreign office's and intake's containers on the session's database (``kim migrate`` ran): the staffing
index, the break-glass index and the view's summaries and consents are read by their PostgreSQL adapters.
The view is a set of tables under a prefix of the test, so the running stack's projectors (which write the
unprefixed view) change nothing under the test's feet.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from services.bootstrap import Container, build_container
from shared.application.department import DepartmentApplication
from shared.application.reach import IndexedReach
from shared.clock import today
from shared.persistence.pool import make_pool
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.service import Service
from shared.settings import get_settings
from tests.support import reach_suite

pytestmark = pytest.mark.postgres


def container_of(service: Service) -> Iterator[Container]:
    """The service's container, wired as the composition root wires it, on view tables of this test's own."""
    get_settings.cache_clear()
    settings = get_settings(service)
    container = build_container(service, settings)
    owner = make_pool(settings.as_owner().pg_conninfo(), max_size=1)
    owner.open(wait=True)
    prefix = f"t{uuid4().hex[:8]}_"
    tables = PostgresCaseHistoryStore(owner, settings.pg_schema, prefix=prefix, service=service)
    tables.setup()
    try:
        store = PostgresCaseHistoryStore(container.postgres, settings.pg_schema, prefix=prefix, service=service)
        container.store = store
        if isinstance(container.app, DepartmentApplication):
            container.app.case_view = store.summary
        glass = container.break_glass
        reach = IndexedReach(
            container.app, container.reach.index, store.summary, today, glass, store.managed_by, store.summaries
        )
        container.reach = reach
        glass.known = lambda subject: reach.of_subject(subject).known or reach.of_case(subject).known
        yield container
    finally:
        container.close()
        tables.drop()
        owner.close()


@pytest.fixture
def foreign_office(infra_env: dict[str, str]) -> Iterator[Container]:
    yield from container_of(Service.FOREIGN_OFFICE)


@pytest.fixture
def intake(infra_env: dict[str, str]) -> Iterator[Container]:
    yield from container_of(Service.INTAKE)


def test_many_cases_at_once_answer_as_one_by_one(foreign_office: Container) -> None:
    reach_suite.check_foreign_office(foreign_office)


def test_an_intake_case_without_an_index_row_is_read_from_its_aggregate(intake: Container) -> None:
    reach_suite.check_intake(intake)
