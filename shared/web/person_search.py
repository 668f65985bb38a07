"""The search form of "Person suchen" and the rows of the pages' tables of matches (``shared/web/persons.py``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from shared.events.common import EARLIEST_DATE, LATEST_DATE
from shared.http.person_views import CASE_NUMBER_PATTERN, ShownMatch
from shared.persons import PersonQuery

STATUS_DE = {"registered": "erfasst, noch nicht eröffnet", "open": "offen", "closed": "abgeschlossen", None: "–"}
NUMBER = re.compile(CASE_NUMBER_PATTERN)
GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass
class SearchForm:
    """The search form as entered, its errors by field (German), and the query it makes."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    query: PersonQuery | None = None
    """None: nothing to search (the empty form, or errors)."""

    FIELDS = (
        ("family_name", "Familienname", None),
        ("given_names", "Vornamen", None),
        ("birth_date", "Geburtsdatum", "Format TT.MM.JJJJ."),
        ("case_number", "Fallnummer", "Die ersten 8 Zeichen (z. B. 3f2b9c1a) oder die ganze Kennung."),
    )

    @staticmethod
    def field_id(name: str) -> str:
        return "suche-" + name.replace("_", "-")

    @classmethod
    def parse(cls, params: dict[str, str]) -> SearchForm:
        values = {name: params.get(name, "").strip() for name, _, _ in cls.FIELDS}
        form = cls(values)
        for name in ("family_name", "given_names"):
            if len(values[name]) > 200:
                form.errors[name] = "Höchstens 200 Zeichen."
        day = parse_day(values["birth_date"]) if values["birth_date"] else None
        if values["birth_date"] and day is None:
            form.errors["birth_date"] = (
                f"Bitte ein Datum im Format TT.MM.JJJJ zwischen {EARLIEST_DATE:%d.%m.%Y} und {LATEST_DATE:%d.%m.%Y}."
            )
        number = re.sub(r"^fall\s*", "", values["case_number"], flags=re.IGNORECASE).strip()
        if number and not NUMBER.fullmatch(number):
            form.errors["case_number"] = "Bitte die ersten 8 Zeichen der Fallnummer (z. B. 3f2b9c1a) oder die ganze."
        if any(name in params for name, _, _ in cls.FIELDS) and not any(values.values()):
            form.general.append("Bitte mindestens ein Suchkriterium angeben.")
        if form.errors or form.general or not any(values.values()):
            return form
        form.query = PersonQuery(
            values["family_name"] or None, values["given_names"] or None, day, number.lower() or None
        )
        return form


def parse_day(text: str) -> date | None:
    """A date as a date field sends it (JJJJ-MM-TT) or as typed (TT.MM.JJJJ), within the plausible range."""
    german_date = GERMAN_DATE.fullmatch(text)
    try:
        day = (
            date(int(german_date[3]), int(german_date[2]), int(german_date[1]))
            if german_date
            else date.fromisoformat(text)
        )
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


@dataclass(frozen=True)
class MatchRow:
    """A match as a row of the pages' tables."""

    case_id: UUID
    name: str
    birth_date: date
    registered_on: date
    status: str
    reasons: list[str]


def rows_of(found: Sequence[ShownMatch]) -> list[MatchRow]:
    return [
        MatchRow(
            case_id=m.match.entry.case_id,
            name=f"{m.match.entry.family_name}, {m.match.entry.given_names}",
            birth_date=m.match.entry.birth_date,
            registered_on=m.match.entry.registered_on,
            status=STATUS_DE.get(m.status, m.status or "–"),
            reasons=[reason.label_de for reason in m.match.reasons],
        )
        for m in found
    ]
