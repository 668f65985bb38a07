"""§ 10 StAG: 8/7/6 years until 26.6.2024, 5 or 3 with C1 until 29.10.2025, 5 only since."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import (
    CaseFacts,
    CivicTest,
    LegalAssumptions,
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

NORM = "StAG_10"


def resident(since: date, **overrides: Any) -> CaseFacts:
    """Lawfully resident since `since` with a qualifying title."""
    return integrated(**({"statuses": [permit(since, norm="AufenthG_25_2")]} | overrides))


@pytest.mark.parametrize(
    ("on", "years", "c1", "status", "version"),
    [
        pytest.param(D(2025, 6, 1), 3, True, PathwayStatus.ELIGIBLE, "StAG_10@2024-06-27", id="3-years-C1-2025-06"),
        pytest.param(D(2025, 10, 29), 3, True, PathwayStatus.ELIGIBLE, "StAG_10@2024-06-27", id="3-years-C1-last-day"),
        pytest.param(
            D(2025, 10, 30), 3, True, PathwayStatus.NOT_ELIGIBLE, "StAG_10@2025-10-30", id="3-years-C1-from-30.10.2025"
        ),
        pytest.param(
            D(2025, 6, 1), 3, False, PathwayStatus.NOT_ELIGIBLE, "StAG_10@2024-06-27", id="3-years-without-C1"
        ),
        pytest.param(D(2025, 6, 1), 5, False, PathwayStatus.ELIGIBLE, "StAG_10@2024-06-27", id="5-years-2025"),
        pytest.param(D(2026, 1, 1), 5, False, PathwayStatus.ELIGIBLE, "StAG_10@2025-10-30", id="5-years-2026"),
        pytest.param(D(2024, 6, 26), 5, False, PathwayStatus.NOT_ELIGIBLE, "StAG_10@2007-08-28", id="5-years-old-law"),
        pytest.param(D(2024, 6, 26), 8, False, PathwayStatus.ELIGIBLE, "StAG_10@2007-08-28", id="8-years-old-law"),
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
        pytest.param({"integration_course_completed": yes(D(2017, 1, 1))}, Status.MET, id="7-with-course"),
        pytest.param({"integration_course_completed": no()}, Status.NOT_MET, id="7-without-course"),
    ],
)
def test_old_law_seven_years_with_integration_course(overrides: dict[str, Any], expected: Status) -> None:
    facts = resident(D(2017, 6, 1), **overrides)
    assert prereq(facts, D(2024, 6, 1), NORM, "lawful_stay").status == expected


def test_three_year_route_needs_special_achievements_unless_assumed_otherwise() -> None:
    facts = resident(D(2022, 1, 1), language_certificates=[cert("C1")], special_integration_achievements=no())
    assert prereq(facts, D(2025, 6, 1), NORM, "lawful_stay").status == Status.NOT_MET
    c1_only = LegalAssumptions(stag_three_years_requires_special_integration=False)
    assert prereq(facts, D(2025, 6, 1), NORM, "lawful_stay", c1_only).status == Status.MET


@pytest.mark.parametrize(
    ("statuses", "asylum", "expected", "earliest"),
    [
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
def test_lawful_stay(statuses: list[StatusInterval], asylum: Any, expected: Status, earliest: date | None) -> None:
    result = prereq(integrated(statuses=statuses, asylum_granted=asylum), D(2025, 11, 1), NORM, "lawful_stay")
    assert (result.status, result.earliest_met_on) == (expected, earliest)


@pytest.mark.parametrize(
    ("norm", "expected"),
    [
        pytest.param("AufenthG_25b", Status.MET, id="25b-qualifies"),
        pytest.param("AufenthG_104c", Status.NOT_MET, id="104c-does-not"),
        pytest.param("AufenthG_25_5", Status.NOT_MET, id="25-5-does-not"),
    ],
)
def test_qualifying_title(norm: str, expected: Status) -> None:
    assert (
        prereq(integrated(statuses=[permit(D(2018, 1, 1), norm=norm)]), D(2025, 11, 1), NORM, "qualifying_title").status
        == expected
    )


@pytest.mark.parametrize(
    ("livelihood", "expected"),
    [
        pytest.param(Livelihood(assessed_on=D(2025, 1, 1), receives_sgb2_or_12=False), Status.MET, id="no-benefits"),
        pytest.param(
            Livelihood(
                assessed_on=D(2025, 1, 1),
                receives_sgb2_or_12=True,
                guest_worker_generation=False,
                fulltime_months_last_24=20,
                spouse_fulltime_with_minor_child=False,
            ),
            Status.MET,
            id="20-of-24-months",
        ),
        pytest.param(
            Livelihood(
                assessed_on=D(2025, 1, 1),
                receives_sgb2_or_12=True,
                guest_worker_generation=False,
                fulltime_months_last_24=19,
                spouse_fulltime_with_minor_child=False,
            ),
            Status.NOT_MET,
            id="19-of-24-months",
        ),
        pytest.param(
            Livelihood(assessed_on=D(2025, 1, 1), receives_sgb2_or_12=True, benefits_not_attributable=True),
            Status.UNKNOWN,
            id="not-attributable-no-longer-enough",
        ),
    ],
)
def test_livelihood_exceptions(livelihood: Livelihood, expected: Status) -> None:
    assert prereq(resident(D(2015, 1, 1), livelihood=livelihood), D(2025, 11, 1), NORM, "livelihood").status == expected


def test_old_law_allowed_unavoidable_benefits() -> None:
    living = Livelihood(assessed_on=D(2024, 1, 1), receives_sgb2_or_12=True, benefits_not_attributable=True)
    assert prereq(resident(D(2012, 1, 1), livelihood=living), D(2024, 6, 1), NORM, "livelihood").status == Status.MET


@pytest.mark.parametrize(
    ("tests", "expected"),
    [
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
