"""The reach of many cases at once (``ReachLookup.of_cases``) in memory: the same answers as one by one, in a
few reads whatever the number of cases (tests/support/reach_suite.py; on PostgreSQL:
tests/integration/test_reach_postgres.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from services.bootstrap import Container, build_container
from shared.service import Service
from tests.support import reach_suite
from tests.support.projection_suite import Feed
from tests.support.walk import know, open_file


def container_of(service: Service) -> Iterator[Container]:
    container = build_container(service, in_memory=True)
    yield container
    container.close()


@pytest.fixture
def foreign_office() -> Iterator[Container]:
    yield from container_of(Service.FOREIGN_OFFICE)


@pytest.fixture
def intake() -> Iterator[Container]:
    yield from container_of(Service.INTAKE)


def test_many_cases_at_once_answer_as_one_by_one(foreign_office: Container) -> None:
    reach_suite.check_foreign_office(foreign_office)


def test_an_intake_case_without_an_index_row_is_read_from_its_aggregate(intake: Container) -> None:
    reach_suite.check_intake(intake)


class Counted:
    """Counts the calls of an object's methods."""

    def __init__(self, inner: Any, calls: Counter[str]) -> None:
        self._inner, self._calls = inner, calls

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[name] += 1
            return found(*args, **kwargs)

        return counted


def test_the_reads_do_not_grow_with_the_number_of_cases(foreign_office: Container) -> None:
    app, store, feed = foreign_office.app, foreign_office.store, Feed(Service.FOREIGN_OFFICE)
    reach = foreign_office.reach
    cases = [know(store, feed) for _ in range(12)]
    for case_id in cases[:8]:
        open_file(app, Service.FOREIGN_OFFICE, case_id)
    calls: Counter[str] = Counter()
    expected = {case_id: reach.of_case(case_id) for case_id in cases}
    reach.index = Counted(reach.index, calls)
    reach.break_glass = Counted(reach.break_glass, calls)
    views = reach.views
    reach.views = lambda ids: (calls.update(["views"]), views(ids))[1]
    assert reach.of_cases(cases) == expected
    assert calls == Counter({"views": 1, "rows_of": 1, "rows_of_cases": 1, "holders_of": 1})
