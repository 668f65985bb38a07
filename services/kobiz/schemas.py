"""Requests and answers of the kobiz API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Code
from shared.events.catalogue import Norm


class RecordCounselling(BaseModel):
    """Record a perspective counselling session. Notes stay inside kobiz."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    expected_version: int | None = Field(None, ge=0, description="The file version the caller last saw (0: none yet).")
    held_on: date
    counsellor_id: Code
    topic_codes: list[Code] = Field(default_factory=list, max_length=20)
    pathways_discussed: list[Norm] = Field(default_factory=list, max_length=11)
    next_step_codes: list[Code] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(None, max_length=20000, description="Confidential (§ 88 AufenthG); never published.")


class CounsellingFilePublic(BaseModel):
    """Kobiz's own record of a case, with the notes (kobiz staff only)."""

    case_id: str
    version: int
    sessions: list[dict[str, object]]
