"""How intake's facts are recorded: the household (minor children with their birth dates, with the
foreign office's records of the members' permits) and the marital status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from tests.support.recording import FOREIGN_OFFICE, INTAKE, Context, Step, iso, norm_of, since


def member_ref(index: int, ref: str | None) -> str:
    """The member's reference: the setting's, or one of its own per member."""
    return ref or str(uuid5(NAMESPACE_URL, f"urn:kim:test:household-member:{index}"))


def household(values: dict[str, Any], ctx: Context) -> list[Step]:
    """Household members (with the foreign office's records of their permits), or a household with or
    without a minor child where only that is set."""
    members: list[Any] | None = values.get("household_members")
    minor: Any = values.get("minor_child_in_household")
    recorded = ctx.on - timedelta(days=30)
    if members is None:
        born = ctx.on - timedelta(days=5 * 365)
        child = {"member_ref": member_ref(0, None), "relation": "child", "birth_date": born.isoformat()}
        listed = [child | {"living_together_since": born.isoformat()}] if minor.value else []
        return [Step(INTAKE, "record_household", {"recorded_on": recorded.isoformat(), "members": listed})]
    steps = [Step(INTAKE, "record_household", {"recorded_on": recorded.isoformat(), "members": []})]
    for i, m in enumerate(members):
        ref = member_ref(i, m.member_ref)
        steps[0].body["members"].append(
            {
                "member_ref": ref,
                "relation": m.relation.value,
                "birth_date": iso(m.birth_date),
                "living_together_since": iso(m.household_since),
                "living_together_until": iso(m.household_until),
            }
        )
        if m.permits is not None:
            permits = [
                {
                    "norm": norm_of("household_members", m, p.norm),
                    "state": p.state.value,
                    "since": p.since.isoformat(),
                    "valid_until": iso(p.valid_until),
                }
                for p in m.permits
            ]
            steps.append(
                Step(
                    FOREIGN_OFFICE,
                    "record_family_member_status",
                    {"recorded_on": recorded.isoformat(), "member_ref": ref, "permits": permits},
                )
            )
    return steps


def unmarried(value: Any, ctx: Context) -> list[Step]:
    status = "single" if value.value else "married"
    return [Step(INTAKE, "record_marital_status", {"recorded_on": since(value), "status": status})]
