"""§ 104c Abs. 1: five years on the cut-off 31.10.2022, § 60b counting, no new grants from 2026.

Abs. 1 is judged on the person's own periods alone; family members (Abs. 2) are their
own pathway (test_pathway_104c_family.py). The [U] gap tolerance and pending
applications at the end of 2025 are in test_assumptions.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.perspective import CaseFacts, Deception, HouseholdMember, PathwayStatus, Status
from tests.unit.perspective.factories import (
    D,
    deadlines,
    duldung,
    duldung_light,
    fine,
    gestattung,
    integrated,
    pathway,
    permit,
    prereq,
    prerequisite,
    spouse_holding_104c,
)

NORM = "AufenthG_104c"
ON = D(2024, 6, 1)
V2022, V2026 = "AufenthG_104c@2022-12-31", "AufenthG_104c@2026-01-01"
TOLERATED_SINCE_2016 = integrated(statuses=[duldung(D(2016, 1, 1))])


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # § 104c Abs. 1 S. 1: five years uninterrupted on 31.10.2022, to the day: reached the day
        # before the cut-off, on it, and (not met) the day after and two days after.
        pytest.param(integrated(statuses=[duldung(D(2017, 10, 30))]), Status.MET, id="reached-the-day-before"),
        pytest.param(integrated(statuses=[duldung(D(2017, 10, 31))]), Status.MET, id="exactly-5-years-on-cut-off"),
        pytest.param(integrated(statuses=[duldung(D(2017, 11, 1))]), Status.NOT_MET, id="one-day-short"),
        pytest.param(integrated(statuses=[duldung(D(2017, 11, 2))]), Status.NOT_MET, id="two-days-short"),
        # Geduldet, gestattet or erlaubt: a Gestattung before the Duldung counts.
        pytest.param(
            integrated(statuses=[gestattung(D(2016, 1, 1), D(2018, 3, 31)), duldung(D(2018, 4, 1))]),
            Status.MET,
            id="gestattung-then-duldung",
        ),
        # § 104c Abs. 1 S. 3: § 60b time counts [V S1].
        pytest.param(
            integrated(
                statuses=[
                    duldung(D(2016, 1, 1), D(2018, 12, 31)),
                    duldung_light(D(2019, 1, 1), D(2021, 12, 31)),
                    duldung(D(2022, 1, 1)),
                ]
            ),
            Status.MET,
            id="60b-counts",
        ),
        # "Uninterrupted": without the [U] tolerance even two weeks without a status interrupt.
        pytest.param(
            integrated(statuses=[duldung(D(2016, 1, 1), D(2019, 12, 31)), duldung(D(2020, 1, 15))]),
            Status.NOT_MET,
            id="two-week-gap-interrupts",
        ),
        pytest.param(
            integrated(statuses=[duldung(D(2016, 1, 1), D(2022, 10, 30)), duldung(D(2022, 11, 15))]),
            Status.NOT_MET,
            id="no-status-on-cut-off",
        ),
        pytest.param(integrated(statuses=None), Status.UNKNOWN, id="history-unknown"),
        # Changed on purpose: a spouse of a beneficiary no longer meets Abs. 1's stay; Abs. 2
        # waives it on its own pathway (test_pathway_104c_family.py).
        pytest.param(
            integrated(statuses=[duldung(D(2021, 1, 1))], household_members=[spouse_holding_104c()]),
            Status.NOT_MET,
            id="family-member-judged-on-own-periods",
        ),
    ],
)
def test_five_years_on_the_cut_off(facts: CaseFacts, expected: Status) -> None:
    result = prereq(facts, ON, NORM, "stay_on_cut_off")
    assert result.status == expected
    assert result.earliest_met_on is None  # a cut-off in the past cannot be reached later


@pytest.mark.parametrize("household", [None, []], ids=["household-unknown", "lives-alone"])
def test_a_late_duldung_is_not_met_whatever_is_known_about_the_family(household: list[HouseholdMember] | None) -> None:
    # Before the separation an unknown family flag turned this into "unknown".
    facts = CaseFacts(statuses=[duldung(D(2017, 11, 2))], household_members=household)
    result = prereq(facts, ON, NORM, "stay_on_cut_off")
    assert result.status == Status.NOT_MET
    assert "am Stichtag 31.10.2022 nicht erreicht" in result.detail_de


@pytest.mark.parametrize(
    ("on", "status", "version", "earliest"),
    [
        # In force 31.12.2022; no new grants from 1.1.2026 (Art. 5 ChAR-Gesetz) [V S2].
        pytest.param(D(2022, 6, 1), PathwayStatus.NOT_ELIGIBLE, None, D(2022, 12, 31), id="not-yet-in-force"),
        pytest.param(D(2022, 12, 30), PathwayStatus.NOT_ELIGIBLE, None, D(2022, 12, 31), id="day-before-in-force"),
        pytest.param(D(2022, 12, 31), PathwayStatus.ELIGIBLE, V2022, None, id="first-day"),
        pytest.param(D(2025, 12, 31), PathwayStatus.ELIGIBLE, V2022, None, id="last-day-of-new-grants"),
        pytest.param(D(2026, 1, 1), PathwayStatus.NOT_ELIGIBLE, V2026, None, id="no-new-grants-from-2026"),
    ],
)
def test_versions(on: date, status: PathwayStatus, version: str | None, earliest: date | None) -> None:
    result = pathway(TOLERATED_SINCE_2016, on, NORM)
    assert (result.status, result.rule_version_id, result.earliest_time_met_on) == (status, version, earliest)


def test_a_holder_sees_the_expiry_and_cannot_extend() -> None:
    facts = integrated(statuses=[duldung(D(2016, 1, 1), D(2024, 2, 29)), permit(D(2024, 3, 1), norm=NORM)])
    result = pathway(facts, ON, NORM)
    assert result.status == PathwayStatus.NOT_ELIGIBLE
    assert ("title_104c_expires", D(2025, 8, 31)) in deadlines(result)
    assert "nicht verlängerbar" in prerequisite(result, "tolerated").detail_de


def deceptions(count: int) -> list[Deception]:
    """`count` own deceptions that each prevented removal."""
    return [
        Deception(established_on=D(2019, 1, i + 1), kind="deception", own=True, prevented_deportation=True)
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("count", "expected"),
    # § 104c Abs. 1 S. 2: only repeated deception that prevented removal bars the grant.
    [pytest.param(1, Status.MET, id="once"), pytest.param(2, Status.NOT_MET, id="repeated")],
)
def test_repeated_deception(count: int, expected: Status) -> None:
    facts = integrated(statuses=[duldung(D(2016, 1, 1))], deceptions=deceptions(count))
    assert prereq(facts, ON, NORM, "no_repeated_deception").status == expected


def test_waivers_are_listed_and_convictions_checked() -> None:
    facts = integrated(statuses=[duldung(D(2016, 1, 1))], convictions=[fine(51)], passport_present=None)
    result = pathway(facts, ON, NORM)
    assert result.status == PathwayStatus.NOT_ELIGIBLE
    assert any("Passpflicht" in n for n in result.notes_de)
    assert "passport" not in {p.key for p in result.prerequisites}
