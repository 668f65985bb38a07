"""§ 25b: 8/6 years (2015) vs 6/4 years (since 31.12.2022), 3-month tolerance, § 60b excluded."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import CaseFacts, LegalAssumptions, Livelihood, PathwayStatus, Status, StatusKind
from shared.perspective.dates import ONE_DAY, add_years
from tests.unit.perspective.factories import (
    D,
    cert,
    duldung,
    duldung_light,
    failing,
    gestattung,
    integrated,
    no,
    pathway,
    prereq,
    yes,
)

NORM = "AufenthG_25b"


def tolerated(since: date, **overrides: Any) -> CaseFacts:
    """An integrated person tolerated since `since`, with A2 and a 60 % livelihood."""
    base = {
        "statuses": [duldung(since)],
        "language_certificates": [cert("A2")],
        "livelihood": Livelihood(assessed_on=D(2022, 1, 1), coverage_ratio=0.6, expected_to_be_secured=False),
    }
    return integrated(**(base | overrides))


@pytest.mark.parametrize(
    ("on", "years", "child", "status", "version"),
    [
        pytest.param(
            D(2023, 3, 1), 7, False, PathwayStatus.ELIGIBLE, "AufenthG_25b@2022-12-31", id="7-years-new-eligible"
        ),
        pytest.param(
            D(2022, 6, 1), 7, False, PathwayStatus.NOT_ELIGIBLE, "AufenthG_25b@2015-08-01", id="7-years-2015-not"
        ),
        pytest.param(D(2022, 6, 1), 8, False, PathwayStatus.ELIGIBLE, "AufenthG_25b@2015-08-01", id="8-years-2015"),
        pytest.param(D(2022, 6, 1), 6, True, PathwayStatus.ELIGIBLE, "AufenthG_25b@2015-08-01", id="6-with-child-2015"),
        pytest.param(D(2023, 3, 1), 4, True, PathwayStatus.ELIGIBLE, "AufenthG_25b@2022-12-31", id="4-with-child-new"),
        pytest.param(
            D(2023, 3, 1), 4, False, PathwayStatus.NOT_ELIGIBLE, "AufenthG_25b@2022-12-31", id="4-without-child-new"
        ),
        pytest.param(D(2026, 3, 1), 6, False, PathwayStatus.ELIGIBLE, "AufenthG_25b@2026-01-01", id="6-years-2026"),
    ],
)
def test_years_by_version(on: date, years: int, child: bool, status: PathwayStatus, version: str) -> None:
    facts = tolerated(add_years(on, -years), minor_child_in_household=yes() if child else no())
    result = pathway(facts, on, NORM)
    assert (result.status, result.rule_version_id) == (status, version)
    assert status == PathwayStatus.ELIGIBLE or failing(result) == {"stay"}


@pytest.mark.parametrize(
    ("start_offset_days", "expected"),
    [pytest.param(0, Status.MET, id="exactly-6-years"), pytest.param(1, Status.NOT_MET, id="one-day-short")],
)
def test_six_year_boundary(start_offset_days: int, expected: Status) -> None:
    on = D(2025, 5, 15)
    start = add_years(on, -6) + start_offset_days * ONE_DAY
    assert prereq(tolerated(start), on, NORM, "stay").status == expected


def test_the_earliest_date_is_the_sixth_anniversary() -> None:
    result = pathway(tolerated(D(2021, 3, 1)), D(2025, 6, 1), NORM)
    assert result.status == PathwayStatus.NOT_ELIGIBLE
    assert result.earliest_time_met_on == D(2027, 3, 1)
    assert "erst am 01.03.2027" in next(p for p in result.prerequisites if p.key == "stay").detail_de


@pytest.mark.parametrize(
    ("resume", "expected"),
    [
        pytest.param(D(2019, 4, 1), Status.MET, id="3-month-gap-tolerated"),
        pytest.param(D(2019, 5, 1), Status.NOT_MET, id="4-month-gap-breaks"),
    ],
)
def test_interruption_tolerance(resume: date, expected: Status) -> None:
    facts = tolerated(D(2016, 1, 1), statuses=[gestattung(D(2016, 1, 1), D(2018, 12, 31)), duldung(resume)])
    assert prereq(facts, D(2024, 6, 1), NORM, "stay").status == expected


def test_60b_time_is_excluded_but_pauses_the_chain() -> None:
    statuses = [
        duldung(D(2016, 1, 1), D(2018, 12, 31)),
        duldung_light(D(2019, 1, 1), D(2021, 12, 31)),
        duldung(D(2022, 1, 1)),
    ]
    facts = tolerated(D(2016, 1, 1), statuses=statuses)
    result = prereq(facts, D(2024, 6, 1), NORM, "stay")
    assert (result.status, result.earliest_met_on) == (Status.NOT_MET, D(2025, 1, 1))
    breaking = LegalAssumptions(duldung_60b_breaks_chain=True)
    assert prereq(facts, D(2024, 6, 1), NORM, "stay", breaking).earliest_met_on == D(2028, 1, 1)
    assert prereq(facts, D(2024, 6, 1), "AufenthG_104c", "stay_on_cut_off").status == Status.MET


def test_30_months_of_employment_toleration_replace_the_stay() -> None:
    facts = tolerated(
        D(2022, 1, 1),
        statuses=[duldung(D(2022, 1, 1), D(2022, 12, 31)), duldung(D(2023, 1, 1), kind=StatusKind.DULDUNG_60D)],
    )
    assert prereq(facts, D(2025, 7, 1), NORM, "stay").status == Status.MET


@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        pytest.param(
            {"livelihood": Livelihood(assessed_on=D(2025, 1, 1), coverage_ratio=0.49, expected_to_be_secured=False)},
            "livelihood_predominant",
            Status.NOT_MET,
            id="49-percent",
        ),
        pytest.param(
            {"livelihood": Livelihood(assessed_on=D(2025, 1, 1), coverage_ratio=0.3, expected_to_be_secured=True)},
            "livelihood_predominant",
            Status.MET,
            id="expected-soon",
        ),
        pytest.param({"language_certificates": [cert("A1")]}, "german_a2", Status.NOT_MET, id="only-A1"),
        pytest.param(
            {"language_certificates": [cert("A1")], "health_exemption_claimed": yes()},
            "german_a2",
            Status.UNKNOWN,
            id="health-exemption-needs-review",
        ),
        pytest.param(
            {"children_attend_school": no()}, "children_attend_school", Status.NOT_MET, id="children-not-at-school"
        ),
        pytest.param(
            {"serious_expulsion_interest": yes()},
            "no_serious_expulsion_interest",
            Status.NOT_MET,
            id="expulsion-interest",
        ),
    ],
)
def test_other_prerequisites(overrides: dict[str, Any], key: str, expected: Status) -> None:
    assert prereq(tolerated(D(2017, 1, 1), **overrides), D(2025, 6, 1), NORM, key).status == expected


def test_child_unknown_leaves_the_stay_open_between_four_and_six_years() -> None:
    facts = tolerated(D(2020, 1, 1), minor_child_in_household=None)
    assert prereq(facts, D(2025, 6, 1), NORM, "stay").status == Status.UNKNOWN
