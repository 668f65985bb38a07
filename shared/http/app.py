"""The FastAPI application of one service: health, its own routes and the case-history views.

The composition root (``services/bootstrap.py``) hands over a factory of the
service's container; it is called on startup, never at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shared.access.decide import ReachLookup
from shared.access.log import AccessLog
from shared.application.idempotency import Idempotency
from shared.http.access_log_views import access_log_router
from shared.http.case_views import case_view_router
from shared.http.correlation import CorrelationId
from shared.http.errors import install_error_handlers
from shared.http.limits import BodyLimit, container_limit
from shared.http.projection_views import projection_router
from shared.http.staffing_views import staffing_router
from shared.http.waiting import WaitingReads
from shared.identity.http import install_identity
from shared.identity.verifier import TokenVerifier
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.progress import CommitFeed
from shared.service import Service

log = logging.getLogger(__name__)

PURGE_INTERVAL_S = 600.0
"""How often the API forgets idempotency keys whose retention has passed."""


class ServiceContainer(Protocol):
    """What the routes need from the composition root."""

    app: Any
    store: CaseHistoryStore
    idempotency: Idempotency
    commits: CommitFeed
    """The view's commits, which wake the waiting reads."""

    @property
    def access_log(self) -> AccessLog:
        """Where every read of person-level data and every command is logged."""
        ...

    @property
    def reach(self) -> ReachLookup:
        """Who works on which case (the object-level checks)."""
        ...

    @property
    def verifier(self) -> TokenVerifier | None:
        """Checks access tokens; None: the caller (a test) installs one with ``install_identity``."""
        ...

    @property
    def read_wait_max_s(self) -> float: ...

    @property
    def read_waiters_max(self) -> int: ...

    @property
    def http_body_max_bytes(self) -> int: ...

    def readiness(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class HealthPublic(BaseModel):
    status: str
    service: Service


class ReadinessPublic(BaseModel):
    """What ``/readyz`` found; the absent keys are not measured in this process (in memory)."""

    service: Service
    ready: bool
    database: str = Field(description="ok, in-memory or unreachable (<error>)")
    kafka: str = Field(description="ok, not configured or unreachable (<error>)")
    processes: dict[str, Any] | None = Field(None, description="The service's process status rows.")
    projection_lag: int | None = Field(None, description="Records the projector is behind; None: unknown.")


def build_api(
    service: Service, title: str, router: APIRouter, container_factory: Callable[[], ServiceContainer]
) -> FastAPI:
    """The service's HTTP API over the container the factory builds on startup."""

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        container = container_factory()
        api.state.container = container
        if container.verifier is not None:
            install_identity(api, container.verifier)
        api.state.waiting_reads = reads = WaitingReads(container.store, container.read_waiters_max)
        follower = asyncio.create_task(reads.run(container.commits), name="kim-waiting-reads")
        stop = threading.Event()
        purger = threading.Thread(target=_purge_keys, args=(container.idempotency, stop), daemon=True)
        purger.start()
        try:
            yield
        finally:
            stop.set()
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            container.close()

    api = FastAPI(title=title, version="0.1.0", lifespan=lifespan)
    api.state.service = service
    api.add_middleware(BodyLimit, limit=container_limit)
    api.add_middleware(CorrelationId)
    install_error_handlers(api)
    _add_health_routes(api, service)
    api.include_router(router)
    api.include_router(case_view_router(service))
    api.include_router(projection_router(service))
    api.include_router(access_log_router(service))
    api.include_router(staffing_router(service))
    return api


def _container(request: Request) -> ServiceContainer:
    container: ServiceContainer = request.app.state.container
    return container


def _add_health_routes(api: FastAPI, service: Service) -> None:
    @api.get("/healthz", tags=["operations"])
    def healthz() -> HealthPublic:
        """Liveness: the process answers."""
        return HealthPublic(status="ok", service=service)

    @api.get(
        "/readyz",
        tags=["operations"],
        response_model=None,
        responses={
            200: {"model": ReadinessPublic, "description": "Ready."},
            503: {"model": ReadinessPublic, "description": "Not ready: database or Kafka unreachable."},
        },
    )
    def readyz(request: Request) -> JSONResponse:
        """Readiness: database and Kafka reachable, projection lag known."""
        report = _container(request).readiness()
        return JSONResponse(report, 200 if report["ready"] else 503)


def _purge_keys(idempotency: Idempotency, stop: threading.Event) -> None:
    """Forget expired idempotency keys now and then; a failure only delays it."""
    while not stop.wait(PURGE_INTERVAL_S):
        try:
            idempotency.purge()
        except Exception:  # noqa: BLE001 - retried at the next interval
            log.warning("purging expired idempotency keys failed; retrying later", exc_info=True)
