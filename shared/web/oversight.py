"""The operator's page and the oversight navigation of the web views.

- ``GET  /<service>/ui/betrieb``          (role ``operator``): the projection's state and lag, the relay's
  backlog, the dead letters (pointers only), skipped records and consent holds.
- ``POST /<service>/ui/betrieb/replay``   (CSRF): replays one dead letter (``dead_letter``) or every open one,
  with the same use case as ``kim dead-letters replay`` (:func:`shared.projection.replay.replay_dead_letters`).

The data-protection officer's pages are :mod:`shared.web.oversight_privacy`. Nothing on the
operator's page names a person: positions on Kafka, type names, reasons, counts and case ids.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from kafka import KafkaConsumer
from starlette.concurrency import run_in_threadpool

from shared.access import FieldGroup, Operation, Relation
from shared.access.decide import roles_of
from shared.access.table import OPERATIONS_ROLES
from shared.http.access import rights_of
from shared.identity.principal import Principal
from shared.identity.roles import Role
from shared.projection.records import DeadLetter, ReplayResult, SkippedRecord
from shared.projection.replay import replay_dead_letters
from shared.service import Service
from shared.settings import ServiceSettings
from shared.web.auth import CallerDep, CsrfDep, PageCaller, WebContext

log = logging.getLogger(__name__)

FRESH_HEARTBEAT_S = 30.0
"""A projector's lag counts only if its heartbeat is younger (as ``/readyz`` has it)."""
LISTED = 200
"""At most this many dead letters and skipped records are listed (newest first)."""

PROCESSES_DE = {"api": "API", "relay": "Relay (Postausgang)", "projector": "Projektor"}
CAUSES_DE = {"invalid": "ungültig", "foreign_source": "fremde Quelle"}
OUTCOMES_DE = {
    "applied": "eingespielt",
    "withheld": "eingespielt, zurückgehalten bis eine Einwilligung sie deckt",
    "not_held": "gültig, für diese Dienststelle ohne Inhalt",
    "already_processed": "bereits verarbeitet",
    "still_invalid": "weiterhin ungültig – bleibt geparkt",
    "unavailable": "von Kafka nicht erneut geliefert – bleibt geparkt",
    "dismissed": "ohne Einspielen erledigt",
    "already_replayed": "bereits erledigt",
    "not_found": "nicht gefunden",
}


@dataclass(frozen=True)
class Link:
    path: str
    label: str


def may_operate(principal: Principal) -> bool:
    return bool(OPERATIONS_ROLES & roles_of(principal.roles))


def may_read_access_log(principal: Principal, service: Service) -> bool:
    """As ``GET /<service>/access-log``: whoever the access table lets read the field group ``access_log`` here."""
    return rights_of(principal, service).may(FieldGroup.ACCESS_LOG, Operation.READ, Relation.DEPARTMENT)


def is_data_protection_officer(principal: Principal) -> bool:
    return Role.DATA_PROTECTION_OFFICER in roles_of(principal.roles)


def oversight_links(ctx: WebContext, caller: PageCaller | None) -> list[Link]:
    """The layout's links to the oversight pages the caller's roles open (none for others)."""
    if caller is None:
        return []
    principal, links = caller.principal, []
    if may_operate(principal):
        links.append(Link(ctx.url("/betrieb"), "Betrieb"))
    if may_read_access_log(principal, ctx.service):
        links.append(Link(ctx.url("/datenschutz/zugriffe"), "Zugriffsprotokoll"))
    if is_data_protection_officer(principal):
        links.append(Link(ctx.url("/datenschutz/break-glass"), "Break-Glass-Prüfung"))
        links.append(Link(ctx.url("/datenschutz/admin-events"), "Rollenänderungen (Keycloak)"))
    return links


# --- the operator's page ------------------------------------------------------------------


@dataclass(frozen=True)
class RelayBacklog:
    last_notification: int
    position: int | None

    @property
    def backlog(self) -> int | None:
        return None if self.position is None else max(0, self.last_notification - self.position)


@dataclass(frozen=True)
class Heartbeat:
    process: str
    age_s: float | None
    lag: int | None


@dataclass
class OperationsPage:
    counts: dict[str, int]
    projection_lag: int | None
    heartbeats: list[Heartbeat]
    relay: RelayBacklog
    dead_letters: list[DeadLetter]
    skipped: list[SkippedRecord]
    holds: list[tuple[UUID | None, list[int]]]
    results: list[ReplayResult] = field(default_factory=list)
    replay_error: str | None = None


def _heartbeats(container: Any) -> list[Heartbeat]:
    board = getattr(container, "status", None)
    processes: dict[str, dict[str, Any]] = board.read() if board is not None else {}
    beats = []
    for name, details in sorted(processes.items()):
        lag = details.get("lag")
        beats.append(
            Heartbeat(name, details.get("age_s"), sum(lag.values()) if isinstance(lag, dict) else None),
        )
    return beats


def _relay(container: Any) -> RelayBacklog:
    """The service's newest notification id against the position the relay has published."""
    last = container.app.recorder.max_notification_id() or 0
    pool = getattr(container, "pool", None)
    if pool is None:
        return RelayBacklog(last, None)
    from shared.outbox.position import PostgresRelayPosition

    return RelayBacklog(last, PostgresRelayPosition(pool, container.settings.pg_schema).load())


def operations_page(container: Any) -> OperationsPage:
    store = container.store
    counts = store.counts()
    beats = _heartbeats(container)
    projector = next((b for b in beats if b.process == "projector"), None)
    fresh = projector is not None and projector.age_s is not None and projector.age_s < FRESH_HEARTBEAT_S
    holding: dict[UUID | None, list[int]] = {}
    for letter in store.holding():
        holding.setdefault(letter.case_id, []).append(letter.id)
    return OperationsPage(
        counts=counts,
        projection_lag=projector.lag if fresh and projector is not None else None,
        heartbeats=beats,
        relay=_relay(container),
        dead_letters=store.dead_letters(LISTED),
        skipped=store.skipped(LISTED),
        holds=[(case, sorted(ids)) for case, ids in sorted(holding.items(), key=lambda h: str(h[0] or ""))],
    )


def kafka_fetcher(settings: ServiceSettings) -> Callable[[], KafkaConsumer]:
    """A consumer without a group that reads single records again, as the projector's fetcher and the CLI's."""
    from shared.bus.kafka import make_consumer

    return lambda: make_consumer(
        settings.infra.kafka_bootstrap,
        group_id=None,
        client_id=f"kim-replay-{settings.service.slug}",
        credentials=settings.kafka_credentials("projector"),
    )


def fetcher_of(request: Request) -> Callable[[], KafkaConsumer]:
    """The app's ``replay_fetcher`` if set (tests), else Kafka with the projector's credentials."""
    own: Callable[[], KafkaConsumer] | None = getattr(request.app.state, "replay_fetcher", None)
    return own or kafka_fetcher(request.app.state.container.settings)


async def _replay_ids(request: Request) -> tuple[list[int] | None, bool]:
    """The dead letter named by the form (``None``: all open ones); False if the form names nothing valid."""
    form = await request.form()
    if form.get("all") == "1":
        return None, True
    value = form.get("dead_letter")
    if isinstance(value, str) and value.isdigit() and 0 < int(value) < 2**62:
        return [int(value)], True
    return [], False


def operations_routes(router: APIRouter, ctx: WebContext) -> None:
    def forbidden(request: Request, caller: PageCaller) -> Response:
        detail = "Diese Seite ist dem IT-Betrieb (Rolle „IT-Betrieb“) vorbehalten."
        return ctx.renderer.error(request, ctx, 403, detail=detail, caller=caller)

    def render(request: Request, caller: PageCaller, page: OperationsPage, status: int = 200) -> Response:
        values = {"title": "Betrieb", "ops": page, "processes": PROCESSES_DE, "causes": CAUSES_DE}
        values |= {"outcomes": OUTCOMES_DE, "fresh_s": int(FRESH_HEARTBEAT_S), "listed": LISTED}
        return ctx.renderer.page(request, ctx, "oversight/operations.html", values, caller, status=status)

    @router.get("/betrieb")
    async def operations(request: Request, caller: CallerDep) -> Response:
        if not may_operate(caller.principal):
            return forbidden(request, caller)
        page = await run_in_threadpool(operations_page, request.app.state.container)
        return render(request, caller, page)

    @router.post("/betrieb/replay")
    async def replay(request: Request, caller: CsrfDep) -> Response:
        if not may_operate(caller.principal):
            return forbidden(request, caller)
        container = request.app.state.container
        ids, valid = await _replay_ids(request)
        results: list[ReplayResult] = []
        error = None if valid else "Bitte eine geparkte Nachricht wählen."
        if valid:
            fetcher = fetcher_of(request)
            try:
                results = await run_in_threadpool(replay_dead_letters, container.store, ids, fetcher_factory=fetcher)
            except Exception:  # noqa: BLE001 - Kafka or the database unreachable: a German notice, never a 500
                log.warning("web: replaying dead letters of %s failed", ctx.service.value, exc_info=True)
                error = "Das erneute Einspielen ist fehlgeschlagen: Kafka oder die Datenbank ist nicht erreichbar."
        page = await run_in_threadpool(operations_page, container)
        page.results, page.replay_error = results, error
        return render(request, caller, page, status=200 if error is None else 422 if not valid else 503)


def oversight_router(ctx: WebContext) -> APIRouter:
    """The operator's and the data-protection officer's pages; the layout's links to them."""
    from shared.web.oversight_privacy import privacy_routes

    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)
    operations_routes(router, ctx)
    privacy_routes(router, ctx)
    ctx.renderer.env.globals["oversight_links"] = lambda caller: oversight_links(ctx, caller)
    return router
