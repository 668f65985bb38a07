"""Kobiz's answers over HTTP (besides the shared command and case-history answers)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field


class CounsellingFilePublic(BaseModel):
    """Kobiz's own counselling file, with the notes (Kobiz staff only)."""

    file_id: UUID
    version: int
    kim_case_id: UUID | None = Field(description="The KIM case the file belongs to (None: counselling outside KIM).")
    opened_on: date | None
    sessions: list[dict[str, object]]
    certificates: list[dict[str, object]]
