"""Events published by the foreign office about the facts its decisions turn on: the asylum
procedure, identity, employment and the obstacles to departure.

Each is an assessment with explicit answers, so that a recorded "no" is known as such and
is never confused with nothing recorded. Grounds, findings and references stay with the
foreign office; what it assesses internally (declarations, security, removal measures,
the integration prognosis, family members' permits) has no integration event at all.
"""

from __future__ import annotations

from datetime import date

from shared.events.base import IntegrationEvent
from shared.events.foreign_office import ForeignOfficeEvent
from shared.events.vocabulary_facts import AsylumOutcome


class AsylumPermissionRecorded(ForeignOfficeEvent):
    """The person's stay was permitted for the asylum procedure (Aufenthaltsgestattung, § 55 AsylG)."""

    valid_from: date
    valid_until: date | None = None
    """Last day of the procedure; None while it runs."""

    def valid_on(self) -> date:
        return self.valid_from


class AsylumDecisionRecorded(ForeignOfficeEvent):
    """The outcome of the asylum procedure."""

    decided_on: date
    outcome: AsylumOutcome

    def valid_on(self) -> date:
        return self.decided_on


class IdentityAssessed(ForeignOfficeEvent):
    """Whether identity and nationality are clarified and a passport is held, as assessed on a day
    (None: not assessed this time)."""

    assessed_on: date
    identity_clarified: bool | None = None
    nationality_clarified: bool | None = None
    passport_present: bool | None = None

    def valid_on(self) -> date:
        return self.assessed_on


class EmploymentBanAssessed(ForeignOfficeEvent):
    """Whether employment is banned under § 60a Abs. 6 AufenthG (the ground stays with the foreign office)."""

    assessed_on: date
    banned: bool

    def valid_on(self) -> date:
        return self.assessed_on


class EmploymentAgencyConsentRecorded(ForeignOfficeEvent):
    """The Federal Employment Agency's answer to the request for its consent (§ 39 AufenthG)."""

    answered_on: date
    consented: bool

    def valid_on(self) -> date:
        return self.answered_on


class DepartureObstacleAssessed(ForeignOfficeEvent):
    """Whether departure is impossible in fact or law, and whether the obstacle lasts (§ 25 Abs. 5 AufenthG)."""

    assessed_on: date
    departure_impossible: bool | None = None
    obstacle_lasting: bool | None = None

    def valid_on(self) -> date:
        return self.assessed_on


FOREIGN_OFFICE_FACT_EVENTS: tuple[type[IntegrationEvent], ...] = (
    AsylumPermissionRecorded,
    AsylumDecisionRecorded,
    IdentityAssessed,
    EmploymentBanAssessed,
    EmploymentAgencyConsentRecorded,
    DepartureObstacleAssessed,
)
