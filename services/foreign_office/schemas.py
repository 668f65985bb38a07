"""The foreign office's answers over HTTP (besides the shared command and case-history answers)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from shared.access import FieldGroup


class ResidenceFilePublic(BaseModel):
    """The foreign office's own file on a person, as far as the caller may read it (None: not readable or not
    recorded; a Duldung on health grounds only for whoever may read health data of the file)."""

    file_id: UUID
    version: int
    kim_case_id: UUID | None = Field(description="The KIM case the file is linked to (None: not in KIM).")
    family_name: str | None
    given_names: str | None
    birth_date: date | None
    nationalities: list[str] | None
    closed_on: date | None
    entry_on: date | None
    tolerated_stays: list[dict[str, object]] | None
    identity_clarified_on: date | None
    pending_applications: dict[str, date] | None
    permits: list[dict[str, object]] | None
    decisions: list[dict[str, object]] | None


F = FieldGroup
SECTIONS: dict[str, FieldGroup] = {
    **dict.fromkeys(("family_name", "given_names", "birth_date", "nationalities"), F.IDENTITY_CORE),
    **dict.fromkeys(("kim_case_id", "closed_on"), F.CASE_MANAGEMENT),
    **dict.fromkeys(("entry_on", "tolerated_stays", "pending_applications", "permits", "decisions"), F.STATUS),
    "identity_clarified_on": F.IDENTITY_DETAIL,
}
"""Each field of the file → the field group it shows."""
