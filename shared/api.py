"""HTTP pieces every service shares: errors, health, and the case-history view."""


import threading
import time
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, Field

from shared.application import Saved
from shared.errors import (
    CaseNotFoundError,
    ConcurrentModificationError,
    DomainRuleViolationError,
    KimError,
    ServiceUnavailableError,
)
from shared.projection.store import CaseHistoryStore
from shared.settings import Service

ERROR_STATUS: dict[type[KimError], tuple[int, str]] = {
    CaseNotFoundError: (404, "Der Fall ist dieser Stelle nicht bekannt."),
    ConcurrentModificationError: (409, "Der Fall wurde zwischenzeitlich geändert. Bitte neu laden."),
    DomainRuleViolationError: (409, "Die Aktion ist im aktuellen Stand des Falls nicht zulässig."),
    ServiceUnavailableError: (503, "Der Dienst ist vorübergehend ausgelastet. Bitte erneut versuchen."),
}


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to HTTP answers; validation errors stay FastAPI's 422."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        for cls, (status, message) in ERROR_STATUS.items():
            if isinstance(exc, cls):
                detail = str(exc) if isinstance(exc, DomainRuleViolationError) and str(exc) else message
                headers = {"Retry-After": "1"} if status == 503 else None
                return JSONResponse({"detail": detail, "error": type(exc).__name__}, status, headers=headers)
        return JSONResponse({"detail": "Interner Fehler."}, 500)

    for cls in ERROR_STATUS:
        app.add_exception_handler(cls, handle)

    async def unavailable(_request: Request, exc: Exception) -> JSONResponse:
        # The database is down or saturated: nothing was half-written (one
        # transaction per command), and the caller may retry.
        return JSONResponse(
            {"detail": ERROR_STATUS[ServiceUnavailableError][1], "error": type(exc).__name__},
            503,
            headers={"Retry-After": "1"},
        )

    for infra_error in (psycopg.OperationalError, PoolTimeout, PersistenceError):
        app.add_exception_handler(infra_error, unavailable)


class PositionPublic(BaseModel):
    """Where the stored event sits; pass it as ``after`` to read your own write."""

    service: Service
    notification_id: int
    token: str
    published: bool = Field(description="False: the command's events stay in this service; do not wait for them.")


class CommandAccepted(BaseModel):
    """The answer to an accepted command."""

    case_id: UUID
    version: int
    position: PositionPublic | None = Field(
        description="None only for a repeated command (same Idempotency-Key): nothing new was stored."
    )
    duplicate: bool = Field(False, description="The command was already accepted earlier under this Idempotency-Key.")


def accepted(saved: Saved) -> CommandAccepted:
    pos = saved.position
    return CommandAccepted(
        case_id=saved.case_id,
        version=saved.version,
        position=PositionPublic(service=pos.service, notification_id=pos.notification_id, token=str(pos),
                                published=pos.published),
    )


class TimelineEntryPublic(BaseModel):
    event_id: UUID
    source: Service
    sequence: int
    type: str
    recorded_at: datetime
    valid_on: date | None
    data: dict[str, Any]


class ProjectionState(BaseModel):
    """Whether the view has reached the position the caller asked for."""

    reached: bool
    waited_s: float


class CaseHistoryPublic(BaseModel):
    """This service's view of the shared history of one case."""

    case_id: UUID
    summary: dict[str, Any]
    timeline: list[TimelineEntryPublic]
    projection: ProjectionState


def parse_position(token: str) -> tuple[Service, int]:
    """Parse ``<service>:<notification id>``."""
    service, _, number = token.partition(":")
    try:
        return Service(service.replace("-", "_")), int(number)
    except ValueError:
        raise HTTPException(
            422,
            detail=[{"loc": ["query", "after"], "msg": "expected <service>:<notification id>", "type": "value_error"}],
        ) from None


def wait_for(store: CaseHistoryStore, token: str | None, wait_s: float) -> ProjectionState:
    """Wait, bounded, until the view has consumed the event at ``token``."""
    started = time.monotonic()
    if token is None:
        return ProjectionState(reached=True, waited_s=0.0)
    service, number = parse_position(token)
    pause = threading.Event()
    while True:
        if store.has_processed(service, number):
            return ProjectionState(reached=True, waited_s=round(time.monotonic() - started, 3))
        if time.monotonic() - started >= wait_s:
            return ProjectionState(reached=False, waited_s=round(time.monotonic() - started, 3))
        pause.wait(0.02)


def case_view_router(service: Service, get_store: Any, get_max_wait: Any) -> APIRouter:
    """Routes that read this service's projection of the shared case history."""
    router = APIRouter(prefix=f"/{service.slug}", tags=[f"{service.slug} case history"])
    Store = Annotated[CaseHistoryStore, get_store]
    MaxWait = Annotated[float, get_max_wait]

    @router.get("/cases", summary="Fälle in dieser Sicht")
    def list_cases(
        store: Store,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[dict[str, Any]]:
        """Case summaries this service may see, most recently changed first."""
        return [s.view() for s in store.cases(limit, offset)]

    @router.get("/cases/{case_id}/history", summary="Fallverlauf in dieser Sicht")
    def case_history(
        case_id: UUID,
        store: Store,
        max_wait_s: MaxWait,
        after: Annotated[str | None, Query(pattern=r"^[a-z_-]+:\d{1,18}$", description="Wait for this position")] = None,
        wait: Annotated[float, Query(ge=0, le=60)] = 0.0,
    ) -> CaseHistoryPublic:
        """The case's events this service may see, in case order, and its summary."""
        state = wait_for(store, after, min(wait, max_wait_s))
        summary = store.summary(case_id)
        if summary is None:
            raise CaseNotFoundError(case_id)
        timeline = [TimelineEntryPublic(**e.__dict__) for e in store.timeline(case_id)]
        return CaseHistoryPublic(case_id=case_id, summary=summary.view(), timeline=timeline, projection=state)

    @router.get("/cases/{case_id}/perspective", summary="Perspektive (Entscheidungsunterstützung)")
    def perspective(
        case_id: UUID,
        store: Store,
        max_wait_s: MaxWait,
        on: Annotated[date | None, Query(description="Stichtag der Bewertung (Standard: heute)")] = None,
        after: Annotated[str | None, Query(pattern=r"^[a-z_-]+:\d{1,18}$", description="Wait for this position")] = None,
        wait: Annotated[float, Query(ge=0, le=60)] = 0.0,
    ) -> dict[str, Any]:
        """Residence pathways for this case as this department's own view shows it.

        Decision support only (Art. 22 DSGVO): a person decides and records the
        rule version shown. Facts this department does not hold count as unknown.
        """
        from shared.perspective import evaluate
        from shared.perspective.derive import derive_facts

        wait_for(store, after, min(wait, max_wait_s))
        entries = store.timeline(case_id)
        if not entries:
            raise CaseNotFoundError(case_id)
        result = evaluate(derive_facts(entries), on or date.today())
        return {"case_id": str(case_id), **result.model_dump(mode="json")}

    @router.get("/projection/dead-letters", summary="Geparkte Nachrichten")
    def dead_letters(store: Store, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
        """Records the projector could not apply, for an operator to inspect and replay."""
        return [d.__dict__ for d in store.dead_letters(limit)]

    return router
