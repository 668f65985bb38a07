"""Kobiz's answers over HTTP (besides the shared command and case-history answers)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from shared.access import FieldGroup


class CounsellingFilePublic(BaseModel):
    """Kobiz's own counselling file, with the notes (Kobiz staff only)."""

    file_id: UUID
    version: int
    kim_case_id: UUID | None = Field(description="The KIM case the file belongs to (None: counselling outside KIM).")
    opened_on: date | None
    sessions: list[dict[str, object]] | None = Field(description="None: the caller may not read counselling notes.")
    certificates: list[dict[str, object]] | None


F = FieldGroup
SECTIONS: dict[str, FieldGroup] = {
    **dict.fromkeys(("kim_case_id", "opened_on"), F.CASE_MANAGEMENT),
    "sessions": F.COUNSELLING,
    "certificates": F.INTEGRATION,
}
"""Each field of the file → the field group it shows."""
