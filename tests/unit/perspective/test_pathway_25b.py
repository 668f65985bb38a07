"""§ 25b: 8/6 years (2015) vs 6/4 years (since 31.12.2022), 3-month tolerance, § 60b excluded.

§ 60b time, including the [U] reading that it breaks the chain, is in test_duldung_60b.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import CaseFacts, Livelihood, PathwayStatus, Status, StatusKind
from shared.perspective.dates import add_years
from tests.unit.perspective.factories import (
    D,
    cert,
    duldung,
    failing,
    gestattung,
    no,
    pathway,
    prereq,
    prerequisite,
    yes,
)
from tests.unit.perspective.personas import tolerated

NORM = "AufenthG_25b"
V2015, V2022, V2026 = "AufenthG_25b@2015-08-01", "AufenthG_25b@2022-12-31", "AufenthG_25b@2026-01-01"
ELIGIBLE, NOT_ELIGIBLE = PathwayStatus.ELIGIBLE, PathwayStatus.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("on", "years", "child", "status", "version"),
    [
        # § 25b Abs. 1 S. 2 Nr. 1 a.F. (1.8.2015-30.12.2022): 8 years, 6 with a minor child.
        pytest.param(D(2022, 6, 1), 7, False, NOT_ELIGIBLE, V2015, id="7-years-2015-not"),
        pytest.param(D(2022, 6, 1), 8, False, ELIGIBLE, V2015, id="8-years-2015"),
        pytest.param(D(2022, 6, 1), 6, True, ELIGIBLE, V2015, id="6-with-child-2015"),
        # From 31.12.2022: 6 years, 4 with a minor child.
        pytest.param(D(2023, 3, 1), 7, False, ELIGIBLE, V2022, id="7-years-new-eligible"),
        pytest.param(D(2023, 3, 1), 4, True, ELIGIBLE, V2022, id="4-with-child-new"),
        pytest.param(D(2023, 3, 1), 4, False, NOT_ELIGIBLE, V2022, id="4-without-child-new"),
        # From 1.1.2026 (Abs. 7 and 8 repealed): still 6 years.
        pytest.param(D(2026, 3, 1), 6, False, ELIGIBLE, V2026, id="6-years-2026"),
    ],
)
def test_years_by_version(on: date, years: int, child: bool, status: PathwayStatus, version: str) -> None:
    facts = tolerated(add_years(on, -years), minor_child_in_household=yes() if child else no())
    result = pathway(facts, on, NORM)
    assert (result.status, result.rule_version_id) == (status, version)
    assert status == PathwayStatus.ELIGIBLE or failing(result) == {"stay"}


@pytest.mark.parametrize(
    ("facts", "on", "expected", "earliest"),
    [
        # § 25b Abs. 1 S. 2 Nr. 1: six years, to the day.
        pytest.param(tolerated(D(2019, 5, 15)), D(2025, 5, 15), Status.MET, None, id="exactly-6-years"),
        pytest.param(tolerated(D(2019, 5, 16)), D(2025, 5, 15), Status.NOT_MET, D(2025, 5, 16), id="one-day-short"),
        # Interruptions of up to three months are harmless [V S8]; the gap itself does not count.
        pytest.param(
            tolerated(D(2016, 1, 1), statuses=[gestattung(D(2016, 1, 1), D(2018, 12, 31)), duldung(D(2019, 4, 1))]),
            D(2024, 6, 1),
            Status.MET,
            None,
            id="3-month-gap-tolerated",
        ),
        pytest.param(
            tolerated(D(2016, 1, 1), statuses=[gestattung(D(2016, 1, 1), D(2018, 12, 31)), duldung(D(2019, 5, 1))]),
            D(2024, 6, 1),
            Status.NOT_MET,
            D(2025, 5, 1),
            id="4-month-gap-breaks",
        ),
        # § 25b Abs. 6: 30 months of § 60d toleration replace the prior stay.
        pytest.param(
            tolerated(
                D(2022, 1, 1),
                statuses=[duldung(D(2022, 1, 1), D(2022, 12, 31)), duldung(D(2023, 1, 1), kind=StatusKind.DULDUNG_60D)],
            ),
            D(2025, 7, 1),
            Status.MET,
            None,
            id="30-months-60d-replace-the-stay",
        ),
        # Between four and six years it turns on the minor child, which is not known here.
        pytest.param(
            tolerated(D(2020, 1, 1), minor_child_in_household=None),
            D(2025, 6, 1),
            Status.UNKNOWN,
            None,
            id="child-unknown-between-4-and-6-years",
        ),
    ],
)
def test_stay(facts: CaseFacts, on: date, expected: Status, earliest: date | None) -> None:
    result = prereq(facts, on, NORM, "stay")
    assert (result.status, result.earliest_met_on) == (expected, earliest)


def test_the_earliest_date_is_the_sixth_anniversary() -> None:
    result = pathway(tolerated(D(2021, 3, 1)), D(2025, 6, 1), NORM)
    assert result.status == PathwayStatus.NOT_ELIGIBLE
    assert result.earliest_time_met_on == D(2027, 3, 1)
    assert "erst am 01.03.2027" in prerequisite(result, "stay").detail_de


@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        # § 25b Abs. 1 S. 2 Nr. 3: livelihood predominantly (≥ 50 %) secured by work, or expected to be.
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
        # Nr. 4: oral German at A2; Abs. 3: a claimed health exemption goes to the authority.
        pytest.param({"language_certificates": [cert("A1")]}, "german_a2", Status.NOT_MET, id="only-A1"),
        pytest.param(
            {"language_certificates": [cert("A1")], "health_exemption_claimed": yes()},
            "german_a2",
            Status.UNKNOWN,
            id="health-exemption-needs-review",
        ),
        # Nr. 5: children of school age actually attend school.
        pytest.param(
            {"children_attend_school": no()}, "children_attend_school", Status.NOT_MET, id="children-not-at-school"
        ),
        # Abs. 2 Nr. 2: no serious interest in expulsion.
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
