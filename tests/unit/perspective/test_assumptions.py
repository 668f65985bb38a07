"""[U] assumptions awaiting legal review are switches: the default reading and the alternative.

Each row judges one scenario twice, under the default ``LegalAssumptions`` and under
the alternative reading, and observes the one output the assumption decides. The
§ 60b switch (pause or break a chain) sits with the other § 60b scenarios in
test_duldung_60b.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from shared.perspective import (
    CaseFacts,
    Deception,
    IdentityDeadline,
    LegalAssumptions,
    PathwayResult,
    PathwayStatus,
    Status,
)
from tests.unit.perspective.factories import (
    D,
    applied,
    cert,
    duldung,
    fine,
    integrated,
    no,
    pathway,
    permit,
    prerequisite,
    yes,
)
from tests.unit.perspective.personas import resident, spouse, trainee, youth

Observe = Callable[[PathwayResult], object]


def status_of(key: str) -> Observe:
    """The status of one prerequisite."""
    return lambda result: prerequisite(result, key).status


def pathway_status(result: PathwayResult) -> object:
    """The overall status of the pathway."""
    return result.status


def rule_version(result: PathwayResult) -> object:
    """The rule version applied."""
    return result.rule_version_id


@pytest.mark.parametrize(
    ("norm", "facts", "on", "observe", "default", "alternative", "expected"),
    [
        # §§ 104c, 60c, 60d, 19d: 50 general and 90 foreigner-only Tagessätze summed apart, or one pot.
        pytest.param(
            "AufenthG_104c",
            integrated(statuses=[duldung(D(2015, 6, 1))], convictions=[fine(40), fine(40, foreigner_only=True)]),
            D(2025, 6, 1),
            status_of("convictions"),
            Status.MET,
            LegalAssumptions(conviction_pots_separate=False),
            Status.NOT_MET,
            id="conviction-pots-combined",
        ),
        # § 104c Abs. 1: "uninterrupted" on 31.10.2022; a tolerated gap is not verified.
        pytest.param(
            "AufenthG_104c",
            integrated(statuses=[duldung(D(2016, 1, 1), D(2019, 12, 31)), duldung(D(2020, 1, 15))]),
            D(2024, 6, 1),
            status_of("stay_on_cut_off"),
            Status.NOT_MET,
            LegalAssumptions(gap_tolerance_months_104c=1),
            Status.MET,
            id="104c-one-month-gap-tolerated",
        ),
        # § 104c applications pending on 31.12.2025 [V S47]: version of the decision or of the application.
        pytest.param(
            "AufenthG_104c",
            integrated(statuses=[duldung(D(2016, 1, 1))], applications=[applied("AufenthG_104c", D(2025, 12, 15))]),
            D(2026, 2, 1),
            pathway_status,
            PathwayStatus.NOT_ELIGIBLE,
            LegalAssumptions(versions_by_application_date=frozenset({"AufenthG_104c"})),
            PathwayStatus.ELIGIBLE,
            id="104c-pending-at-year-end-keeps-version",
        ),
        # § 25a Abs. 1 Nr. 1: the § 104c reference is struck from 1.1.2026 [V S2], yet § 104c
        # titles "extend only as § 25a/§ 25b".
        pytest.param(
            "AufenthG_25a",
            youth(
                D(2005, 1, 1),
                statuses=[duldung(D(2023, 1, 1), D(2025, 2, 28)), permit(D(2025, 3, 1), norm="AufenthG_104c")],
            ),
            D(2026, 3, 1),
            status_of("status"),
            Status.NOT_MET,
            LegalAssumptions(holders_104c_qualify_for_25a_after_2025=True),
            Status.MET,
            id="25a-104c-holders-after-2025",
        ),
        # § 26 Abs. 4: seven years became five; the date of the change is not verified (2016).
        pytest.param(
            "AufenthG_26_4",
            integrated(statuses=[permit(D(2011, 8, 6))]),
            D(2016, 8, 6),
            rule_version,
            "AufenthG_26_4@2016-08-06",
            LegalAssumptions(ne_five_years_from=D(2017, 1, 1)),
            "AufenthG_26_4@2005-01-01",
            id="ne-five-years-from-2017",
        ),
        # § 60c Abs. 2 Nr. 3: identity deadlines by entry year; the whole table is replaceable.
        pytest.param(
            "AufenthG_60c",
            trainee(
                D(2021, 3, 1),
                D(2024, 1, 1),
                D(2025, 8, 1),
                identity_clarified=yes(D(2022, 1, 1)),
                identity_steps_taken=no(),
            ),
            D(2025, 6, 1),
            status_of("identity"),
            Status.NOT_MET,
            LegalAssumptions(identity_deadlines_60c=(IdentityDeadline(by_application=True),)),
            Status.MET,
            id="60c-identity-by-application",
        ),
        # § 16g Abs. 2 Nr. 3: only "within fixed deadlines" is verified; read like § 60c.
        pytest.param(
            "AufenthG_16g",
            trainee(
                D(2021, 3, 1),
                D(2024, 1, 1),
                D(2025, 8, 1),
                identity_clarified=yes(D(2022, 1, 1)),
                identity_steps_taken=no(),
            ),
            D(2025, 6, 1),
            status_of("identity"),
            Status.NOT_MET,
            LegalAssumptions(identity_deadlines_16g=(IdentityDeadline(by_application=True),)),
            Status.MET,
            id="16g-identity-by-application",
        ),
        # § 16g: "no conviction for an intentional offence" (Stadt Frankfurt); minor fines disregarded?
        pytest.param(
            "AufenthG_16g",
            trainee(D(2021, 3, 1), D(2024, 1, 1), D(2025, 8, 1), convictions=[fine(40)]),
            D(2025, 6, 1),
            status_of("convictions"),
            Status.MET,
            LegalAssumptions(training_permit_16g_minor_fines_disregarded=False),
            Status.NOT_MET,
            id="16g-any-intentional-conviction",
        ),
        # § 16g Abs. 2: concrete measures to end the stay as an exclusion (as in § 60c)?
        pytest.param(
            "AufenthG_16g",
            trainee(D(2021, 3, 1), D(2024, 1, 1), D(2025, 8, 1), concrete_removal_measures=yes()),
            D(2025, 6, 1),
            pathway_status,
            PathwayStatus.NOT_ELIGIBLE,
            LegalAssumptions(training_permit_16g_concrete_measures_bar=False),
            PathwayStatus.ELIGIBLE,
            id="16g-concrete-measures-no-exclusion",
        ),
        # § 104c Abs. 2: does Abs. 1 S. 2 (repeated deception) bar family members too?
        pytest.param(
            "AufenthG_104c_2",
            spouse(
                deceptions=[
                    Deception(established_on=D(2019, 1, d), kind="deception", own=True, prevented_deportation=True)
                    for d in (1, 2)
                ]
            ),
            D(2024, 6, 1),
            pathway_status,
            PathwayStatus.NOT_ELIGIBLE,
            LegalAssumptions(family_104c_deception_bar=False),
            PathwayStatus.ELIGIBLE,
            id="104c-2-deception-bar",
        ),
        # § 10 Abs. 3 StAG (27.6.2024-29.10.2025): three years with C1, and special achievements?
        pytest.param(
            "StAG_10",
            resident(D(2022, 1, 1), language_certificates=[cert("C1")], special_integration_achievements=no()),
            D(2025, 6, 1),
            status_of("lawful_stay"),
            Status.NOT_MET,
            LegalAssumptions(stag_three_years_requires_special_integration=False),
            Status.MET,
            id="stag-3-years-with-c1-alone",
        ),
    ],
)
def test_an_assumption_switches_the_reading(
    norm: str,
    facts: CaseFacts,
    on: date,
    observe: Observe,
    default: object,
    alternative: LegalAssumptions,
    expected: object,
) -> None:
    assert observe(pathway(facts, on, norm)) == default
    assert observe(pathway(facts, on, norm, alternative)) == expected
