"""§ 10 StAG: 8/7/6 years until 26.6.2024, 5 or 3 with C1 until 29.10.2025, 5 only since.

The [U] reading of the three-year route (C1 alone or with special achievements) is in test_assumptions.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import (
    CivicTest,
    Flag,
    Livelihood,
    PathwayStatus,
    Schooling,
    Status,
    StatusInterval,
)
from shared.perspective.dates import add_years
from tests.unit.perspective.factories import (
    D,
    cert,
    duldung,
    failing,
    fiktion,
    gestattung,
    integrated,
    no,
    pathway,
    permit,
    prereq,
    yes,
)
from tests.unit.perspective.personas import resident

NORM = "StAG_10"
V2007, V2024, V2025 = "StAG_10@2007-08-28", "StAG_10@2024-06-27", "StAG_10@2025-10-30"
ELIGIBLE, NOT_ELIGIBLE = PathwayStatus.ELIGIBLE, PathwayStatus.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("on", "years", "c1", "status", "version"),
    [
        # § 10 Abs. 1 StAG a.F. (until 26.6.2024): eight years as the rule.
        pytest.param(D(2024, 6, 26), 5, False, NOT_ELIGIBLE, V2007, id="5-years-old-law"),
        pytest.param(D(2024, 6, 26), 8, False, ELIGIBLE, V2007, id="8-years-old-law"),
        # 27.6.2024-29.10.2025: five years, three with C1 and special integration (§ 10 Abs. 3).
        pytest.param(D(2025, 6, 1), 3, True, ELIGIBLE, V2024, id="3-years-C1-2025-06"),
        pytest.param(D(2025, 10, 29), 3, True, ELIGIBLE, V2024, id="3-years-C1-last-day"),
        pytest.param(D(2025, 6, 1), 3, False, NOT_ELIGIBLE, V2024, id="3-years-without-C1"),
        pytest.param(D(2025, 6, 1), 5, False, ELIGIBLE, V2024, id="5-years-2025"),
        # From 30.10.2025: five years only; the three-year route is repealed.
        pytest.param(D(2025, 10, 30), 3, True, NOT_ELIGIBLE, V2025, id="3-years-C1-from-30.10.2025"),
        pytest.param(D(2026, 1, 1), 5, False, ELIGIBLE, V2025, id="5-years-2026"),
    ],
)
def test_years_by_version(on: date, years: int, c1: bool, status: PathwayStatus, version: str) -> None:
    extra = {"language_certificates": [cert("C1")], "special_integration_achievements": yes()} if c1 else {}
    result = pathway(resident(add_years(on, -years), **extra), on, NORM)
    assert (result.status, result.rule_version_id) == (status, version)
    assert status == PathwayStatus.ELIGIBLE or failing(result) == {"lawful_stay"}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # § 10 Abs. 3 StAG a.F.: seven years after a successful integration course.
        pytest.param({"integration_course_completed": yes(D(2017, 1, 1))}, Status.MET, id="7-with-course"),
        pytest.param({"integration_course_completed": no()}, Status.NOT_MET, id="7-without-course"),
    ],
)
def test_old_law_seven_years_with_integration_course(overrides: dict[str, Any], expected: Status) -> None:
    facts = resident(D(2017, 6, 1), **overrides)
    assert prereq(facts, D(2024, 6, 1), NORM, "lawful_stay").status == expected


@pytest.mark.parametrize(
    ("statuses", "asylum", "expected", "earliest"),
    [
        # § 10 Abs. 1 S. 1 StAG: lawful habitual stay; a Duldung is not lawful and breaks it.
        pytest.param(
            [duldung(D(2016, 1, 1), D(2021, 12, 31)), permit(D(2022, 1, 1))],
            no(),
            Status.NOT_MET,
            D(2027, 1, 1),
            id="duldung-does-not-count",
        ),
        pytest.param(
            [permit(D(2019, 1, 1), D(2020, 12, 31)), fiktion(D(2021, 1, 1), D(2021, 3, 31)), permit(D(2021, 4, 1))],
            no(),
            Status.MET,
            None,
            id="fiktion-counts",
        ),
        # [U] A Gestattung counts only once asylum was granted.
        pytest.param(
            [gestattung(D(2019, 1, 1), D(2020, 12, 31)), permit(D(2021, 1, 1))],
            yes(D(2020, 12, 1)),
            Status.MET,
            None,
            id="gestattung-counts-if-asylum-granted",
        ),
        pytest.param(
            [gestattung(D(2019, 1, 1), D(2020, 12, 31)), permit(D(2021, 1, 1))],
            no(),
            Status.NOT_MET,
            D(2026, 1, 1),
            id="gestattung-not-counted-without-asylum",
        ),
        pytest.param(
            [gestattung(D(2019, 1, 1), D(2020, 12, 31)), permit(D(2021, 1, 1))],
            None,
            Status.UNKNOWN,
            None,
            id="asylum-outcome-unknown",
        ),
    ],
)
def test_lawful_stay(
    statuses: list[StatusInterval], asylum: Flag | None, expected: Status, earliest: date | None
) -> None:
    result = prereq(integrated(statuses=statuses, asylum_granted=asylum), D(2025, 11, 1), NORM, "lawful_stay")
    assert (result.status, result.earliest_met_on) == (expected, earliest)


@pytest.mark.parametrize(
    ("norm", "expected"),
    [
        # § 10 Abs. 1 S. 1 Nr. 2 StAG: [U] § 104c and § 25 Abs. 3-5 titles do not qualify.
        pytest.param("AufenthG_25b", Status.MET, id="25b-qualifies"),
        pytest.param("AufenthG_104c", Status.NOT_MET, id="104c-does-not"),
        pytest.param("AufenthG_25_5", Status.NOT_MET, id="25-5-does-not"),
    ],
)
def test_qualifying_title(norm: str, expected: Status) -> None:
    facts = integrated(statuses=[permit(D(2018, 1, 1), norm=norm)])
    assert prereq(facts, D(2025, 11, 1), NORM, "qualifying_title").status == expected


def on_benefits(assessed_on: date, **exceptions: Any) -> Livelihood:
    """Receives SGB II/XII benefits; `exceptions` are the facts that may excuse it."""
    return Livelihood(assessed_on=assessed_on, receives_sgb2_or_12=True, **exceptions)


WITHOUT_EXCEPTIONS: dict[str, Any] = {"guest_worker_generation": False, "spouse_fulltime_with_minor_child": False}


@pytest.mark.parametrize(
    ("since", "on", "livelihood", "expected"),
    [
        # § 10 Abs. 1 S. 1 Nr. 3 StAG: without SGB II/XII benefits ...
        pytest.param(
            D(2015, 1, 1),
            D(2025, 11, 1),
            Livelihood(assessed_on=D(2025, 1, 1), receives_sgb2_or_12=False),
            Status.MET,
            id="no-benefits",
        ),
        # ... before 27.6.2024 unless the receipt was not attributable to the person ...
        pytest.param(
            D(2012, 1, 1),
            D(2024, 6, 1),
            on_benefits(D(2024, 1, 1), benefits_not_attributable=True),
            Status.MET,
            id="old-law-not-attributable",
        ),
        # ... since then only the listed exceptions: e.g. 20 of the last 24 months in full-time work.
        pytest.param(
            D(2015, 1, 1),
            D(2025, 11, 1),
            on_benefits(D(2025, 1, 1), fulltime_months_last_24=20, **WITHOUT_EXCEPTIONS),
            Status.MET,
            id="20-of-24-months",
        ),
        pytest.param(
            D(2015, 1, 1),
            D(2025, 11, 1),
            on_benefits(D(2025, 1, 1), fulltime_months_last_24=19, **WITHOUT_EXCEPTIONS),
            Status.NOT_MET,
            id="19-of-24-months",
        ),
        pytest.param(
            D(2015, 1, 1),
            D(2025, 11, 1),
            on_benefits(D(2025, 1, 1), benefits_not_attributable=True),
            Status.UNKNOWN,
            id="not-attributable-no-longer-enough",
        ),
    ],
)
def test_livelihood(since: date, on: date, livelihood: Livelihood, expected: Status) -> None:
    assert prereq(resident(since, livelihood=livelihood), on, NORM, "livelihood").status == expected


@pytest.mark.parametrize(
    ("tests", "expected"),
    [
        # § 10 Abs. 1 S. 1 Nr. 7 StAG: [U] 17 of 33 LiD points count as a passed naturalisation test.
        pytest.param(
            [CivicTest(kind="leben_in_deutschland", passed_on=D(2020, 1, 1), points=17)], Status.MET, id="lid-17-points"
        ),
        pytest.param(
            [CivicTest(kind="leben_in_deutschland", passed_on=D(2020, 1, 1), points=16)],
            Status.NOT_MET,
            id="lid-16-points",
        ),
        pytest.param(
            [CivicTest(kind="leben_in_deutschland", passed_on=D(2020, 1, 1))], Status.UNKNOWN, id="lid-points-unknown"
        ),
    ],
)
def test_naturalisation_test(tests: list[CivicTest], expected: Status) -> None:
    school = Schooling(as_of=D(2019, 7, 1), successful_years=4, attending=False, german_qualification=False)
    facts = resident(D(2015, 1, 1), civic_tests=tests, schooling=school)
    assert prereq(facts, D(2025, 11, 1), NORM, "naturalisation_test").status == expected
