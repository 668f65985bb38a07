"""Building the form of a command from its model: a field for every field of the command's body.

Kinds of field: text, long text, dates, numbers, yes/no, codes (selects), lists of codes
(multi-selects), lists of text (one per line), ids the form mints (hidden), the consent
form's version (a select with the version's text), **repeated groups** (a list of nested
records: a fieldset per row, one empty row more than entered; empty rows are ignored) and
the **consent matrix** (``scopes``: one row per recipient party, a checkbox per data category
and one for the secrecy release). Labels and hints come from ``shared/web/forms_labels.py``.
Never form fields: actors (from the login), ``corrects`` and ``expected_version``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from enum import Enum
from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel

from shared.application.catalogue import AnyCommand, NewCaseCommand
from shared.clock import today
from shared.events.common import DataCategory, RecipientKind
from shared.http.access import ACTOR_FIELDS, body_model
from shared.policy.parties import default_registry
from shared.web.consent_texts import capture_languages, capture_versions, form_text, paragraphs
from shared.web.form_model import CommandForm, FormField, FormState, Kind
from shared.web.forms_labels import CATEGORIES_DE, FIELDS_DE, HINTS_DE, RECIPIENT_KINDS_DE, ROWS_DE, VALUES_DE

NOT_FORM_FIELDS = ACTOR_FIELDS | {"expected_version", "corrects"}
"""Never form fields: the actors come from the login; corrections and expected versions are left out."""
LONG_TEXT = frozenset({"notes", "minutes", "finding", "remarks", "instruction_text", "conditions"})
MINTED_IDS = frozenset({"consent_id"})
"""Ids a form mints (hidden; a fresh one per rendered form, like the idempotency key)."""
MATRIX_FIELDS = frozenset({"scopes"})
"""Lists of recipient scopes: the consent matrix (recipient parties × data categories, secrecy release)."""
FIELD_ORDER: Mapping[str, tuple[str, ...]] = types.MappingProxyType(
    {
        # as on paper: the form (read its text), language and interpreter, purpose and term, then the matrix
        "grant_consent": ("form_version", "language", "interpreter_used", "purpose", "valid_from", "valid_until"),
    }
)
"""Fields a command's form shows first, in this order (the others follow in the model's order)."""


class UnsupportedFieldError(Exception):
    """A field the generator cannot render (e.g. a list of records within a list of records)."""


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
    rows = [party_row(p.id) for p in known]
    return rows + [party_row(i) for i in sorted(ids - {p.id for p in known})]


def party_row(party_id: str) -> dict[str, Any]:
    """One row of the consent matrix: the party, its German name and group, nothing ticked."""
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


def web_only_field(name: str, kind: Kind = "checkbox", required: bool = True) -> FormField:
    """A field the page asks besides the command's (labels from the label table); never sent to the command."""
    label, hint = _label(name, ())
    return FormField(name, label, hint, kind, required, web_only=True)


def with_fields(form: CommandForm, *extra: FormField, title: str | None = None) -> CommandForm:
    """The form with further (page-only) fields and, if given, another title."""
    return replace(form, fields=form.fields + extra, title=title or form.title)
