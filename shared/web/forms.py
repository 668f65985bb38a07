"""The case page's forms section, and the route that takes a submitted form.

A form for every command of the department's catalogue the caller may run on the case: built
from the service's command table (``api.state.commands``, set by the composition root) and the
command models (``shared/web/form_build.py``), read back from a submit
(``shared/web/form_input.py``), its errors in German beside the fields
(``shared/web/form_errors.py``). A submit runs the very function the API's command routes run
(``shared/web/form_submit.py``: authorisation on both levels, the actors from the login, a
named KIM case checked, the idempotency key, the access-log entry written with the events),
then waits, bounded, until this service's view holds the command's position and re-renders
the timeline. "Weitere Zeile" adds a row to a repeated group without sending anything.

Some commands act on one record of the case (a consent: narrowing, revocation); their
forms are shown there (``shared/web/consents.py``), not in the forms section, and
:class:`FormHook` (``app.state.form_hooks``) adds what they need. Registering a person has
no case yet and a page of its own.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from shared.access import Operation, command_group, relation
from shared.application.catalogue import AnyCommand, NewCaseCommand
from shared.errors import CaseNotFoundError
from shared.http.access import ACTOR_FIELDS, body_model, rights_of
from shared.http.access_log import RequestAccess
from shared.http.case_views import read_history
from shared.http.schemas import CommandAccepted, ProjectionState
from shared.http.waiting import parse_position
from shared.identity.principal import Principal
from shared.service import Service
from shared.web.auth import CsrfDep, PageCaller, WebContext, WebDep
from shared.web.form_build import command_form, new_state
from shared.web.form_errors import validation_errors
from shared.web.form_input import parse_form
from shared.web.form_model import FormState
from shared.web.form_submit import Refused, form_command, posted_key, submitted
from shared.web.pages import PanelView, request_access, timeline_rows

RECORD_FORMS: Mapping[str, tuple[str, str, bool]] = types.MappingProxyType(
    {
        "change_consent_scope": ("einwilligungen", "Einwilligungen", True),
        "revoke_consent": ("einwilligungen", "Einwilligungen", False),
    }
)
"""Commands on one record of the case: their forms are shown with each record, in a section (its id, German
name); the flag: only for whoever may read the records (a revocation is taken without: ``shared/web/consents.py``)."""
WAIT_S = 5.0
"""How long a submit waits for the view to hold the command's position before it answers."""


# --- which forms a caller sees on a case -----------------------------------------------


@dataclass
class FormsPanel:
    """The forms section of a case page."""

    case_id: UUID
    states: list[FormState]
    left_out: list[str]
    subject: UUID | None
    """The file (or intake's case) the forms write to; None: a file must be opened first."""
    message: str | None = None
    elsewhere: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """Forms shown with the records they act on: their titles by section (id, German name)."""


def subjects_of(service: Service, container: Any, case_id: UUID) -> list[UUID]:
    """What the forms of a case write to: intake's case itself, a department's files linked to the case."""
    if service is Service.INTAKE:
        return [case_id]
    return [r.subject_id for r in container.reach.index.rows_of_case(case_id) if r.subject_id != case_id]


def may_write(
    principal: Principal,
    service: Service,
    container: Any,
    name: str,
    subject: UUID | None,
    operation: Operation = Operation.WRITE,
) -> bool:
    """Whether the caller may run the command on the subject (function and object level, as the API decides);
    with ``Operation.READ``: whether they may read what the command writes."""
    rights = rights_of(principal, service)
    group = command_group(service, name)
    if subject is None:
        return rights.may_at_all(group, operation)
    return rights.may(group, operation, relation(principal.staff_id, container.reach.of_subject(subject)))


def forms_panel(
    principal: Principal,
    service: Service,
    container: Any,
    commands: Sequence[AnyCommand[Any]],
    case_id: UUID,
    subject: UUID | None = None,
) -> FormsPanel:
    """The forms the caller may use on this case: the commands on its subject, or opening a file for it."""
    if subject is None:
        found = subjects_of(service, container, case_id)
        subject = found[0] if found else None
    states, left_out = [], []
    elsewhere: dict[tuple[str, str], list[str]] = {}
    for command in commands:
        new = isinstance(command, NewCaseCommand)
        if new and (service is Service.INTAKE or subject is not None):
            continue  # registering a person has no case yet; a second file is opened through the API
        if not new and subject is None:
            continue
        if not may_write(principal, service, container, command.name, None if new else subject):
            continue
        form = command_form(command)
        if form is None:
            left_out.append(command.summary_de)
            continue
        if command.name in RECORD_FORMS:  # shown with the records
            section, section_name, reading = RECORD_FORMS[command.name]
            if not reading or may_write(principal, service, container, command.name, subject, Operation.READ):
                elsewhere.setdefault((section, section_name), []).append(command.summary_de)
            else:
                left_out.append(command.summary_de)
            continue
        states.append(new_state(form, None if new else subject))
    return FormsPanel(case_id, states, left_out, subject, elsewhere=elsewhere)


# --- what a form of one record adds -------------------------------------------------------


@dataclass(frozen=True)
class AfterSave:
    """What a saved form's answer shows: in place of its target (None: the forms section) and out of band."""

    main: PanelView | None = None
    oob: list[PanelView] = field(default_factory=list)


@dataclass(frozen=True)
class FormHook:
    """What a command's form does besides the generic steps (``app.state.form_hooks``, by command name)."""

    prepare: Callable[[Request, Principal, UUID, FormState, FormData], bool] | None = None
    """Complete a submitted form's state from the record it names (dom id, target, context); False: 404.
    Runs in a worker thread; may raise the API's 403/404."""
    check: Callable[[FormState, dict[str, Any]], None] | None = None
    """Add errors beside fields before the command model validates the body."""
    after: Callable[[Request, Principal, WebContext, RequestAccess, UUID, str], AfterSave] | None = None
    """After a save (in a worker thread): the fragments to show, given the German success message."""


def hook_of(request: Request, name: str) -> FormHook:
    hooks: Mapping[str, FormHook] = getattr(request.app.state, "form_hooks", {})
    return hooks.get(name) or FormHook()


# --- the routes --------------------------------------------------------------------------


def forms_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)

    @router.post("/cases/{case_id}/forms/{name}")
    async def submit(request: Request, case_id: UUID, name: str, caller: CsrfDep, web: WebDep) -> Response:
        commands: Sequence[AnyCommand[Any]] = request.app.state.commands
        command = next((c for c in commands if c.name == name), None)
        form = command_form(command) if command is not None else None
        hook = hook_of(request, name)
        if command is None or form is None or (name in RECORD_FORMS and hook.prepare is None):
            return web.renderer.error(request, web, 404, caller=caller)
        data = await request.form()
        new = isinstance(command, NewCaseCommand)
        subject: UUID | None = case_id
        if not new:
            try:
                subject = UUID(str(data.get("subject", "")))
            except ValueError:
                return web.renderer.error(request, web, 404, caller=caller)
        state = FormState(form, None if new else subject, posted_key(data))
        if hook.prepare is not None:
            prepare = hook.prepare
            try:
                known = await run_in_threadpool(lambda: prepare(request, caller.principal, case_id, state, data))
            except HTTPException as exc:
                if exc.status_code == 403:
                    return web.renderer.error(request, web, 403, caller=caller)
                raise
            except CaseNotFoundError:
                known = False
            if not known:
                return web.renderer.error(request, web, 404, caller=caller)
        form = state.form  # a hook may add fields the page asks (a confirmation)
        parsed = parse_form(form, data)
        state.values, state.errors, state.positions = parsed.entered, parsed.errors, parsed.positions
        body = parsed.body
        added = str(data.get("add_row", ""))
        if added:
            return _with_row(request, web, caller, state, added)
        if form.names_case:
            body["case_id"] = str(case_id)
        if hook.check is not None:
            hook.check(state, body)
        valid: BaseModel | None = None
        if not state.errors and not state.general:
            try:
                valid = _validated(command, body, caller.principal)
            except ValidationError as exc:
                state.errors, state.general = validation_errors(form, exc, state.positions)
        if valid is None:
            return form_answer(request, web, caller, state, 422)
        access = request_access(request, caller.principal)
        outcome = await submitted(state, form_command(request, web, caller, access, command, state.key, subject, valid))
        if isinstance(outcome, Refused):
            return outcome.answer(request, web, caller, lambda status: form_answer(request, web, caller, state, status))
        if not request.headers.get("HX-Request"):
            anchor = f"#{state.target.lstrip('#')}" if state.target != "#formulare" else ""
            return RedirectResponse(web.url(f"/cases/{case_id}") + anchor, status_code=303)
        return await _after_success(request, web, caller, case_id, outcome, state, hook)

    return router


def _validated(command: AnyCommand[Any], body: dict[str, Any], principal: Principal) -> BaseModel:
    """The body as the API takes it, checked by the command model's own rules too (those across fields)."""
    parsed = body_model(command.model).model_validate(body)
    actors = ACTOR_FIELDS & set(command.model.model_fields)
    staff = principal.staff_id or "st-formular"  # a caller without a staff id is refused by run_command
    command.model.model_validate(body | dict.fromkeys(actors, staff))
    return parsed


def _with_row(request: Request, web: WebContext, caller: PageCaller, state: FormState, name: str) -> Response:
    """The form again with one more (empty) row in the group ``name``; nothing is sent."""
    group = state.form.field(name)
    if group is None or group.kind != "group":
        return form_answer(request, web, caller, state, 200)
    state.errors, state.general = {}, []
    rows = state.rows(name)
    if len(rows) < group.max_rows:
        rows.append({})
        state.values[name] = rows
        state.focus = state.field_id(f"{name}[{len(rows) - 1}].{group.fields[0].name}")
    return form_answer(request, web, caller, state, 200)


def form_answer(request: Request, web: WebContext, caller: PageCaller, state: FormState, status: int) -> Response:
    """The form again, with its errors (htmx: in place of the form; otherwise a page of its own)."""
    values = {"state": state, "case_id": _case_of(request), "page_form": not request.headers.get("HX-Request")}
    if values["page_form"]:
        return web.renderer.page(
            request, web, "forms/form_page.html", values | {"title": state.form.title}, caller, status=status
        )
    response = web.renderer.page(request, web, "forms/_form.html", values, caller, status=status)
    response.headers["HX-Retarget"] = "#" + state.dom_id
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _case_of(request: Request) -> UUID:
    return UUID(str(request.path_params["case_id"]))


async def _after_success(
    request: Request,
    web: WebContext,
    caller: PageCaller,
    case_id: UUID,
    answer: CommandAccepted,
    saved: FormState,
    hook: FormHook,
) -> Response:
    """Wait, bounded, for the view to hold the command's position; then the forms and the timeline anew."""
    container = request.app.state.container
    position = answer.position
    form = saved.form
    state = ProjectionState(reached=False, waited_s=0.0)
    if position.published:
        source, number = parse_position(position.token)
        wait_s = min(WAIT_S, float(container.read_wait_max_s))
        state = await request.app.state.waiting_reads.wait(source, number, wait_s)
    access = request_access(request, caller.principal)
    commands = request.app.state.commands
    chosen = answer.case_id if form.new else saved.subject
    if state.reached:
        message = f"„{form.title}“ ist gespeichert und steht im Verlauf."
    elif position.published:
        message = (
            f"„{form.title}“ ist gespeichert. Der Verlauf zeigt den Eintrag, sobald diese Sicht ihn erhalten "
            "hat; bitte später neu laden."
        )
    else:
        message = (
            f"„{form.title}“ ist gespeichert. Der Eintrag bleibt in dieser Dienststelle, solange die Akte mit "
            "keinem KIM-Fall verknüpft ist."
        )

    def build() -> Response:
        after = hook.after(request, caller.principal, web, access, case_id, message) if hook.after else AfterSave()
        values: dict[str, Any] = {"case_id": case_id, "oob": True, "main": after.main, "oob_panels": after.oob}
        if after.main is None:
            panel = forms_panel(caller.principal, web.service, container, commands, case_id, chosen)
            panel.message = message
            values["forms"] = panel
        try:
            history = read_history(
                caller.principal, web.service, container.reach, container.store, access, case_id, state
            )
            values["timeline"] = timeline_rows(history)
        except (CaseNotFoundError, HTTPException):
            values["timeline"] = None
        access.flush()
        response = web.renderer.page(request, web, "forms/_after_submit.html", values, caller)
        response.headers["HX-Retarget"] = saved.target if after.main is not None else "#formulare"
        response.headers["HX-Reswap"] = "outerHTML"
        return response

    return await run_in_threadpool(build)


def case_forms(request: Request, principal: Principal, web: WebContext, case_id: UUID) -> FormsPanel | None:
    """The forms section of the case page (None: the app has no command table, e.g. a test app)."""
    commands = getattr(request.app.state, "commands", None)
    if commands is None:
        return None
    return forms_panel(principal, web.service, request.app.state.container, commands, case_id)
