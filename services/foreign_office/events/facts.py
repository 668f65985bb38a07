"""The facts the foreign office's decisions turn on: the asylum procedure, identity,
employment and the obstacles to departure (each published as an assessment, grounds excluded)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.foreign_office.events.file import FileEvent


class AsylumPermissionRecorded(FileEvent):
    """The stay was permitted for the asylum procedure (Aufenthaltsgestattung)."""

    valid_from: date
    valid_until: date | None
    corrects: UUID | None


class AsylumDecisionRecorded(FileEvent):
    """The outcome of the asylum procedure."""

    decided_on: date
    outcome: str
    corrects: UUID | None


class IdentityAssessed(FileEvent):
    """Identity, nationality and passport as assessed on a day (None: not assessed)."""

    assessed_on: date
    identity_clarified: bool | None
    nationality_clarified: bool | None
    passport_present: bool | None
    corrects: UUID | None


class EmploymentBanAssessed(FileEvent):
    """Whether employment is banned (§ 60a Abs. 6); the ground stays here."""

    assessed_on: date
    banned: bool
    ground: str | None
    corrects: UUID | None


class EmploymentAgencyConsentRecorded(FileEvent):
    """The Federal Employment Agency's answer (its reference stays here)."""

    answered_on: date
    consented: bool
    reference: str | None
    corrects: UUID | None


class DepartureObstacleAssessed(FileEvent):
    """Whether departure is impossible, and whether the obstacle lasts (§ 25 Abs. 5)."""

    assessed_on: date
    departure_impossible: bool | None
    obstacle_lasting: bool | None
    corrects: UUID | None
