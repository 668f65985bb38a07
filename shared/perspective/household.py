"""The people a person lives with, as intake and the foreign office record them.

A household member is described from the person's side (``relation`` is what the
member is *to the person*: the person's spouse, child, parent, sibling), with a birth
date, the days of living together and, as the foreign office records it, the member's
own applications and permits. Every part may be unknown (None); a member's permits
``[]`` means the foreign office knows of none.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from shared.perspective.dates import age_on
from shared.perspective.norms import NormCode
from shared.perspective.records import FactModel

ADULT_AGE = 18  # § 2 BGB: majority with the completed 18th year
Standing = Literal["holds", "applied", "neither"]


class Relation(StrEnum):
    """What a household member is to the person."""

    SPOUSE = "spouse"
    REGISTERED_PARTNER = "registered_partner"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER = "other"


RELATION_DE = {
    Relation.SPOUSE: "Ehegatte/Ehegattin",
    Relation.REGISTERED_PARTNER: "eingetragene/r Lebenspartner/in",
    Relation.CHILD: "Kind",
    Relation.PARENT: "Elternteil",
    Relation.SIBLING: "Geschwisterkind",
    Relation.OTHER: "sonstige/r Angehörige/r",
}


class PermitState(StrEnum):
    """Where a member's application or permit stands."""

    APPLIED = "applied"
    GRANTED = "granted"
    REFUSED = "refused"


class MemberPermit(FactModel):
    """A household member's application or permit for one norm (foreign office data).

    Norm codes name the subsection where it matters: ``AufenthG_104c`` is § 104c Abs. 1
    (``AufenthG_104c_2`` the family title of Abs. 2), ``AufenthG_25a`` is § 25a Abs. 1.
    """

    norm: NormCode = Field(description="Norm of the application or permit.")
    state: PermitState = Field(description="Applied, granted or refused.")
    since: date = Field(description="Date of the application, grant or refusal (valid time).")
    valid_until: date | None = Field(default=None, description="Last day a granted permit is valid; None = open.")

    def held_on(self, day: date) -> bool:
        """Whether this is a grant in force on `day`."""
        granted = self.state is PermitState.GRANTED and self.since <= day
        return granted and (self.valid_until is None or day <= self.valid_until)


class HouseholdMember(FactModel):
    """One person living (or having lived) in the person's household."""

    relation: Relation = Field(description="What the member is to the person (the person's spouse, child, ...).")
    member_ref: str | None = Field(
        default=None,
        description="Pseudonymous id of the member's own record, to join what intake and the foreign office "
        "record about the same member; the rules do not read it.",
    )
    birth_date: date | None = Field(default=None, description="The member's date of birth.")
    household_since: date | None = Field(
        default=None, description="First day of living together; None = since a date not recorded."
    )
    household_until: date | None = Field(default=None, description="Last day of living together; None = still.")
    permits: list[MemberPermit] | None = Field(
        default=None, description="The member's applications and permits as the foreign office records them."
    )

    @model_validator(mode="after")
    def _check(self) -> HouseholdMember:
        if self.household_since and self.household_until and self.household_until < self.household_since:
            raise ValueError("household_until must not be before household_since")
        return self

    def lives_with_on(self, day: date) -> bool:
        """Whether the member lives in the household on `day`."""
        started = self.household_since is None or self.household_since <= day
        return started and (self.household_until is None or day <= self.household_until)

    def minor_on(self, day: date) -> bool | None:
        """Whether the member is under 18 on `day` (None without a birth date)."""
        return minor(self.birth_date, day)

    def standing(self, norm: str, day: date) -> Standing | None:
        """The member's standing for `norm` on `day`; None if the member's permits are unknown."""
        if self.permits is None:
            return None
        if any(p.norm == norm and p.held_on(day) for p in self.permits):
            return "holds"
        recorded = sorted((p for p in self.permits if p.norm == norm and p.since <= day), key=lambda p: p.since)
        # An application counts as pending until a later grant or refusal is recorded.
        return "applied" if recorded and recorded[-1].state is PermitState.APPLIED else "neither"


def minor(birth: date | None, day: date) -> bool | None:
    """Under 18 on `day` (§ 2 BGB); None without a birth date."""
    return None if birth is None else age_on(birth, day) < ADULT_AGE


__all__ = [
    "ADULT_AGE",
    "RELATION_DE",
    "Standing",
    "HouseholdMember",
    "MemberPermit",
    "PermitState",
    "Relation",
    "minor",
]
