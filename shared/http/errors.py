"""Domain errors as HTTP answers, and the answers every operation documents."""

from __future__ import annotations

import functools
import re
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from shared.access.break_glass import BreakGlassNotAllowedError, BreakGlassNotFoundError
from shared.application.idempotency import CommandInProgressError, IdempotencyKeyReusedError
from shared.errors import (
    CaseNotFoundError,
    ConcurrentModificationError,
    DomainRuleViolationError,
    InvalidFieldError,
    KimError,
    ServiceUnavailableError,
)


class WaitingReadsExhaustedError(ServiceUnavailableError):
    """As many reads as this API process allows already wait for a position (503, Retry-After)."""


class UnevaluableHistoryError(KimError):
    """The stored history of a case or file cannot be evaluated (409); the message names why, without
    personal data: the type and position of the entries that cannot be evaluated."""


ERROR_STATUS: dict[type[KimError], tuple[int, str]] = {
    CaseNotFoundError: (404, "Der Fall ist dieser Stelle nicht bekannt."),
    ConcurrentModificationError: (409, "Der Fall wurde zwischenzeitlich geändert. Bitte neu laden."),
    DomainRuleViolationError: (409, "Die Aktion ist im aktuellen Stand des Falls nicht zulässig."),
    UnevaluableHistoryError: (409, "Der gespeicherte Verlauf lässt sich nicht bewerten."),
    WaitingReadsExhaustedError: (
        503,
        "Zu viele Lesezugriffe warten gerade auf einen Stand der Sicht. Bitte nach Retry-After Sekunden "
        "erneut versuchen.",
    ),
    ServiceUnavailableError: (503, "Der Dienst ist vorübergehend ausgelastet. Bitte erneut versuchen."),
    CommandInProgressError: (409, str(CommandInProgressError())),
    BreakGlassNotFoundError: (404, "Der Break-Glass-Antrag ist dieser Stelle nicht bekannt."),
    BreakGlassNotAllowedError: (403, "Für diese Operation fehlt die Berechtigung."),
}
SELF_EXPLAINING: tuple[type[KimError], ...] = (
    DomainRuleViolationError,
    UnevaluableHistoryError,
    BreakGlassNotAllowedError,
)
"""Errors whose own message (German, free of personal data) is the answer's detail."""
TOO_LARGE_DETAIL = "Der Inhalt der Anfrage ist zu groß: höchstens {limit} Bytes sind erlaubt."


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
        "description": "A stale `expected_version` (ConcurrentModificationError), a rule "
        "of the case the command breaks (DomainRuleViolationError), or a request with the same "
        "`Idempotency-Key` still being processed (CommandInProgressError).",
    },
}
UNPARSABLE: dict[int | str, dict[str, Any]] = {
    400: {
        "model": BadRequestPublic,
        "description": "The body could not be read as JSON text (e.g. not UTF-8); "
        "malformed JSON and invalid fields answer 422.",
    },
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {
        "model": ErrorPublic,
        "description": "The body is larger than the service takes (`KIM_<SERVICE>_HTTP_BODY_MAX_BYTES`, "
        "64 KiB unless set), whether its `Content-Length` says so or it is streamed without one; nothing was "
        "stored (RequestBodyTooLargeError).",
    },
}
READ_RESPONSES: dict[int | str, dict[str, Any]] = NOT_FOUND | UNAVAILABLE
"""What a read of one case may answer besides 200 and FastAPI's 422."""
WAITING_READ_RESPONSES: dict[int | str, dict[str, Any]] = NOT_FOUND | {
    503: {
        **UNAVAILABLE[503],
        "description": "The database is down or saturated, or as many reads as this process allows already "
        "wait for a position (`KIM_<SERVICE>_READ_WAITERS_MAX`, WaitingReadsExhaustedError); retry after "
        "`Retry-After` seconds.",
    },
}
"""What a read that may wait for a position (``after``, ``wait``) answers besides 200 and FastAPI's 422."""
UNEVALUABLE: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorPublic,
        "description": "The stored history cannot be evaluated (UnevaluableHistoryError): the detail names the "
        "type and position of the entries in the way, e.g. a validity that ends before it begins.",
    },
}
PERSPECTIVE_RESPONSES: dict[int | str, dict[str, Any]] = READ_RESPONSES | UNEVALUABLE
"""What the Perspektive of a department's own file answers besides 200 and FastAPI's 422."""
LIST_RESPONSES: dict[int | str, dict[str, Any]] = UNAVAILABLE
"""What a read of a list may answer besides 200 and FastAPI's 422."""


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to HTTP answers; validation errors stay FastAPI's 422."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        for cls, (status, message) in ERROR_STATUS.items():
            if isinstance(exc, cls):
                detail = str(exc) if isinstance(exc, SELF_EXPLAINING) and str(exc) else message
                headers = {"Retry-After": "1"} if status == 503 else None
                return JSONResponse({"detail": detail, "error": type(exc).__name__}, status, headers=headers)
        return JSONResponse({"detail": "Interner Fehler."}, 500)

    for cls in ERROR_STATUS:
        app.add_exception_handler(cls, handle)

    async def key_reused(_request: Request, exc: Exception) -> JSONResponse:
        # The key names the request it was first used for: a 422 naming the header,
        # in the shape of every other validation error.
        error = {"loc": ["header", "Idempotency-Key"], "msg": str(exc), "type": "idempotency_key_reused"}
        return JSONResponse({"detail": [error]}, 422)

    app.add_exception_handler(IdempotencyKeyReusedError, key_reused)

    async def invalid_field(_request: Request, exc: Exception) -> JSONResponse:
        # A body field that validates but names nothing that holds (e.g. ``corrects``): 422 at the field.
        assert isinstance(exc, InvalidFieldError)
        error = {"loc": ["body", exc.field], "msg": str(exc), "type": "invalid_reference"}
        return JSONResponse({"detail": [error]}, 422)

    app.add_exception_handler(InvalidFieldError, invalid_field)

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
        if exc.status_code == 413:  # Starlette's body limit, counting a body streamed without a length
            return too_large(request.app.state.container.http_body_max_bytes)
        if exc.status_code == 405:
            methods = allowed_methods(request)
            if methods:
                exc = StarletteHTTPException(405, exc.detail, headers={**(exc.headers or {}), "Allow": methods})
        return await http_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)


def too_large(limit: int) -> JSONResponse:
    """The answer to a body beyond the limit (``shared/http/limits.py``)."""
    detail = TOO_LARGE_DETAIL.format(limit=limit)
    return JSONResponse({"detail": detail, "error": "RequestBodyTooLargeError"}, 413)


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
