"""FastAPI dependencies shared by the service routers: what the composition root built."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator, WithJsonSchema

from shared.application.idempotency import Idempotency
from shared.events.common import EARLIEST_DATE, LATEST_DATE, PLAUSIBLE_DATE_PATTERN
from shared.http.schemas import ProjectionState
from shared.http.waiting import POSITION_PATTERN, WaitingReads, parse_position
from shared.projection.case_history_store import CaseHistoryStore
from shared.service import Service

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


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
QUERY_DATE_PATTERN = PLAUSIBLE_DATE_PATTERN
"""What OpenAPI says of a query date: YYYY-MM-DD from EARLIEST_DATE to LATEST_DATE (its years, whole)."""


def query_date(value: object) -> object:
    """A query date is a real calendar date as YYYY-MM-DD, within EARLIEST_DATE..LATEST_DATE.

    Never a number read as a timestamp (``?on=0``), never a day the calendar lacks
    (``2026-02-30``), never a date no case can concern (``0001-01-01``, ``9999-12-31``).
    """
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        msg = "Datum im Format JJJJ-MM-TT erwartet"
        raise ValueError(msg)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        msg = "kein gültiges Kalenderdatum"
        raise ValueError(msg) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        msg = f"Datum zwischen {EARLIEST_DATE.isoformat()} und {LATEST_DATE.isoformat()} erwartet"
        raise ValueError(msg)
    return day


def date_query(description: str) -> Any:
    """The metadata of a date query parameter: its description, the check, and what OpenAPI says of it."""
    return (
        Query(description=description),
        BeforeValidator(query_date),
        WithJsonSchema({"type": "string", "format": "date", "pattern": QUERY_DATE_PATTERN}),
    )


EvaluationDate = Annotated[
    date | None, *date_query("Stichtag der Bewertung, JJJJ-MM-TT (Standard: heute in Deutschland)")
]
"""The date a Perspektive is evaluated on; every date query parameter is declared with :func:`date_query`."""


@dataclass(frozen=True)
class WaitFor:
    """What a read waits for before it reads: ``after`` (None: nothing), for at most ``wait_s``."""

    reads: WaitingReads
    after: tuple[Service, int] | None
    wait_s: float

    async def __call__(self) -> ProjectionState:
        """Wait, bounded, until this service's view has consumed ``after``; without a thread or a connection."""
        if self.after is None:
            return ProjectionState(reached=True, waited_s=0.0)
        return await self.reads.wait(*self.after, self.wait_s)


async def wait_for_position(
    request: Request,
    after: Annotated[
        str | None, Query(pattern=POSITION_PATTERN, description="Warten, bis die Sicht diese Position enthält")
    ] = None,
    wait: Annotated[float, Query(ge=0, le=60, description="Höchstens so viele Sekunden warten")] = 0.0,
) -> WaitFor:
    """``?after=<service>:<n>&wait=<s>``. The route waits itself, once every parameter is valid:
    a request FastAPI refuses holds no place among the waiting reads."""
    reads: WaitingReads = request.app.state.waiting_reads
    return WaitFor(reads, parse_position(after) if after else None, min(wait, get_max_wait(request)))


WaitForDep = Annotated[WaitFor, Depends(wait_for_position)]
"""A read that may wait for a position: ``await wait_for()`` before reading."""
