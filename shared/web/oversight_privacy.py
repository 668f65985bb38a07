"""The data-protection officer's pages (and the access log for whoever may read it here).

- ``GET  /<service>/ui/datenschutz/zugriffe``        the access log, by case, actor, period and outcome, paged by
  entry id: for whoever the access table lets read the field group ``access_log`` in this service (the
  data-protection officer, auditors, the department's team lead), as ``GET /<service>/access-log``. The read is
  logged itself, as the API's is (one entry per case the page names).
- ``GET  /<service>/ui/datenschutz/break-glass``     grants awaiting review (role ``data_protection_officer``).
- ``POST /<service>/ui/datenschutz/break-glass/{grant_id}/pruefung``  (CSRF) the review, with a note: the same
  use case as ``POST /<service>/break-glass/{grant_id}/review``.
- ``GET  /<service>/ui/datenschutz/admin-events``    Keycloak's role and group changes (role
  ``data_protection_officer``); a German notice when Keycloak's admin API cannot be asked.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from shared.access import FieldGroup, Relation, roles_of
from shared.access.break_glass import (
    Approver,
    BreakGlass,
    BreakGlassInputError,
    BreakGlassNotAllowedError,
    BreakGlassNotFoundError,
    BreakGlassStateError,
)
from shared.access.log import AccessQuery, LoggedAccess, Outcome
from shared.application.break_glass import BreakGlassApplication, ReviewBreakGlass
from shared.http.access import Authorised, rights_of
from shared.http.access_log import RequestAccess
from shared.identity.admin_events import RESOURCE_TYPES, AdminEvent, AdminEventQuery, AdminEventSource
from shared.identity.principal import Principal
from shared.service import Service
from shared.web.auth import CallerDep, CsrfDep, PageCaller, WebContext
from shared.web.oversight import is_data_protection_officer, may_read_access_log
from shared.web.pages import request_access
from shared.web.rendering import LOCAL_TIME

log = logging.getLogger(__name__)

PAGE_SIZE = 50
ACTOR = re.compile(r"[A-Za-z0-9:._-]{1,100}")
OUTCOMES_DE = {"allowed": "erlaubt", "denied": "verweigert"}
OPERATIONS_DE = {"read": "gelesen", "write": "geschrieben"}
STATES_DE = {
    "pending": "beantragt",
    "lapsed": "verfallen",
    "refused": "abgelehnt",
    "withdrawn": "zurückgezogen",
    "active": "in Kraft",
    "ended": "beendet",
    "expired": "abgelaufen",
}
ADMIN_OPERATIONS_DE = {"CREATE": "angelegt", "UPDATE": "geändert", "DELETE": "entfernt", "ACTION": "Aktion"}
RESOURCES_DE = {
    "REALM_ROLE_MAPPING": "Rollenzuweisung (Realm)",
    "CLIENT_ROLE_MAPPING": "Rollenzuweisung (Client)",
    "REALM_ROLE": "Realm-Rolle",
    "CLIENT_ROLE": "Client-Rolle",
    "GROUP_MEMBERSHIP": "Gruppenmitgliedschaft",
    "GROUP": "Gruppe",
    "USER": "Benutzerkonto",
}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class AccessFilters:
    """The access log's filters, validated; ``errors`` by field name, in German."""

    case: str = ""
    actor: str = ""
    since: str = ""
    until: str = ""
    outcome: str = ""
    after: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, case: str, actor: str, since: str, until: str, outcome: str, after: str) -> AccessFilters:
        errors: dict[str, str] = {}
        case, actor, since, until = case.strip(), actor.strip(), since.strip(), until.strip()
        if case:
            try:
                UUID(case)
            except ValueError:
                errors["case"] = "Bitte die Kennung eines Falls oder einer Akte angeben (UUID)."
        if actor and not ACTOR.fullmatch(actor):
            errors["actor"] = "Bitte eine Personalkennung wie st-ab12cd oder client:<id> angeben."
        for name, value in (("since", since), ("until", until)):
            if value and _day(value) is None:
                errors[name] = "Bitte ein Datum im Format TT.MM.JJJJ wählen."
        first, last = _day(since), _day(until)
        if first and last and last < first and "until" not in errors:
            errors["until"] = "Das Ende des Zeitraums liegt vor seinem Beginn."
        if outcome not in ("", *OUTCOMES_DE):
            errors["outcome"] = "Bitte eines der angebotenen Ergebnisse wählen."
        number = int(after) if after.isdigit() and int(after) < 2**62 else 0
        return cls(case, actor, since, until, outcome, number, errors)

    def query(self) -> AccessQuery | None:
        """The API's query (``until`` is the whole day, local time); None while a filter is invalid."""
        if self.errors:
            return None
        first, last = _day(self.since), _day(self.until)
        return AccessQuery(
            case_id=UUID(self.case) if self.case else None,
            actor=self.actor or None,
            since=datetime.combine(first, time(), LOCAL_TIME) if first else None,
            until=datetime.combine(last + timedelta(days=1), time(), LOCAL_TIME) if last else None,
            outcome=Outcome(self.outcome) if self.outcome else None,
            after_id=self.after,
            limit=PAGE_SIZE + 1,
        )

    def link(self, after: int) -> dict[str, str]:
        values = {"case": self.case, "actor": self.actor, "since": self.since, "until": self.until}
        values |= {"outcome": self.outcome, "after": str(after) if after else ""}
        return {k: v for k, v in values.items() if v}


def read_access_log(
    principal: Principal, service: Service, access: RequestAccess, filters: AccessFilters
) -> list[LoggedAccess]:
    """The API's read of the access log, logged the same way: one entry per case the page names."""
    query = filters.query()
    if query is None:
        return []
    found = access.log.query(query)
    shown = found[:PAGE_SIZE]
    who = Authorised(principal, rights_of(principal, service), Relation.DEPARTMENT)
    subjects = {e.entry.subject_id for e in shown} | ({query.case_id} if query.case_id else set())
    for subject in sorted(s for s in subjects if s is not None):
        access.shown(who, subject, frozenset({FieldGroup.ACCESS_LOG}), {FieldGroup.ACCESS_LOG: "oversight"})
    access.flush()
    return list(found)


def _approver(principal: Principal) -> Approver | None:
    if principal.staff_id is None:
        return None
    return Approver(principal.staff_id, roles_of(principal.roles), principal.departments)


@dataclass(frozen=True)
class ReviewError:
    grant_id: UUID
    message: str
    note: str


def privacy_routes(router: APIRouter, ctx: WebContext) -> None:  # noqa: C901 - one closure per page
    def forbidden(request: Request, caller: PageCaller, who: str) -> Response:
        return ctx.renderer.error(request, ctx, 403, detail=f"Diese Seite ist {who} vorbehalten.", caller=caller)

    dpo_only = "der oder dem Datenschutzbeauftragten"

    @router.get("/datenschutz/zugriffe")
    async def access_log(
        request: Request,
        caller: CallerDep,
        case: str = "",
        actor: str = "",
        since: str = "",
        until: str = "",
        outcome: str = "",
        after: str = "",
    ) -> Response:
        principal = caller.principal
        if not may_read_access_log(principal, ctx.service):
            return forbidden(request, caller, "Datenschutz, Prüfung und der Teamleitung")
        filters = AccessFilters.parse(case, actor, since, until, outcome, after)
        access = request_access(request, principal)
        found = await run_in_threadpool(read_access_log, principal, ctx.service, access, filters)
        rows, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
        values = {
            "title": "Zugriffsprotokoll",
            "rows": rows,
            "more": more,
            "filters": filters,
            "next_query": filters.link(rows[-1].id) if more and rows else None,
            "first_query": filters.link(0) if filters.after else None,
            "outcomes": OUTCOMES_DE,
            "operations": OPERATIONS_DE,
        }
        status = 422 if filters.errors else 200
        return ctx.renderer.page(request, ctx, "oversight/access_log.html", values, caller, status=status)

    def glass_app(request: Request) -> BreakGlassApplication:
        app: BreakGlassApplication = request.app.state.container.break_glass
        return app

    def review_page(
        request: Request, caller: PageCaller, who: Approver, error: ReviewError | None = None, status: int = 200
    ) -> Response:
        app = glass_app(request)
        grants: list[BreakGlass] = app.listed(who, "to-review")
        now = app.now()
        values = {
            "title": "Break-Glass-Prüfung",
            "grants": [(g, STATES_DE.get(g.state(now).value, g.state(now).value), g.in_force(now)) for g in grants],
            "error": error,
            "done": request.query_params.get("geprueft") == "1" and error is None,
        }
        return ctx.renderer.page(request, ctx, "oversight/break_glass.html", values, caller, status=status)

    @router.get("/datenschutz/break-glass")
    async def break_glass(request: Request, caller: CallerDep) -> Response:
        who = _approver(caller.principal)
        if who is None or not is_data_protection_officer(caller.principal):
            return forbidden(request, caller, dpo_only)
        return await run_in_threadpool(review_page, request, caller, who)

    @router.post("/datenschutz/break-glass/{grant_id}/pruefung")
    async def review(request: Request, grant_id: UUID, caller: CsrfDep) -> Response:
        who = _approver(caller.principal)
        if who is None or not is_data_protection_officer(caller.principal):
            return forbidden(request, caller, dpo_only)
        form = await request.form()
        value = form.get("note")
        note = value if isinstance(value, str) else ""

        def act() -> Response:
            try:
                command = ReviewBreakGlass(note=note)
            except ValidationError:
                message = "Bitte einen Prüfvermerk mit 1 bis 2000 Zeichen angeben."
                return review_page(request, caller, who, ReviewError(grant_id, message, note), 422)
            try:
                glass_app(request).review(grant_id, who, command)
            except BreakGlassNotFoundError:
                return ctx.renderer.error(request, ctx, 404, detail="Diesen Antrag gibt es nicht.", caller=caller)
            except (BreakGlassNotAllowedError, BreakGlassStateError, BreakGlassInputError) as exc:
                status = 409 if isinstance(exc, BreakGlassStateError) else 422
                return review_page(request, caller, who, ReviewError(grant_id, str(exc), note), status)
            return RedirectResponse(ctx.url("/datenschutz/break-glass?geprueft=1"), status_code=303)

        return await run_in_threadpool(act)

    @router.get("/datenschutz/admin-events")
    async def admin_events(request: Request, caller: CallerDep, date_from: str = "", date_to: str = "") -> Response:
        if not is_data_protection_officer(caller.principal):
            return forbidden(request, caller, dpo_only)
        errors: dict[str, str] = {}
        first, last = _day(date_from) if date_from else None, _day(date_to) if date_to else None
        if date_from and first is None:
            errors["date_from"] = "Bitte ein Datum im Format TT.MM.JJJJ wählen."
        if date_to and last is None:
            errors["date_to"] = "Bitte ein Datum im Format TT.MM.JJJJ wählen."
        events: list[AdminEvent] = []
        unavailable = False
        source: AdminEventSource | None = getattr(request.app.state.container, "admin_events", None)
        if source is None:
            unavailable = True
        elif not errors:
            query = AdminEventQuery(resource_types=RESOURCE_TYPES, date_from=first, date_to=last, max=100)
            try:
                events = await run_in_threadpool(source.admin_events, query)
            except Exception:  # noqa: BLE001 - Keycloak's admin API down or refusing: a German notice, never a 500
                log.warning("web: Keycloak's admin events cannot be read", exc_info=True)
                unavailable = True
        values = {
            "title": "Rollen- und Gruppenänderungen",
            "events": events,
            "unavailable": unavailable,
            "errors": errors,
            "date_from": date_from,
            "date_to": date_to,
            "operations": ADMIN_OPERATIONS_DE,
            "resources": RESOURCES_DE,
        }
        status = 422 if errors else 503 if unavailable else 200
        return ctx.renderer.page(request, ctx, "oversight/admin_events.html", values, caller, status=status)
