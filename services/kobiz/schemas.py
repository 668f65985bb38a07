"""Kobiz's answers over HTTP (besides the shared command and case-history answers)."""

from __future__ import annotations

from pydantic import BaseModel


class CounsellingFilePublic(BaseModel):
    """Kobiz's own record of a case, with the notes (Kobiz staff only)."""

    case_id: str
    version: int
    sessions: list[dict[str, object]]
    certificates: list[dict[str, object]]
