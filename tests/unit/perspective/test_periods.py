"""Uninterrupted periods: anniversaries, gaps, § 60b pauses, breaking statuses, unknowns."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.perspective.dates import add_months, add_years, age_on, birthday
from shared.perspective.periods import Category, Span, period
from shared.perspective.results import Status

D = date
C, N, B, U = Category.COUNTS, Category.NEUTRAL, Category.BREAKS, Category.UNKNOWN


def span(start: date, end: date | None, category: Category = C) -> Span:
    """Days inclusive, like the facts."""
    return Span(start, None if end is None else end + timedelta(days=1), category)


@pytest.mark.parametrize(
    ("spans", "at", "months", "tolerance", "status", "reached"),
    [
        pytest.param(
            [span(D(2017, 10, 31), None)],
            D(2022, 10, 31),
            60,
            0,
            Status.MET,
            D(2022, 10, 31),
            id="exactly-5-years-on-the-anniversary",
        ),
        pytest.param(
            [span(D(2017, 11, 1), None)], D(2022, 10, 31), 60, 0, Status.NOT_MET, D(2022, 11, 1), id="one-day-short"
        ),
        pytest.param(
            [span(D(2018, 1, 1), D(2021, 12, 31)), span(D(2022, 4, 1), None)],
            D(2024, 6, 1),
            72,
            3,
            Status.MET,
            D(2024, 3, 31),
            id="3-month-gap-bridged-not-counted",
        ),
        pytest.param(
            [span(D(2018, 1, 1), D(2021, 12, 31)), span(D(2022, 5, 1), None)],
            D(2024, 6, 1),
            72,
            3,
            Status.NOT_MET,
            D(2028, 5, 1),
            id="4-month-gap-breaks",
        ),
        pytest.param(
            [span(D(2018, 1, 1), D(2021, 12, 31)), span(D(2022, 1, 2), None)],
            D(2024, 6, 1),
            72,
            0,
            Status.NOT_MET,
            D(2028, 1, 2),
            id="one-day-gap-breaks-without-tolerance",
        ),
        pytest.param(
            [span(D(2016, 1, 1), D(2018, 12, 31)), span(D(2019, 1, 1), D(2021, 12, 31), N), span(D(2022, 1, 1), None)],
            D(2024, 6, 1),
            72,
            0,
            Status.NOT_MET,
            D(2025, 1, 1),
            id="neutral-pauses",
        ),
        pytest.param(
            [span(D(2016, 1, 1), D(2018, 12, 31)), span(D(2019, 1, 1), D(2021, 12, 31), B), span(D(2022, 1, 1), None)],
            D(2024, 6, 1),
            72,
            0,
            Status.NOT_MET,
            D(2028, 1, 1),
            id="breaking-status-restarts",
        ),
        pytest.param(
            [span(D(2016, 1, 1), None, N)], D(2024, 6, 1), 12, 0, Status.NOT_MET, None, id="only-neutral-never-reached"
        ),
        pytest.param(
            [span(D(2016, 1, 1), D(2020, 12, 31))],
            D(2024, 6, 1),
            12,
            0,
            Status.NOT_MET,
            None,
            id="no-status-at-the-instant",
        ),
        pytest.param(
            [span(D(2016, 1, 1), D(2019, 12, 31), U), span(D(2020, 1, 1), None)],
            D(2024, 6, 1),
            60,
            0,
            Status.UNKNOWN,
            None,
            id="unknown-decides",
        ),
        pytest.param(
            [span(D(2016, 1, 1), D(2016, 12, 31), U), span(D(2017, 1, 1), None)],
            D(2024, 6, 1),
            60,
            0,
            Status.MET,
            D(2022, 1, 1),
            id="unknown-irrelevant",
        ),
        pytest.param(
            [span(D(2016, 1, 1), None), span(D(2017, 1, 1), D(2018, 1, 1), B)],
            D(2024, 6, 1),
            96,
            0,
            Status.MET,
            D(2024, 1, 1),
            id="overlap-favourable-wins",
        ),
    ],
)
def test_period(spans: list[Span], at: date, months: int, tolerance: int, status: Status, reached: date | None) -> None:
    outcome = period(spans, at, months, tolerance)
    assert (outcome.status, outcome.reached_on) == (status, reached)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(D(2024, 1, 31), 1, D(2024, 2, 29), id="clamp-leap"),
        pytest.param(D(2023, 1, 31), 1, D(2023, 2, 28), id="clamp-common"),
        pytest.param(D(2026, 9, 1), -7, D(2026, 2, 1), id="backwards"),
        pytest.param(D(2020, 2, 29), 12, D(2021, 2, 28), id="leap-day-birthday"),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


BIRTH = D(1999, 3, 15)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(D(2026, 3, 14), 26, id="day-before-27th-birthday"),
        pytest.param(add_years(BIRTH, 27), 27, id="27th-birthday"),
        pytest.param(D(2026, 3, 16), 27, id="day-after-27th-birthday"),
    ],
)
def test_age_turns_on_the_birthday(day: date, expected: int) -> None:
    assert age_on(BIRTH, day) == expected


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        # §§ 187 Abs. 2 S. 2, 188 Abs. 2 BGB: the new age begins on the birthday ...
        pytest.param(D(1999, 3, 15), 27, D(2026, 3, 15), id="ordinary"),
        # ... and for 29.2. in a common year on 1.3. (§ 188 Abs. 3 BGB), in a leap year on 29.2.
        pytest.param(D(2000, 2, 29), 27, D(2027, 3, 1), id="leap-day-common-year"),
        pytest.param(D(2000, 2, 29), 28, D(2028, 2, 29), id="leap-day-leap-year"),
    ],
)
def test_birthday(birth: date, years: int, expected: date) -> None:
    assert birthday(birth, years) == expected
    assert (age_on(birth, expected - timedelta(days=1)), age_on(birth, expected)) == (years - 1, years)
