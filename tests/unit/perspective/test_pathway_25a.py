"""§ 25a: age judged at application (21 before 2023, 27 since), 12-month Duldung or § 104c.

§ 60b time and the [U] § 104c holders after 2025 are in test_duldung_60b.py and test_assumptions.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.perspective import PathwayStatus, Schooling, Status, StatusInterval
from shared.perspective.dates import add_years
from tests.unit.perspective.factories import (
    D,
    applied,
    deadlines,
    duldung,
    gestattung,
    pathway,
    permit,
    prereq,
    prerequisite,
)
from tests.unit.perspective.personas import youth

NORM = "AufenthG_25a"
V2015, V2022 = "AufenthG_25a@2015-08-01", "AufenthG_25a@2022-12-31"


@pytest.mark.parametrize(
    ("applied_on", "age", "expected", "version"),
    [
        # § 25a Abs. 1 Nr. 4 (from 31.12.2022): application before the 27th birthday.
        pytest.param(D(2025, 3, 1), 26, Status.MET, V2022, id="26-at-application"),
        pytest.param(D(2025, 3, 1), 27, Status.NOT_MET, V2022, id="27-at-application"),
        # a.F. (1.8.2015-30.12.2022): application before the 21st birthday.
        pytest.param(D(2022, 6, 1), 20, Status.MET, V2015, id="old-20"),
        pytest.param(D(2022, 6, 1), 21, Status.NOT_MET, V2015, id="old-21"),
        pytest.param(D(2022, 6, 1), 24, Status.NOT_MET, V2015, id="old-24-too-old"),
    ],
)
def test_age_limit_at_application(applied_on: date, age: int, expected: Status, version: str) -> None:
    birth = add_years(applied_on, -age)  # the birthday is the application day: age just completed
    facts = youth(birth, applications=[applied(NORM, applied_on)])
    result = pathway(facts, applied_on, NORM)
    assert (prerequisite(result, "age_at_application").status, result.rule_version_id) == (expected, version)


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
    assert ("age_limit", D(2026, 4, 9)) in deadlines(result)


@pytest.mark.parametrize(
    ("statuses", "on", "expected", "earliest"),
    [
        # § 25a Abs. 1 Nr. 1 (from 31.12.2022): tolerated for 12 months [V S4, S5].
        pytest.param([duldung(D(2024, 4, 1))], D(2025, 3, 1), Status.NOT_MET, D(2025, 4, 1), id="11-months-duldung"),
        pytest.param([duldung(D(2024, 3, 1))], D(2025, 3, 1), Status.MET, None, id="12-months-duldung"),
        # ... or a § 104c title, until the reference is struck on 1.1.2026 [V S2].
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
        # a.F.: tolerated, or a switch from the asylum procedure (Gestattung) [V S4].
        pytest.param([gestattung(D(2017, 1, 1))], D(2022, 6, 1), Status.MET, None, id="old-switch-from-gestattung"),
        pytest.param([gestattung(D(2017, 1, 1))], D(2025, 3, 1), Status.NOT_MET, None, id="new-no-gestattung"),
    ],
)
def test_status(statuses: list[StatusInterval], on: date, expected: Status, earliest: date | None) -> None:
    result = prereq(youth(D(2005, 1, 1), statuses=statuses), on, NORM, "status")
    assert (result.status, result.earliest_met_on) == (expected, earliest)


@pytest.mark.parametrize(
    ("on", "years_of_stay", "expected"),
    [
        # § 25a Abs. 1 Nr. 2: three years since 31.12.2022, four before.
        pytest.param(D(2025, 3, 1), 3, Status.MET, id="new-3-years"),
        pytest.param(D(2022, 6, 1), 3, Status.NOT_MET, id="old-needs-4"),
        pytest.param(D(2022, 6, 1), 4, Status.MET, id="old-4-years"),
    ],
)
def test_stay_years_by_version(on: date, years_of_stay: int, expected: Status) -> None:
    facts = youth(D(2005, 1, 1), statuses=[duldung(add_years(on, -years_of_stay))])
    assert prereq(facts, on, NORM, "stay").status == expected


def test_schooling_in_progress_gives_an_earliest_date() -> None:
    pupil = Schooling(as_of=D(2025, 7, 31), successful_years=2, attending=True, german_qualification=False)
    result = prereq(youth(D(2009, 1, 1), schooling=pupil), D(2025, 9, 1), NORM, "schooling")
    assert (result.status, result.earliest_met_on) == (Status.NOT_MET, D(2026, 7, 31))


LEAP_BIRTH = D(2000, 2, 29)


@pytest.mark.parametrize(
    ("applied_on", "expected"),
    [
        # Born on 29.2.: in the common year 2027 the 27th year of life ends with 28.2. (§ 188
        # Abs. 3 BGB; haufe.de "Sonderfall Schaltjahr"), so 28.2. is still before its completion.
        # Changed on purpose: add_years(birth, 27) = 28.2.2027 made this day "too late".
        pytest.param(D(2027, 2, 28), Status.MET, id="28.2.-still-26"),
        pytest.param(D(2027, 3, 1), Status.NOT_MET, id="1.3.-27-completed"),
    ],
)
def test_born_on_29_february(applied_on: date, expected: Status) -> None:
    facts = youth(LEAP_BIRTH, applications=[applied(NORM, applied_on)])
    result = prerequisite(pathway(facts, applied_on, NORM), "age_at_application")
    assert result.status == expected
    assert "27. Geburtstag am 01.03.2027" in result.detail_de


def test_born_on_29_february_the_last_day_to_apply_is_28_february() -> None:
    assert ("age_limit", D(2027, 2, 28)) in deadlines(pathway(youth(LEAP_BIRTH), D(2027, 1, 1), NORM))
