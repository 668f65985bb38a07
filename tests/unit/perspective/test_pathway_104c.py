"""§ 104c: five years on the cut-off 31.10.2022, § 60b counting, no new grants from 2026."""

from __future__ import annotations

from datetime import date

import pytest

from shared.perspective import Deception, LegalAssumptions, PathwayStatus, Status, StatusInterval
from tests.unit.perspective.factories import (
    D,
    applied,
    duldung,
    duldung_light,
    fine,
    gestattung,
    integrated,
    pathway,
    permit,
    prereq,
    yes,
)

NORM = "AufenthG_104c"
ON = D(2024, 6, 1)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param([duldung(D(2017, 10, 31))], Status.MET, id="exactly-5-years-on-cut-off"),
        pytest.param([duldung(D(2017, 11, 1))], Status.NOT_MET, id="one-day-short"),
        pytest.param(
            [gestattung(D(2016, 1, 1), D(2018, 3, 31)), duldung(D(2018, 4, 1))],
            Status.MET,
            id="gestattung-then-duldung",
        ),
        pytest.param(
            [
                duldung(D(2016, 1, 1), D(2018, 12, 31)),
                duldung_light(D(2019, 1, 1), D(2021, 12, 31)),
                duldung(D(2022, 1, 1)),
            ],
            Status.MET,
            id="60b-counts",
        ),
        pytest.param(
            [duldung(D(2016, 1, 1), D(2019, 12, 31)), duldung(D(2020, 1, 15))],
            Status.NOT_MET,
            id="two-week-gap-interrupts",
        ),
        pytest.param(
            [duldung(D(2016, 1, 1), D(2022, 10, 30)), duldung(D(2022, 11, 15))],
            Status.NOT_MET,
            id="no-status-on-cut-off",
        ),
        pytest.param(None, Status.UNKNOWN, id="history-unknown"),
    ],
)
def test_five_years_on_the_cut_off(statuses: list[StatusInterval] | None, expected: Status) -> None:
    result = prereq(integrated(statuses=statuses), ON, NORM, "stay_on_cut_off")
    assert result.status == expected
    assert result.earliest_met_on is None  # a cut-off in the past cannot be reached later


def test_gap_tolerance_is_an_assumption() -> None:
    facts = integrated(statuses=[duldung(D(2016, 1, 1), D(2019, 12, 31)), duldung(D(2020, 1, 15))])
    lenient = LegalAssumptions(gap_tolerance_months_104c=1)
    assert prereq(facts, ON, NORM, "stay_on_cut_off", lenient).status == Status.MET


@pytest.mark.parametrize(
    ("on", "status", "version"),
    [
        pytest.param(D(2022, 12, 30), PathwayStatus.NOT_ELIGIBLE, None, id="before-in-force"),
        pytest.param(D(2022, 12, 31), PathwayStatus.ELIGIBLE, "AufenthG_104c@2022-12-31", id="first-day"),
        pytest.param(D(2025, 12, 31), PathwayStatus.ELIGIBLE, "AufenthG_104c@2022-12-31", id="last-day-of-new-grants"),
        pytest.param(
            D(2026, 1, 1), PathwayStatus.NOT_ELIGIBLE, "AufenthG_104c@2026-01-01", id="no-new-grants-from-2026"
        ),
    ],
)
def test_versions(on: date, status: PathwayStatus, version: str | None) -> None:
    result = pathway(integrated(statuses=[duldung(D(2016, 1, 1))]), on, NORM)
    assert (result.status, result.rule_version_id) == (status, version)


def test_not_yet_in_force_names_the_first_day() -> None:
    result = pathway(integrated(statuses=[duldung(D(2016, 1, 1))]), D(2022, 6, 1), NORM)
    assert result.earliest_time_met_on == D(2022, 12, 31)


def test_pending_applications_at_year_end_are_an_assumption() -> None:
    facts = integrated(statuses=[duldung(D(2016, 1, 1))], applications=[applied(NORM, D(2025, 12, 15))])
    keep = LegalAssumptions(versions_by_application_date=frozenset({NORM}))
    assert pathway(facts, D(2026, 2, 1), NORM).status == PathwayStatus.NOT_ELIGIBLE
    assert pathway(facts, D(2026, 2, 1), NORM, keep).status == PathwayStatus.ELIGIBLE


def test_a_holder_sees_the_expiry_and_cannot_extend() -> None:
    facts = integrated(statuses=[duldung(D(2016, 1, 1), D(2024, 2, 29)), permit(D(2024, 3, 1), norm=NORM)])
    result = pathway(facts, ON, NORM)
    assert result.status == PathwayStatus.NOT_ELIGIBLE
    assert {(d.key, d.on) for d in result.deadlines} >= {("title_104c_expires", D(2025, 8, 31))}
    assert "nicht verlängerbar" in next(p for p in result.prerequisites if p.key == "tolerated").detail_de


def test_family_members_need_no_five_years() -> None:
    facts = integrated(statuses=[duldung(D(2021, 1, 1))], family_member_of_104c_applicant=yes())
    assert prereq(facts, ON, NORM, "stay_on_cut_off").status == Status.MET


@pytest.mark.parametrize(
    ("deceptions_prevented", "expected"),
    [pytest.param(1, Status.MET, id="once"), pytest.param(2, Status.NOT_MET, id="repeated")],
)
def test_repeated_deception(deceptions_prevented: int, expected: Status) -> None:
    found = [
        Deception(established_on=D(2019, 1, i + 1), kind="deception", own=True, prevented_deportation=True)
        for i in range(deceptions_prevented)
    ]
    assert (
        prereq(
            integrated(statuses=[duldung(D(2016, 1, 1))], deceptions=found), ON, NORM, "no_repeated_deception"
        ).status
        == expected
    )


def test_waivers_are_listed_and_convictions_checked() -> None:
    result = pathway(
        integrated(statuses=[duldung(D(2016, 1, 1))], convictions=[fine(51)], passport_present=None), ON, NORM
    )
    assert result.status == PathwayStatus.NOT_ELIGIBLE
    assert any("Passpflicht" in n for n in result.notes_de)
    assert "passport" not in {p.key for p in result.prerequisites}
