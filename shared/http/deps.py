"""FastAPI dependencies shared by the service routers: what the composition root built."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator

from shared.application.idempotency import Idempotency
from shared.projection.case_history_store import CaseHistoryStore

ANONYMOUS = "anonymous"
"""The caller until identity is in place: every request shares one idempotency scope per operation."""


def get_application(request: Request) -> Any:
    """The service's eventsourcing application, built at startup."""
    return request.app.state.container.app


def get_idempotency(request: Request) -> Idempotency:
    """The service's idempotency keys."""
    idempotency: Idempotency = request.app.state.container.idempotency
    return idempotency


def get_caller(_request: Request) -> str:
    """Who sends the request (the scope of its Idempotency-Key)."""
    return ANONYMOUS


def get_store(request: Request) -> CaseHistoryStore:
    """The service's own case-history view."""
    store: CaseHistoryStore = request.app.state.container.store
    return store


def get_max_wait(request: Request) -> float:
    """The longest a read may wait for a position (``READ_WAIT_MAX_S``)."""
    return float(request.app.state.container.read_wait_max_s)


StoreDep = Annotated[CaseHistoryStore, Depends(get_store)]
AppDep = Annotated[Any, Depends(get_application)]
"""The service's Application (each service's own routes annotate its concrete class)."""
MaxWaitDep = Annotated[float, Depends(get_max_wait)]


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date_only(value: object) -> object:
    """A query date is a calendar date as YYYY-MM-DD, never a number read as a timestamp."""
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        msg = "expected a date as YYYY-MM-DD"
        raise ValueError(msg)
    return value


EvaluationDate = Annotated[
    date | None,
    Query(description="Stichtag der Bewertung, JJJJ-MM-TT (Standard: heute in Deutschland)"),
    BeforeValidator(iso_date_only),
]
