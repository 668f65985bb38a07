"""The German error messages of a form: pydantic's errors and the validators' own messages, beside their fields.

:func:`validation_errors` places each error of a command model's validation beside the field
it concerns (a field of a row as ``<list>[<row>].<field>``, rows counted as shown), or in the
form's general notices; :func:`german` gives a validator's own message with its field names in
German (a few known English messages translated), or None if it is not German.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pydantic import ValidationError

from shared.application.commands import ACROSS_FIELDS
from shared.web.form_model import CommandForm, FormField, Kind
from shared.web.forms_labels import CATEGORIES_DE, FIELDS_DE, HINTS_DE

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
