"""§ 25 Abs. 5: departure impossible through no fault; "kann", and "soll" after 18 months of Duldung."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import CooperationDuty, Deception, DepartureObligation, PathwayStatus, Status
from tests.unit.perspective.factories import D, deadlines, duldung, duldung_light, failing, no, pathway, permit, prereq
from tests.unit.perspective.personas import stranded

NORM = "AufenthG_25_5"
ON = D(2025, 6, 1)
ELIGIBLE, NOT_ELIGIBLE, OPEN = PathwayStatus.ELIGIBLE, PathwayStatus.NOT_ELIGIBLE, PathwayStatus.OPEN


def duty(deadline: date, fulfilled: bool | None = None, on: date | None = None) -> CooperationDuty:
    return CooperationDuty(notified_on=D(2025, 1, 1), deadline=deadline, fulfilled=fulfilled, fulfilled_on=on)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        # S. 2: "soll" once removal has been suspended for 18 months, to the day ...
        pytest.param([duldung(D(2023, 12, 1))], Status.MET, id="18-months"),
        pytest.param([duldung(D(2023, 12, 2))], Status.UNKNOWN, id="one-day-short-discretion"),
        # ... before that "kann": discretion the engine leaves to the authority, never "not met".
        pytest.param([duldung(D(2025, 1, 1))], Status.UNKNOWN, id="5-months-discretion"),
        # § 60b time is not counted as suspension [V S46].
        pytest.param([duldung_light(D(2022, 1, 1))], Status.UNKNOWN, id="60b-not-counted"),
    ],
)
def test_kann_and_soll(statuses: list[Any], expected: Status) -> None:
    result = prereq(stranded(D(2020, 1, 1), statuses=statuses), ON, NORM, "grant_discretion")
    assert result.status == expected


def test_before_18_months_the_pathway_is_open_and_says_when_soll_applies() -> None:
    result = pathway(stranded(D(2025, 1, 1)), ON, NORM)
    grant = next(p for p in result.prerequisites if p.key == "grant_discretion")
    assert result.status == OPEN
    assert "Ermessen" in grant.detail_de and "01.07.2026" in grant.detail_de


@pytest.mark.parametrize(
    ("overrides", "status", "failing_keys"),
    [
        pytest.param({}, ELIGIBLE, set(), id="soll-grant"),
        # S. 1: impossible in fact or law, and not expected to end soon.
        pytest.param({"departure_impossible": no()}, NOT_ELIGIBLE, {"departure_impossible"}, id="departure-possible"),
        pytest.param({"departure_obstacle_lasting": no()}, NOT_ELIGIBLE, {"obstacle_lasting"}, id="obstacle-ends-soon"),
        # S. 3, 4: fault — own deception, or reasonable demands not met by their deadline.
        pytest.param(
            {
                "deceptions": [
                    Deception(established_on=D(2024, 1, 1), kind="deception", own=True, prevented_deportation=True)
                ]
            },
            NOT_ELIGIBLE,
            {"no_fault"},
            id="own-deception",
        ),
        pytest.param(
            {"cooperation_duties": [duty(D(2025, 3, 1), False)]}, NOT_ELIGIBLE, {"no_fault"}, id="duty-missed"
        ),
        pytest.param(
            {"cooperation_duties": [duty(D(2025, 3, 1), True, D(2025, 3, 2))]},
            NOT_ELIGIBLE,
            {"no_fault"},
            id="duty-late",
        ),
        pytest.param(
            {"cooperation_duties": [duty(D(2025, 3, 1), True, D(2025, 3, 1))]}, ELIGIBLE, set(), id="duty-met"
        ),
        # A deadline still running is no fault yet.
        pytest.param({"cooperation_duties": [duty(ON, None)]}, ELIGIBLE, set(), id="deadline-running"),
        # S. 1: enforceably obliged to leave — not with a title.
        pytest.param(
            {"statuses": [permit(D(2020, 1, 1))]}, NOT_ELIGIBLE, {"enforceably_obliged", "grant_discretion"}, id="title"
        ),
    ],
)
def test_prerequisites(overrides: dict[str, Any], status: PathwayStatus, failing_keys: set[str]) -> None:
    result = pathway(stranded(D(2020, 1, 1), **overrides), ON, NORM)
    assert (result.status, failing(result)) == (status, failing_keys)


def test_a_running_cooperation_deadline_is_shown() -> None:
    result = pathway(stranded(D(2020, 1, 1), cooperation_duties=[duty(ON)]), ON, NORM)
    assert ("cooperation_deadline", ON) in deadlines(result)


@pytest.mark.parametrize(
    ("statuses", "obligations", "expected"),
    [
        # Obliged without a Duldung: an enforceable obligation recorded by the foreign office.
        pytest.param([], [DepartureObligation(enforceable_since=D(2025, 1, 1))], Status.MET, id="recorded-obligation"),
        pytest.param([], [], Status.NOT_MET, id="no-obligation-recorded"),
        pytest.param([], None, Status.UNKNOWN, id="obligation-unknown"),
    ],
)
def test_enforceably_obliged(
    statuses: list[Any], obligations: list[DepartureObligation] | None, expected: Status
) -> None:
    facts = stranded(D(2020, 1, 1), statuses=statuses, departure_obligations=obligations)
    assert prereq(facts, ON, NORM, "enforceably_obliged").status == expected
