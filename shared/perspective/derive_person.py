"""Facts intake records of the person: the date of birth, the household and the marital status."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.perspective.derive_common import Held, answers, day, last_by, latest
from shared.perspective.facts import Flag, HouseholdMember, Relation
from shared.perspective.household import minor

UNMARRIED = frozenset({"single", "divorced", "widowed", "partnership_ended"})
"""Marital statuses that are neither a marriage nor a registered partnership (MaritalStatus.unmarried)."""


def person_facts(held: Held) -> dict[str, Any]:
    """Intake's facts of one person, from what is held of its records."""
    facts: dict[str, Any] = {}
    if person := held("PersonRegistered"):
        facts["birth_date"] = day(person[-1]["birth_date"]) if person[-1].get("birth_date") else None
    if household := last_by(held("HouseholdRecorded"), "recorded_on"):
        members = [_member(m) for m in household["members"]]
        facts["household_members"] = members
        facts["minor_child_in_household"] = minor_child(members, day(household["recorded_on"]))
    statuses = [s | {"unmarried": s["status"] in UNMARRIED} for s in held("MaritalStatusRecorded")]
    if unmarried := latest(answers(statuses, "unmarried", "recorded_on")):
        facts["unmarried"] = unmarried
    return facts


def _member(m: dict[str, Any]) -> HouseholdMember:
    return HouseholdMember(
        relation=Relation(m["relation"]),
        member_ref=str(m["member_ref"]),
        birth_date=day(m["birth_date"]) if m.get("birth_date") else None,
        household_since=day(m["living_together_since"]) if m.get("living_together_since") else None,
        household_until=day(m["living_together_until"]) if m.get("living_together_until") else None,
    )


def minor_child(members: list[HouseholdMember], on: date) -> Flag | None:
    """Whether a minor child lived in the household on the day it was recorded; true from the day the
    child was born or moved in (None if a child's birth date is missing and no other child decides it)."""
    children = [m for m in members if m.relation is Relation.CHILD and m.lives_with_on(on)]
    minors = [m for m in children if minor(m.birth_date, on)]
    if minors:
        since = min(max(d for d in (m.birth_date, m.household_since) if d is not None) for m in minors)
        return Flag(value=True, since=since)
    if any(m.birth_date is None for m in children):
        return None
    return Flag(value=False)
