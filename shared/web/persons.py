"""Intake's pages to find and register a person, and the case page's "Person" panel.

- ``GET  /intake/ui/personen`` "Person suchen": a GET form (Familienname, Vornamen,
  Geburtsdatum, Fallnummer) and the matches in the caller's reach, each linking to its case.
- ``GET  /intake/ui/personen/neu`` "Person erfassen": the form of ``RegisterPerson`` (generated
  by ``shared/web/form_build.py`` from the command table).
- ``POST /intake/ui/personen/neu`` (CSRF): parse and validate (422, German messages beside the
  fields), then the duplicate check; likely matches are shown with their cases and the
  registration waits for the confirmation "Keine dieser Personen ist die zu erfassende Person –
  neu erfassen" (a second submit of the same values). Then the command runs through
  ``shared/http/commands.py`` ``run_command`` as the API's route runs it (``shared/web/form_submit.py``:
  authorisation, idempotency key per rendered form, access-log entry in the transaction of the
  events); the page waits, bounded, until intake's view holds the new case and sends the browser there.

Search, duplicate check and the panel read through ``shared/http/person_views.py``, as the API
does: the same rights, the same reach, one access-log entry per case shown. Search terms are
never logged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from shared.access import command_group
from shared.application.catalogue import AnyCommand, NewCaseCommand
from shared.clock import today
from shared.errors import CaseNotFoundError
from shared.http.access import body_model
from shared.http.access_log import RequestAccess
from shared.http.person_views import (
    ShownMatch,
    check_duplicates,
    find_persons,
    may_register,
    may_search,
    read_person,
)
from shared.http.schemas import CommandAccepted
from shared.http.waiting import parse_position
from shared.identity.principal import Principal
from shared.persons import Registration
from shared.service import Service
from shared.web.auth import CallerDep, CsrfDep, PageCaller, WebContext, WebDep
from shared.web.form_build import command_form
from shared.web.form_errors import validation_errors
from shared.web.form_input import parse_form
from shared.web.form_model import CommandForm, FormState
from shared.web.form_submit import Refused, form_command, posted_key, submitted
from shared.web.navigation import NavItem, register
from shared.web.pages import PanelView, request_access
from shared.web.person_search import MatchRow, SearchForm, rows_of

SEARCH = "/personen"
NEW = "/personen/neu"
REGISTER = "register_person"
CONFIRM = "keine_dublette"
"""The confirmation that none of the likely matches is the person: the digest of the values it was given for."""
WAIT_S = 5.0
"""How long a registration waits for intake's view to hold the new case before it answers."""

register(NavItem(SEARCH, "Person suchen", may_search, frozenset({Service.INTAKE})))


# --- registering ----------------------------------------------------------------------------------


def register_command(request: Request) -> AnyCommand[Any] | None:
    """The command table's row that registers a person (None: the app has no command table)."""
    commands: Sequence[AnyCommand[Any]] = getattr(request.app.state, "commands", ())
    return next((c for c in commands if isinstance(c, NewCaseCommand) and c.name == REGISTER), None)


def checked_digest(person: Registration) -> str:
    """What the confirmation names: the values the duplicate check was run for."""
    text = "\x1f".join((person.family_name, person.given_names, person.birth_date.isoformat()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class Registering:
    """The register page: the form, and the likely matches waiting for a confirmation."""

    state: FormState
    matches: list[MatchRow] = field(default_factory=list)
    digest: str = ""


def _registration(parsed: BaseModel) -> Registration:
    data = parsed.model_dump()
    return Registration(data["family_name"], data["given_names"], data["birth_date"])


def _answer(request: Request, web: WebContext, caller: PageCaller, page: Registering, status: int = 200) -> Response:
    values = {"title": "Person erfassen", "page": page, "state": page.state, "confirm_field": CONFIRM}
    return web.renderer.page(request, web, "persons/register.html", values, caller, status=status)


def _refused(request: Request, web: WebContext, caller: PageCaller, run: Callable[[], Response]) -> Response:
    """Run a page's work; the API's 403 and 404 as German pages."""
    try:
        return run()
    except HTTPException as exc:
        if exc.status_code == 403:
            return web.renderer.error(request, web, 403, caller=caller)
        raise
    except CaseNotFoundError:
        return web.renderer.error(request, web, 404, caller=caller)


def persons_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)

    @router.get(SEARCH)
    async def search_page(request: Request, caller: CallerDep, web: WebDep) -> Response:
        form = SearchForm.parse(dict(request.query_params))
        container = request.app.state.container
        access = request_access(request, caller.principal)

        def build() -> Response:
            if form.query is None and not may_search(caller.principal, web.service):
                return web.renderer.error(request, web, 403, caller=caller)
            found: list[ShownMatch] | None = None
            if form.query is not None:
                app, reach = container.app, container.reach
                found = find_persons(caller.principal, web.service, reach, access, app, form.query)
                access.flush()
            values = {
                "title": "Person suchen",
                "search": form,
                "rows": rows_of(found) if found is not None else None,
                "may_register": may_register(caller.principal, web.service),
            }
            status = 422 if form.errors or form.general else 200
            return web.renderer.page(request, web, "persons/search.html", values, caller, status=status)

        return await run_in_threadpool(_refused, request, web, caller, build)

    @router.get(NEW)
    async def register_page(request: Request, caller: CallerDep, web: WebDep) -> Response:
        command = register_command(request)
        form = command_form(command) if command is not None else None
        if form is None:
            return web.renderer.error(request, web, 404, caller=caller)
        if not may_register(caller.principal, web.service):
            return web.renderer.error(request, web, 403, caller=caller)
        state = FormState(form, None, values={"registered_on": today().isoformat()})
        return _answer(request, web, caller, Registering(state))

    @router.post(NEW)
    async def register_person(request: Request, caller: CsrfDep, web: WebDep) -> Response:
        command = register_command(request)
        form = command_form(command) if command is not None else None
        if command is None or form is None:
            return web.renderer.error(request, web, 404, caller=caller)
        data = await request.form()
        page, parsed = _parsed(form, command, data)
        if parsed is None:
            return _answer(request, web, caller, page, 422)
        container = request.app.state.container
        access = request_access(request, caller.principal)
        group = command_group(web.service, REGISTER)
        person = _registration(parsed)
        confirmed = data.get(CONFIRM) == checked_digest(person)

        def check() -> list[ShownMatch]:
            access.write(caller.principal, group, None, None)  # the function level first (403, logged)
            if confirmed or not may_search(caller.principal, web.service):
                return []
            found = check_duplicates(caller.principal, web.service, container.reach, access, container.app, person)
            access.flush()
            return found

        try:
            matches = await run_in_threadpool(check)
        except HTTPException as exc:
            if exc.status_code == 403:
                return web.renderer.error(request, web, 403, caller=caller)
            raise
        if matches:
            page.matches, page.digest = rows_of(matches), checked_digest(person)
            return _answer(request, web, caller, page)
        outcome = await submitted(
            page.state,
            form_command(request, web, caller, access, command, page.state.key, None, parsed),
            conflict="Dieses Formular wird gerade schon gespeichert. Bitte einen Moment warten.",
        )
        if isinstance(outcome, Refused):
            return outcome.answer(request, web, caller, lambda status: _answer(request, web, caller, page, status))
        return await _after_saved(request, web, caller, outcome)

    return router


def _parsed(form: CommandForm, command: AnyCommand[Any], data: FormData) -> tuple[Registering, BaseModel | None]:
    """The form's values as entered and the command's body, or None with the errors beside the fields."""
    state = FormState(form, None, posted_key(data))
    parsed = parse_form(form, data)
    state.values, state.errors, state.positions = parsed.entered, parsed.errors, parsed.positions
    if state.errors:
        return Registering(state), None
    try:
        return Registering(state), body_model(command.model).model_validate(parsed.body)
    except ValidationError as exc:
        state.errors, state.general = validation_errors(form, exc, state.positions)
        return Registering(state), None


async def _after_saved(request: Request, web: WebContext, caller: PageCaller, answer: CommandAccepted) -> Response:
    """Wait, bounded, until intake's view holds the new case; then its page, else a page saying it is saved."""
    case_id = answer.case_id
    reached = not answer.position.published
    if answer.position.published:
        source, number = parse_position(answer.position.token)
        wait_s = min(WAIT_S, float(request.app.state.container.read_wait_max_s))
        reached = (await request.app.state.waiting_reads.wait(source, number, wait_s)).reached
    if reached:
        return RedirectResponse(web.url(f"/cases/{case_id}"), status_code=303)
    values = {"title": "Person erfasst", "case_id": case_id}
    return web.renderer.page(request, web, "persons/saved.html", values, caller)


# --- the case page's panel ------------------------------------------------------------------------


def person_panel(
    request: Request, principal: Principal, ctx: WebContext, access: RequestAccess, case_id: UUID
) -> PanelView | None:
    """The person as registered, as far as the caller may read it (``GET /intake/cases/{case_id}/file``'s
    checks and visibility); the read is logged on ``access``. None: nothing the caller may read."""
    container = request.app.state.container
    try:
        found = read_person(principal, container.reach, access, container.app, case_id)
    except CaseNotFoundError:
        return None
    return PanelView("persons/_panel.html", {"person": found}) if found is not None else None


def install_persons(api: FastAPI, ctx: WebContext) -> None:
    """Intake only: the pages "Person suchen" and "Person erfassen", and the case page's panel "Person"."""
    if ctx.service is Service.INTAKE:
        api.include_router(persons_router(ctx))
        ctx.case_panels.append(person_panel)
