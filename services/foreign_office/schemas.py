"""The foreign office's answers over HTTP (besides the shared command and case-history answers)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class ResidenceFilePublic(BaseModel):
    """The foreign office's own record of a case."""

    case_id: str
    version: int
    tolerated_stays: list[dict[str, object]]
    identity_clarified_on: date | None
    pending_applications: dict[str, date]
    permits: list[dict[str, object]]
    decisions: list[dict[str, object]]
