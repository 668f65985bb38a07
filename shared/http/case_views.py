"""Routes that read this service's projection of the shared case history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from shared.access import Relation
from shared.access.decide import ReachLookup, Rights
from shared.clock import today
from shared.errors import CaseNotFoundError
from shared.http.access import (
    AUTHENTICATED,
    Authorised,
    ReachDep,
    forbidden,
    may_read_in_service,
    operations_only,
    rights_of,
)
from shared.http.access_log import AccessDep, RequestAccess, bases_by_group
from shared.http.deps import EvaluationDate, StoreDep, WaitForDep
from shared.http.errors import LIST_RESPONSES, UNEVALUABLE, WAITING_READ_RESPONSES, UnevaluableHistoryError
from shared.http.evaluation import evaluate_held
from shared.http.schemas import (
    CaseHistoryPublic,
    CaseSummaryPublic,
    DeadLetterPublic,
    PerspectivePublic,
    ProjectionState,
    TimelineEntryPublic,
)
from shared.http.visibility import group_of, groups_shown, visible_entries, visible_summary
from shared.identity.http import CurrentPrincipal
from shared.identity.principal import Principal
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.records import TimelineEntry
from shared.projection.summary import CaseSummary
from shared.service import Service


def case_view_router(service: Service) -> APIRouter:
    """Routes that read this service's projection of the shared case history."""
    router = APIRouter(prefix=f"/{service.slug}", tags=[f"{service.slug} case history"])

    @router.get(
        "/cases",
        summary="Fälle in meiner Reichweite",
        responses=AUTHENTICATED | LIST_RESPONSES,
        response_model_exclude_unset=True,
        openapi_extra={"x-kim-access": {"kind": "list"}},
    )
    def list_cases(
        principal: CurrentPrincipal,
        store: StoreDep,
        reach: ReachDep,
        access: AccessDep,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[CaseSummaryPublic]:
        """Summaries of the cases in the caller's reach, most recently changed first.

        A caseworker with a department-wide remit sees the department's cases; one who
        works on own cases only sees the cases assigned to them (or deputised, or managed
        as KIM case manager). Each summary shows only the parts the caller may read.
        """
        return access.answer(lambda: _list(principal, service, store, reach, access, limit, offset))

    @router.get(
        "/cases/{case_id}/history",
        summary="Fallverlauf in dieser Sicht",
        responses=AUTHENTICATED | WAITING_READ_RESPONSES,
        response_model_exclude_unset=True,
        openapi_extra={"x-kim-access": {"kind": "read", "subject": "case"}},
    )
    async def case_history(
        case_id: UUID,
        principal: CurrentPrincipal,
        store: StoreDep,
        reach: ReachDep,
        access: AccessDep,
        wait_for: WaitForDep,
    ) -> CaseHistoryPublic:
        """The case's events this service may see and the caller may read, in case order, and its summary.

        With ``after`` (a command's ``position.token``) and ``wait``, the read first waits,
        bounded, until this service's view has consumed that position; ``projection`` says
        whether it did.
        """
        if not may_read_in_service(principal, service):
            raise forbidden()
        state = await wait_for()
        return await run_in_threadpool(
            access.answer, lambda: read_history(principal, service, reach, store, access, case_id, state)
        )

    @router.get(
        "/cases/{case_id}/perspective",
        summary="Perspektive (Entscheidungsunterstützung)",
        responses=AUTHENTICATED | WAITING_READ_RESPONSES | UNEVALUABLE,
        openapi_extra={"x-kim-access": {"kind": "read", "subject": "case"}},
    )
    async def perspective(
        case_id: UUID,
        principal: CurrentPrincipal,
        store: StoreDep,
        reach: ReachDep,
        access: AccessDep,
        wait_for: WaitForDep,
        on: EvaluationDate = None,
    ) -> PerspectivePublic:
        """Residence pathways for this case on the facts this department's view holds and the caller may read.

        Decision support only (Art. 22 DSGVO): a person decides and records the
        rule version shown. Facts this department does not hold count as unknown.
        """
        if not may_read_in_service(principal, service):
            raise forbidden()
        await wait_for()
        day = on or today()
        return await run_in_threadpool(
            access.answer, lambda: read_perspective(principal, service, reach, store, access, case_id, day)
        )

    @router.get(
        "/projection/dead-letters",
        summary="Geparkte Nachrichten",
        responses=AUTHENTICATED | LIST_RESPONSES,
        dependencies=[operations_only()],
        openapi_extra={"x-kim-access": {"kind": "operations"}},
    )
    def dead_letters(store: StoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeadLetterPublic]:
        """Records the projector could not apply, for an operator to inspect and replay."""
        return [DeadLetterPublic(**d.__dict__) for d in store.dead_letters(limit)]

    return router


# The reads themselves block on the database: they run in the thread pool, after the wait.
# The web views (shared/web/pages.py) call the same functions.


def read_history(
    principal: Principal,
    service: Service,
    reach: ReachLookup,
    store: CaseHistoryStore,
    access: RequestAccess,
    case_id: UUID,
    state: ProjectionState,
) -> CaseHistoryPublic:
    return _read_held(access.read(principal, reach, case_id), store, access, case_id, state)[0]


def _read_held(
    who: Authorised, store: CaseHistoryStore, access: RequestAccess, case_id: UUID, state: ProjectionState
) -> tuple[CaseHistoryPublic, list[TimelineEntry]]:
    """The history as the reader may read it (logged as shown), and the readable entries it was built on."""
    summary = store.summary(case_id)
    if summary is None:
        raise CaseNotFoundError(case_id)
    readable = who.readable()
    entries = visible_entries(store.timeline(case_id), readable)
    view = visible_summary(summary.view(), readable)
    access.shown(who, case_id, groups_shown(entries, view), bases_by_group(entries))
    history = CaseHistoryPublic(
        case_id=case_id,
        summary=CaseSummaryPublic.model_validate(view),
        timeline=[TimelineEntryPublic(**e.__dict__) for e in entries],
        projection=state,
    )
    return history, entries


NOTHING_TO_EVALUATE_DE = "Für diesen Fall liegen in Ihrer Sicht keine auswertbaren Einträge vor."


@dataclass(frozen=True, slots=True)
class CaseRead:
    """A case's history and its Perspektive, read once (the case page)."""

    history: CaseHistoryPublic
    perspective: PerspectivePublic | None
    perspective_error: str | None
    """Why there is no Perspektive (German): nothing readable to evaluate, or an unevaluable history."""


def read_case(
    principal: Principal,
    service: Service,
    reach: ReachLookup,
    store: CaseHistoryStore,
    access: RequestAccess,
    case_id: UUID,
    on: date,
    state: ProjectionState,
) -> CaseRead:
    """:func:`read_history` and :func:`read_perspective` on one authorisation and one read of the timeline:
    the same answers and the same access-log entries as the two calls."""
    who = access.read(principal, reach, case_id)
    history, entries = _read_held(who, store, access, case_id, state)
    if not entries:
        return CaseRead(history, None, NOTHING_TO_EVALUATE_DE)
    try:
        result = PerspectivePublic(case_id=case_id, **dict(evaluate_held(entries, on)))
    except UnevaluableHistoryError as error:
        return CaseRead(history, None, str(error))
    show_perspective(HeldPerspective(who, case_id, entries, result), access)
    return CaseRead(history, result, None)


def read_perspective(
    principal: Principal,
    service: Service,
    reach: ReachLookup,
    store: CaseHistoryStore,
    access: RequestAccess,
    case_id: UUID,
    on: date,
) -> PerspectivePublic:
    who = access.read(principal, reach, case_id)
    held = held_perspective(who, store, case_id, on)
    if held is None:
        raise CaseNotFoundError(case_id)
    if held.error is not None:
        raise UnevaluableHistoryError(held.error)
    assert held.result is not None
    show_perspective(held, access)
    return held.result


@dataclass(frozen=True, slots=True)
class HeldPerspective:
    """The Perspektive of one case on the entries the reader may read, and those entries (what it shows)."""

    who: Authorised
    case_id: UUID
    entries: list[TimelineEntry]
    result: PerspectivePublic | None
    error: str | None = None
    """Why the held history cannot be evaluated (then ``result`` is None)."""


def held_perspective(who: Authorised, store: CaseHistoryStore, case_id: UUID, on: date) -> HeldPerspective | None:
    """The Perspektive of a case the reader is authorised on (None: none of its entries is readable); nothing is
    logged yet: :func:`show_perspective` logs what is shown."""
    entries = visible_entries(store.timeline(case_id), who.readable())
    if not entries:
        return None
    try:
        result = PerspectivePublic(case_id=case_id, **dict(evaluate_held(entries, on)))
    except UnevaluableHistoryError as error:
        return HeldPerspective(who, case_id, entries, None, str(error))
    return HeldPerspective(who, case_id, entries, result)


def show_perspective(held: HeldPerspective, access: RequestAccess) -> None:
    """The Perspektive as answered: it was evaluated on all the entries, so it carries all their groups."""
    access.shown(held.who, held.case_id, groups_shown(held.entries), bases_by_group(held.entries))


def _list(
    principal: Principal,
    service: Service,
    store: CaseHistoryStore,
    reach: ReachLookup,
    access: RequestAccess,
    limit: int,
    offset: int,
) -> list[CaseSummaryPublic]:
    return show_summaries(readable_summaries(principal, service, store, reach, limit, offset), store, access)


@dataclass(frozen=True, slots=True)
class ReadableSummary:
    """A case in the caller's reach and the part of its summary the caller may read."""

    who: Authorised
    view: dict[str, Any]


def readable_summaries(
    principal: Principal, service: Service, store: CaseHistoryStore, reach: ReachLookup, limit: int, offset: int
) -> list[ReadableSummary]:
    """The summaries of the cases in the caller's reach, most recently changed first (403 if the caller may read
    no case here); nothing is logged yet: :func:`show_summaries` logs what is shown (the web views filter first)."""
    rights = rights_of(principal, service)
    if not may_read_in_service(principal, service):
        raise forbidden()
    if rights.readable(Relation.DEPARTMENT):
        summaries = store.cases(limit, offset)
    else:  # own cases only
        own = reach.own_cases(principal.staff_id) if principal.staff_id else []
        summaries = _in_order(store, own[offset : offset + limit])
    return _readable(principal, rights, reach, summaries)


def readable_cases(
    principal: Principal, service: Service, store: CaseHistoryStore, reach: ReachLookup, case_ids: Sequence[UUID]
) -> list[ReadableSummary]:
    """The summaries of the named cases that are in the caller's reach and in this view, in the order named (403 if
    the caller may read no case here); nothing is logged yet, as for :func:`readable_summaries`."""
    rights = rights_of(principal, service)
    if not may_read_in_service(principal, service):
        raise forbidden()
    return _readable(principal, rights, reach, _in_order(store, case_ids))


def _in_order(store: CaseHistoryStore, case_ids: Sequence[UUID]) -> list[CaseSummary]:
    found = store.summaries(case_ids)
    return [found[case_id] for case_id in dict.fromkeys(case_ids) if case_id in found]


def _readable(
    principal: Principal, rights: Rights, reach: ReachLookup, summaries: list[CaseSummary]
) -> list[ReadableSummary]:
    reaches = reach.of_cases([UUID(summary.case_id) for summary in summaries])  # one lookup for the page
    found = []
    for summary in summaries:
        who = Authorised.of(principal, rights, reaches[UUID(summary.case_id)])
        if who.readable():
            found.append(ReadableSummary(who, visible_summary(summary.view(), who.readable())))
    return found


def show_summaries(
    items: list[ReadableSummary], store: CaseHistoryStore, access: RequestAccess
) -> list[CaseSummaryPublic]:
    """The summaries as answered, each logged with the field groups it carries."""
    shown = []
    # The summary is a fold of the case's entries: they are what it is held by (one read for the page).
    bases = store.held_bases([UUID(str(item.view["case_id"])) for item in items])
    for item in items:
        groups = groups_shown([], item.view)
        case_id = UUID(str(item.view["case_id"]))
        if groups:
            held = [e for e in bases.get(case_id, []) if group_of(e) in groups]
            access.shown(item.who, case_id, groups, bases_by_group(held))
        shown.append(CaseSummaryPublic.model_validate(item.view))
    return shown
