"""The page "Fristen" (``GET /<slug>/ui/fristen``): upcoming deadlines, soonest first.

- A member of staff sees the deadlines of their own cases: those they are assigned to or
  deputise on here, or manage as KIM case manager (``ReachLookup.own_cases``).
- The department's team lead (role ``team_lead`` and the department's group) sees the
  team's deadlines: every case of the department someone is assigned to, with who is
  responsible and a filter by person; and, apart, the cases nobody is assigned to (the list
  of ``GET /<service>/inbox``, ``ReachLookup.unassigned``) with their most pressing deadline.
- Anyone without a read right in the service: the German 403 page.

The Perspektive is evaluated for the cases a person works on: the caller's own cases, or, in
the team lead's list, those of the person chosen (without one, the team's list holds the
title and consent deadlines only, and says so); the unassigned cases shown are evaluated too.

The deadlines are computed over at most the newest :data:`~shared.web.pages.FILTER_WINDOW`
cases in reach (the page says so when there are more), as the filters of "Meine Fälle" are;
what each reader may see of a case, and what is logged for the cases a page shows, is
decided in ``shared/web/deadlines.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from shared.access import roles_of
from shared.access.decide import ReachLookup
from shared.clock import today
from shared.http.access import forbidden, may_read_in_service
from shared.http.access_log import RequestAccess
from shared.http.case_views import readable_cases, readable_summaries
from shared.identity.principal import Principal
from shared.identity.roles import Role
from shared.perspective.deadlines import KINDS_DE, PAST_DUE_DAYS, CaseDeadline, DeadlineKind, merged
from shared.projection.case_history_store import CaseHistoryStore
from shared.service import Service
from shared.web.auth import CallerDep, WebContext, WebDep
from shared.web.deadlines import CaseDeadlines, deadlines_of, show, works_on
from shared.web.pages import FILTER_WINDOW, STAFF_ID, refused_as_pages, request_access, responsible_of

HORIZONS = (30, 90, 365)
"""The horizons offered, in days from today; the first is the default."""


def is_team_lead(principal: Principal, service: Service) -> bool:
    """The department's team lead: the role plus the department's group (as for the inbox)."""
    return Role.TEAM_LEAD in roles_of(principal.roles) and service.value in principal.departments


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) <= 100_000 else 1


@dataclass(frozen=True)
class DeadlineFilters:
    """The filters of "Fristen", validated; ``errors`` by field name, in German."""

    horizon: int = HORIZONS[0]
    kind: str = ""
    person: str = ""
    page: int = 1
    open_page: int = 1
    """The page of the section "Ohne Zuständigkeit"."""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, horizon: str, kind: str, person: str, page: str, open_page: str) -> DeadlineFilters:
        errors: dict[str, str] = {}
        days = int(horizon) if horizon.isdigit() else HORIZONS[0]
        if horizon and days not in HORIZONS:
            errors["horizon"] = "Bitte einen der angebotenen Zeiträume wählen."
            days = HORIZONS[0]
        if kind not in ("", *(k.value for k in DeadlineKind)):
            errors["kind"] = "Bitte eine der angebotenen Arten wählen."
            kind = ""
        person = person.strip()
        if person and not STAFF_ID.fullmatch(person):
            errors["person"] = "Bitte eine Personalkennung wie st-ab12cd angeben."
            person = ""
        return cls(days, kind, person, _page_number(page), _page_number(open_page), errors)

    def query(self, **changes: Any) -> str:
        """The query string of this page with ``changes`` (the pager's links)."""
        chosen = replace(self, **changes)
        values = {"horizon": chosen.horizon, "kind": chosen.kind, "person": chosen.person}
        values |= {"page": chosen.page, "open_page": chosen.open_page}
        return urlencode({k: v for k, v in values.items() if v not in ("", 1) or k == "horizon"})

    def keeps(self, deadline: CaseDeadline) -> bool:
        return deadline.days_left <= self.horizon and (not self.kind or deadline.kind.value == self.kind)


@dataclass(frozen=True)
class DeadlineRow:
    deadline: CaseDeadline
    responsible: list[str]


@dataclass(frozen=True)
class UnassignedRow:
    """An entry of the team lead's inbox: the subject (intake: the case; a department: its file) and its case."""

    subject_id: UUID
    case_id: UUID | None
    in_view: bool
    """The case is in this view (its page can be opened)."""
    next_deadline: CaseDeadline | None


@dataclass
class DeadlinesPage:
    team: bool
    rows: list[DeadlineRow]
    more: bool
    bounded: bool
    """There are more than :data:`FILTER_WINDOW` cases in reach: the newest of them were looked at."""
    persons: list[str] = field(default_factory=list)
    unassigned: list[UnassignedRow] = field(default_factory=list)
    unassigned_more: bool = False
    unevaluable: int = 0
    """Cases whose Perspektive cannot be evaluated (their pathway deadlines are missing)."""
    cases: int = 0
    """Cases looked at."""
    perspective_left_out: int = 0
    """Cases whose Perspektive was not evaluated (the team lead's list without a person chosen)."""


def deadlines_page(
    principal: Principal,
    ctx: WebContext,
    store: CaseHistoryStore,
    reach: ReachLookup,
    access: RequestAccess,
    filters: DeadlineFilters,
    day: date,
) -> DeadlinesPage:
    """The page's deadlines; only the cases shown are logged."""
    service = ctx.service
    if not may_read_in_service(principal, service):
        raise forbidden()
    team = is_team_lead(principal, service)
    persons: list[str] = []
    with_perspective = works_on(principal.staff_id)
    if team:
        found = readable_summaries(principal, service, store, reach, FILTER_WINDOW + 1, 0)
        bounded, found = len(found) > FILTER_WINDOW, found[:FILTER_WINDOW]
        found = [item for item in found if item.who.reach.assignees]
        persons = sorted({person for item in found for person in responsible_of(item)})
        if filters.person:
            found = [item for item in found if filters.person in responsible_of(item)]
            with_perspective = works_on(filters.person)
    else:
        own = reach.own_cases(principal.staff_id) if principal.staff_id else []
        bounded = len(own) > FILTER_WINDOW
        found = readable_cases(principal, service, store, reach, own[:FILTER_WINDOW])
    cases = deadlines_of(found, store, day, with_perspective)
    by_case = {case.case_id: case for case in cases}
    listed = merged([[d for d in case.deadlines if filters.keeps(d)] for case in cases])
    size = ctx.settings.page_size
    start = (filters.page - 1) * size
    chosen = listed[start : start + size]
    shown = list({d.case_id: by_case[d.case_id] for d in chosen}.values())
    show(shown, store, access)
    rows = [DeadlineRow(d, responsible_of(by_case[d.case_id].item)) for d in chosen]
    page = DeadlinesPage(team, rows, len(listed) > start + size, bounded, persons)
    page.unevaluable = sum(1 for case in cases if case.unevaluable)
    page.cases = len(cases)
    page.perspective_left_out = sum(1 for case in cases if case.perspective_left_out)
    if team:
        page.unassigned, page.unassigned_more = _unassigned(principal, ctx, store, reach, access, filters, day)
    access.flush()
    return page


def _unassigned(
    principal: Principal,
    ctx: WebContext,
    store: CaseHistoryStore,
    reach: ReachLookup,
    access: RequestAccess,
    filters: DeadlineFilters,
    day: date,
) -> tuple[list[UnassignedRow], bool]:
    """The team lead's inbox (the list of ``GET /<service>/inbox``), each with its most pressing deadline."""
    size = ctx.settings.page_size
    waiting = reach.unassigned(size + 1, (filters.open_page - 1) * size)
    chosen = waiting[:size]
    linked = [case_id for _, case_id in chosen if case_id is not None]
    items = readable_cases(principal, ctx.service, store, reach, linked)
    cases: dict[UUID, CaseDeadlines] = {case.case_id: case for case in deadlines_of(items, store, day)}
    show(list(cases.values()), store, access)
    rows = [
        UnassignedRow(subject, case_id, case_id in cases, cases[case_id].next if case_id in cases else None)
        for subject, case_id in chosen
    ]
    return rows, len(waiting) > size


def add_deadlines_page(router: APIRouter, ctx: WebContext) -> None:
    """The page's route, on the pages' router (under its prefix, so the access log names the whole route)."""
    refused = refused_as_pages(ctx)

    @router.get("/fristen")
    async def deadlines(
        request: Request,
        caller: CallerDep,
        web: WebDep,
        horizon: str = "",
        kind: str = "",
        person: str = "",
        page: str = "1",
        open_page: str = "1",
    ) -> Response:
        filters = DeadlineFilters.parse(horizon, kind, person, page, open_page)
        container = request.app.state.container
        access = request_access(request, caller.principal)

        def build() -> Any:
            day = today()
            found = deadlines_page(caller.principal, web, container.store, container.reach, access, filters, day)
            values = {"title": "Fristen", "found": found, "filters": filters, "today": day}
            values |= {"horizons": HORIZONS, "kinds": KINDS_DE, "window": FILTER_WINDOW, "past_days": PAST_DUE_DAYS}
            template = "_fristen_table.html" if request.headers.get("HX-Request") else "fristen.html"
            status = 422 if filters.errors else 200
            return web.renderer.page(request, web, template, values, caller, status=status)

        return await run_in_threadpool(refused, request, caller, build)
