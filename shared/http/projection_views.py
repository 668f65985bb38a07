"""Operator routes on this service's projection: its state, the skipped records, the consent holds.

The dead letters themselves are listed by ``GET /<service>/projection/dead-letters``
(:mod:`shared.http.case_views`); replaying and resolving them is ``kim dead-letters``.
Nothing here carries personal data: positions on Kafka, type names, reasons, counts and
case ids (random).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shared.http.access import AUTHENTICATED, operations_only
from shared.http.deps import StoreDep
from shared.http.errors import LIST_RESPONSES
from shared.service import Service


class ConsentHoldPublic(BaseModel):
    """Consent unresolved: open dead letters on intake's topic hold this case's consents."""

    case_id: UUID | None = Field(description="The case; null: every case (a dead letter whose key names none).")
    dead_letters: list[int] = Field(description="The open dead letters that hold it; replay or resolve them.")


class DeadLetterCounts(BaseModel):
    total: int
    open: int
    foreign_source: int = Field(description="Rejected: the CloudEvents source did not own the topic.")


class ProjectionStatusPublic(BaseModel):
    """What an operator needs to know about this service's projection."""

    service: Service
    timeline: int = Field(description="Events held.")
    cases: int
    withheld: int = Field(description="Events held as a pointer only, until a consent covers them.")
    dead_letters: DeadLetterCounts
    skipped: int = Field(description="Unreadable records of types this service may never hold (not parked).")
    consent_holds: list[ConsentHoldPublic]


class SkippedPublic(BaseModel):
    """An unreadable record of a type this service may never hold: noted, not parked."""

    topic: str
    partition: int
    offset: int
    type: str
    reason: str
    skipped_at: datetime | None


OPERATIONS = {"x-kim-access": {"kind": "operations"}}
"""The routes' entry in the access table: operators only."""


def projection_router(service: Service) -> APIRouter:
    """Operator routes on this service's projection."""
    router = APIRouter(prefix=f"/{service.slug}/projection", tags=[f"{service.slug} projection"])

    @router.get(
        "/status",
        summary="Zustand der Projektion",
        responses=AUTHENTICATED | LIST_RESPONSES,
        dependencies=[operations_only()],
        openapi_extra=OPERATIONS,
    )
    def status(store: StoreDep) -> ProjectionStatusPublic:
        """Counts, open dead letters by cause, skipped records, and the cases whose consents are unresolved."""
        counts = store.counts()
        holding: dict[UUID | None, list[int]] = {}
        for letter in store.holding():
            holding.setdefault(letter.case_id, []).append(letter.id)
        return ProjectionStatusPublic(
            service=service,
            timeline=counts["timeline"],
            cases=counts["cases"],
            withheld=counts["withheld"],
            dead_letters=DeadLetterCounts(
                total=counts["dead_letters"], open=counts["dead_letters_open"], foreign_source=counts["foreign_source"]
            ),
            skipped=counts["skipped"],
            consent_holds=[
                ConsentHoldPublic(case_id=case_id, dead_letters=sorted(ids))
                for case_id, ids in sorted(holding.items(), key=lambda h: str(h[0] or ""))
            ],
        )

    @router.get(
        "/skipped",
        summary="Übersprungene Nachrichten",
        responses=AUTHENTICATED | LIST_RESPONSES,
        dependencies=[operations_only()],
        openapi_extra=OPERATIONS,
    )
    def skipped(store: StoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[SkippedPublic]:
        """Unreadable records of types this service may never hold, newest first."""
        return [SkippedPublic(**s.__dict__) for s in store.skipped(limit)]

    return router
