"""The foreign office's answers over HTTP (besides the shared command and case-history answers)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field


class ResidenceFilePublic(BaseModel):
    """The foreign office's own file on a person (foreign-office staff only)."""

    file_id: UUID
    version: int
    kim_case_id: UUID | None = Field(description="The KIM case the file is linked to (None: not in KIM).")
    family_name: str | None
    given_names: str | None
    birth_date: date | None
    nationalities: list[str]
    closed_on: date | None
    entry_on: date | None
    tolerated_stays: list[dict[str, object]]
    identity_clarified_on: date | None
    pending_applications: dict[str, date]
    permits: list[dict[str, object]]
    decisions: list[dict[str, object]]
