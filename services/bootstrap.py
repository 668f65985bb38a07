"""The composition root: builds a service's application, view and processes from settings.

Tests pass ``in_memory=True`` to get the same wiring on in-memory persistence (the
POPO event store with side records) and in-memory views. Nothing here runs at
import time, and every other module receives what it needs from here.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from kafka import KafkaConsumer
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.importer import Identity, Importer, ServiceAccount
from shared.access.log import AccessLog
from shared.application.base import CaseApplication
from shared.application.break_glass import BreakGlassApplication
from shared.application.catalogue import AnyCommand
from shared.application.department import DepartmentApplication
from shared.application.idempotency import Idempotency, IdempotencyStore
from shared.application.reach import BreakGlassLookup, IndexedReach
from shared.bus.kafka import make_admin, make_consumer, make_producer
from shared.clock import today
from shared.http.admin_events import admin_events_router
from shared.http.app import build_api
from shared.http.break_glass import break_glass_router
from shared.identity.admin_events import AdminEventSource, KeycloakAdminEvents
from shared.identity.settings import IdentitySettings
from shared.identity.verifier import TokenVerifier
from shared.operations.status import StatusBoard
from shared.outbox.access_relay import AccessRelay
from shared.outbox.position import PostgresRelayPosition
from shared.outbox.relay import PositionStore, Relay
from shared.persistence.access_log import MemoryAccessLog, PostgresAccessLog
from shared.persistence.break_glass import MemoryBreakGlassIndex, PostgresBreakGlassIndex
from shared.persistence.idempotency import PostgresIdempotencyStore
from shared.persistence.memory import MEMORY_FACTORY, InMemoryIdempotencyStore
from shared.persistence.person_index import MemoryPersonIndex, PostgresPersonIndex
from shared.persistence.pool import apply_privileges, make_pool, schema_setup_lock
from shared.persistence.staffing import MemoryStaffingIndex, PostgresStaffingIndex
from shared.persistence.web_sessions import PostgresSessionStore
from shared.persons import PersonIndex
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.consumer import Projector
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.projection.pg_listener import PgCommitListener
from shared.projection.pg_schema import TABLES as PROJECTION_TABLES
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.projection.progress import PROGRESS_TABLE, CommitFeed, view_channel
from shared.service import Service
from shared.settings import ServiceSettings, get_settings
from shared.staffing import StaffingIndex
from shared.web.mount import install_web

log = logging.getLogger(__name__)

TITLES = {
    Service.INTAKE: "KIM Fallannahme (intake)",
    Service.FOREIGN_OFFICE: "KIM Ausländerbehörde (foreign_office)",
    Service.KOBIZ: "KIM Kobiz – Perspektivberatung (kobiz)",
}


def application_class(service: Service) -> type[CaseApplication]:
    """The service's Application (imported on demand: a CLI command loads one service only)."""
    match service:
        case Service.INTAKE:
            from services.intake.application import IntakeApplication

            return IntakeApplication
        case Service.FOREIGN_OFFICE:
            from services.foreign_office.application import ForeignOfficeApplication

            return ForeignOfficeApplication
        case Service.KOBIZ:
            from services.kobiz.application import KobizApplication

            return KobizApplication


def command_table(service: Service) -> tuple[AnyCommand[Any], ...]:
    """The service's commands with their use cases."""
    match service:
        case Service.INTAKE:
            from services.intake.application import COMMANDS as INTAKE

            return INTAKE
        case Service.FOREIGN_OFFICE:
            from services.foreign_office.application import COMMANDS as FOREIGN_OFFICE

            return FOREIGN_OFFICE
        case Service.KOBIZ:
            from services.kobiz.application import COMMANDS as KOBIZ

            return KOBIZ


def api_router(service: Service) -> APIRouter:
    """The service's own routes (commands and its own file)."""
    match service:
        case Service.INTAKE:
            from services.intake.api import router as intake

            return intake
        case Service.FOREIGN_OFFICE:
            from services.foreign_office.api import router as foreign_office

            return foreign_office
        case Service.KOBIZ:
            from services.kobiz.api import router as kobiz

            return kobiz


def readable_topics(settings: ServiceSettings) -> list[str]:
    """Every service topic; the projector keeps only what the policy lets it see."""
    return [settings.infra.topic(s) for s in Service]


@dataclass
class Container:
    """Everything one service process needs, built once."""

    settings: ServiceSettings
    app: CaseApplication
    store: CaseHistoryStore
    idempotency: Idempotency
    commits: CommitFeed
    """The view's commits, heard by the API's waiting reads (in memory: the store itself)."""
    reach: IndexedReach
    """Who works on which case here: the object-level checks of the API."""
    verifier: TokenVerifier | None
    """Checks the callers' access tokens (None in memory: tests install their own)."""
    access_log: AccessLog
    pool: ConnectionPool[Connection[Any]] | None = None
    status: StatusBoard | None = None
    _kafka_check: dict[str, Any] = field(default_factory=dict)

    @property
    def postgres(self) -> ConnectionPool[Connection[Any]]:
        """The service's PostgreSQL pool (a container built in memory has none)."""
        if self.pool is None:
            msg = f"the {self.settings.service.value} container was built in memory: it has no PostgreSQL pool"
            raise RuntimeError(msg)
        return self.pool

    @property
    def read_wait_max_s(self) -> float:
        return self.settings.read_wait_max_s

    @property
    def read_waiters_max(self) -> int:
        return self.settings.read_waiters_max

    @property
    def http_body_max_bytes(self) -> int:
        return self.settings.http_body_max_bytes

    @property
    def break_glass(self) -> BreakGlassApplication:
        """Break-glass requests and grants (an event table of their own); the reach asks it for grants in force."""
        glass = self.reach.break_glass
        assert isinstance(glass, BreakGlassApplication)
        return glass

    @functools.cached_property
    def admin_events(self) -> AdminEventSource | None:
        """Keycloak's admin events for the data-protection officer (in memory: none, unless a test sets one)."""
        return KeycloakAdminEvents(IdentitySettings()) if self.pool is not None else None

    def close(self) -> None:
        self.app.close()
        glass = getattr(self.reach, "break_glass", None)
        if isinstance(glass, BreakGlassApplication):
            glass.close()
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
            admin = make_admin(
                self.settings.infra.kafka_bootstrap,
                client_id="kim-readyz",
                timeout_ms=3000,
                credentials=self.settings.kafka_credentials("api"),
            )
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
    """Wire a service's application and view, on PostgreSQL or in memory.

    On PostgreSQL it creates no table: ``kim migrate`` (:func:`migrate`) did, as the owner
    role. It checks that they exist, so a process that was started before the migration
    names the missing step instead of failing on its first statement.
    """
    settings = settings or get_settings(service)
    app_class = application_class(service)
    if in_memory:
        store = InMemoryCaseHistoryStore(service)
        app = _make_app(app_class, {"PERSISTENCE_MODULE": MEMORY_FACTORY}, store)
        _persons(app, MemoryPersonIndex())
        glass = _break_glass(service, {"PERSISTENCE_MODULE": MEMORY_FACTORY}, MemoryBreakGlassIndex())
        reach = _staff(app, MemoryStaffingIndex(), store, glass)
        in_memory_keys = _idempotency(settings, InMemoryIdempotencyStore())
        return Container(settings, app, store, in_memory_keys, store, reach, None, MemoryAccessLog())
    pool = make_pool(settings.pg_conninfo(), max_size=settings.pg_pool_size, name=f"kim-{service.slug}")
    pool.open(wait=True, timeout=30)
    try:
        pg_store = MigratedCaseHistoryStore(pool, settings.pg_schema, service=service)
        pg_store.setup()
        keys = PostgresIdempotencyStore(pool, settings.pg_schema, service)
        status = StatusBoard(pool, settings.pg_schema)
        app = _make_app(app_class, settings.eventsourcing_env(), pg_store)
        _persons(app, PostgresPersonIndex(pool, settings.pg_schema))
        glass_index = PostgresBreakGlassIndex(pool, settings.pg_schema)
        glass = _break_glass(service, _break_glass_env(settings.eventsourcing_env()), glass_index)
        reach = _staff(app, PostgresStaffingIndex(pool, settings.pg_schema), pg_store, glass)
    except BaseException:
        pool.close()
        raise
    # One connection of its own per API process, outside the pool, hears the projector's commits.
    channel = view_channel(pg_store.t(PROGRESS_TABLE).as_string())
    listener = PgCommitListener(settings.pg_conninfo(), channel)
    verifier = TokenVerifier(IdentitySettings())
    keys_store = _idempotency(settings, keys)
    access_log = PostgresAccessLog(pool, settings.pg_schema)
    return Container(settings, app, pg_store, keys_store, listener, reach, verifier, access_log, pool, status)


def _staff(
    app: CaseApplication, index: StaffingIndex, store: CaseHistoryStore, break_glass: BreakGlassLookup
) -> IndexedReach:
    """The staffing index written with the application's events, and the reach lookup over it."""
    app.staffing_index = index
    reach = IndexedReach(app, index, store.summary, today, break_glass, store.managed_by, store.summaries)
    if isinstance(break_glass, BreakGlassApplication):
        # A request names a case or file this service knows (404 otherwise, as for a read).
        break_glass.known = lambda subject: reach.of_subject(subject).known or reach.of_case(subject).known
    return reach


def _persons(app: object, index: PersonIndex) -> None:
    """Intake's person index, written with its cases' events: the person search and the duplicate check."""
    from services.intake.application import IntakeApplication

    if isinstance(app, IntakeApplication):
        app.person_index = index


def _fill_persons(app: object, pool: ConnectionPool[Connection[Any]], schema: str, events_table: str) -> None:
    """Intake: the person index's rows of cases stored before it existed (``kim migrate``; idempotent)."""
    from services.intake.application import IntakeApplication

    if isinstance(app, IntakeApplication):
        index = PostgresPersonIndex(pool, schema)
        _persons(app, index)
        filled = app.fill_person_index(index.unfilled(events_table))
        if filled:
            log.info("person index: %d cases filled from the event store", filled)


def _break_glass(service: Service, env: dict[str, str], index: Any) -> BreakGlassApplication:
    """Break-glass on the service's store, in an event table of its own (no relay reads it)."""
    return BreakGlassApplication(env, service=service, index=index, known=lambda _subject: False)


def _break_glass_env(env: dict[str, str]) -> dict[str, str]:
    """A small connection pool of its own: break-glass commands are rare."""
    return env | {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "2"}


class MigratedCaseHistoryStore(PostgresCaseHistoryStore):
    """The view of a service process: its tables exist (``kim migrate``), the runtime role cannot create them."""

    def setup(self) -> None:
        names = [self.prefix + n for n in PROJECTION_TABLES]
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)", (self.schema, names)
            ).fetchall()
        missing = sorted(set(names) - {r[0] for r in rows})
        if missing:
            msg = f"tables {missing} of schema {self.schema!r} are missing: run `kim migrate` first"
            raise RuntimeError(msg)


def migrate(service: Service, settings: ServiceSettings | None = None) -> dict[str, str]:
    """Create every table of a service as its owner role, then grant the runtime role its rights.

    The one place where tables are created: the event store (eventsourcing with
    ``CREATE_TABLE=y``), the view, the relay position, the process status and the
    idempotency keys. A new table is created here (its store's ``setup()``); if it is
    append-only it is listed in ``shared.persistence.pool.APPEND_ONLY_TABLES``. Idempotent.
    Returns the runtime role's privileges per table.
    """
    runtime = settings or get_settings(service)
    owner = runtime.as_owner()
    conninfo = owner.pg_conninfo()
    pool = make_pool(conninfo, max_size=2, name=f"kim-migrate-{service.slug}")
    pool.open(wait=True, timeout=30)
    try:
        with schema_setup_lock(conninfo, owner.pg_schema):
            store = PostgresCaseHistoryStore(pool, owner.pg_schema, service=service)
            store.setup()
            StatusBoard(pool, owner.pg_schema).setup()
            PostgresIdempotencyStore(pool, owner.pg_schema, service).setup()
            PostgresRelayPosition(pool, owner.pg_schema).setup()
            PostgresStaffingIndex(pool, owner.pg_schema).setup()
            if service is Service.INTAKE:
                PostgresPersonIndex(pool, owner.pg_schema).setup()
            PostgresAccessLog(pool, owner.pg_schema).setup()
            PostgresSessionStore(pool, owner.pg_schema).setup()
            glass_index = PostgresBreakGlassIndex(pool, owner.pg_schema)
            glass_index.setup()
            event_tables: list[str] = []
            for app in (
                _make_app(application_class(service), owner.eventsourcing_env(create_table=True), store),
                _break_glass(service, _break_glass_env(owner.eventsourcing_env(create_table=True)), glass_index),
            ):
                try:
                    recorder: Any = app.recorder
                    event_tables.append(str(recorder.events_table_name))
                    _fill_persons(app, pool, owner.pg_schema, str(recorder.events_table_name))
                finally:
                    app.close()
            return apply_privileges(conninfo, owner.pg_schema, runtime.pg_user, event_tables)
    finally:
        pool.close()


def _idempotency(settings: ServiceSettings, store: IdempotencyStore) -> Idempotency:
    return Idempotency(store, retention=settings.idempotency_retention)


def _make_app(app_class: type[CaseApplication], env: dict[str, str], store: CaseHistoryStore) -> CaseApplication:
    if issubclass(app_class, DepartmentApplication):
        return app_class(env, case_view=store.summary)
    return app_class(env)


def create_app(
    service: Service, container_factory: Callable[[], Container] | None = None, *, web: bool = True
) -> FastAPI:
    """The FastAPI application of one service; connects on startup, not on import.

    With ``web`` (the default) its German web views are mounted too (``shared/web``); tests that mount
    them with a provider or address of their own pass ``web=False`` and call ``install_web`` themselves.
    """
    factory = container_factory or (lambda: build_container(service))
    api = build_api(service, TITLES[service], api_router(service), factory)
    api.include_router(break_glass_router(service))
    api.include_router(admin_events_router(service))
    api.state.commands = command_table(service)  # the web views' forms (shared/web/forms.py)
    if web:
        install_web(api, service)
    return api


def build_importer(container: Container, identity: Identity | None = None) -> Importer:
    """File import through the service's use cases under the department's service account.

    Imported row refs are idempotency keys that never expire. ``identity`` is the verified
    principal the rows are authorised for; by default the service account
    ``kim-import-<service>`` (client-credentials grant, its secret from
    ``KIM_KEYCLOAK_IMPORT_<SERVICE>_SECRET``), its token verified with the container's verifier.
    """
    service = container.settings.service
    keys = Idempotency(container.idempotency.store, retention=None)
    if identity is None:
        if container.verifier is None:
            msg = "an in-memory container has no token verifier: pass the import's identity"
            raise RuntimeError(msg)
        identity = ServiceAccount.for_import(service, container.verifier, container.verifier.settings)
    return Importer(
        service, container.app, command_table(service), keys, identity, container.reach, container.access_log
    )


def build_relay(
    container: Container,
    *,
    topic: str | None = None,
    positions: PositionStore | None = None,
    producer_factory: Callable[[], Any] | None = None,
) -> Relay:
    """The outbox relay of a service, on its own position row.

    Tests and benchmarks pass their own topic, position store or producer; the
    batching and timeouts always come from the service's settings.
    """
    settings = container.settings
    credentials = settings.kafka_credentials("relay")

    def producer() -> Any:
        return make_producer(
            settings.infra.kafka_bootstrap,
            client_id=f"kim-relay-{settings.service.slug}",
            linger_ms=settings.relay_linger_ms,
            delivery_timeout_ms=settings.relay_delivery_timeout_ms,
            credentials=credentials,
        )

    return Relay(
        container.app,
        topic or settings.topic,
        positions or PostgresRelayPosition(container.postgres, settings.pg_schema),
        producer_factory or producer,
        batch_size=settings.relay_batch_size,
        linger_s=settings.relay_linger_ms / 1000,
        ack_timeout_s=settings.relay_delivery_timeout_ms / 1000 + 5,
    )


def build_access_relay(container: Container, *, topic: str | None = None) -> AccessRelay:
    """The relay of the service's access log to its internal topic, under the relay's Kafka principal."""
    settings = container.settings
    credentials = settings.kafka_credentials("relay")
    if not isinstance(container.access_log, PostgresAccessLog):
        msg = "the access relay needs the PostgreSQL access log"
        raise TypeError(msg)

    def producer() -> Any:
        return make_producer(
            settings.infra.kafka_bootstrap,
            client_id=f"kim-access-relay-{settings.service.slug}",
            linger_ms=settings.relay_linger_ms,
            delivery_timeout_ms=settings.relay_delivery_timeout_ms,
            credentials=credentials,
        )

    return AccessRelay(
        container.access_log,
        topic or settings.infra.access_topic(settings.service),
        producer,
        batch_size=settings.relay_batch_size,
        ack_timeout_s=settings.relay_delivery_timeout_ms / 1000 + 5,
    )


def build_projector(
    container: Container,
    *,
    store: CaseHistoryStore | None = None,
    topics: list[str] | None = None,
    consumer_factory: Callable[[], KafkaConsumer] | None = None,
    fetcher_factory: Callable[[], KafkaConsumer] | None = None,
) -> Projector:
    """The projector of a service's case-history view.

    Tests and benchmarks pass their own view, topics or consumers; batch size and
    poll timeout always come from the service's settings.
    """
    settings = container.settings
    credentials = settings.kafka_credentials("projector")

    def consumer() -> KafkaConsumer:
        return make_consumer(
            settings.infra.kafka_bootstrap,
            group_id=settings.projection_group,
            client_id=f"kim-projector-{settings.service.slug}",
            max_poll_records=settings.projector_batch_size,
            credentials=credentials,
        )

    def fetcher() -> KafkaConsumer:
        return make_consumer(
            settings.infra.kafka_bootstrap,
            group_id=None,
            client_id=f"kim-release-{settings.service.slug}",
            credentials=credentials,
        )

    return Projector(
        settings.service,
        store or container.store,
        consumer_factory or consumer,
        topics or readable_topics(settings),
        fetcher_factory=fetcher_factory or fetcher,
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
