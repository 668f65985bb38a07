"""§ 104c Abs. 2: spouses, partners and minor unmarried children of a beneficiary under Abs. 1.

Their own route: the five years on 31.10.2022 are waived [V S1]; the household is judged
on the decision date; the [U] readings (tolerated, adult children, minority at the
application, the deception bar) are switched here and in test_assumptions.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.perspective import (
    HouseholdMember,
    LegalAssumptions,
    MemberPermit,
    PathwayStatus,
    PermitState,
    Relation,
    Status,
)
from shared.perspective.dates import ONE_DAY, add_years
from tests.unit.perspective.factories import (
    D,
    applied,
    applied_for,
    deadlines,
    gestattung,
    granted,
    member,
    no,
    pathway,
    prereq,
    prerequisite,
    spouse_holding_104c,
)
from tests.unit.perspective.personas import child_of_beneficiary, spouse

NORM, NORM_ABS_1 = "AufenthG_104c_2", "AufenthG_104c"
ON = D(2024, 6, 1)
KEY = "family_of_beneficiary"


def test_a_spouse_needs_no_five_years() -> None:
    facts = spouse()
    family = pathway(facts, ON, NORM)
    assert (family.status, family.rule_version_id) == (PathwayStatus.ELIGIBLE, "AufenthG_104c_2@2022-12-31")
    assert ("last_new_grant", D(2025, 12, 31)) in deadlines(family)
    # The same person is judged on her own periods under Abs. 1, and they fall short.
    assert prerequisite(pathway(facts, ON, NORM_ABS_1), "stay_on_cut_off").status == Status.NOT_MET


@pytest.mark.parametrize(
    ("household", "expected"),
    [
        # § 104c Abs. 2 S. 1: spouse or registered partner of a beneficiary "nach Absatz 1" [V S1].
        pytest.param([spouse_holding_104c()], Status.MET, id="spouse"),
        pytest.param([member(Relation.REGISTERED_PARTNER, granted(NORM_ABS_1))], Status.MET, id="registered-partner"),
        # A title under Abs. 2 does not pass the right on; a sibling is not named.
        pytest.param([member(Relation.SPOUSE, granted(NORM))], Status.NOT_MET, id="spouse-holds-only-abs-2"),
        pytest.param([member(Relation.SIBLING, granted(NORM_ABS_1))], Status.NOT_MET, id="sibling-not-covered"),
        # The beneficiary's own application is decided with the family's: open until then.
        pytest.param([member(Relation.SPOUSE, applied_for(NORM_ABS_1))], Status.UNKNOWN, id="spouse-applied"),
        pytest.param(
            [
                member(
                    Relation.SPOUSE,
                    applied_for(NORM_ABS_1, D(2023, 1, 1)),
                    MemberPermit(norm=NORM_ABS_1, state=PermitState.REFUSED, since=D(2023, 6, 1)),
                )
            ],
            Status.NOT_MET,
            id="spouse-refused",
        ),
        pytest.param([HouseholdMember(relation=Relation.SPOUSE)], Status.UNKNOWN, id="spouse-status-unknown"),
        pytest.param([], Status.NOT_MET, id="lives-alone"),
        pytest.param(None, Status.UNKNOWN, id="household-unknown"),
    ],
)
def test_the_beneficiary_under_abs_1(household: list[HouseholdMember] | None, expected: Status) -> None:
    assert prereq(spouse(household_members=household), ON, NORM, KEY).status == expected


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # Living together on the decision date, both ends inclusive.
        pytest.param(None, ON, Status.MET, id="last-day-in-household-is-the-decision"),
        pytest.param(None, ON - ONE_DAY, Status.NOT_MET, id="left-the-day-before"),
        pytest.param(ON, None, Status.MET, id="moved-in-on-the-decision-day"),
        pytest.param(ON + ONE_DAY, None, Status.NOT_MET, id="moves-in-the-day-after"),
    ],
)
def test_member_of_the_household_on_the_decision_date(since: date | None, until: date | None, expected: Status) -> None:
    facts = spouse(household_members=[spouse_holding_104c(since=since, until=until)])
    assert prereq(facts, ON, NORM, KEY).status == expected


ADULT_ON_DECISION = add_years(ON, -18)  # the 18th birthday is the decision date


@pytest.mark.parametrize(
    ("birth", "overrides", "expected"),
    [
        # § 104c Abs. 2 S. 1: minor and unmarried on the decision date ([U] the instant).
        pytest.param(D(2010, 1, 1), {}, Status.MET, id="minor-unmarried"),
        pytest.param(ADULT_ON_DECISION + ONE_DAY, {"entry_on": None}, Status.MET, id="day-before-18th-birthday"),
        pytest.param(D(2010, 1, 1), {"unmarried": no()}, Status.NOT_MET, id="married-minor"),
        pytest.param(D(2010, 1, 1), {"unmarried": None}, Status.UNKNOWN, id="marital-status-unknown"),
        # [U] Abs. 2 S. 2: an adult unmarried child who entered as a minor.
        pytest.param(ADULT_ON_DECISION, {"entry_on": D(2015, 6, 1)}, Status.MET, id="18-entered-as-minor"),
        pytest.param(D(2000, 1, 1), {"entry_on": D(2019, 1, 1)}, Status.NOT_MET, id="entered-as-adult"),
        pytest.param(ADULT_ON_DECISION, {"entry_on": None}, Status.UNKNOWN, id="18-entry-unknown"),
    ],
)
def test_children(birth: date, overrides: dict[str, object], expected: Status) -> None:
    assert prereq(child_of_beneficiary(birth, **overrides), ON, NORM, KEY).status == expected


NO_ADULT_CHILDREN = LegalAssumptions(family_104c_adult_child_entered_as_minor=False)


@pytest.mark.parametrize(
    ("assumptions", "expected"),
    [
        # [U] default: a child must be a minor on the decision date.
        pytest.param(NO_ADULT_CHILDREN, Status.NOT_MET, id="minor-at-decision"),
        pytest.param(
            NO_ADULT_CHILDREN.model_copy(update={"family_104c_minority_at_application": True}),
            Status.MET,
            id="minor-at-application",
        ),
    ],
)
def test_the_instant_of_minority_is_an_assumption(assumptions: LegalAssumptions, expected: Status) -> None:
    # 17 when applying on 1.1.2024 (as § 104c, the norm the family applies under), 18 on 1.6.2024.
    facts = child_of_beneficiary(D(2006, 3, 1), applications=[applied(NORM_ABS_1, D(2024, 1, 1))])
    assert prereq(facts, ON, NORM, KEY, assumptions).status == expected


def test_adult_children_only_under_the_assumption() -> None:
    facts = child_of_beneficiary(ADULT_ON_DECISION, entry_on=D(2015, 6, 1))
    assert prereq(facts, ON, NORM, KEY, NO_ADULT_CHILDREN).status == Status.NOT_MET


def test_an_application_under_104c_counts_for_the_family() -> None:
    result = pathway(spouse(applications=[applied(NORM_ABS_1, D(2024, 5, 1))]), ON, NORM)
    assert not any("Kein Antrag erfasst" in n for n in result.notes_de)


@pytest.mark.parametrize(
    ("assumptions", "keys_present", "status"),
    [
        # [U] must the family member be tolerated? Here she holds a Gestattung.
        pytest.param(LegalAssumptions(), True, PathwayStatus.NOT_ELIGIBLE, id="tolerated-required"),
        pytest.param(
            LegalAssumptions(family_104c_must_be_tolerated=False), False, PathwayStatus.ELIGIBLE, id="not-required"
        ),
    ],
)
def test_whether_the_family_member_must_be_tolerated(
    assumptions: LegalAssumptions, keys_present: bool, status: PathwayStatus
) -> None:
    result = pathway(spouse(statuses=[gestattung(D(2021, 1, 1))]), ON, NORM, assumptions)
    assert ("tolerated" in {p.key for p in result.prerequisites}, result.status) == (keys_present, status)


def test_the_deception_bar_is_an_assumption() -> None:
    keys = {p.key for p in pathway(spouse(), ON, NORM, LegalAssumptions(family_104c_deception_bar=False)).prerequisites}
    assert "no_repeated_deception" not in keys
    assert "no_repeated_deception" in {p.key for p in pathway(spouse(), ON, NORM).prerequisites}


def test_no_new_grants_from_2026() -> None:
    result = pathway(spouse(), D(2026, 1, 1), NORM)
    assert (result.status, result.rule_version_id) == (PathwayStatus.NOT_ELIGIBLE, "AufenthG_104c_2@2026-01-01")
    assert prerequisite(result, "new_grant_possible").status == Status.NOT_MET
