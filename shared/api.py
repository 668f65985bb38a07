"""HTTP pieces every service shares: errors, health, and the case-history view."""

import functools
import re
import threading
import time
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from shared.application import Saved
from shared.errors import (
    CaseNotFoundError,
    ConcurrentModificationError,
    DomainRuleViolationError,
    KimError,
    ServiceUnavailableError,
)
from shared.perspective.results import Perspective
from shared.projection.store import CaseHistoryStore
from shared.settings import Service

ERROR_STATUS: dict[type[KimError], tuple[int, str]] = {
    CaseNotFoundError: (404, "Der Fall ist dieser Stelle nicht bekannt."),
    ConcurrentModificationError: (409, "Der Fall wurde zwischenzeitlich geändert. Bitte neu laden."),
    DomainRuleViolationError: (409, "Die Aktion ist im aktuellen Stand des Falls nicht zulässig."),
    ServiceUnavailableError: (503, "Der Dienst ist vorübergehend ausgelastet. Bitte erneut versuchen."),
}


class ErrorPublic(BaseModel):
    """A refused request: a message for people and the error's name for programs."""

    detail: str = Field(description="What went wrong, for people.")
    error: str = Field(description="The error's name, e.g. CaseNotFoundError, DomainRuleViolationError.")


class BadRequestPublic(BaseModel):
    """FastAPI's answer to a body that is not even text (e.g. not UTF-8)."""

    detail: str


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying; nothing was stored.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorPublic,
        "headers": RETRY_AFTER,
        "description": "The database is down or saturated; retry after `Retry-After` seconds.",
    },
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "model": ErrorPublic,
        "description": "The case is not known to this service (to its own view, for reads "
        "and for the departments' commands).",
    },
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorPublic,
        "description": "A stale `expected_version` (ConcurrentModificationError) or a rule "
        "of the case the command breaks (DomainRuleViolationError).",
    },
}
UNPARSABLE: dict[int | str, dict[str, Any]] = {
    400: {
        "model": BadRequestPublic,
        "description": "The body could not be read as JSON text (e.g. not UTF-8); "
        "malformed JSON and invalid fields answer 422.",
    },
}
READ_RESPONSES: dict[int | str, dict[str, Any]] = NOT_FOUND | UNAVAILABLE
"""What a read of one case may answer besides 200 and FastAPI's 422."""
LIST_RESPONSES: dict[int | str, dict[str, Any]] = UNAVAILABLE
"""What a read of a list may answer besides 200 and FastAPI's 422."""


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

    async def http_error(request: Request, exc: Exception) -> Any:
        # Starlette's 405 names only the methods of the first route on the path; a
        # path served by two routes (``GET`` and ``POST /<service>/cases``) must
        # allow both (RFC 9110 §15.5.6).
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 405:
            methods = allowed_methods(request)
            if methods:
                exc = StarletteHTTPException(405, exc.detail, headers={**(exc.headers or {}), "Allow": methods})
        return await http_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)


def allowed_methods(request: Request) -> str:
    """Every method the app documents for the request's path, for ``Allow``."""
    path = request.scope["path"]
    methods = {
        method.upper()
        for template, item in request.app.openapi().get("paths", {}).items()
        if _path_regex(template).match(path)
        for method in item
        if method in _HTTP_METHODS
    }
    return ", ".join(sorted(methods))


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@functools.cache
def _path_regex(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]


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
        position=PositionPublic(
            service=pos.service, notification_id=pos.notification_id, token=str(pos), published=pos.published
        ),
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


class _SummaryPart(BaseModel):
    # A key the projection adds must be added here too: an unknown key fails loudly
    # (tests) instead of being dropped from the API silently.
    model_config = ConfigDict(extra="forbid")


class SummaryPerson(_SummaryPart):
    person_id: UUID
    registered_on: date


class SummaryCase(_SummaryPart):
    """The KIM case; the other keys are absent until the event setting them was seen."""

    status: Literal["open", "closed"]
    opened_on: date | None = None
    case_manager_id: str | None = None
    closed_on: date | None = None
    close_reason: str | None = None


class SummaryToleratedStay(_SummaryPart):
    subtype: str
    valid_from: date
    valid_until: date
    work_permitted: bool


class SummaryIdentity(_SummaryPart):
    clarified: bool
    clarified_on: date


class SummaryResidencePermit(_SummaryPart):
    norm: str
    valid_from: date
    valid_until: date


class SummaryCounselling(_SummaryPart):
    sessions: int
    last_held_on: date | None


class CaseSummaryPublic(_SummaryPart):
    """What this service sees of a case at a glance (None: no such fact in this view)."""

    case_id: UUID
    event_count: int
    last_event_at: datetime | None
    person: SummaryPerson | None
    case: SummaryCase | None
    tolerated_stay: SummaryToleratedStay | None
    identity: SummaryIdentity | None
    residence_permit: SummaryResidencePermit | None
    counselling: SummaryCounselling
    consents: int = Field(description="How many consents this view has seen.")


class CaseHistoryPublic(BaseModel):
    """This service's view of the shared history of one case."""

    case_id: UUID
    summary: CaseSummaryPublic
    timeline: list[TimelineEntryPublic]
    projection: ProjectionState


class PerspectivePublic(Perspective):
    """The residence perspective of one case on one date, as this service's view shows it."""

    case_id: UUID


class DeadLetterPublic(BaseModel):
    """A record the projector could not apply."""

    id: int
    topic: str
    partition: int
    offset: int
    reason: str
    parked_at: datetime
    replayed_at: datetime | None


POSITION_PATTERN = "^(" + "|".join(sorted({s.value for s in Service} | {s.slug for s in Service})) + r"):\d{1,18}$"
"""``<service>:<notification id>``, as a command answers it in ``position.token``."""


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

    @router.get("/cases", summary="Fälle in dieser Sicht", responses=LIST_RESPONSES, response_model_exclude_unset=True)
    def list_cases(
        store: Store,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[CaseSummaryPublic]:
        """Case summaries this service may see, most recently changed first."""
        return [CaseSummaryPublic.model_validate(s.view()) for s in store.cases(limit, offset)]

    @router.get(
        "/cases/{case_id}/history",
        summary="Fallverlauf in dieser Sicht",
        responses=READ_RESPONSES,
        response_model_exclude_unset=True,
    )
    def case_history(
        case_id: UUID,
        store: Store,
        max_wait_s: MaxWait,
        after: Annotated[str | None, Query(pattern=POSITION_PATTERN, description="Wait for this position")] = None,
        wait: Annotated[float, Query(ge=0, le=60)] = 0.0,
    ) -> CaseHistoryPublic:
        """The case's events this service may see, in case order, and its summary."""
        state = wait_for(store, after, min(wait, max_wait_s))
        summary = store.summary(case_id)
        if summary is None:
            raise CaseNotFoundError(case_id)
        timeline = [TimelineEntryPublic(**e.__dict__) for e in store.timeline(case_id)]
        return CaseHistoryPublic(
            case_id=case_id,
            summary=CaseSummaryPublic.model_validate(summary.view()),
            timeline=timeline,
            projection=state,
        )

    @router.get(
        "/cases/{case_id}/perspective", summary="Perspektive (Entscheidungsunterstützung)", responses=READ_RESPONSES
    )
    def perspective(
        case_id: UUID,
        store: Store,
        max_wait_s: MaxWait,
        on: Annotated[date | None, Query(description="Stichtag der Bewertung (Standard: heute)")] = None,
        after: Annotated[str | None, Query(pattern=POSITION_PATTERN, description="Wait for this position")] = None,
        wait: Annotated[float, Query(ge=0, le=60)] = 0.0,
    ) -> PerspectivePublic:
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
        return PerspectivePublic(case_id=case_id, **dict(result))

    @router.get("/projection/dead-letters", summary="Geparkte Nachrichten", responses=LIST_RESPONSES)
    def dead_letters(store: Store, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeadLetterPublic]:
        """Records the projector could not apply, for an operator to inspect and replay."""
        return [DeadLetterPublic(**d.__dict__) for d in store.dead_letters(limit)]

    return router
