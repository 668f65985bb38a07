"""§ 16g: the training residence permit from 1.3.2024, next to the Ausbildungsduldung (§ 60c).

The [U] identity deadlines and conviction threshold are switched in test_assumptions.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import Livelihood, PathwayStatus, Status
from tests.unit.perspective.factories import D, applied, duldung, failing, fine, no, pathway, prereq, yes
from tests.unit.perspective.personas import trainee, training

NORM, NORM_60C = "AufenthG_16g", "AufenthG_60c"
ON = D(2025, 6, 1)
ELIGIBLE, NOT_ELIGIBLE = PathwayStatus.ELIGIBLE, PathwayStatus.NOT_ELIGIBLE


def apprentice(**overrides: Any) -> Any:
    """Tolerated since 2024, qualified training from 1.8.2025, passport and BAföG-level means."""
    return trainee(D(2021, 3, 1), D(2024, 1, 1), D(2025, 8, 1), **overrides)


@pytest.mark.parametrize(
    ("on", "status", "version"),
    [
        # In force from 1.3.2024 (FEG 2.0); before that only § 60c.
        pytest.param(D(2024, 2, 29), NOT_ELIGIBLE, None, id="day-before"),
        pytest.param(D(2024, 3, 1), ELIGIBLE, "AufenthG_16g@2024-03-01", id="first-day"),
    ],
)
def test_in_force_from_1_march_2024(on: date, status: PathwayStatus, version: str | None) -> None:
    facts = apprentice(statuses=[duldung(D(2023, 1, 1))], training=training(D(2024, 8, 1), contract_on=D(2024, 1, 15)))
    result = pathway(facts, on, NORM)
    assert (result.status, result.rule_version_id) == (status, version)


@pytest.mark.parametrize(
    ("overrides", "failing_16g", "status_60c"),
    [
        pytest.param({}, set(), ELIGIBLE, id="both-routes-open"),
        # § 16g needs what the Duldung does not: a passport and the livelihood (Stadt Frankfurt).
        pytest.param({"passport_present": no()}, {"passport"}, ELIGIBLE, id="no-passport"),
        pytest.param(
            {"livelihood": Livelihood(assessed_on=D(2025, 1, 1), coverage_ratio=0.5)},
            {"livelihood_secured"},
            ELIGIBLE,
            id="livelihood-short",
        ),
        # Shared exclusions (§ 16g Abs. 2 Nr. 1; § 60c Abs. 2 Nr. 1).
        pytest.param({"employment_ban": yes()}, {"no_employment_ban"}, NOT_ELIGIBLE, id="employment-ban"),
        pytest.param({"convictions": [fine(51)]}, {"convictions"}, NOT_ELIGIBLE, id="conviction"),
    ],
)
def test_16g_next_to_60c(overrides: dict[str, Any], failing_16g: set[str], status_60c: PathwayStatus) -> None:
    facts = apprentice(**overrides)
    result = pathway(facts, ON, NORM)
    assert (failing(result), pathway(facts, ON, NORM_60C).status) == (failing_16g, status_60c)


@pytest.mark.parametrize(
    ("tolerated_since", "applied_on", "gestattung", "expected"),
    [
        # § 16g Abs. 2 Nr. 2: three months of Duldung *at the application* ...
        pytest.param(D(2025, 2, 1), D(2025, 5, 1), False, Status.MET, id="3-months-at-application"),
        pytest.param(D(2025, 3, 1), D(2025, 5, 31), False, Status.NOT_MET, id="one-day-short-at-application"),
        # ... three months at the decision are not enough when the application came earlier ...
        pytest.param(D(2025, 3, 1), D(2025, 5, 1), False, Status.NOT_MET, id="3-months-only-at-decision"),
        # ... and none are needed when the training began as an asylum seeker (Abs. 1 S. 1 Nr. 1).
        pytest.param(D(2025, 5, 1), D(2025, 5, 1), True, Status.MET, id="began-as-asylum-seeker"),
    ],
)
def test_three_months_at_the_application(
    tolerated_since: date, applied_on: date, gestattung: bool, expected: Status
) -> None:
    contract = training(D(2025, 8, 1), contract_on=D(2025, 1, 1), started_under_gestattung=gestattung)
    facts = apprentice(statuses=[duldung(tolerated_since)], training=contract, applications=[applied(NORM, applied_on)])
    assert prereq(facts, ON, NORM, "tolerated_3_months").status == expected


def test_the_same_three_months_count_at_the_decision_under_60c() -> None:
    facts = apprentice(statuses=[duldung(D(2025, 3, 1))], applications=[applied(NORM, D(2025, 5, 1))])
    assert prereq(facts, ON, NORM_60C, "tolerated_3_months").status == Status.MET


@pytest.mark.parametrize(
    ("qualified", "helper", "offer", "expected"),
    [
        # Abs. 1 S. 1 Nr. 1: qualified training, or helper training with a shortage-occupation commitment.
        pytest.param(True, None, None, Status.MET, id="qualified"),
        pytest.param(False, True, True, Status.MET, id="helper-with-commitment"),
        pytest.param(False, True, False, Status.NOT_MET, id="helper-without-commitment"),
    ],
)
def test_training_kind(qualified: bool, helper: bool | None, offer: bool | None, expected: Status) -> None:
    contract = training(D(2025, 8, 1), qualified=qualified, helper_training=helper, shortage_occupation_offer=offer)
    assert prereq(apprentice(training=contract), ON, NORM, "training_kind").status == expected


def test_tolerated_now() -> None:
    assert prereq(apprentice(statuses=[]), ON, NORM, "tolerated").status == Status.NOT_MET


def test_abuse_is_a_note_not_a_prerequisite() -> None:
    result = pathway(apprentice(), ON, NORM)
    assert result.status == ELIGIBLE
    assert any("Missbrauch" in note for note in result.notes_de)
