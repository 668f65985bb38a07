"""A form for every command of the department's catalogue, on the case page.

The forms are generated from the service's command table (``api.state.commands``, set by
the composition root) and the command models' fields; labels and hints come from
``shared/web/forms_labels.py``. A submit runs the very function the API's command routes
run (:func:`shared.http.commands.run_command`: authorisation on both levels, the actors
from the login, a named KIM case checked, the idempotency key, the access-log entry written
with the events), then waits, bounded, until this service's view holds the command's
position and re-renders the timeline.

Kinds of field: text, long text, dates, numbers, yes/no, codes (selects), lists of codes
(multi-selects), lists of text (one per line), ids the form mints (hidden), the consent
form's version (a select with the version's text), **repeated groups** (a list of nested
records: a fieldset per row, one empty row more than entered, "Weitere Zeile" adds one;
empty rows are ignored) and the **consent matrix** (``scopes``: one row per recipient
party, a checkbox per data category and one for the secrecy release). Errors of nested
fields are shown beside the field of their row (``members[1].birth_date``).

Some commands act on one record of the case (a consent: narrowing, revocation); their
forms are shown there (``shared/web/consents.py``), not in the forms section, and
:class:`FormHook` (``app.state.form_hooks``) adds what they need. Never form fields:
actors (from the login), ``corrects`` and ``expected_version``. Registering a person has
no case yet and a page of its own.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from typing import Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from shared.access import Operation, command_group, relation
from shared.application.catalogue import AnyCommand, NewCaseCommand
from shared.application.commands import ACROSS_FIELDS
from shared.clock import today
from shared.errors import (
    CaseNotFoundError,
    ConcurrentModificationError,
    DomainRuleViolationError,
    InvalidFieldError,
    KimError,
)
from shared.events.common import DataCategory, RecipientKind
from shared.http.access import ACTOR_FIELDS, body_model, rights_of
from shared.http.access_log import RequestAccess
from shared.http.case_views import read_history
from shared.http.commands import Call, run_command
from shared.http.errors import ERROR_STATUS
from shared.http.schemas import CommandAccepted, ProjectionState
from shared.http.waiting import parse_position
from shared.identity.principal import Principal
from shared.policy.consent_forms import consent_form
from shared.policy.parties import default_registry
from shared.service import Service
from shared.web.auth import CsrfDep, PageCaller, WebContext, WebDep
from shared.web.consent_texts import Paragraph, capture_languages, capture_versions, form_text, paragraphs
from shared.web.forms_labels import CATEGORIES_DE, FIELDS_DE, HINTS_DE, RECIPIENT_KINDS_DE, ROWS_DE, VALUES_DE
from shared.web.pages import PanelView, request_access, timeline_rows

NOT_FORM_FIELDS = ACTOR_FIELDS | {"expected_version", "corrects"}
"""Never form fields: the actors come from the login; corrections and expected versions are left out."""
LONG_TEXT = frozenset({"notes", "minutes", "finding", "remarks", "instruction_text", "conditions"})
MINTED_IDS = frozenset({"consent_id"})
"""Ids a form mints (hidden; a fresh one per rendered form, like the idempotency key)."""
MATRIX_FIELDS = frozenset({"scopes"})
"""Lists of recipient scopes: the consent matrix (recipient parties × data categories, secrecy release)."""
RECORD_FORMS: Mapping[str, tuple[str, str, bool]] = types.MappingProxyType(
    {
        "change_consent_scope": ("einwilligungen", "Einwilligungen", True),
        "revoke_consent": ("einwilligungen", "Einwilligungen", False),
    }
)
"""Commands on one record of the case: their forms are shown with each record, in a section (its id, German
name); the flag: only for whoever may read the records (a revocation is taken without: ``shared/web/consents.py``)."""
FIELD_ORDER: Mapping[str, tuple[str, ...]] = types.MappingProxyType(
    {
        # as on paper: the form (read its text), language and interpreter, purpose and term, then the matrix
        "grant_consent": ("form_version", "language", "interpreter_used", "purpose", "valid_from", "valid_until"),
    }
)
"""Fields a command's form shows first, in this order (the others follow in the model's order)."""
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")
WAIT_S = 5.0
"""How long a submit waits for the view to hold the command's position before it answers."""
MAX_POSTED_ROWS = 100
"""Rows of a list field read from a submit at most (a form never shows more)."""
ROW_KEY = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")

Kind = Literal[
    "text",
    "textarea",
    "date",
    "int",
    "decimal",
    "checkbox",
    "yesno",
    "select",
    "multiselect",
    "lines",
    "hidden",
    "document",
    "group",
    "matrix",
]
SCALAR_EMPTY: tuple[Any, ...] = ("", [])


class UnsupportedFieldError(Exception):
    """A field the generator cannot render (e.g. a list of records within a list of records)."""


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
    fields: tuple[FormField, ...] = ()
    """A repeated group's fields, one set per row."""
    max_rows: int = 20
    row_label: str = "Zeile"
    documents: tuple[tuple[str, tuple[Paragraph, ...]], ...] = ()
    """The consent form's versions: (version, its German text's paragraphs) for each option."""
    web_only: bool = False
    """Asked by the page (e.g. a confirmation), never part of the command's body."""


@dataclass(frozen=True)
class CommandForm:
    """The form of one command: its use case's name, German title, fields and the case id it names."""

    name: str
    title: str
    fields: tuple[FormField, ...]
    names_case: bool
    new: bool
    action: str | None = None
    """Where the form is sent, below the service's pages (default: the command's form route)."""

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class FormState:
    """One rendered form: the values entered, the errors by field (German), a notice.

    Keys of ``values`` and ``errors`` are the fields' names; a field of a row is named
    ``<list>[<row>].<field>`` (rows as shown, counted from 0).
    """

    form: CommandForm
    subject: UUID | None
    key: str = field(default_factory=lambda: uuid4().hex)
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    conflict: str | None = None
    instance: str | None = None
    """The record the form acts on, if it is shown once per record (a consent's id)."""
    target: str = "#formulare"
    """What a saved form's answer replaces (htmx)."""
    heading_level: int = 3
    focus: str | None = None
    """The field to focus when the form is shown again (the first field of an added row)."""
    positions: dict[str, list[int]] = field(default_factory=dict)
    """Per list field, the row each item of the command's list came from (empty rows are left out)."""
    context: dict[str, Any] = field(default_factory=dict)
    """What a :class:`FormHook` keeps between its steps (e.g. the consent's scope in force)."""

    @property
    def dom_id(self) -> str:
        own = "formular-" + self.form.name.replace("_", "-")
        return f"{own}-{self.instance}" if self.instance else own

    def field_id(self, name: str) -> str:
        return f"{self.dom_id}-{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')}"

    def check_id(self, name: str, code: str) -> str:
        """The id of one checkbox of a group of checkboxes (a category of a matrix row)."""
        return f"{self.field_id(name)}-{code.replace('_', '-')}"

    def rows(self, name: str) -> list[dict[str, Any]]:
        rows = self.values.get(name)
        return rows if isinstance(rows, list) else []

    def anchor(self, key: str) -> str:
        """Where the error summary's link for ``key`` leads: the field, or the first box of a matrix row."""
        match = ROW_KEY.match(key)
        if match and match[3] in ("recipient", None) and self._is_matrix(match[1]):
            return self.field_id(f"{match[1]}[{match[2]}]")
        if match and match[3] == "categories" and self._is_matrix(match[1]):
            return self.check_id(key, next(iter(CATEGORIES_DE)))
        return self.field_id(key)

    def _is_matrix(self, name: str) -> bool:
        found = self.form.field(name)
        return found is not None and found.kind == "matrix"

    def summary(self) -> list[tuple[str, str, str]]:
        """The errors in the order of the form: (anchor, German label, message)."""
        found: list[tuple[str, str, str]] = []
        for f in self.form.fields:
            if f.name in self.errors:
                found.append((self.anchor(f.name), f.label, self.errors[f.name]))
            if f.kind not in ("group", "matrix"):
                continue
            for r, row in enumerate(self.rows(f.name)):
                where = row.get("label") or f"{f.row_label} {r + 1}"
                subs = [("", None), *((s.name, s.label) for s in f.fields)]
                if f.kind == "matrix":
                    subs = [("", None), ("recipient", None), ("categories", "Datenkategorien")]
                    subs.append(("secrecy_release", "Schweigepflichtentbindung"))
                for sub, sub_label in subs:
                    key = f"{f.name}[{r}]" + (f".{sub}" if sub else "")
                    if key in self.errors:
                        label = f"{f.label}, {where}" + (f": {sub_label}" if sub_label else "")
                        found.append((self.anchor(key), label, self.errors[key]))
        return found


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


def _max_length(info: Any, default: int) -> int:
    for meta in getattr(info, "metadata", []):
        found = getattr(meta, "max_length", None)
        if isinstance(found, int):
            return found
    return default


def _label(name: str, scope: Sequence[str]) -> tuple[str, str | None]:
    """The German label and hint of a field: the most specific entry (``command.field``, ``list.field``, field)."""
    keys = [f"{s}.{name}" for s in scope if s] + [name]
    label = next((FIELDS_DE[k] for k in keys if k in FIELDS_DE), name)
    hint = next((HINTS_DE[k] for k in keys if k in HINTS_DE), None)
    return label, hint


def form_field(name: str, info: Any, scope: Sequence[str] = ()) -> FormField:
    """The form field of one model field; ``scope`` names the command (and the list a row belongs to)."""
    annotation, nullable = _strip(info.annotation)
    required = info.is_required()
    label, hint = _label(name, scope)
    options = _options(annotation)
    kind: Kind
    if name in MINTED_IDS and annotation is UUID:
        return FormField(name, label, None, "hidden", required)
    if name == "form_version" and annotation is str:
        return _document_field(name, label, hint, required)
    if name == "language" and annotation is str and "grant_consent" in scope:
        return FormField(name, label, hint, "select", required, capture_languages(today()))
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
        elif isinstance(inner, type) and issubclass(inner, BaseModel) and name in MATRIX_FIELDS:
            return _matrix_field(name, label, hint, required, _max_length(info, 10))
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            return _group_field(name, label, hint, required, inner, _max_length(info, 20), scope)
        else:
            raise UnsupportedFieldError(name)
    elif annotation in (str, UUID):
        kind = "textarea" if name in LONG_TEXT else "text"
    else:
        raise UnsupportedFieldError(name)
    return FormField(name, label, hint, kind, required, options or (), optional_choice=kind == "yesno" and not required)


def _group_field(
    name: str, label: str, hint: str | None, required: bool, model: type[BaseModel], max_rows: int, scope: Sequence[str]
) -> FormField:
    subs = []
    for sub_name, sub_info in model.model_fields.items():
        sub = form_field(sub_name, sub_info, [*scope, name])
        if sub.kind in ("group", "matrix", "hidden", "document"):
            raise UnsupportedFieldError(f"{name}.{sub_name}")
        subs.append(sub)
    empty = "Leere Zeilen werden nicht gespeichert."
    return FormField(
        name,
        label,
        f"{hint} {empty}" if hint else empty,
        "group",
        required,
        fields=tuple(subs),
        max_rows=max_rows,
        row_label=ROWS_DE.get(name, "Zeile"),
    )


def _matrix_field(name: str, label: str, hint: str | None, required: bool, max_rows: int) -> FormField:
    categories = tuple((c.value, CATEGORIES_DE[c.value]) for c in DataCategory)
    return FormField(name, label, hint, "matrix", required, categories, max_rows=max_rows, row_label="Stelle")


def _document_field(name: str, label: str, hint: str | None, required: bool) -> FormField:
    versions = capture_versions(today())
    return FormField(
        name,
        label,
        hint,
        "document",
        required,
        tuple((v.id, v.label_de) for v in versions),
        documents=tuple((v.id, tuple(paragraphs(form_text(v)))) for v in versions),
    )


def command_form(command: AnyCommand[Any]) -> CommandForm | None:
    """The form of a command; None if a required field cannot be rendered (listed as left out)."""
    fields: list[FormField] = []
    for name, info in body_model(command.model).model_fields.items():
        if name in NOT_FORM_FIELDS or name == "case_id":
            continue
        try:
            fields.append(form_field(name, info, [command.name]))
        except UnsupportedFieldError:
            if info.is_required():
                return None
    first = FIELD_ORDER.get(command.name, ())
    fields.sort(key=lambda f: first.index(f.name) if f.name in first else len(first))
    new = isinstance(command, NewCaseCommand)
    return CommandForm(command.name, command.summary_de, tuple(fields), "case_id" in command.model.model_fields, new)


def party_rows(named: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The consent matrix's rows: every active party (departments first, then partners by kind and name),
    and the parties in ``named`` a consent already names (an inactive one in its kind's place)."""
    registry = default_registry()
    kinds = list(RecipientKind)
    ids = set(registry.active_ids()) | set(named)
    parties = [registry.get(i) for i in ids]
    known = sorted((p for p in parties if p is not None), key=lambda p: (kinds.index(p.kind), p.display_name))
    rows = [_party_row(p.id) for p in known]
    return rows + [_party_row(i) for i in sorted(ids - {p.id for p in known})]


def _party_row(party_id: str) -> dict[str, Any]:
    registry = default_registry()
    party = registry.get(party_id)
    kind = party.kind.value if party else ""
    group = "Dienststellen" if party and party.department else RECIPIENT_KINDS_DE.get(kind, "Weitere Stellen")
    return {
        "recipient": party_id,
        "label": registry.display_name(party_id),
        "group": group,
        "categories": [],
        "secrecy_release": "",
    }


def initial_values(form: CommandForm) -> dict[str, Any]:
    """What a new form shows: minted ids, one empty row per group, the matrix's parties, the current version."""
    values: dict[str, Any] = {}
    for f in form.fields:
        if f.kind == "hidden":
            values[f.name] = str(uuid4())
        elif f.kind == "group":
            values[f.name] = [{}]
        elif f.kind == "matrix":
            values[f.name] = party_rows()
        elif f.kind == "document" and f.options:
            values[f.name] = f.options[0][0]
    return values


def new_state(form: CommandForm, subject: UUID | None) -> FormState:
    return FormState(form, subject, values=initial_values(form))


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


# --- reading a submitted form ------------------------------------------------------------

_ABSENT = object()


@dataclass
class Parsed:
    """A submitted form: the body as the command model takes it, the values as entered, conversion errors."""

    body: dict[str, Any]
    entered: dict[str, Any]
    errors: dict[str, str]
    positions: dict[str, list[int]]


def _scalar(f: FormField, data: FormData, key: str) -> tuple[Any, Any, str | None]:
    """(as entered, the body's value or _ABSENT, a conversion error) of one field named ``key`` in the form."""
    if f.kind == "multiselect":
        chosen = [v for v in data.getlist(key) if isinstance(v, str)]
        return chosen, (chosen if chosen or f.required else _ABSENT), None
    raw = data.get(key)
    text = raw.strip() if isinstance(raw, str) else ""
    if f.kind == "checkbox":
        return text, text == "ja", None
    if f.kind == "yesno":
        return text, (text == "ja" if text in ("ja", "nein") else _ABSENT), None
    if f.kind == "lines":
        items = [line.strip() for line in text.splitlines() if line.strip()]
        return text, (items if items or f.required else _ABSENT), None
    if not text:
        return text, _ABSENT, None
    if f.kind == "int":
        if re.fullmatch(r"-?\d{1,9}", text):
            return text, int(text), None
        return text, _ABSENT, "Bitte eine ganze Zahl angeben."
    if f.kind == "decimal":
        try:
            return text, float(text.replace(",", ".")), None
        except ValueError:
            return text, _ABSENT, "Bitte eine Zahl angeben, z. B. 2,5."
    return text, text, None


def _row_count(data: FormData, f: FormField) -> int:
    raw = str(data.get(f"{f.name}.rows", "") or "")
    if raw.isdigit():
        return min(int(raw), MAX_POSTED_ROWS)
    prefix = re.compile(rf"^{re.escape(f.name)}\[(\d+)\]")
    found = [int(m[1]) for k in data if (m := prefix.match(k))]
    return min(max(found, default=0) + 1, MAX_POSTED_ROWS)


def _group(f: FormField, data: FormData, parsed: Parsed) -> None:
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    positions: list[int] = []
    for r in range(_row_count(data, f)):
        entered: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for sub in f.fields:
            key = f"{f.name}[{r}].{sub.name}"
            entered[sub.name], value, error = _scalar(sub, data, key)
            if error:
                parsed.errors[key] = error
            if value is not _ABSENT:
                body[sub.name] = value
        rows.append(entered)
        if any(v not in SCALAR_EMPTY for v in entered.values()):
            items.append(body)
            positions.append(r)
        else:  # an empty row is ignored, whatever it would have said
            for sub in f.fields:
                parsed.errors.pop(f"{f.name}[{r}].{sub.name}", None)
    parsed.entered[f.name] = rows or [{}]
    parsed.positions[f.name] = positions
    if items or f.required:
        parsed.body[f.name] = items


def _matrix(f: FormField, data: FormData, parsed: Parsed) -> None:
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    positions: list[int] = []
    for r in range(_row_count(data, f)):
        recipient = str(data.get(f"{f.name}[{r}].recipient", "") or "").strip()
        if not recipient:
            continue
        categories = [c for c in data.getlist(f"{f.name}[{r}].categories") if isinstance(c, str)]
        release = data.get(f"{f.name}[{r}].secrecy_release") == "ja"
        row = _party_row(recipient) | {"categories": categories, "secrecy_release": "ja" if release else ""}
        if categories or release:
            items.append({"recipient": recipient, "categories": categories, "secrecy_release": release})
            positions.append(len(rows))
        rows.append(row)
    parsed.entered[f.name] = rows
    parsed.positions[f.name] = positions
    if items or f.required:
        parsed.body[f.name] = items


def parse_form(form: CommandForm, data: FormData) -> Parsed:
    """The body as the command model takes it, the values as entered (to show again), errors of conversion."""
    parsed = Parsed({}, {}, {}, {})
    for f in form.fields:
        if f.kind == "group":
            _group(f, data, parsed)
        elif f.kind == "matrix":
            _matrix(f, data, parsed)
        else:
            parsed.entered[f.name], value, error = _scalar(f, data, f.name)
            if error:
                parsed.errors[f.name] = error
            if value is not _ABSENT and not f.web_only:
                parsed.body[f.name] = value
    return parsed


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
LIST_MESSAGES_DE: dict[tuple[Kind, str], str] = {
    ("matrix", "too_short"): "Bitte mindestens eine Stelle mit mindestens einer Datenkategorie ankreuzen.",
    (
        "matrix",
        "too_long",
    ): "Höchstens 10 Stellen je Einwilligung; für weitere Stellen eine zweite Einwilligung erfassen.",
    ("group", "too_long"): "Bitte weniger Zeilen ausfüllen.",
}
ROW_MESSAGES_DE: dict[tuple[str, str], str] = {
    ("categories", "too_short"): "Bitte mindestens eine Datenkategorie ankreuzen oder die Zeile leer lassen.",
}
GERMAN = re.compile(r"\b(darf|muss|nicht|bitte|liegen|ist|sind|nur|kein|keine|gilt|erforderlich)\b", re.IGNORECASE)
ENGLISH_DE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\w+) must not be before (\w+)"), r"\1 darf nicht vor \2 liegen"),
    (re.compile(r"(\w+) must not be after (\w+)"), r"\1 darf nicht nach \2 liegen"),
    (re.compile(r"(\w+) is given exactly when (\w+) = true"), r"\1 ist genau dann anzugeben, wenn \2 „ja“ ist"),
    (
        re.compile(r"a consent is valid for at most 24 months.*"),
        "valid_until darf höchstens 24 Monate nach valid_from liegen (bis zum Vortag desselben Kalendertags "
        "zwei Jahre später); danach ist eine neue Einwilligung einzuholen",
    ),
    (
        re.compile(r"Datum zwischen (\d{4})-(\d\d)-(\d\d) und (\d{4})-(\d\d)-(\d\d) erwartet"),
        r"Bitte ein Datum zwischen dem \3.\2.\1 und dem \6.\5.\4 angeben",
    ),
)


def _translated(message: str) -> str:
    """A validator's message with the known English ones in German (field names as in the model)."""
    text = message.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
    for pattern, german_text in ENGLISH_DE:
        if pattern.fullmatch(text):
            return pattern.sub(german_text, text)
    gloss = re.fullmatch(r"(.*?)\s*\(([^()]*)\)\.?", text)
    if gloss and not GERMAN.search(gloss[1]) and GERMAN.search(gloss[2]):
        return gloss[2][:1].upper() + gloss[2][1:]
    return text


def german(message: str, names: Sequence[str], labels: Mapping[str, str] | None = None) -> str | None:
    """A validator's own message, its field names in German; None if it is not German.

    An English message with a German gloss in parentheses gives the gloss; a few known
    English messages are translated. ``labels`` names the fields (default: the label table).
    """
    text = _translated(message)
    if not GERMAN.search(text):
        return None
    known = labels or {}
    for name in sorted(names, key=len, reverse=True):
        label = known.get(name) or FIELDS_DE.get(name, name)
        text = re.sub(rf"\s*\({name}\)", "", text)  # "(secrecy_release)" after its German name
        text = re.sub(rf"\b{name}\b", f"„{label}“", text)
    return text.rstrip(".") + "."


def _first_named(message: str, names: Iterable[str]) -> str | None:
    """The name the message names first."""
    found = [(m.start(), n) for n in names if (m := re.search(rf"\b{n}\b", message))]
    return min(found)[1] if found else None


def validation_errors(
    form: CommandForm, error: ValidationError, positions: Mapping[str, list[int]] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Pydantic's errors in German, by field (rows as shown); a model-level error at the field it names first."""
    positions = positions or {}
    by_name = {f.name: f for f in form.fields}
    names = list(by_name)
    by_field: dict[str, str] = {}
    general: list[str] = []

    def row_of(name: str, index: str) -> int | None:
        rows = positions.get(name, [])
        return rows[int(index)] if index.isdigit() and int(index) < len(rows) else None

    for e in error.errors(include_url=False):
        loc = [str(part) for part in e["loc"]]
        message = str(e.get("msg", "")).removeprefix("Value error, ")
        kind = e["type"]
        own = kind in ("value_error", "assertion_error", ACROSS_FIELDS)
        key: str | None = None
        text: str | None = None
        nested = re.match(r"^(\w+)\[(\d+)\]\.(\w+):\s*(.*)$", message, re.DOTALL)
        if loc and loc[0] in by_name and by_name[loc[0]].kind in ("group", "matrix") and len(loc) > 1:
            f = by_name[loc[0]]
            r = row_of(f.name, loc[1])
            subs = [s.name for s in f.fields] or ["recipient", "categories", "secrecy_release"]
            sub = loc[2] if len(loc) > 2 else (_first_named(message, subs) if own else None)
            key = None if r is None else f"{f.name}[{r}]" + (f".{sub}" if sub else "")
            text = ROW_MESSAGES_DE.get((sub or "", kind))
            if text is None and own:
                text = german(message, subs, _row_labels(f))
        elif loc and loc[0] in by_name:
            f = by_name[loc[0]]
            key = f.name
            text = LIST_MESSAGES_DE.get((f.kind, kind))
            if text is None and own:
                text = german(message, names)
        elif nested and nested[1] in by_name and own:
            f = by_name[nested[1]]
            r = row_of(f.name, nested[2])
            key = None if r is None else f"{f.name}[{r}].{nested[3]}"
            text = german(_codes_de(nested[4]), [nested[3]], _row_labels(f))
        elif own:
            key = _first_named(_translated(message), names)
            if key is None:  # a rule about the rows of a list (e.g. each member once): at the list
                key = next((f.name for f in form.fields if _first_named(message, _row_names(f))), None)
            text = german(message, names)
        text = text or MESSAGES_DE.get(kind, "Die Angabe ist nicht zulässig.")
        hint_key = loc[-1] if loc else ""
        if kind == "string_pattern_mismatch" and HINTS_DE.get(hint_key):
            text += " " + HINTS_DE[hint_key]
        if key is not None and key in by_name and by_name[key].kind == "hidden":
            key, text = None, "Das Formular ist nicht vollständig. Bitte den Fall neu laden und erneut erfassen."
        if key is None:
            if text not in general:
                general.append(text)
        else:
            by_field.setdefault(key, text)
    return by_field, general


def _row_names(f: FormField) -> list[str]:
    if f.kind == "matrix":
        return ["recipient", "categories", "secrecy_release"]
    return [s.name for s in f.fields]


def _row_labels(f: FormField) -> dict[str, str]:
    if f.kind == "matrix":
        return {"recipient": "Stelle", "categories": "Datenkategorien", "secrecy_release": "Schweigepflichtentbindung"}
    return {s.name: s.label for s in f.fields}


def _codes_de(text: str) -> str:
    """Data category codes in a message by their German names."""
    for code, label in CATEGORIES_DE.items():
        text = re.sub(rf"\b{code}\b", f"„{label}“", text)
    return text


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
        key = str(data.get("idempotency_key", ""))
        state = FormState(form, None if new else subject, key if KEY.fullmatch(key) else uuid4().hex)
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
        container = request.app.state.container
        access = request_access(request, caller.principal)
        call = Call(
            container.idempotency, caller.principal.subject, f"{web.service.slug}.{name}", state.key, Response()
        )
        group = command_group(web.service, name)
        checked = valid

        def run() -> CommandAccepted:
            return run_command(
                command, group, container.app, caller.principal, container.reach, access, call, subject, checked
            )

        try:
            answer = await run_in_threadpool(run)
        except HTTPException as exc:
            if exc.status_code == 403:
                return web.renderer.error(request, web, 403, caller=caller)
            raise
        except CaseNotFoundError:
            return web.renderer.error(request, web, 404, caller=caller)
        except RequestValidationError:
            state.general.append("Die Angaben passen nicht zusammen. Bitte prüfen und erneut senden.")
            return form_answer(request, web, caller, state, 422)
        except InvalidFieldError as exc:
            text = german(str(exc), [f.name for f in form.fields]) or "Die Angabe verweist auf nichts Bekanntes."
            if exc.field in state.values:
                state.errors[exc.field] = text
            else:
                state.general.append(text)
            return form_answer(request, web, caller, state, 422)
        except (ConcurrentModificationError, DomainRuleViolationError, KimError) as exc:
            status, message = next(((s, m) for cls, (s, m) in ERROR_STATUS.items() if isinstance(exc, cls)), (0, ""))
            if status != 409:
                raise
            own = str(exc) if isinstance(exc, DomainRuleViolationError) and str(exc) else None
            state.conflict = (own or message) if own is None or GERMAN.search(own) else message
            return form_answer(request, web, caller, state, 409)
        if not request.headers.get("HX-Request"):
            anchor = f"#{state.target.lstrip('#')}" if state.target != "#formulare" else ""
            return RedirectResponse(web.url(f"/cases/{case_id}") + anchor, status_code=303)
        return await _after_success(request, web, caller, case_id, answer, state, hook)

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


def web_only_field(name: str, kind: Kind = "checkbox", required: bool = True) -> FormField:
    """A field the page asks besides the command's (labels from the label table); never sent to the command."""
    label, hint = _label(name, ())
    return FormField(name, label, hint, kind, required, web_only=True)


def with_fields(form: CommandForm, *extra: FormField, title: str | None = None) -> CommandForm:
    """The form with further (page-only) fields and, if given, another title."""
    return replace(form, fields=form.fields + extra, title=title or form.title)


def consent_version_title(version: str) -> str:
    """A version id with its title, if the catalogue knows it."""
    found = consent_form(version)
    return f"{version} – {found.title}" if found else version
