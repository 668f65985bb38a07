"""Duties the foreign office sets: to cooperate, to leave; and recorded departures.

Nothing here is secret: the engine never sees a removal date or route (docs/domain.md
§ 3 row 26 never leaves the foreign office). An enforceable obligation to leave, its
departure deadline and a departure that happened are ordinary case facts (rows 17, 25,
27).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from shared.perspective.records import FactModel


class CooperationDuty(FactModel):
    """Concrete acts the foreign office required, with a deadline (§ 82 Abs. 1, § 60b Abs. 3).

    These are the "zumutbare Anforderungen zur Beseitigung der Ausreisehindernisse"
    of § 25 Abs. 5 S. 4 AufenthG; the notice names the acts and the deadline [V S46].
    """

    notified_on: date = Field(description="Date the duty was notified (Belehrung).")
    deadline: date = Field(description="Last day to perform the required acts.")
    fulfilled: bool | None = Field(default=None, description="The acts were performed; None = not recorded.")
    fulfilled_on: date | None = Field(default=None, description="Date the acts were performed, if recorded.")

    def failed_by(self, day: date) -> bool | None:
        """Whether the duty was not met in time, judged on `day` (None if not recorded)."""
        if self.deadline >= day:
            return False  # the deadline is still running
        if self.fulfilled is None:
            return None
        late = self.fulfilled_on is not None and self.fulfilled_on > self.deadline
        return not self.fulfilled or late


class DepartureObligation(FactModel):
    """An enforceable obligation to leave (§ 50 Abs. 1, § 58 Abs. 2 AufenthG)."""

    enforceable_since: date = Field(description="First day the obligation to leave is enforceable.")
    departure_deadline: date | None = Field(
        default=None, description="Last day to leave voluntarily (§ 50 Abs. 2, § 59 Abs. 1); None = none set."
    )
    ended_on: date | None = Field(
        default=None, description="First day it no longer applies (title granted, suspensive effect, departure)."
    )

    @model_validator(mode="after")
    def _check(self) -> DepartureObligation:
        if self.ended_on is not None and self.ended_on <= self.enforceable_since:
            raise ValueError("ended_on must be after enforceable_since")
        return self

    def active_on(self, day: date) -> bool:
        """Whether the obligation is enforceable on `day`."""
        return self.enforceable_since <= day and (self.ended_on is None or day < self.ended_on)


class Departure(FactModel):
    """A departure that happened (docs/domain.md § 3 row 27); never a planned one."""

    departed_on: date = Field(description="Date the person left Germany.")
    kind: Literal["voluntary", "assisted", "deported"] | None = Field(
        default=None, description="Voluntary, assisted (return programme) or removal; None = not recorded."
    )


__all__ = ["CooperationDuty", "Departure", "DepartureObligation"]
