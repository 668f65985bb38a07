"""The data of a rendered form: its fields, the form of one command, and one form's state on a page.

A :class:`FormField` is one field as the page shows it (its kind, German label and hint, the
options of a select, a repeated group's fields, the consent form's versions); a
:class:`CommandForm` is the form of one command; a :class:`FormState` is one rendered form with
the values entered, the errors by field (German), a notice and where its answer goes. The forms
are built from the command models in ``shared/web/form_build.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID, uuid4

from shared.web.consent_texts import Paragraph
from shared.web.forms_labels import CATEGORIES_DE

ROW_KEY = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")
"""The name of a field of a row: ``<list>[<row>]`` or ``<list>[<row>].<field>``."""

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
