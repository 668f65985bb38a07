"""Requests and answers of the foreign office API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Code
from shared.events.catalogue import Norm


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    expected_version: int | None = Field(
        None, ge=0, description="Optimistic concurrency: the file version the caller last saw (0: no file yet)."
    )


class IssueToleratedStay(Command):
    """Issue a Duldung (§ 60a/60b/60c/60d AufenthG)."""

    subtype: Literal["60a", "60b", "60c", "60d"]
    ground_code: Code
    valid_from: date
    valid_until: date
    work_permitted: bool
    residence_condition: bool
    remarks: str | None = Field(None, max_length=2000, description="Internal; never leaves the foreign office.")


class ClarifyIdentity(Command):
    """Record that the identity is clarified."""

    clarified_on: date
    method: Literal["passport", "id_card", "other_document", "substitute_evidence"]
    document_ref: str | None = Field(None, max_length=200, description="Internal file reference.")


class GrantResidencePermit(Command):
    """Grant a residence permit under a norm."""

    norm: Norm
    granted_on: date
    valid_from: date
    valid_until: date
    employment_permitted: bool
    conditions: str | None = Field(None, max_length=2000, description="Internal; never leaves the foreign office.")


class ResidenceFilePublic(BaseModel):
    """The foreign office's own record of a case."""

    case_id: str
    version: int
    tolerated_stays: list[dict[str, object]]
    identity_clarified_on: date | None
    permits: list[dict[str, object]]
