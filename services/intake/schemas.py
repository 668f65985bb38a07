"""Intake's answers over HTTP (besides the shared command and case-history answers)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel

from shared.access import FieldGroup


class IntakeCasePublic(BaseModel):
    """Intake's own record of a case, as far as the caller may read it (None: not readable, or not recorded)."""

    case_id: UUID
    version: int
    status: str | None
    person_id: UUID | None
    family_name: str | None
    given_names: str | None
    birth_date: date | None
    registered_on: date | None
    languages: list[str] | None
    claimed_nationalities: list[str] | None
    opened_on: date | None
    closed_on: date | None
    case_manager_id: str | None
    consents: list[dict[str, object]] | None


F = FieldGroup
SECTIONS: dict[str, FieldGroup] = {
    **dict.fromkeys(
        (
            "person_id",
            "family_name",
            "given_names",
            "birth_date",
            "registered_on",
            "languages",
            "claimed_nationalities",
        ),
        F.IDENTITY_CORE,
    ),
    **dict.fromkeys(("status", "opened_on", "closed_on", "case_manager_id"), F.CASE_MANAGEMENT),
    "consents": F.CONSENT,
}
"""Each field of the record → the field group it shows."""
