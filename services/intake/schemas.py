"""Intake's answers over HTTP (besides the shared command and case-history answers)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel


class IntakeCasePublic(BaseModel):
    """Intake's own record of a case (personal data: only for intake staff)."""

    case_id: UUID
    version: int
    status: str
    person_id: UUID
    family_name: str
    given_names: str
    birth_date: date
    registered_on: date
    languages: list[str]
    claimed_nationalities: list[str]
    opened_on: date | None
    closed_on: date | None
    case_manager_id: str | None
    consents: list[dict[str, object]]
