"""Finding a registered person: the person index's rows, the search and the duplicate check.

Intake keeps one row per case in its person index (``shared/persistence/person_index.py``),
written with the case's events: names, birth date, registered on, the case's status and the
names' search keys (folded spelling and Kölner Phonetik, ``shared/names.py``). Both use cases
here are pure: they rank rows the index handed them.

- **Search** (:func:`search`): every criterion given must hold: a name in one of the
  tolerant ways of :class:`shared.names.Level` (the same, spelled alike, a part of it, sounding alike,
  similar), the birth date exactly, the case number as the full case id or its first 8 hex
  characters (the pages show "Fall 3f2b9c1a"). Best first, at most ``limit``.
- **Duplicate check** (:func:`duplicates`): a person about to be registered is likely
  registered already if a row has the same birth date and a similar name (family name and
  given names, also the two swapped), or the same names (folded) and a birth date that differs
  only by swapped day and month or in one digit.

Every match says why (:class:`Reason`). The index narrows its rows first (:meth:`PersonQuery.may_match`,
the same in PostgreSQL and in memory); a name the ranking accepts always passes that narrowing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from shared.names import Level, NameKeys, alike, name_level, narrows, same_name

MAX_RESULTS = 20
"""At most this many matches are answered (search and duplicate check)."""
CASE_PREFIX = 8
"""Hex characters of a case id the pages show ("Fall 3f2b9c1a")."""
HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class PersonEntry:
    """One row of the person index: a registered person and their case."""

    case_id: UUID
    person_id: UUID | None
    family_name: str
    given_names: str
    birth_date: date
    registered_on: date
    status: str | None
    """``registered``, ``open`` or ``closed``: the case's status when it was last saved."""
    family: NameKeys = field(init=False, compare=False)
    given: NameKeys = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "family", NameKeys.of(self.family_name))
        object.__setattr__(self, "given", NameKeys.of(self.given_names))

    @property
    def case_prefix(self) -> str:
        return self.case_id.hex[:CASE_PREFIX]


LEVEL_SCORE = {Level.EXACT: 1.0, Level.SPELLING: 0.97, Level.PART: 0.9, Level.PHONETIC: 0.85, Level.SIMILAR: 0.75}


class Reason(StrEnum):
    """Why a row matched."""

    CASE_NUMBER = "case_number"
    BIRTH_DATE = "birth_date"
    BIRTH_DATE_SWAPPED = "birth_date_day_month_swapped"
    BIRTH_DATE_ONE_DIGIT = "birth_date_one_digit"
    NAMES_SWAPPED = "names_swapped"
    FAMILY_NAME_EXACT = "family_name_exact"
    FAMILY_NAME_SPELLING = "family_name_spelling"
    FAMILY_NAME_PART = "family_name_part"
    FAMILY_NAME_PHONETIC = "family_name_phonetic"
    FAMILY_NAME_SIMILAR = "family_name_similar"
    GIVEN_NAMES_EXACT = "given_names_exact"
    GIVEN_NAMES_SPELLING = "given_names_spelling"
    GIVEN_NAMES_PART = "given_names_part"
    GIVEN_NAMES_PHONETIC = "given_names_phonetic"
    GIVEN_NAMES_SIMILAR = "given_names_similar"

    @property
    def label_de(self) -> str:
        return REASONS_DE[self]


_NAME_DE = {
    Level.EXACT: "gleich",
    Level.SPELLING: "gleich bis auf Schreibweise (Umlaute, Akzente, Bindestriche)",
    Level.PART: "enthält den gesuchten Namen",
    Level.PHONETIC: "klingt gleich (Kölner Phonetik)",
    Level.SIMILAR: "ähnlich geschrieben",
}
REASONS_DE: dict[Reason, str] = {
    Reason.CASE_NUMBER: "Fallnummer",
    Reason.BIRTH_DATE: "Geburtsdatum gleich",
    Reason.BIRTH_DATE_SWAPPED: "Geburtsdatum mit vertauschtem Tag und Monat",
    Reason.BIRTH_DATE_ONE_DIGIT: "Geburtsdatum in einer Ziffer abweichend",
    Reason.NAMES_SWAPPED: "Familienname und Vornamen vertauscht",
    **{Reason(f"family_name_{level.name.lower()}"): f"Familienname {text}" for level, text in _NAME_DE.items()},
    **{Reason(f"given_names_{level.name.lower()}"): f"Vornamen {text}" for level, text in _NAME_DE.items()},
}


@dataclass(frozen=True, slots=True)
class PersonQuery:
    """The criteria of a search; every one given must hold."""

    family_name: str | None = None
    given_names: str | None = None
    birth_date: date | None = None
    case_number: str | None = None
    """The full case id or its first :data:`CASE_PREFIX` hex characters."""
    family: NameKeys | None = field(init=False, compare=False)
    given: NameKeys | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "family", NameKeys.of(self.family_name) if self.family_name is not None else None)
        object.__setattr__(self, "given", NameKeys.of(self.given_names) if self.given_names is not None else None)

    @property
    def empty(self) -> bool:
        """No criterion at all."""
        return all(v is None for v in (self.family_name, self.given_names, self.birth_date, self.case_number))

    @property
    def case_id(self) -> UUID | None:
        number = self.case_number
        if number is None or len(number) <= CASE_PREFIX:
            return None
        try:
            return UUID(number)
        except ValueError:
            return None

    @property
    def case_prefix(self) -> str | None:
        number = self.case_number
        if number is None or len(number) != CASE_PREFIX or any(ch not in HEX for ch in number.lower()):
            return None
        return number.lower()

    @property
    def hopeless(self) -> bool:
        """A name without a letter or digit, or a case number that is none, matches nothing."""
        bad_number = self.case_number is not None and self.case_id is None and self.case_prefix is None
        return bad_number or any(keys is not None and not keys.key for keys in (self.family, self.given))

    def may_match(self, entry: PersonEntry) -> bool:
        """Whether the index hands the row to the ranking (PostgreSQL does the same in SQL)."""
        if self.hopeless:
            return False
        if self.case_id is not None and entry.case_id != self.case_id:
            return False
        if self.case_prefix is not None and entry.case_prefix != self.case_prefix:
            return False
        if self.birth_date is not None and entry.birth_date != self.birth_date:
            return False
        return all(
            narrows(wanted, keys)
            for wanted, keys in ((self.family, entry.family), (self.given, entry.given))
            if wanted is not None
        )


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """A row that matched, how well (0..1) and why."""

    entry: PersonEntry
    score: float
    reasons: tuple[Reason, ...]


def name_reason(prefix: str, level: Level) -> Reason:
    return Reason(f"{prefix}_{level.name.lower()}")


def match(query: PersonQuery, entry: PersonEntry) -> PersonMatch | None:
    """The row as a match of the search, or None if a criterion does not hold."""
    if not query.may_match(entry):
        return None
    scores: list[float] = []
    reasons: list[Reason] = []
    if query.case_number is not None:
        scores.append(1.0)
        reasons.append(Reason.CASE_NUMBER)
    for prefix, wanted, keys, found, found_keys in (
        ("family_name", query.family_name, query.family, entry.family_name, entry.family),
        ("given_names", query.given_names, query.given, entry.given_names, entry.given),
    ):
        if wanted is None or keys is None:
            continue
        level = name_level(wanted, keys, found, found_keys)
        if level is None:
            return None
        scores.append(LEVEL_SCORE[level])
        reasons.append(name_reason(prefix, level))
    if query.birth_date is not None:
        scores.append(1.0)
        reasons.append(Reason.BIRTH_DATE)
    return PersonMatch(entry, sum(scores) / len(scores), tuple(reasons))


def best_first(found: list[PersonMatch], admit: Callable[[PersonEntry], bool], limit: int) -> list[PersonMatch]:
    found.sort(key=lambda m: (-m.score, -m.entry.registered_on.toordinal(), str(m.entry.case_id)))
    chosen: list[PersonMatch] = []
    for candidate in found:  # ``admit`` may ask who works on the case: only as often as needed
        if len(chosen) == limit:
            break
        if admit(candidate.entry):
            chosen.append(candidate)
    return chosen


def search(
    query: PersonQuery,
    rows: Sequence[PersonEntry],
    admit: Callable[[PersonEntry], bool] = lambda _entry: True,
    limit: int = MAX_RESULTS,
) -> list[PersonMatch]:
    """The rows matching every criterion, best first (then the latest registered), at most ``limit``."""
    found = [m for m in (match(query, entry) for entry in rows) if m is not None]
    return best_first(found, admit, min(limit, MAX_RESULTS))


@dataclass(frozen=True, slots=True)
class Registration:
    """A person about to be registered: what the duplicate check compares."""

    family_name: str
    given_names: str
    birth_date: date
    family: NameKeys = field(init=False, compare=False)
    given: NameKeys = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "family", NameKeys.of(self.family_name))
        object.__setattr__(self, "given", NameKeys.of(self.given_names))


def near_birth_date(wanted: date, found: date) -> Reason | None:
    """Day and month swapped (03.04. for 04.03.), or one digit of TTMMJJJJ different; None otherwise."""
    if wanted == found:
        return None
    if wanted.day != wanted.month and (found.year, found.month, found.day) == (wanted.year, wanted.day, wanted.month):
        return Reason.BIRTH_DATE_SWAPPED
    a, b = wanted.strftime("%Y%m%d"), found.strftime("%Y%m%d")
    return Reason.BIRTH_DATE_ONE_DIGIT if sum(x != y for x, y in zip(a, b, strict=True)) == 1 else None


def duplicate(person: Registration, entry: PersonEntry) -> PersonMatch | None:
    """The row as a likely earlier registration of ``person``, or None."""
    family, given = person.family, person.given
    if entry.birth_date == person.birth_date:
        fam = alike(person.family_name, family, entry.family_name, entry.family)
        giv = alike(person.given_names, given, entry.given_names, entry.given)
        if fam is not None and giv is not None:
            reasons = (name_reason("family_name", fam), name_reason("given_names", giv), Reason.BIRTH_DATE)
            return PersonMatch(entry, (LEVEL_SCORE[fam] + LEVEL_SCORE[giv] + 1.0) / 3, reasons)
        crossed = (
            alike(person.family_name, family, entry.given_names, entry.given),
            alike(person.given_names, given, entry.family_name, entry.family),
        )
        if crossed[0] is not None and crossed[1] is not None:
            score = (LEVEL_SCORE[crossed[0]] + LEVEL_SCORE[crossed[1]] + 1.0) / 3 - 0.05
            return PersonMatch(entry, score, (Reason.NAMES_SWAPPED, Reason.BIRTH_DATE))
        return None
    if (family.key, given.key) != (entry.family.key, entry.given.key) or not family.key:
        return None
    near = near_birth_date(person.birth_date, entry.birth_date)
    if near is None:
        return None
    spelled = (
        name_reason("family_name", same_name(person.family_name, entry.family_name)),
        name_reason("given_names", same_name(person.given_names, entry.given_names)),
    )
    return PersonMatch(entry, 0.8, (*spelled, near))


def duplicates(
    person: Registration,
    rows: Sequence[PersonEntry],
    admit: Callable[[PersonEntry], bool] = lambda _entry: True,
    limit: int = MAX_RESULTS,
) -> list[PersonMatch]:
    """Likely earlier registrations of ``person`` among ``rows``, most likely first."""
    found = [m for m in (duplicate(person, entry) for entry in rows) if m is not None]
    return best_first(found, admit, min(limit, MAX_RESULTS))


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """The person of a case as intake registered them (the case page's "Person" panel)."""

    case_id: UUID
    family_name: str
    given_names: str
    birth_date: date
    registered_on: date
    languages: tuple[str, ...]
    claimed_nationalities: tuple[str, ...]


class PersonIndex(Protocol):
    """Where intake keeps its person index (PostgreSQL, or in memory for tests)."""

    def candidates(self, query: PersonQuery, within: frozenset[UUID] | None, cap: int) -> list[PersonEntry]:
        """Rows :meth:`PersonQuery.may_match` lets through (of the cases ``within``, if given), at most ``cap``,
        those that share the most with the query first."""
        ...

    def registered_alike(self, person: Registration, within: frozenset[UUID] | None, cap: int) -> list[PersonEntry]:
        """Rows with the same birth date, or with the same folded names (either way round)."""
        ...

    def entry(self, case_id: UUID) -> PersonEntry | None: ...

    def put(self, entry: PersonEntry, version: int) -> None:
        """Write a row outside a command (filling the index from the aggregates), unless a newer one is there."""
        ...

    def written_with_events(self, entry: PersonEntry) -> object:
        """A side record: the row, written in the transaction of the case's events."""
        ...
