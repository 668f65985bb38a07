"""Reading your own write: wait, bounded, until this service's view has consumed a position."""

from __future__ import annotations

import threading
import time

from fastapi import HTTPException

from shared.http.schemas import ProjectionState
from shared.projection.case_history_store import CaseHistoryStore
from shared.service import Service

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
