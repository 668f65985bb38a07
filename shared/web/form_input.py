"""Reading a submitted form: the body as the command model takes it, the values as entered, conversion errors.

Each kind of field is read as the page renders it (``shared/web/form_model.py``): a repeated
group's rows as ``<list>[<row>].<field>`` (empty rows ignored), the consent matrix's rows by
recipient party (a row without a ticked box left out), page-only fields never put in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from shared.web.form_build import party_row
from shared.web.form_model import CommandForm, FormField

MAX_POSTED_ROWS = 100
"""Rows of a list field read from a submit at most (a form never shows more)."""
SCALAR_EMPTY: tuple[Any, ...] = ("", [])
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
        row = party_row(recipient) | {"categories": categories, "secrecy_release": "ja" if release else ""}
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
