"""Finding a registered person, without any store: folded names, the Kölner Phonetik, the search's ranking and
the duplicate check's rules (shared/names.py, shared/persons.py), on German register examples."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from shared.names import Level, NameKeys, codes, cologne, fold, name_level, tokens
from shared.persons import (
    MAX_RESULTS,
    PersonEntry,
    PersonQuery,
    Reason,
    Registration,
    duplicates,
    near_birth_date,
    search,
)
from tests.unit.test_layers import loaded_by

BORN = date(1990, 3, 4)


def person(family: str, given: str, born: date = BORN, registered: date = date(2026, 1, 5)) -> PersonEntry:
    return PersonEntry(uuid4(), uuid4(), family, given, born, registered, "registered")


# --- folding and phonetics ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Müller", "mueller"),
        ("MÜLLER", "mueller"),
        ("Mueller", "mueller"),
        ("Groß", "gross"),
        ("Strauß-Öztürk", "strauss oeztuerk"),
        ("Çelik", "celik"),
        ("José María", "jose maria"),
        ("Søren Łukasz", "soren lukasz"),
        ("O'Brien", "obrien"),
        ("  Al-Hassan  ", "al hassan"),
        ("İbrahim", "ibrahim"),
        ("محمد", "محمد"),
        ("!!!", ""),
    ],
)
def test_fold_writes_out_umlauts_and_strips_accents(written: str, folded: str) -> None:
    assert fold(written) == folded


def test_tokens_are_the_folded_parts() -> None:
    assert tokens("Anna-Maria  Lena") == ("anna", "maria", "lena")


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Wikipedia", "3412"),  # the examples of the algorithm's description
        ("Müller-Lüdenscheidt", "65752682"),
        ("Breschnew", "17863"),
        ("Müller", "657"),
        ("Mueller", "657"),
        ("Miller", "657"),
        ("Schmidt", "862"),
        ("Schmitt", "862"),
        ("Schmid", "862"),
        ("Meyer", "67"),
        ("Maier", "67"),
        ("Mohammed", "662"),
        ("Muhammad", "662"),
        ("Christoph", "47823"),
        ("Xaver", "4837"),
        ("Hh", ""),
    ],
)
def test_cologne_phonetics(word: str, code: str) -> None:
    assert cologne(word) == code


def test_codes_of_a_name_leave_out_empty_ones() -> None:
    assert codes("Schmidt Meyer") == ("862", "67")
    assert codes("محمد") == ()


# --- how names match ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "found", "level"),
    [
        ("Müller", "müller", Level.EXACT),
        ("Müller", "Mueller", Level.SPELLING),
        ("Mueller", "Müller", Level.SPELLING),
        ("Maria", "Anna Maria", Level.PART),
        ("Müll", "Müller", Level.PART),
        ("Schmidt", "Schmitt", Level.PHONETIC),
        ("Mohammed", "Muhammad", Level.PHONETIC),
        ("Meyer", "Maier", Level.PHONETIC),
        ("Kowalski", "Kovalsky", Level.PHONETIC),
        ("Jankowski", "Jankowsky", Level.PHONETIC),
        ("Schneider", "Schnieder", Level.PHONETIC),
        ("Schneider", "Schreider", Level.SIMILAR),
        ("Müller", "Schmidt", None),
        ("!!!", "Müller", None),
    ],
)
def test_name_levels(wanted: str, found: str, level: Level | None) -> None:
    assert name_level(wanted, NameKeys.of(wanted), found, NameKeys.of(found)) == level


def test_a_similar_name_must_begin_alike() -> None:
    # Jaro-Winkler finds them close, but they share no beginning, part or sound: no match.
    assert name_level("Chmidt", NameKeys.of("Chmidt"), "Schmidt", NameKeys.of("Schmidt")) is None


# --- the search --------------------------------------------------------------------------------


def test_the_search_ranks_the_same_name_before_spelling_part_and_sound() -> None:
    rows = [
        sound := person("Müler", "Anna"),
        part := person("Müller-Lüdenscheidt", "Anna"),
        exact := person("Müller", "Anna"),
        spelled := person("Mueller", "Anna"),
        person("Schmidt", "Anna"),
    ]
    found = search(PersonQuery(family_name="Müller"), rows)
    assert [m.entry for m in found] == [exact, spelled, part, sound]
    assert found[0].reasons == (Reason.FAMILY_NAME_EXACT,)
    assert found[1].reasons == (Reason.FAMILY_NAME_SPELLING,)
    assert found[2].reasons == (Reason.FAMILY_NAME_PART,)
    assert found[3].reasons == (Reason.FAMILY_NAME_PHONETIC,)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_every_criterion_must_hold() -> None:
    anna = person("Schmitt", "Anna", date(1985, 1, 1))
    jonas = person("Schmidt", "Jonas", date(1985, 1, 1))
    other_day = person("Schmidt", "Anna", date(1985, 1, 2))
    found = search(
        PersonQuery(family_name="Schmidt", given_names="Anna", birth_date=date(1985, 1, 1)), [anna, jonas, other_day]
    )
    assert [m.entry for m in found] == [anna]
    assert found[0].reasons == (Reason.FAMILY_NAME_PHONETIC, Reason.GIVEN_NAMES_EXACT, Reason.BIRTH_DATE)


def test_equal_matches_show_the_latest_registration_first() -> None:
    older = person("Yilmaz", "Ayse", registered=date(2024, 5, 1))
    newer = person("Yilmaz", "Ayse", registered=date(2026, 2, 1))
    assert [m.entry for m in search(PersonQuery(family_name="Yılmaz"), [older, newer])] == [newer, older]


def test_by_case_number_the_full_id_or_its_first_eight_characters() -> None:
    wanted = person("Nowak", "Jan")
    rows = [wanted, person("Nowak", "Jan")]
    assert [m.entry for m in search(PersonQuery(case_number=str(wanted.case_id)), rows)] == [wanted]
    prefix = wanted.case_id.hex[:8].upper()
    found = search(PersonQuery(case_number=prefix), rows)
    assert [m.entry for m in found] == [wanted]
    assert found[0].reasons == (Reason.CASE_NUMBER,)


def test_at_most_twenty_results_and_only_admitted_ones() -> None:
    rows = [person("Ahmadi", f"Kind {i}") for i in range(30)]
    assert len(search(PersonQuery(family_name="Ahmadi"), rows, limit=50)) == MAX_RESULTS
    hidden = {rows[0].case_id, rows[1].case_id}
    admitted = search(PersonQuery(family_name="Ahmadi"), rows, admit=lambda e: e.case_id not in hidden)
    assert len(admitted) == MAX_RESULTS and hidden.isdisjoint(m.entry.case_id for m in admitted)


def test_a_name_without_letters_matches_nothing() -> None:
    assert search(PersonQuery(family_name="–"), [person("Müller", "Anna")]) == []


def test_the_narrowing_lets_through_everything_the_ranking_accepts() -> None:
    rows = [person(f, g) for f in ("Müller", "Mueller", "Miller", "Schmitt", "Schreider") for g in ("Anna", "Jonas")]
    for wanted in ("Müller", "Schmidt", "Schneider", "Müll", "Anna", "Jonas Maria"):
        for query in (PersonQuery(family_name=wanted), PersonQuery(given_names=wanted)):
            for entry in rows:
                if search(query, [entry]):
                    assert query.may_match(entry), (wanted, entry.family_name, entry.given_names)


# --- the duplicate check -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "now", "reasons"),
    [
        (
            ("Müller", "Anna", BORN),
            ("Mueller", "Anna", BORN),
            (Reason.FAMILY_NAME_SPELLING, Reason.GIVEN_NAMES_EXACT, Reason.BIRTH_DATE),
        ),
        (
            ("Schmidt", "Jonas", BORN),
            ("Schmitt", "Jonas", BORN),
            (Reason.FAMILY_NAME_PHONETIC, Reason.GIVEN_NAMES_EXACT, Reason.BIRTH_DATE),
        ),
        (
            ("Al-Hassan", "Mohammed", BORN),
            ("Al Hassan", "Muhammad", BORN),
            (Reason.FAMILY_NAME_SPELLING, Reason.GIVEN_NAMES_PHONETIC, Reason.BIRTH_DATE),
        ),
        (
            ("Haddad", "Samira", BORN),
            ("Samira", "Haddad", BORN),
            (Reason.NAMES_SWAPPED, Reason.BIRTH_DATE),
        ),
        (
            ("Haddad", "Samira Layla", BORN),
            ("Haddad", "Samira", BORN),
            (Reason.FAMILY_NAME_EXACT, Reason.GIVEN_NAMES_PART, Reason.BIRTH_DATE),
        ),
        (
            ("Müller", "Anna", date(1990, 4, 3)),  # 03.04. instead of 04.03.
            ("Mueller", "Anna", BORN),
            (Reason.FAMILY_NAME_SPELLING, Reason.GIVEN_NAMES_EXACT, Reason.BIRTH_DATE_SWAPPED),
        ),
        (
            ("Müller", "Anna", date(1991, 3, 4)),  # one digit of the year
            ("Müller", "Anna", BORN),
            (Reason.FAMILY_NAME_EXACT, Reason.GIVEN_NAMES_EXACT, Reason.BIRTH_DATE_ONE_DIGIT),
        ),
    ],
)
def test_likely_duplicates(
    earlier: tuple[str, str, date], now: tuple[str, str, date], reasons: tuple[Reason, ...]
) -> None:
    entry = person(*earlier)
    found = duplicates(Registration(*now), [entry])
    assert [m.entry for m in found] == [entry]
    assert found[0].reasons == reasons


@pytest.mark.parametrize(
    ("earlier", "now"),
    [
        (("Müller", "Anna", BORN), ("Schmidt", "Anna", BORN)),  # same day, another name
        (("Müller", "Anna", BORN), ("Müller", "Jonas", BORN)),  # same day and family, another person
        (("Müller", "Anna", date(1990, 5, 6)), ("Müller", "Anna", BORN)),  # two digits apart
        (("Schmidt", "Anna", date(1990, 4, 3)), ("Schmitt", "Anna", BORN)),  # swapped, but the names only sound alike
        (("Müller", "Anna", date(1990, 3, 3)), ("Müller", "Anna", date(1990, 3, 3))),
    ],
)
def test_no_likely_duplicate(earlier: tuple[str, str, date], now: tuple[str, str, date]) -> None:
    found = duplicates(Registration(*now), [person(*earlier)])
    if earlier == now:  # the control: the very same registration is found
        assert found
    else:
        assert found == []


@pytest.mark.parametrize(
    ("wanted", "found", "reason"),
    [
        (date(1990, 3, 4), date(1990, 4, 3), Reason.BIRTH_DATE_SWAPPED),
        (date(1990, 3, 4), date(1990, 3, 5), Reason.BIRTH_DATE_ONE_DIGIT),
        (date(1990, 3, 4), date(1980, 3, 4), Reason.BIRTH_DATE_ONE_DIGIT),
        (date(1990, 3, 3), date(1990, 3, 3), None),
        (date(1990, 3, 4), date(1990, 5, 6), None),
        (date(1990, 12, 1), date(1990, 1, 12), Reason.BIRTH_DATE_SWAPPED),
    ],
)
def test_near_birth_dates(wanted: date, found: date, reason: Reason | None) -> None:
    assert near_birth_date(wanted, found) == reason


def test_the_most_likely_duplicate_comes_first() -> None:
    spelled = person("Mueller", "Anna")
    exact = person("Müller", "Anna")
    near = person("Müller", "Anna", date(1990, 4, 3))
    assert [m.entry for m in duplicates(Registration("Müller", "Anna", BORN), [near, spelled, exact])] == [
        exact,
        spelled,
        near,
    ]


def test_every_reason_has_a_german_label() -> None:
    assert all(reason.label_de for reason in Reason)
    assert Reason.FAMILY_NAME_PHONETIC.label_de == "Familienname klingt gleich (Kölner Phonetik)"


@pytest.mark.parametrize("module", ["shared.names", "shared.persons"])
def test_the_matching_is_pure(module: str) -> None:
    loaded = loaded_by(module)
    adapters = ("fastapi", "starlette", "psycopg", "kafka", "shared.http", "shared.persistence", "shared.projection")
    assert not [m for m in loaded if any(m == a or m.startswith(a + ".") for a in adapters)]


def test_a_case_number_is_the_whole_id_or_its_first_eight_hex_characters() -> None:
    assert PersonQuery(case_number="3F2B9C1A").case_prefix == "3f2b9c1a"
    assert PersonQuery(case_number=str(UUID(int=1))).case_id == UUID(int=1)
    for nothing in ("zzzzzzzz", "3f2b9c1", "not-a-case-id-at-all"):
        query = PersonQuery(case_number=nothing)
        assert query.hopeless and search(query, [person("Müller", "Anna")]) == []
