"""The composition root: builds a service's application, view and processes from settings.

Tests pass ``in_memory=True`` to get the same wiring on eventsourcing's POPO
persistence and an in-memory view. Nothing here runs at import time.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shared.api import case_view_router, install_error_handlers
from shared.application import CaseApplication, DepartmentApplication
from shared.kafka import make_admin, make_consumer, make_producer
from shared.pgstate import PostgresRelayPosition, StatusBoard
from shared.projection.consumer import Projector
from shared.projection.postgres import PostgresCaseHistoryStore, make_pool
from shared.projection.store import CaseHistoryStore, InMemoryCaseHistoryStore
from shared.relay import Relay
from shared.settings import Service, ServiceSettings, get_settings

log = logging.getLogger(__name__)

APPLICATIONS = {
    Service.INTAKE: "services.intake.application:IntakeApplication",
    Service.FOREIGN_OFFICE: "services.foreign_office.application:ForeignOfficeApplication",
    Service.KOBIZ: "services.kobiz.application:KobizApplication",
}
ROUTERS = {
    Service.INTAKE: "services.intake.api:router",
    Service.FOREIGN_OFFICE: "services.foreign_office.api:router",
    Service.KOBIZ: "services.kobiz.api:router",
}
TITLES = {
    Service.INTAKE: "KIM Fallannahme (intake)",
    Service.FOREIGN_OFFICE: "KIM Ausländerbehörde (foreign_office)",
    Service.KOBIZ: "KIM Kobiz – Perspektivberatung (kobiz)",
}


def _load(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def readable_topics(settings: ServiceSettings) -> list[str]:
    """Every service topic; the projector keeps only what the policy lets it see."""
    return [settings.infra.topic(s) for s in Service]


@dataclass
class Container:
    """Everything one service process needs, built once."""

    settings: ServiceSettings
    app: CaseApplication
    store: CaseHistoryStore
    pool: Any = None
    status: StatusBoard | None = None
    _kafka_check: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.app.close()
        if self.pool is not None:
            self.pool.close()

    def readiness(self) -> dict[str, Any]:
        """Database and Kafka reachable, projection lag known."""
        report: dict[str, Any] = {"service": self.settings.service.value}
        if self.pool is None:
            return report | {"database": "in-memory", "kafka": "not configured", "ready": True}
        try:
            with self.pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            report["database"] = "ok"
            report["processes"] = self.status.read() if self.status else {}
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            report["database"] = f"unreachable ({type(exc).__name__})"
        report["kafka"] = self._kafka_ok()
        projector = report.get("processes", {}).get("projector")
        report["projection_lag"] = (
            sum(projector.get("lag", {}).values()) if projector and projector.get("age_s", 1e9) < 30 else None
        )
        report["ready"] = report["database"] == "ok" and report["kafka"] == "ok"
        return report

    def _kafka_ok(self) -> str:
        cached = self._kafka_check
        if cached and time.monotonic() - cached["at"] < 5:
            return str(cached["result"])
        try:
            admin = make_admin(self.settings.infra.kafka_bootstrap, client_id="kim-readyz", timeout_ms=3000)
            try:
                admin.describe_cluster()
            finally:
                admin.close()
            result = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            result = f"unreachable ({type(exc).__name__})"
        self._kafka_check.update(at=time.monotonic(), result=result)
        return result


def build_container(service: Service, settings: ServiceSettings | None = None, *, in_memory: bool = False) -> Container:
    """Wire a service's application and view, on PostgreSQL or in memory."""
    settings = settings or get_settings(service)
    app_class = _load(APPLICATIONS[service])
    if in_memory:
        store: CaseHistoryStore = InMemoryCaseHistoryStore(service)
        app = _make_app(app_class, {"PERSISTENCE_MODULE": "eventsourcing.popo"}, store)
        return Container(settings, app, store)
    pool = make_pool(settings.pg_conninfo(), max_size=settings.pg_pool_size, name=f"kim-{service.slug}")
    pool.open(wait=True, timeout=30)
    pg_store = PostgresCaseHistoryStore(pool, settings.pg_schema, service=service)
    status = StatusBoard(pool, settings.pg_schema)
    with schema_setup_lock(settings):
        pg_store.setup()
        status.setup()
        PostgresRelayPosition(pool, settings.pg_schema).setup()
        app = _make_app(app_class, settings.eventsourcing_env(), pg_store)
    return Container(settings, app, pg_store, pool, status)


@contextmanager
def schema_setup_lock(settings: ServiceSettings) -> Iterator[None]:
    """Serialise table creation of a service's processes starting at the same time.

    ``CREATE TABLE IF NOT EXISTS`` is not safe against itself: two sessions can
    both find a table missing and one fails on the catalogue's unique index. The
    API, relay and projector of a service start together, so they take turns.
    """
    with psycopg.connect(settings.pg_conninfo(), autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"kim-setup:{settings.pg_schema}",))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"kim-setup:{settings.pg_schema}",))


def _make_app(app_class: type[CaseApplication], env: dict[str, str], store: CaseHistoryStore) -> CaseApplication:
    if issubclass(app_class, DepartmentApplication):
        return app_class(env, case_view=store.summary)
    return app_class(env)


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


def create_app(service: Service, container_factory: Callable[[], Container] | None = None) -> FastAPI:
    """The FastAPI application of one service; connects on startup, not on import."""
    factory = container_factory or (lambda: build_container(service))

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> Any:
        api.state.container = factory()
        try:
            yield
        finally:
            api.state.container.close()

    api = FastAPI(title=TITLES[service], version="0.1.0", lifespan=lifespan)
    install_error_handlers(api)

    def get_container(request: Request) -> Container:
        return request.app.state.container  # type: ignore[no-any-return]

    def get_store(request: Request) -> CaseHistoryStore:
        return get_container(request).store

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
        report = get_container(request).readiness()
        return JSONResponse(report, 200 if report["ready"] else 503)

    def get_max_wait(request: Request) -> float:
        return get_container(request).settings.read_wait_max_s

    api.include_router(_load(ROUTERS[service]))
    api.include_router(case_view_router(service, Depends(get_store), Depends(get_max_wait)))
    return api


def build_relay(container: Container) -> Relay:
    """The outbox relay of a service, on its own position row."""
    settings = container.settings
    positions = PostgresRelayPosition(container.pool, settings.pg_schema)
    return Relay(
        container.app,
        settings.topic,
        positions,
        lambda: make_producer(
            settings.infra.kafka_bootstrap,
            client_id=f"kim-relay-{settings.service.slug}",
            linger_ms=settings.relay_linger_ms,
            delivery_timeout_ms=settings.relay_delivery_timeout_ms,
        ),
        batch_size=settings.relay_batch_size,
        linger_s=settings.relay_linger_ms / 1000,
        ack_timeout_s=settings.relay_delivery_timeout_ms / 1000 + 5,
    )


def build_projector(container: Container) -> Projector:
    """The projector of a service's case-history view."""
    settings = container.settings
    return Projector(
        settings.service,
        container.store,
        lambda: make_consumer(
            settings.infra.kafka_bootstrap,
            group_id=settings.projection_group,
            client_id=f"kim-projector-{settings.service.slug}",
            max_poll_records=settings.projector_batch_size,
        ),
        readable_topics(settings),
        fetcher_factory=lambda: make_consumer(
            settings.infra.kafka_bootstrap, group_id=None, client_id=f"kim-release-{settings.service.slug}"
        ),
        batch_size=settings.projector_batch_size,
        poll_timeout_ms=settings.projector_poll_timeout_ms,
    )


def heartbeat(container: Container, process: str, details: Callable[[], dict[str, Any]], stop: threading.Event) -> None:
    """Write a process's status row every two seconds until stopped."""
    while not stop.is_set():
        try:
            if container.status is not None:
                container.status.beat(process, details())
        except Exception:  # noqa: BLE001 - a missed heartbeat only ages the row
            log.debug("heartbeat failed", exc_info=True)
        stop.wait(2.0)
