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

from shared.application.idempotency import CommandInProgressError, IdempotencyKeyReusedError
from shared.errors import (
    CaseNotFoundError,
    ConcurrentModificationError,
    DomainRuleViolationError,
    KimError,
    ServiceUnavailableError,
)

ERROR_STATUS: dict[type[KimError], tuple[int, str]] = {
    CaseNotFoundError: (404, "Der Fall ist dieser Stelle nicht bekannt."),
    ConcurrentModificationError: (409, "Der Fall wurde zwischenzeitlich geändert. Bitte neu laden."),
    DomainRuleViolationError: (409, "Die Aktion ist im aktuellen Stand des Falls nicht zulässig."),
    ServiceUnavailableError: (503, "Der Dienst ist vorübergehend ausgelastet. Bitte erneut versuchen."),
    CommandInProgressError: (409, str(CommandInProgressError())),
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

    async def key_reused(_request: Request, exc: Exception) -> JSONResponse:
        # The key names the request it was first used for: a 422 naming the header,
        # in the shape of every other validation error.
        error = {"loc": ["header", "Idempotency-Key"], "msg": str(exc), "type": "idempotency_key_reused"}
        return JSONResponse({"detail": [error]}, 422)

    app.add_exception_handler(IdempotencyKeyReusedError, key_reused)

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
