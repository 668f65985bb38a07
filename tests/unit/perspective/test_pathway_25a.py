"""§ 25a: age judged at application (21 before 2023, 27 since), 12-month Duldung or § 104c."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import CaseFacts, LegalAssumptions, PathwayStatus, Schooling, Status
from shared.perspective.dates import add_years
from tests.unit.perspective.factories import (
    D,
    applied,
    duldung,
    duldung_light,
    gestattung,
    integrated,
    no,
    pathway,
    permit,
    prereq,
)

NORM = "AufenthG_25a"


def youth(birth: date, **overrides: Any) -> CaseFacts:
    """A pupil with four successful school years and a Duldung since 2017."""
    school = Schooling(as_of=D(2021, 7, 1), successful_years=4, attending=False, german_qualification=False)
    return integrated(
        **(
            {
                "birth_date": birth,
                "statuses": [duldung(D(2017, 1, 1))],
                "schooling": school,
                "german_vocational_qualification": no(),
            }
            | overrides
        )
    )


@pytest.mark.parametrize(
    ("applied_on", "age", "expected", "version"),
    [
        pytest.param(D(2025, 3, 1), 26, Status.MET, "AufenthG_25a@2022-12-31", id="26-at-application"),
        pytest.param(D(2025, 3, 1), 27, Status.NOT_MET, "AufenthG_25a@2022-12-31", id="27-at-application"),
        pytest.param(D(2022, 6, 1), 20, Status.MET, "AufenthG_25a@2015-08-01", id="old-20"),
        pytest.param(D(2022, 6, 1), 21, Status.NOT_MET, "AufenthG_25a@2015-08-01", id="old-21"),
        pytest.param(D(2022, 6, 1), 24, Status.NOT_MET, "AufenthG_25a@2015-08-01", id="old-24-too-old"),
    ],
)
def test_age_limit_at_application(applied_on: date, age: int, expected: Status, version: str) -> None:
    birth = add_years(applied_on, -age)  # the birthday is the application day: age just completed
    facts = youth(birth, applications=[applied(NORM, applied_on)])
    result = pathway(facts, applied_on, NORM)
    age_result = next(p for p in result.prerequisites if p.key == "age_at_application")
    assert (age_result.status, result.rule_version_id) == (expected, version)


def test_the_age_is_frozen_at_the_application_not_the_decision() -> None:
    birth = D(1998, 9, 1)  # 26 on 1.3.2025, 27 on 1.9.2025
    facts = youth(birth, applications=[applied(NORM, D(2025, 3, 1))])
    result = pathway(facts, D(2025, 11, 1), NORM)
    assert result.evaluated_at == D(2025, 3, 1)
    assert result.status == PathwayStatus.ELIGIBLE


def test_without_an_application_the_decision_day_counts_and_the_last_day_is_a_deadline() -> None:
    facts = youth(D(1999, 4, 10))
    result = pathway(facts, D(2025, 3, 1), NORM)
    assert result.status == PathwayStatus.ELIGIBLE
    assert ("age_limit", D(2026, 4, 9)) in {(d.key, d.on) for d in result.deadlines}


@pytest.mark.parametrize(
    ("statuses", "on", "expected", "earliest"),
    [
        pytest.param([duldung(D(2024, 4, 1))], D(2025, 3, 1), Status.NOT_MET, D(2025, 4, 1), id="11-months-duldung"),
        pytest.param([duldung(D(2024, 3, 1))], D(2025, 3, 1), Status.MET, None, id="12-months-duldung"),
        pytest.param(
            [duldung(D(2023, 1, 1), D(2024, 2, 29)), permit(D(2024, 3, 1), norm="AufenthG_104c")],
            D(2025, 3, 1),
            Status.MET,
            None,
            id="104c-holder-2025",
        ),
        pytest.param(
            [duldung(D(2023, 1, 1), D(2025, 2, 28)), permit(D(2025, 3, 1), norm="AufenthG_104c")],
            D(2026, 3, 1),
            Status.NOT_MET,
            None,
            id="104c-struck-2026",
        ),
        pytest.param([gestattung(D(2017, 1, 1))], D(2022, 6, 1), Status.MET, None, id="old-switch-from-gestattung"),
        pytest.param([gestattung(D(2017, 1, 1))], D(2025, 3, 1), Status.NOT_MET, None, id="new-no-gestattung"),
    ],
)
def test_status(statuses: list[Any], on: date, expected: Status, earliest: date | None) -> None:
    result = prereq(youth(D(2005, 1, 1), statuses=statuses), on, NORM, "status")
    assert (result.status, result.earliest_met_on) == (expected, earliest)


def test_104c_holders_after_2025_are_an_assumption() -> None:
    facts = youth(
        D(2005, 1, 1), statuses=[duldung(D(2023, 1, 1), D(2025, 2, 28)), permit(D(2025, 3, 1), norm="AufenthG_104c")]
    )
    keep = LegalAssumptions(holders_104c_qualify_for_25a_after_2025=True)
    assert prereq(facts, D(2026, 3, 1), NORM, "status", keep).status == Status.MET


@pytest.mark.parametrize(
    ("on", "years_of_stay", "expected"),
    [
        pytest.param(D(2025, 3, 1), 3, Status.MET, id="new-3-years"),
        pytest.param(D(2022, 6, 1), 3, Status.NOT_MET, id="old-needs-4"),
        pytest.param(D(2022, 6, 1), 4, Status.MET, id="old-4-years"),
    ],
)
def test_stay_years_by_version(on: date, years_of_stay: int, expected: Status) -> None:
    facts = youth(D(2005, 1, 1), statuses=[duldung(add_years(on, -years_of_stay))])
    assert prereq(facts, on, NORM, "stay").status == expected


def test_60b_time_counts_only_for_104c_holders() -> None:
    history = [duldung_light(D(2021, 1, 1), D(2022, 12, 31)), duldung(D(2023, 1, 1), D(2023, 12, 31))]
    tolerated = youth(D(2005, 1, 1), statuses=[*history, duldung(D(2024, 1, 1))])
    holder = youth(D(2005, 1, 1), statuses=[*history, permit(D(2024, 1, 1), norm="AufenthG_104c")])
    assert prereq(tolerated, D(2025, 3, 1), NORM, "stay").status == Status.NOT_MET
    assert prereq(holder, D(2025, 3, 1), NORM, "stay").status == Status.MET


def test_schooling_in_progress_gives_an_earliest_date() -> None:
    pupil = Schooling(as_of=D(2025, 7, 31), successful_years=2, attending=True, german_qualification=False)
    result = prereq(youth(D(2009, 1, 1), schooling=pupil), D(2025, 9, 1), NORM, "schooling")
    assert (result.status, result.earliest_met_on) == (Status.NOT_MET, D(2026, 7, 31))
