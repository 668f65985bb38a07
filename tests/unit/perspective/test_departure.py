"""Departure: where a person obliged to leave stands and which deadlines matter — nothing secret."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.perspective import CaseFacts, Departure, DepartureObligation, PathwayStatus, evaluate
from tests.unit.perspective.factories import D, deadlines, duldung, failing, gestattung, pathway, permit
from tests.unit.perspective.personas import obliged

NORM = "AufenthG_50"
ON = D(2025, 6, 1)
ELIGIBLE, NOT_ELIGIBLE, OPEN = PathwayStatus.ELIGIBLE, PathwayStatus.NOT_ELIGIBLE, PathwayStatus.OPEN


@pytest.mark.parametrize(
    ("overrides", "status", "failing_keys"),
    [
        # Tolerated: removal suspended, the obligation stays (§ 60a Abs. 3).
        pytest.param({}, ELIGIBLE, set(), id="tolerated-and-obliged"),
        # No obligation while a title, a Fiktion or a Gestattung is held (§ 50 Abs. 1; § 55 AsylG).
        pytest.param({"statuses": [permit(D(2024, 1, 1))]}, NOT_ELIGIBLE, {"no_right_to_stay"}, id="title"),
        pytest.param({"statuses": [gestattung(D(2024, 1, 1))]}, NOT_ELIGIBLE, {"no_right_to_stay"}, id="gestattung"),
        # Not (any more) enforceable.
        pytest.param(
            {"departure_obligations": [DepartureObligation(enforceable_since=D(2025, 1, 1), ended_on=ON)]},
            NOT_ELIGIBLE,
            {"enforceable"},
            id="obligation-ended",
        ),
        pytest.param({"departure_obligations": None}, OPEN, {"enforceable"}, id="obligation-unknown"),
        # Departure after the last entry ends it; one before a new entry does not.
        pytest.param(
            {"departures": [Departure(departed_on=D(2025, 5, 1), kind="voluntary")], "entry_on": D(2015, 6, 1)},
            NOT_ELIGIBLE,
            {"not_departed"},
            id="departed",
        ),
        pytest.param(
            {"departures": [Departure(departed_on=D(2014, 5, 1))], "entry_on": D(2015, 6, 1)},
            ELIGIBLE,
            set(),
            id="departed-and-returned",
        ),
    ],
)
def test_where_the_person_stands(overrides: dict[str, Any], status: PathwayStatus, failing_keys: set[str]) -> None:
    result = pathway(obliged(**overrides), ON, NORM)
    assert (result.status, failing(result)) == (status, failing_keys)


@pytest.mark.parametrize(
    ("deadline", "shown"),
    [
        # The departure deadline while it runs, the last day included (§ 50 Abs. 2, § 59 Abs. 1).
        pytest.param(ON, True, id="last-day"),
        pytest.param(D(2025, 5, 31), False, id="passed"),
    ],
)
def test_the_departure_deadline(deadline: Any, shown: bool) -> None:
    obligation = DepartureObligation(enforceable_since=D(2025, 5, 1), departure_deadline=deadline)
    result = pathway(obliged(statuses=[], departure_obligations=[obligation]), ON, NORM)
    assert result.status == ELIGIBLE
    assert (("departure_deadline", deadline) in deadlines(result)) == shown


def test_the_duldung_expiry_is_a_deadline_and_no_application_is_assumed() -> None:
    result = pathway(obliged(), ON, NORM)
    assert ("duldung_expires", D(2025, 12, 31)) in deadlines(result)
    assert not any("Kein Antrag erfasst" in n for n in result.notes_de)


def _names(schema: Any) -> set[str]:
    """Every property name in a JSON schema, nested definitions included."""
    if isinstance(schema, dict):
        found = set(schema.get("properties", {}))
        return found | {name for value in schema.values() for name in _names(value)}
    if isinstance(schema, list):
        return {name for value in schema for name in _names(value)}
    return set()


def test_no_removal_date_or_route_is_a_fact_or_a_result() -> None:
    # Removal dates and routes never leave the foreign office (docs/domain.md § 3 row 26).
    names = _names(CaseFacts.model_json_schema())
    secret = re.compile(r"removal|deport|abschieb|scheduled|route", re.IGNORECASE)
    # Only yes/no findings the rules need (§ 60c Abs. 2 Nr. 5; deception that prevented removal).
    assert {n for n in names if secret.search(n)} == {"concrete_removal_measures", "prevented_deportation"}
    body = evaluate(obliged(statuses=[duldung(D(2025, 2, 1))]), ON).model_dump_json()
    assert not re.search(r'"(removal|deportation)_(date|on|route)"', body)
