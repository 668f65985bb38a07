"""Routes that read this service's projection of the shared case history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from shared.access import Relation
from shared.access.decide import ReachLookup
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
from shared.http.errors import LIST_RESPONSES, UNEVALUABLE, WAITING_READ_RESPONSES
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
    who = access.read(principal, reach, case_id)
    summary = store.summary(case_id)
    if summary is None:
        raise CaseNotFoundError(case_id)
    readable = who.readable()
    entries = visible_entries(store.timeline(case_id), readable)
    view = visible_summary(summary.view(), readable)
    access.shown(who, case_id, groups_shown(entries, view), bases_by_group(entries))
    return CaseHistoryPublic(
        case_id=case_id,
        summary=CaseSummaryPublic.model_validate(view),
        timeline=[TimelineEntryPublic(**e.__dict__) for e in entries],
        projection=state,
    )


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
    entries = visible_entries(store.timeline(case_id), who.readable())
    if not entries:
        raise CaseNotFoundError(case_id)
    result = PerspectivePublic(case_id=case_id, **dict(evaluate_held(entries, on)))
    access.shown(who, case_id, groups_shown(entries), bases_by_group(entries))  # evaluated on all of them
    return result


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
        summaries = [s for s in (store.summary(c) for c in own[offset : offset + limit]) if s is not None]
    found = []
    for summary in summaries:
        who = Authorised.of(principal, rights, reach.of_case(UUID(summary.case_id)))
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
