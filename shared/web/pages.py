"""The pages: "Meine Fälle" and the case page with its Perspektive panel.

Each page reads through the same functions as the API's case views
(``shared/http/case_views.py``): the same function-level check (403 page), the same
object-level check (404 page for a case out of reach, like an unknown one), the same
visibility per field group, and the same access-log entries, with the page's route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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
from shared.http.case_views import ReadableSummary, read_history, read_perspective, readable_summaries, show_summaries
from shared.http.errors import UnevaluableHistoryError
from shared.http.schemas import CaseHistoryPublic, CaseSummaryPublic, PerspectivePublic, ProjectionState
from shared.identity.principal import Principal
from shared.projection.case_history_store import CaseHistoryStore
from shared.web import labels
from shared.web.auth import CallerDep, PageCaller, WebContext, WebDep

FILTER_WINDOW = 1000
"""With a filter, the newest this many cases in reach are filtered (then paged)."""
DUE_DAYS = 30
STAFF_ID = re.compile(r"st-[a-z0-9]{1,30}")
HIDDEN_FIELDS = frozenset({"case_id", "corrects", "file_id", "person_id"})
NOTHING: tuple[Any, ...] = (None, [], {}, "")


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


def _responsible(item: ReadableSummary) -> list[str]:
    reach = item.who.reach
    staff = sorted(reach.assignees)
    if reach.kim_case_manager and reach.kim_case_manager not in staff:
        staff.append(reach.kim_case_manager)
    return staff


def _due_on(summary: CaseSummaryPublic) -> date | None:
    ends = [p.valid_until for p in (summary.tolerated_stay, summary.residence_permit) if p is not None]
    return min(ends) if ends else None


def _matches(item: ReadableSummary, filters: CaseFilters, me: str | None, day: date) -> bool:
    summary = CaseSummaryPublic.model_validate(item.view)
    status = summary.case.status if summary.case else "none"
    if filters.status and status != filters.status:
        return False
    who = me if filters.responsible == "me" else filters.responsible
    if filters.responsible and (who is None or who not in _responsible(item)):
        return False
    due = _due_on(summary)
    return not filters.due or (due is not None and day <= due <= day + timedelta(days=DUE_DAYS))


@dataclass(frozen=True)
class CaseRow:
    summary: CaseSummaryPublic
    responsible: list[str]
    due_on: date | None


def cases_page(
    principal: Principal,
    ctx: WebContext,
    store: CaseHistoryStore,
    reach: ReachLookup,
    access: RequestAccess,
    filters: CaseFilters,
) -> tuple[list[CaseRow], bool]:
    """One page of the cases in reach that match the filters; only the shown ones are logged."""
    size = ctx.settings.page_size
    start = (filters.page - 1) * size
    if filters.active:
        found = readable_summaries(principal, ctx.service, store, reach, FILTER_WINDOW, 0)
        day = today()
        found = [i for i in found if _matches(i, filters, principal.staff_id, day)][start : start + size + 1]
    else:
        found = readable_summaries(principal, ctx.service, store, reach, size + 1, start)
    chosen = found[:size]
    shown = show_summaries(chosen, store, access)
    access.flush()
    return [CaseRow(s, _responsible(i), _due_on(s)) for s, i in zip(shown, chosen, strict=True)], len(found) > size


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
    from shared.web.rendering import date_de

    return date_de(value)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value).strftime("%d.%m.%Y")
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
    history = read_history(principal, ctx.service, reach, store, access, case_id, state)
    perspective, error = read_panel(principal, ctx, store, reach, access, case_id, on)
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
        return None, "Für diesen Fall liegen in Ihrer Sicht keine auswertbaren Einträge vor."


def request_access(request: Request, principal: Principal) -> RequestAccess:
    """The access log of a page request, as the API's ``get_access`` builds it (route template, caller)."""
    route = request.scope.get("route")
    template = getattr(route, "path", "?")
    entries = ReadEntries(
        request.app.state.service, accessor_of(principal), f"{request.method} {template}", datetime.now(UTC)
    )
    return RequestAccess(request.app.state.container.access_log, entries)


def pages_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)

    def refused(request: Request, caller: PageCaller, run: Any) -> Any:
        """Run a read; the API's 403 and 404 as German pages."""
        try:
            return run()
        except HTTPException as exc:
            if exc.status_code == 403:
                return ctx.renderer.error(request, ctx, 403, caller=caller)
            raise
        except CaseNotFoundError:
            return ctx.renderer.error(request, ctx, 404, caller=caller)

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
            rows, more = cases_page(caller.principal, web, container.store, container.reach, access, filters)
            values = {"title": "Meine Fälle", "rows": rows, "more": more, "filters": filters}
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
            values = {"title": "Fall", "case": found, "case_id": case_id, "on": day, "on_error": error, "forms": forms}
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

    return router
