"""One behaviour suite for intake's person index, run on every persistence.

Subclass :class:`PersonIndexSuite` and provide

- an ``app`` fixture: intake's Application with its person index, on the persistence under test;
- :meth:`PersonIndexSuite.unfilled`: the cases the index has no row for (``kim migrate`` fills them).

Run by ``tests/unit/test_person_index_memory.py`` (in memory) and
``tests/integration/test_person_index_postgres.py`` (PostgreSQL, on the session's database,
which other tests write too: each test registers persons under names and birth dates of its own,
or searches only among its own cases).
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta
from uuid import UUID

import pytest

from services.intake.application import IntakeApplication
from services.intake.commands import CloseCase, OpenCase, RegisterPerson
from shared.persons import PersonEntry, PersonQuery, Reason, Registration


def unique_name() -> str:
    """A family name no other test registers."""
    return "Qx" + "".join(random.choice(string.ascii_lowercase) for _ in range(12))  # noqa: S311 - not a secret


def unique_day() -> date:
    """A birth date no other test of the session is likely to use (never a 29 February: a year on must exist)."""
    day = date(1901, 1, 1) + timedelta(days=random.randrange(0, 36_000))  # noqa: S311 - not a secret
    return day.replace(day=28) if (day.month, day.day) == (2, 29) else day


class PersonIndexSuite:
    """The index's behaviour, whatever stores it."""

    def unfilled(self, app: IntakeApplication) -> list[UUID]:
        """The cases stored without a row (or with keys of an older version)."""
        raise NotImplementedError

    @staticmethod
    def register(
        app: IntakeApplication, family: str, given: str, born: date, registered: date = date(2026, 1, 5)
    ) -> UUID:
        cmd = RegisterPerson(family_name=family, given_names=given, birth_date=born, registered_on=registered)
        return app.register_person(cmd).case_id

    # --- written with the events ------------------------------------------------------------

    def test_a_registration_writes_its_row_and_every_save_keeps_the_status(self, app: IntakeApplication) -> None:
        index = app.person_index
        assert index is not None
        born = unique_day()
        case_id = self.register(app, "Müller", "Anna Lena", born)
        row = index.entry(case_id)
        assert row is not None
        assert (row.family_name, row.given_names, row.birth_date, row.status) == (
            "Müller",
            "Anna Lena",
            born,
            "registered",
        )
        assert row.person_id == app.get_case(case_id).person_id
        app.open_case(case_id, OpenCase(opened_on=date(2026, 1, 6), case_manager_id="st-cm0001"))
        assert (index.entry(case_id) or row).status == "open"
        app.close_case(case_id, CloseCase(closed_on=date(2026, 2, 1), reason="moved"))
        assert (index.entry(case_id) or row).status == "closed"

    def test_an_older_version_never_replaces_a_newer_row(self, app: IntakeApplication) -> None:
        index = app.person_index
        assert index is not None
        case_id = self.register(app, "Schmidt", "Jonas", unique_day())
        app.open_case(case_id, OpenCase(opened_on=date(2026, 1, 6), case_manager_id="st-cm0001"))
        stale = PersonEntry(case_id, None, "Anders", "Name", date(2000, 1, 1), date(2026, 1, 5), "registered")
        index.put(stale, 1)
        row = index.entry(case_id)
        assert row is not None and (row.family_name, row.status) == ("Schmidt", "open")

    # --- the search through the index ---------------------------------------------------------

    def test_the_search_ranks_the_rows_the_index_hands_over(self, app: IntakeApplication) -> None:
        born = unique_day()
        sound = self.register(app, "Müler", "Anna", born)
        part = self.register(app, "Müller-Lüdenscheidt", "Anna", born)
        exact = self.register(app, "Müller", "Anna", born)
        spelled = self.register(app, "Mueller", "Anna", born)
        self.register(app, "Schmidt", "Anna", born)
        found = app.search_persons(PersonQuery(family_name="Müller", birth_date=born))
        assert [m.entry.case_id for m in found] == [exact, spelled, part, sound]
        assert [m.reasons[0] for m in found] == [
            Reason.FAMILY_NAME_EXACT,
            Reason.FAMILY_NAME_SPELLING,
            Reason.FAMILY_NAME_PART,
            Reason.FAMILY_NAME_PHONETIC,
        ]
        assert all(m.reasons[-1] is Reason.BIRTH_DATE for m in found)

    def test_a_name_search_finds_sound_and_spelling_among_the_cases_within(self, app: IntakeApplication) -> None:
        schmitt = self.register(app, "Schmitt", "Jonas", unique_day())
        muhammad = self.register(app, "Al Hassan", "Muhammad", unique_day())
        similar = self.register(app, "Schreider", "Lea", unique_day())
        outside = self.register(app, "Schmidt", "Jonas", unique_day())
        mine = frozenset({schmitt, muhammad, similar})
        assert [m.entry.case_id for m in app.search_persons(PersonQuery(family_name="Schmidt"), within=mine)] == [
            schmitt
        ]
        found = app.search_persons(PersonQuery(family_name="al-hassan", given_names="Mohammed"), within=mine)
        assert [(m.entry.case_id, m.reasons) for m in found] == [
            (muhammad, (Reason.FAMILY_NAME_SPELLING, Reason.GIVEN_NAMES_PHONETIC))
        ]
        assert [m.entry.case_id for m in app.search_persons(PersonQuery(family_name="Schneider"), within=mine)] == [
            similar
        ]
        assert outside not in {
            m.entry.case_id for m in app.search_persons(PersonQuery(given_names="Jonas"), within=mine)
        }
        assert app.search_persons(PersonQuery(family_name="Schmidt"), within=frozenset()) == []

    def test_by_case_number_whole_or_its_first_eight_characters(self, app: IntakeApplication) -> None:
        name = unique_name()
        wanted = self.register(app, name, "Eva", unique_day())
        self.register(app, name, "Eva", unique_day())
        whole = app.search_persons(PersonQuery(case_number=str(wanted)))
        assert [m.entry.case_id for m in whole] == [wanted]
        short = app.search_persons(PersonQuery(case_number=wanted.hex[:8], family_name=name))
        assert [(m.entry.case_id, m.reasons[0]) for m in short] == [(wanted, Reason.CASE_NUMBER)]

    def test_the_index_hands_over_the_rows_sharing_most_first(self, app: IntakeApplication) -> None:
        index = app.person_index
        assert index is not None
        name = unique_name()
        born = unique_day()
        begins = [self.register(app, name + suffix, "Eva", born, date(2026, 3, 1)) for suffix in ("a", "b", "c")]
        same = self.register(app, name, "Eva", born, date(2025, 1, 1))  # registered earlier, yet the same key
        query = PersonQuery(family_name=name, birth_date=born)
        assert [e.case_id for e in index.candidates(query, None, 1)] == [same]
        assert {e.case_id for e in index.candidates(query, None, 10)} == {same, *begins}
        assert index.candidates(PersonQuery(family_name="–"), None, 10) == []

    def test_a_search_by_birth_date_across_the_department(self, app: IntakeApplication) -> None:
        born = unique_day()
        first = self.register(app, unique_name(), "Eva", born, date(2025, 1, 1))
        second = self.register(app, unique_name(), "Ali", born, date(2026, 1, 1))
        found = app.search_persons(PersonQuery(birth_date=born))
        assert [m.entry.case_id for m in found] == [second, first]  # equally good: the latest registered first

    # --- the duplicate check ------------------------------------------------------------------

    def test_the_duplicate_check_finds_same_day_similar_names_and_near_days(self, app: IntakeApplication) -> None:
        born = unique_day()
        swapped = date(born.year, born.day, born.month) if born.day <= 12 and born.day != born.month else None
        mueller = self.register(app, "Mueller", "Anna", born)
        other = self.register(app, "Nowak", "Anna", born)
        near = self.register(
            app, "Müller", "Anna", born.replace(year=born.year + 1 if born.year % 10 < 9 else born.year - 1)
        )
        mine = frozenset({mueller, other, near})
        found = app.likely_duplicates(Registration("Müller", "Anna", born), within=mine)
        assert [m.entry.case_id for m in found] == [mueller, near]
        assert found[1].reasons[-1] is Reason.BIRTH_DATE_ONE_DIGIT
        if swapped is not None:
            day_month = self.register(app, "Müller", "Anna", swapped)
            found = app.likely_duplicates(Registration("Müller", "Anna", born), within=mine | {day_month})
            assert Reason.BIRTH_DATE_SWAPPED in {r for m in found for r in m.reasons}
        assert app.likely_duplicates(Registration("Müller", "Anna", born), within=frozenset()) == []

    def test_the_duplicate_check_across_the_department(self, app: IntakeApplication) -> None:
        born, name = unique_day(), unique_name()
        earlier = self.register(app, name, "Samira", born)
        found = app.likely_duplicates(Registration("Samira", name, born))  # names swapped
        assert [(m.entry.case_id, m.reasons) for m in found] == [(earlier, (Reason.NAMES_SWAPPED, Reason.BIRTH_DATE))]

    # --- cases stored before the index ----------------------------------------------------------

    def test_filling_writes_the_rows_of_cases_stored_without_one_once(self, app: IntakeApplication) -> None:
        index = app.person_index
        assert index is not None
        app.person_index = None  # a store of a version before the index
        try:
            born = unique_day()
            case_id = self.register(app, "Öztürk", "Elif", born)
        finally:
            app.person_index = index
        assert index.entry(case_id) is None
        missing = self.unfilled(app)
        assert case_id in missing
        assert app.fill_person_index(missing) >= 1
        row = index.entry(case_id)
        assert row is not None and (row.family_name, row.birth_date, row.status) == ("Öztürk", born, "registered")
        assert case_id not in self.unfilled(app)
        found = app.search_persons(PersonQuery(family_name="Ozturk", birth_date=born))
        assert [m.entry.case_id for m in found] == [case_id]

    @pytest.mark.parametrize("name", ["", "–"])
    def test_a_name_without_letters_finds_nothing(self, app: IntakeApplication, name: str) -> None:
        self.register(app, "Müller", "Anna", unique_day())
        assert app.search_persons(PersonQuery(family_name=name or " ")) == []
