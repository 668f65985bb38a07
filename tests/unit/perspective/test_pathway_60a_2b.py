"""§ 60a Abs. 2b: Duldung for the parents and minor siblings while the § 25a holder is a minor."""

from __future__ import annotations

from datetime import date

import pytest

from shared.perspective import HouseholdMember, LegalAssumptions, PathwayStatus, Relation, Status
from shared.perspective.dates import ONE_DAY, add_years
from tests.unit.perspective.factories import D, applied_for, deadlines, granted, member, pathway, permit, prereq
from tests.unit.perspective.personas import parent_of_youth

NORM = "AufenthG_60a_2b"
ON = D(2025, 6, 1)
KEY = "family_of_minor_25a_holder"
EIGHTEEN_TODAY = add_years(ON, -18)


def test_a_parent_is_tolerated_until_the_youth_comes_of_age() -> None:
    result = pathway(parent_of_youth(D(2010, 3, 15)), ON, NORM)
    assert result.status == PathwayStatus.ELIGIBLE
    assert ("youth_comes_of_age", D(2028, 3, 14)) in deadlines(result)
    assert not any("Kein Antrag erfasst" in n for n in result.notes_de)  # decided of the authority's own motion


@pytest.mark.parametrize(
    ("youth_birth", "expected"),
    [
        # "Solange ... minderjährig ist": the day before the 18th birthday and the birthday.
        pytest.param(EIGHTEEN_TODAY + ONE_DAY, Status.MET, id="17-the-day-before-18"),
        pytest.param(EIGHTEEN_TODAY, Status.NOT_MET, id="18-today"),
        pytest.param(None, Status.UNKNOWN, id="birth-date-unknown"),
    ],
)
def test_while_the_youth_is_a_minor(youth_birth: date | None, expected: Status) -> None:
    youth = member(Relation.CHILD, granted("AufenthG_25a", D(2024, 1, 1)), birth=youth_birth)
    assert prereq(parent_of_youth(D(2010, 1, 1), household_members=[youth]), ON, NORM, KEY).status == expected


@pytest.mark.parametrize(
    ("members", "person_birth", "expected"),
    [
        # "seiner Eltern": a parent, whether or not living with the youth.
        pytest.param(
            [member(Relation.CHILD, granted("AufenthG_25a"), birth=D(2010, 1, 1), until=D(2024, 12, 31))],
            D(1985, 1, 1),
            Status.MET,
            id="parent-living-apart",
        ),
        # A § 25a Abs. 1 permit: held, not merely applied for; expired permits do not count.
        pytest.param(
            [member(Relation.CHILD, applied_for("AufenthG_25a"), birth=D(2010, 1, 1))],
            D(1985, 1, 1),
            Status.UNKNOWN,
            id="youth-applied",
        ),
        pytest.param(
            [member(Relation.CHILD, granted("AufenthG_25a", D(2023, 1, 1), D(2024, 12, 31)), birth=D(2010, 1, 1))],
            D(1985, 1, 1),
            Status.NOT_MET,
            id="permit-expired",
        ),
        pytest.param(
            [member(Relation.CHILD, granted("AufenthG_25a_2"), birth=D(2010, 1, 1))],
            D(1985, 1, 1),
            Status.NOT_MET,
            id="derived-permit-only",
        ),
        # Minor siblings living with the parents.
        pytest.param(
            [member(Relation.SIBLING, granted("AufenthG_25a"), birth=D(2009, 1, 1)), member(Relation.PARENT)],
            D(2012, 1, 1),
            Status.MET,
            id="minor-sibling-with-parents",
        ),
        pytest.param(
            [member(Relation.SIBLING, granted("AufenthG_25a"), birth=D(2009, 1, 1)), member(Relation.PARENT)],
            D(2005, 1, 1),
            Status.NOT_MET,
            id="adult-sibling",
        ),
        pytest.param(
            [member(Relation.SIBLING, granted("AufenthG_25a"), birth=D(2009, 1, 1))],
            D(2012, 1, 1),
            Status.NOT_MET,
            id="sibling-not-living-with-parents",
        ),
        pytest.param([], D(1985, 1, 1), Status.NOT_MET, id="no-family"),
    ],
)
def test_who_is_covered(members: list[HouseholdMember], person_birth: date, expected: Status) -> None:
    facts = parent_of_youth(D(2010, 1, 1), household_members=members, birth_date=person_birth)
    assert prereq(facts, ON, NORM, KEY).status == expected


def test_not_for_someone_with_a_title() -> None:
    facts = parent_of_youth(D(2010, 1, 1), statuses=[permit(D(2020, 1, 1))])
    assert prereq(facts, ON, NORM, "enforceably_obliged").status == Status.NOT_MET


def test_the_first_day_is_an_assumption() -> None:
    facts = parent_of_youth(D(2010, 1, 1))
    assert pathway(facts, D(2011, 6, 30), NORM).rule_version_id is None
    moved = LegalAssumptions(duldung_60a_2b_from=D(2011, 6, 1))
    assert pathway(facts, D(2011, 6, 30), NORM, moved).rule_version_id == "AufenthG_60a_2b@2011-06-01"
