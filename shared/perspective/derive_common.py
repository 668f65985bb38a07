"""What every derivation of facts shares: the held entries by event name, corrections
applied, and the rule that the latest answer wins."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from shared.perspective.facts import Flag


class FactEntry(Protocol):
    """One held event: its id, its wire type and its published fields (a timeline entry, or an own record)."""

    @property
    def event_id(self) -> UUID: ...

    @property
    def type(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


Row = dict[str, Any]


class Held:
    """The current data of the held events, by event name (a correction replaces the entry it names)."""

    def __init__(self, rows: dict[str, list[Row]]) -> None:
        self._rows = rows

    def __call__(self, *names: str) -> list[Row]:
        """The rows of the named events, in the order they are held."""
        return [row for name in names for row in self._rows.get(name, [])]


def corrected_by_source(entries: Iterable[FactEntry]) -> set[tuple[str, str]]:
    """(source, event id) of every entry a held correction replaces: a correction replaces only an entry of
    its own source, so no department's entry can take away another department's facts."""
    return {(source_of(e), str(e.data["corrects"])) for e in entries if e.data.get("corrects")}


def source_of(entry: FactEntry) -> str:
    source = getattr(entry, "source", None)
    return str(getattr(source, "value", source))


def is_corrected(entry: FactEntry, corrected: set[tuple[str, str]]) -> bool:
    return (source_of(entry), str(entry.event_id)) in corrected


def current_entries(entries: Iterable[FactEntry]) -> Held:
    """The held events by name, without entries a later correction of the same source replaced."""
    listed = list(entries)
    corrected = corrected_by_source(listed)
    by_name: dict[str, list[Row]] = defaultdict(list)
    for entry in listed:
        if not is_corrected(entry, corrected):
            by_name[entry.type.split(".")[-2]].append(entry.data)
    return Held(by_name)


def day(value: Any) -> date:
    """A date as the published data carries it (ISO text) or as an own record holds it."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


Answer = tuple[date, bool]
"""A yes/no answer and the day it was given or became true."""


def answers(rows: Iterable[Row], field: str, on: str) -> list[Answer]:
    """The given answers of ``field`` (None: not asked), each with its day ``on``."""
    return [(day(row[on]), bool(row[field])) for row in rows if row.get(field) is not None]


def latest(found: Iterable[Answer]) -> Flag | None:
    """The latest answer (by its day; of one day, the last held) as a flag true from that day; None if none."""
    ordered = sorted(found, key=lambda answer: answer[0])
    if not ordered:
        return None
    on, value = ordered[-1]
    return Flag(value=value, since=on if value else None)


def last_by(rows: list[Row], on: str) -> Row | None:
    """The row with the latest day ``on`` (of one day, the last held)."""
    return sorted(rows, key=lambda row: day(row[on]))[-1] if rows else None
