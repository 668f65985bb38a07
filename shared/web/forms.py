"""A form for every command of the department's catalogue, on the case page.

The forms are generated from the service's command table (``api.state.commands``, set by
the composition root) and the command models' fields; labels and hints come from
``shared/web/forms_labels.py``. A submit runs the very function the API's command routes
run (:func:`shared.http.commands.run_command`: authorisation on both levels, the actors
from the login, a named KIM case checked, the idempotency key, the access-log entry written
with the events), then waits, bounded, until this service's view holds the command's
position and re-renders the timeline.

Left out (listed on the page as such): commands whose body needs a list of nested records
(consents and their scopes, households, family members' permits), corrections
(``corrects``) and ``expected_version``, and registering a person (no case yet).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from shared.access import Operation, command_group, relation
from shared.application.catalogue import AnyCommand, NewCaseCommand
from shared.errors import (
    CaseNotFoundError,
    ConcurrentModificationError,
    DomainRuleViolationError,
    InvalidFieldError,
    KimError,
)
from shared.http.access import ACTOR_FIELDS, body_model, rights_of
from shared.http.case_views import read_history
from shared.http.commands import Call, run_command
from shared.http.errors import ERROR_STATUS
from shared.http.schemas import CommandAccepted, ProjectionState
from shared.http.waiting import parse_position
from shared.identity.principal import Principal
from shared.service import Service
from shared.web.auth import CsrfDep, PageCaller, WebContext, WebDep
from shared.web.forms_labels import FIELDS_DE, HINTS_DE, VALUES_DE
from shared.web.pages import request_access, timeline_rows

NOT_FORM_FIELDS = ACTOR_FIELDS | {"expected_version", "corrects"}
"""Never form fields: the actors come from the login; corrections and expected versions are left out."""
LONG_TEXT = frozenset({"notes", "minutes", "finding", "remarks", "instruction_text", "conditions"})
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")
WAIT_S = 5.0
"""How long a submit waits for the view to hold the command's position before it answers."""

Kind = Literal["text", "textarea", "date", "int", "decimal", "checkbox", "yesno", "select", "multiselect", "lines"]


class UnsupportedFieldError(Exception):
    """A field the generator cannot render (a list of nested records)."""


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    hint: str | None
    kind: Kind
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    optional_choice: bool = False
    """A yes/no field that may stay open ("keine Angabe")."""


@dataclass(frozen=True)
class CommandForm:
    """The form of one command: its use case's name, German title, fields and the case id it names."""

    name: str
    title: str
    fields: tuple[FormField, ...]
    names_case: bool
    new: bool


@dataclass
class FormState:
    """One rendered form: the values entered, the errors by field (German), a notice."""

    form: CommandForm
    subject: UUID | None
    key: str = field(default_factory=lambda: uuid4().hex)
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    conflict: str | None = None

    @property
    def dom_id(self) -> str:
        return "formular-" + self.form.name.replace("_", "-")

    def field_id(self, name: str) -> str:
        return f"{self.dom_id}-{name.replace('_', '-')}"


# --- generating forms from the command models -------------------------------------------


def value_de(value: Any) -> str:
    """The German label of a vocabulary's value: ``label_de``, the label table, a norm as § …, else the code."""
    label = getattr(value, "label_de", None)
    if isinstance(label, str):
        return label
    code = value.value if isinstance(value, Enum) else str(value)
    if code in VALUES_DE:
        return VALUES_DE[code]
    law, _, rest = code.partition("_")
    if law in ("AufenthG", "StAG") and rest:
        para, *more = rest.split("_")
        return f"§ {para}" + "".join(f" Abs. {m}" for m in more) + f" {law}"
    return code


def _options(annotation: Any) -> tuple[tuple[str, str], ...] | None:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return tuple((m.value, value_de(m)) for m in annotation)
    if typing.get_origin(annotation) is Literal:
        return tuple((a.value if isinstance(a, Enum) else str(a), value_de(a)) for a in typing.get_args(annotation))
    return None


def _strip(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None`` (and whether it allowed None) and without ``Annotated``."""
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional


def form_field(name: str, info: Any) -> FormField:
    annotation, nullable = _strip(info.annotation)
    required = info.is_required()
    label, hint = FIELDS_DE.get(name, name), HINTS_DE.get(name)
    options = _options(annotation)
    kind: Kind
    if options is not None:
        kind = "select"
    elif annotation is bool:
        kind = "yesno" if (required or nullable) else "checkbox"
    elif annotation is date:
        kind = "date"
        hint = hint or "Format TT.MM.JJJJ."
    elif annotation is int:
        kind = "int"
    elif annotation is float:
        kind = "decimal"
    elif typing.get_origin(annotation) is list:
        inner, _ = _strip(typing.get_args(annotation)[0])
        inner_options = _options(inner)
        if inner_options is not None:
            kind, options = "multiselect", inner_options
            hint = hint or "Mehrere mit Strg bzw. Cmd wählen."
        elif inner is str:
            kind = "lines"
        else:
            raise UnsupportedFieldError(name)
    elif annotation in (str, UUID):
        kind = "textarea" if name in LONG_TEXT else "text"
    else:
        raise UnsupportedFieldError(name)
    return FormField(name, label, hint, kind, required, options or (), optional_choice=kind == "yesno" and not required)


def command_form(command: AnyCommand[Any]) -> CommandForm | None:
    """The form of a command; None if a required field cannot be rendered (listed as left out)."""
    fields: list[FormField] = []
    for name, info in body_model(command.model).model_fields.items():
        if name in NOT_FORM_FIELDS or name == "case_id":
            continue
        try:
            fields.append(form_field(name, info))
        except UnsupportedFieldError:
            if info.is_required():
                return None
    new = isinstance(command, NewCaseCommand)
    return CommandForm(command.name, command.summary_de, tuple(fields), "case_id" in command.model.model_fields, new)


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


def subjects_of(service: Service, container: Any, case_id: UUID) -> list[UUID]:
    """What the forms of a case write to: intake's case itself, a department's files linked to the case."""
    if service is Service.INTAKE:
        return [case_id]
    return [r.subject_id for r in container.reach.index.rows_of_case(case_id) if r.subject_id != case_id]


def may_write(principal: Principal, service: Service, container: Any, name: str, subject: UUID | None) -> bool:
    """Whether the caller may run the command on the subject (function and object level, as the API decides)."""
    rights = rights_of(principal, service)
    group = command_group(service, name)
    if subject is None:
        return rights.may_at_all(group, Operation.WRITE)
    return rights.may(group, Operation.WRITE, relation(principal.staff_id, container.reach.of_subject(subject)))


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
        states.append(FormState(form, None if new else subject))
    return FormsPanel(case_id, states, left_out, subject)


# --- reading a submitted form ------------------------------------------------------------


def parse_form(form: CommandForm, data: FormData) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The body as the command model takes it, the values as entered (to show again), errors of conversion."""
    body: dict[str, Any] = {}
    entered: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        if f.kind == "multiselect":
            chosen = [v for v in data.getlist(f.name) if isinstance(v, str)]
            entered[f.name] = chosen
            if chosen or f.required:
                body[f.name] = chosen
            continue
        raw = data.get(f.name)
        text = raw.strip() if isinstance(raw, str) else ""
        entered[f.name] = text
        if f.kind == "checkbox":
            body[f.name] = text == "ja"
        elif f.kind == "yesno":
            if text in ("ja", "nein"):
                body[f.name] = text == "ja"
        elif f.kind == "lines":
            items = [line.strip() for line in text.splitlines() if line.strip()]
            if items or f.required:
                body[f.name] = items
        elif not text:
            continue
        elif f.kind == "int":
            if re.fullmatch(r"-?\d{1,9}", text):
                body[f.name] = int(text)
            else:
                errors[f.name] = "Bitte eine ganze Zahl angeben."
        elif f.kind == "decimal":
            try:
                body[f.name] = float(text.replace(",", "."))
            except ValueError:
                errors[f.name] = "Bitte eine Zahl angeben, z. B. 2,5."
        else:
            body[f.name] = text
    return body, entered, errors


MESSAGES_DE = {
    "missing": "Bitte ausfüllen.",
    "date_from_datetime_parsing": "Bitte ein gültiges Datum angeben.",
    "date_parsing": "Bitte ein gültiges Datum angeben.",
    "date_type": "Bitte ein gültiges Datum angeben.",
    "enum": "Bitte einen der angebotenen Werte wählen.",
    "literal_error": "Bitte einen der angebotenen Werte wählen.",
    "string_pattern_mismatch": "Das Format passt nicht.",
    "string_too_long": "Die Angabe ist zu lang.",
    "string_too_short": "Bitte ausfüllen.",
    "too_short": "Bitte mindestens einen Wert wählen oder angeben.",
    "too_long": "Bitte weniger Werte angeben.",
    "uuid_parsing": "Bitte eine gültige Kennung angeben (z. B. 3f2b…-…).",
    "greater_than_equal": "Der Wert ist zu klein.",
    "greater_than": "Der Wert ist zu klein.",
    "less_than_equal": "Der Wert ist zu groß.",
    "less_than": "Der Wert ist zu groß.",
    "int_parsing": "Bitte eine ganze Zahl angeben.",
}
GERMAN = re.compile(r"\b(darf|muss|nicht|bitte|liegen|ist|sind|nur|kein|keine)\b", re.IGNORECASE)


def german(message: str, names: Sequence[str]) -> str | None:
    """A validator's own message, its field names in German; None if it is not German."""
    text = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    match = re.fullmatch(r"(\w+) must not be before (\w+)", text)
    if match:
        text = f"{match[1]} darf nicht vor {match[2]} liegen"
    if not GERMAN.search(text):
        return None
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", f"„{FIELDS_DE.get(name, name)}“", text)
    return text.rstrip(".") + "."


def validation_errors(form: CommandForm, error: ValidationError) -> tuple[dict[str, str], list[str]]:
    """Pydantic's errors in German, by field (a model-level error at the first field its message names)."""
    names = [f.name for f in form.fields]
    by_field: dict[str, str] = {}
    general: list[str] = []
    for e in error.errors(include_url=False):
        loc = [str(part) for part in e["loc"]]
        own = german(str(e.get("msg", "")), names) if e["type"] in ("value_error", "assertion_error") else None
        text = own or MESSAGES_DE.get(e["type"], "Die Angabe ist nicht zulässig.")
        if e["type"] == "string_pattern_mismatch" and loc and HINTS_DE.get(loc[0]):
            text += " " + HINTS_DE[loc[0]]
        target = loc[0] if loc and loc[0] in names else None
        if target is None:
            named = [n for n in names if re.search(rf"\b{n}\b", str(e.get("msg", "")))]
            target = named[0] if named else None
        if target is None:
            general.append(text)
        else:
            by_field.setdefault(target, text)
    return by_field, general


# --- the route ---------------------------------------------------------------------------


def forms_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)

    @router.post("/cases/{case_id}/forms/{name}")
    async def submit(request: Request, case_id: UUID, name: str, caller: CsrfDep, web: WebDep) -> Response:
        commands: Sequence[AnyCommand[Any]] = request.app.state.commands
        command = next((c for c in commands if c.name == name), None)
        form = command_form(command) if command is not None else None
        if command is None or form is None:
            return web.renderer.error(request, web, 404, caller=caller)
        data = await request.form()
        new = isinstance(command, NewCaseCommand)
        subject: UUID | None = case_id
        if not new:
            try:
                subject = UUID(str(data.get("subject", "")))
            except ValueError:
                return web.renderer.error(request, web, 404, caller=caller)
        key = str(data.get("idempotency_key", ""))
        state = FormState(form, None if new else subject, key if KEY.fullmatch(key) else uuid4().hex)
        body, state.values, state.errors = parse_form(form, data)
        if form.names_case:
            body["case_id"] = str(case_id)
        parsed: BaseModel | None = None
        if not state.errors:
            try:
                parsed = body_model(command.model).model_validate(body)
            except ValidationError as exc:
                state.errors, state.general = validation_errors(form, exc)
        if parsed is None:
            return _form_answer(request, web, caller, state, 422)
        container = request.app.state.container
        access = request_access(request, caller.principal)
        call = Call(
            container.idempotency, caller.principal.subject, f"{web.service.slug}.{name}", state.key, Response()
        )
        group = command_group(web.service, name)

        def run() -> CommandAccepted:
            return run_command(
                command, group, container.app, caller.principal, container.reach, access, call, subject, parsed
            )

        try:
            answer = await run_in_threadpool(run)
        except HTTPException as exc:
            if exc.status_code == 403:
                return web.renderer.error(request, web, 403, caller=caller)
            raise
        except CaseNotFoundError:
            return web.renderer.error(request, web, 404, caller=caller)
        except InvalidFieldError as exc:
            text = german(str(exc), [f.name for f in form.fields]) or "Die Angabe verweist auf nichts Bekanntes."
            if exc.field in state.values:
                state.errors[exc.field] = text
            else:
                state.general.append(text)
            return _form_answer(request, web, caller, state, 422)
        except (ConcurrentModificationError, DomainRuleViolationError, KimError) as exc:
            status, message = next(((s, m) for cls, (s, m) in ERROR_STATUS.items() if isinstance(exc, cls)), (0, ""))
            if status != 409:
                raise
            own = str(exc) if isinstance(exc, DomainRuleViolationError) and str(exc) else None
            state.conflict = (own or message) if own is None or GERMAN.search(own) else message
            return _form_answer(request, web, caller, state, 409)
        if not request.headers.get("HX-Request"):
            return RedirectResponse(web.url(f"/cases/{case_id}"), status_code=303)
        return await _after_success(request, web, caller, case_id, answer, form, None if new else subject)

    return router


def _form_answer(request: Request, web: WebContext, caller: PageCaller, state: FormState, status: int) -> Response:
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
    form: CommandForm,
    subject: UUID | None,
) -> Response:
    """Wait, bounded, for the view to hold the command's position; then the forms and the timeline anew."""
    container = request.app.state.container
    position = answer.position
    state = ProjectionState(reached=False, waited_s=0.0)
    if position.published:
        source, number = parse_position(position.token)
        wait_s = min(WAIT_S, float(container.read_wait_max_s))
        state = await request.app.state.waiting_reads.wait(source, number, wait_s)
    access = request_access(request, caller.principal)
    commands = request.app.state.commands
    chosen = answer.case_id if form.new else subject

    def build() -> Response:
        panel = forms_panel(caller.principal, web.service, container, commands, case_id, chosen)
        if state.reached:
            panel.message = f"„{form.title}“ ist gespeichert und steht im Verlauf."
        elif position.published:
            panel.message = (
                f"„{form.title}“ ist gespeichert. Der Verlauf zeigt den Eintrag, sobald diese Sicht ihn erhalten "
                "hat; bitte später neu laden."
            )
        else:
            panel.message = (
                f"„{form.title}“ ist gespeichert. Der Eintrag bleibt in dieser Dienststelle, solange die Akte mit "
                "keinem KIM-Fall verknüpft ist."
            )
        values: dict[str, Any] = {"forms": panel, "case_id": case_id, "oob": True}
        try:
            history = read_history(
                caller.principal, web.service, container.reach, container.store, access, case_id, state
            )
            values["timeline"] = timeline_rows(history)
        except (CaseNotFoundError, HTTPException):
            values["timeline"] = None
        access.flush()
        return web.renderer.page(request, web, "forms/_after_submit.html", values, caller)

    return await run_in_threadpool(build)


def case_forms(request: Request, principal: Principal, web: WebContext, case_id: UUID) -> FormsPanel | None:
    """The forms section of the case page (None: the app has no command table, e.g. a test app)."""
    commands = getattr(request.app.state, "commands", None)
    if commands is None:
        return None
    return forms_panel(principal, web.service, request.app.state.container, commands, case_id)
