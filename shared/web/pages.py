"""The pages: "Meine Fälle" and the case page with its Perspektive panel ("Fristen": ``shared/web/fristen.py``).

Each page reads through the same functions as the API's case views
(``shared/http/case_views.py``): the same function-level check (403 page), the same
object-level check (404 page for a case out of reach, like an unknown one), the same
visibility per field group, and the same access-log entries, with the page's route.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from shared.access.decide import ReachLookup
from shared.access.log import ReadEntries
from shared.clock import today
from shared.errors import CaseNotFoundError
from shared.events.common import EARLIEST_DATE, LATEST_DATE
from shared.http.access_log import RequestAccess, accessor_of
from shared.http.case_views import (
    NOTHING_TO_EVALUATE_DE,
    ReadableSummary,
    read_case,
    read_perspective,
    readable_summaries,
)
from shared.http.errors import UnevaluableHistoryError
from shared.http.schemas import CaseHistoryPublic, CaseSummaryPublic, PerspectivePublic, ProjectionState
from shared.identity.principal import Principal
from shared.perspective.deadlines import CaseDeadline, due_within
from shared.projection.case_history_store import CaseHistoryStore
from shared.web import labels
from shared.web.auth import CallerDep, PageCaller, WebContext, WebDep
from shared.web.deadlines import CaseDeadlines, deadlines_of, first_matching, show, works_on
from shared.web.rendering import date_de

FILTER_WINDOW = 1000
"""With a filter, the newest this many cases in reach are filtered (then paged)."""
DUE_DAYS = 30
STAFF_ID = re.compile(r"st-[a-z0-9]{1,30}")
HIDDEN_FIELDS = frozenset({"case_id", "corrects", "file_id", "person_id"})
NOTHING: tuple[Any, ...] = (None, [], {}, "")


@dataclass(frozen=True)
class PanelView:
    """A panel of the case page: its template (included after the summary) and the values it shows."""

    template: str
    values: dict[str, Any]


CasePanel = Callable[[Request, Principal, WebContext, RequestAccess, UUID], PanelView | None]
"""Builds a service's own panel of a case page (``WebContext.case_panels``); None: nothing to show.
It reads through the same functions as the API and logs what it shows on ``access``."""


@dataclass(frozen=True)
class CaseFilters:
    """The filters of "Meine Fälle", validated; ``errors`` by field name, in German."""

    status: str = ""
    responsible: str = ""
    due: bool = False
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.status or self.responsible or self.due)

    @classmethod
    def parse(cls, status: str, responsible: str, due: str, page: str) -> CaseFilters:
        errors: dict[str, str] = {}
        if status not in ("", "open", "closed", "none"):
            errors["status"] = "Bitte einen der angebotenen Stände wählen."
            status = ""
        responsible = responsible.strip()
        if responsible not in ("", "me") and not STAFF_ID.fullmatch(responsible):
            errors["responsible"] = "Bitte eine Personalkennung wie st-ab12cd angeben."
            responsible = ""
        number = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
        return cls(status, responsible, due == "30", number, errors)


def responsible_of(item: ReadableSummary) -> list[str]:
    """Who works on the case here: its assignees (and deputies standing in), then its KIM case manager."""
    reach = item.who.reach
    staff = sorted(reach.assignees)
    if reach.kim_case_manager and reach.kim_case_manager not in staff:
        staff.append(reach.kim_case_manager)
    return staff


def _matches(item: ReadableSummary, filters: CaseFilters, me: str | None) -> bool:
    """The filters that need the summary only (the deadline filter needs the deadlines: :func:`_due`)."""
    summary = item.view.get("case") or {}
    status = summary.get("status", "none")
    if filters.status and status != filters.status:
        return False
    who = me if filters.responsible == "me" else filters.responsible
    return not filters.responsible or (who is not None and who in responsible_of(item))


def _due(case: CaseDeadlines) -> bool:
    return bool(due_within(case.deadlines, DUE_DAYS))


@dataclass(frozen=True)
class CaseRow:
    summary: CaseSummaryPublic
    responsible: list[str]
    next_deadline: CaseDeadline | None
    """The most pressing deadline (an overdue one first), the same as on the page "Fristen"."""


@dataclass(frozen=True)
class CasesPage:
    rows: list[CaseRow]
    more: bool
    bounded: bool
    """A filter ran over the newest :data:`FILTER_WINDOW` cases in reach, and there are more."""


def cases_page(
    principal: Principal,
    ctx: WebContext,
    store: CaseHistoryStore,
    reach: ReachLookup,
    access: RequestAccess,
    filters: CaseFilters,
) -> CasesPage:
    """One page of the cases in reach that match the filters; only the shown ones are logged."""
    size = ctx.settings.page_size
    start = (filters.page - 1) * size
    day = today()
    bounded = False
    mine = works_on(principal.staff_id)  # the Perspektive's deadlines: of one's own cases (docs/web.md "Fristen")
    if filters.active:
        found = readable_summaries(principal, ctx.service, store, reach, FILTER_WINDOW + 1, 0)
        bounded, found = len(found) > FILTER_WINDOW, found[:FILTER_WINDOW]
        found = [i for i in found if _matches(i, filters, principal.staff_id)]
        if filters.due:
            matching = first_matching(found, store, day, _due, start + size + 1, mine)[start:]
            chosen, more = matching[:size], len(matching) > size
        else:
            window = found[start : start + size + 1]
            chosen, more = deadlines_of(window[:size], store, day, mine), len(window) > size
    else:
        window = readable_summaries(principal, ctx.service, store, reach, size + 1, start)
        chosen, more = deadlines_of(window[:size], store, day, mine), len(window) > size
    shown = show(chosen, store, access)
    access.flush()
    rows = [CaseRow(s, responsible_of(c.item), c.next) for s, c in zip(shown, chosen, strict=True)]
    return CasesPage(rows, more, bounded)


@dataclass(frozen=True)
class TimelineRow:
    event_id: UUID
    label: str
    source: str
    valid_on: date | None
    recorded_at: datetime
    fields: list[tuple[str, str]]
    corrects: str | None
    corrected_by: str | None


def timeline_rows(history: CaseHistoryPublic) -> list[TimelineRow]:
    """The timeline as shown: valid time apart from recorded time, corrections named both ways."""
    by_id = {e.event_id: e for e in history.timeline}
    corrected_by: dict[str, str] = {}
    for entry in history.timeline:
        target = entry.data.get("corrects")
        if target:
            corrected_by[str(target)] = labels.event_de(entry.type) + ", erfasst am " + _when(entry.recorded_at)
    rows = []
    for entry in history.timeline:
        target = entry.data.get("corrects")
        corrected = by_id.get(UUID(str(target))) if target else None
        rows.append(
            TimelineRow(
                event_id=entry.event_id,
                label=labels.event_de(entry.type),
                source=labels.DEPARTMENTS_DE[entry.source],
                valid_on=entry.valid_on,
                recorded_at=entry.recorded_at,
                fields=[(k, _value(v)) for k, v in entry.data.items() if k not in HIDDEN_FIELDS and v not in NOTHING],
                corrects=(labels.event_de(corrected.type) + ", erfasst am " + _when(corrected.recorded_at))
                if corrected
                else ("einen früheren Eintrag" if target else None),
                corrected_by=corrected_by.get(str(entry.event_id)),
            )
        )
    return rows


def _when(value: datetime) -> str:
    return date_de(value)


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _value(value: Any) -> str:
    if isinstance(value, str):
        if len(value) != 10 or not ISO_DAY.fullmatch(value):
            return value
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def parse_on(value: str | None) -> tuple[date, str | None]:
    """The evaluation date of the Perspektive (today if absent); an error in German if it is not a plausible date."""
    if not value:
        return today(), None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return today(), "Bitte ein Datum im Format TT.MM.JJJJ wählen."
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return today(), f"Bitte ein Datum zwischen {EARLIEST_DATE:%d.%m.%Y} und {LATEST_DATE:%d.%m.%Y} wählen."
    return day, None


@dataclass
class CasePage:
    history: CaseHistoryPublic
    timeline: list[TimelineRow]
    withheld: bool
    perspective: PerspectivePublic | None
    perspective_error: str | None


def case_page(
    principal: Principal,
    ctx: WebContext,
    store: CaseHistoryStore,
    reach: ReachLookup,
    access: RequestAccess,
    case_id: UUID,
    on: date,
) -> CasePage:
    state = ProjectionState(reached=True, waited_s=0.0)
    read = read_case(principal, ctx.service, reach, store, access, case_id, on, state)
    history, perspective, error = read.history, read.perspective, read.perspective_error
    with store.transaction() as tx:  # a pointer only: no content, no category is shown
        withheld = bool(tx.withheld(case_id))
    access.flush()
    return CasePage(history, timeline_rows(history), withheld, perspective, error)


def read_panel(
    principal: Principal,
    ctx: WebContext,
    store: CaseHistoryStore,
    reach: ReachLookup,
    access: RequestAccess,
    case_id: UUID,
    on: date,
) -> tuple[PerspectivePublic | None, str | None]:
    try:
        return read_perspective(principal, ctx.service, reach, store, access, case_id, on), None
    except UnevaluableHistoryError as error:
        return None, str(error)
    except CaseNotFoundError:
        return None, NOTHING_TO_EVALUATE_DE


def request_access(request: Request, principal: Principal) -> RequestAccess:
    """The access log of a page request, as the API's ``get_access`` builds it (route template, caller)."""
    route = request.scope.get("route")
    template = getattr(route, "path", "?")
    entries = ReadEntries(
        request.app.state.service, accessor_of(principal), f"{request.method} {template}", datetime.now(UTC)
    )
    return RequestAccess(request.app.state.container.access_log, entries)


def refused_as_pages(ctx: WebContext) -> Callable[[Request, PageCaller, Callable[[], Any]], Any]:
    """Runs a page's read; the API's 403 and 404 as German pages."""

    def refused(request: Request, caller: PageCaller, run: Callable[[], Any]) -> Any:
        try:
            return run()
        except HTTPException as exc:
            if exc.status_code == 403:
                return ctx.renderer.error(request, ctx, 403, caller=caller)
            raise
        except CaseNotFoundError:
            return ctx.renderer.error(request, ctx, 404, caller=caller)

    return refused


def pages_router(ctx: WebContext) -> APIRouter:
    from shared.web.fristen import add_deadlines_page  # it builds on this module's helpers

    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)
    refused = refused_as_pages(ctx)

    @router.get("/")
    async def my_cases(
        request: Request,
        caller: CallerDep,
        web: WebDep,
        status: str = "",
        responsible: str = "",
        due: str = "",
        page: str = "1",
    ) -> Response:
        filters = CaseFilters.parse(status, responsible, due, page)
        container = request.app.state.container
        access = request_access(request, caller.principal)

        def build() -> Any:
            found = cases_page(caller.principal, web, container.store, container.reach, access, filters)
            values = {"title": "Meine Fälle", "rows": found.rows, "more": found.more, "filters": filters}
            values |= {"bounded": found.bounded, "window": FILTER_WINDOW}
            template = "_cases_table.html" if request.headers.get("HX-Request") else "cases.html"
            return web.renderer.page(request, web, template, values, caller)

        return await run_in_threadpool(refused, request, caller, build)

    @router.get("/cases/{case_id}")
    async def case(request: Request, case_id: UUID, caller: CallerDep, web: WebDep, on: str = "") -> Response:
        day, error = parse_on(on)
        container = request.app.state.container
        access = request_access(request, caller.principal)

        def build() -> Any:
            from shared.web.forms import case_forms  # the forms import the pages' helpers

            found = case_page(caller.principal, web, container.store, container.reach, access, case_id, day)
            forms = case_forms(request, caller.principal, web, case_id)
            panels = [
                p for p in (build(request, caller.principal, web, access, case_id) for build in web.case_panels) if p
            ]
            access.flush()
            values = {"title": "Fall", "case": found, "case_id": case_id, "on": day, "on_error": error, "forms": forms}
            values["panels"] = panels
            return web.renderer.page(request, web, "case.html", values, caller)

        return await run_in_threadpool(refused, request, caller, build)

    @router.get("/cases/{case_id}/perspective")
    async def perspective(request: Request, case_id: UUID, caller: CallerDep, web: WebDep, on: str = "") -> Response:
        if not request.headers.get("HX-Request"):
            return RedirectResponse(web.url(f"/cases/{case_id}") + (f"?on={on}" if on else ""), status_code=303)
        day, error = parse_on(on)
        container = request.app.state.container
        access = request_access(request, caller.principal)

        def build() -> Any:
            reach, store = container.reach, container.store
            found, panel_error = read_panel(caller.principal, web, store, reach, access, case_id, day)
            access.flush()
            values = {"perspective": found, "perspective_error": panel_error, "case_id": case_id, "on": day}
            return web.renderer.page(request, web, "_perspective.html", values | {"on_error": error}, caller)

        return await run_in_threadpool(refused, request, caller, build)

    add_deadlines_page(router, ctx)
    return router
