"""Conviction thresholds: AufenthG 50/90 Tagessätze (§§ 104c, 60c, 60d, 19d) and § 12a StAG.

The [U] reading that sums both pots into one is in test_assumptions.py.
"""

from __future__ import annotations

import pytest

from shared.perspective import Conviction, Status
from tests.unit.perspective.factories import D, duldung, fine, integrated, permit, prereq, prison

ON = D(2025, 6, 1)
NORMS_WITH_THRESHOLD = ["AufenthG_104c", "AufenthG_60c", "AufenthG_60d", "AufenthG_19d"]


@pytest.mark.parametrize("norm", NORMS_WITH_THRESHOLD)
@pytest.mark.parametrize(
    ("convictions", "expected"),
    [
        # Fines for intentional offences up to 50 Tagessätze, or 90 for offences only foreigners
        # can commit, are disregarded; custodial sentences never are [V S1, S15].
        pytest.param([], Status.MET, id="none"),
        pytest.param([fine(50)], Status.MET, id="50-TS-ignored"),
        pytest.param([fine(51)], Status.NOT_MET, id="51-TS-counts"),
        pytest.param([fine(30), fine(21)], Status.NOT_MET, id="sum-over-50"),
        pytest.param([fine(90, foreigner_only=True)], Status.MET, id="90-TS-foreigner-only-ignored"),
        pytest.param([fine(91, foreigner_only=True)], Status.NOT_MET, id="91-TS-foreigner-only-counts"),
        pytest.param([fine(90)], Status.NOT_MET, id="90-TS-general-counts"),
        pytest.param([fine(50), fine(90, foreigner_only=True)], Status.MET, id="separate-pots"),
        pytest.param([fine(200, intentional=False)], Status.MET, id="negligent-ignored"),
        pytest.param([prison(2, suspended=True)], Status.NOT_MET, id="any-custodial-sentence"),
        pytest.param([fine(60, intentional=None)], Status.UNKNOWN, id="intent-unknown"),
        pytest.param([fine(60, foreigner_only=None)], Status.UNKNOWN, id="offence-type-unknown-60"),
        pytest.param([fine(40, foreigner_only=None)], Status.MET, id="offence-type-irrelevant-40"),
        pytest.param([fine(200, on=D(2025, 6, 2))], Status.MET, id="after-decision-date"),
        pytest.param(None, Status.UNKNOWN, id="record-unknown"),
    ],
)
def test_aufenthg_threshold(norm: str, convictions: list[Conviction] | None, expected: Status) -> None:
    facts = integrated(statuses=[duldung(D(2015, 6, 1))], convictions=convictions)
    assert prereq(facts, ON, norm, "convictions").status == expected


@pytest.mark.parametrize(
    ("convictions", "expected"),
    [
        # § 12a Abs. 1 StAG: up to 90 Tagessätze or 3 months suspended, added up; never with a
        # hateful motive; JGG measures are no sentence [V S18, S19].
        pytest.param([fine(90)], Status.MET, id="90-TS-ignored"),
        pytest.param([fine(91)], Status.NOT_MET, id="91-TS-counts"),
        pytest.param([fine(60), fine(31)], Status.NOT_MET, id="added-up"),
        pytest.param([fine(10, hate=True)], Status.NOT_MET, id="hate-motive-never-ignored"),
        pytest.param([fine(10, hate=None)], Status.UNKNOWN, id="motive-unknown"),
        pytest.param([prison(3, suspended=True)], Status.MET, id="3-months-suspended-ignored"),
        pytest.param([prison(3, suspended=False)], Status.NOT_MET, id="unsuspended"),
        pytest.param([prison(4, suspended=True)], Status.NOT_MET, id="4-months-suspended"),
        pytest.param(
            [Conviction(convicted_on=D(2020, 1, 1), juvenile_measures_only=True)], Status.MET, id="jgg-measures"
        ),
    ],
)
def test_stag_12a(convictions: list[Conviction], expected: Status) -> None:
    facts = integrated(statuses=[permit(D(2015, 6, 1), norm="AufenthG_25_2")], convictions=convictions)
    assert prereq(facts, ON, "StAG_10", "convictions").status == expected


def test_settlement_permit_leaves_convictions_to_a_weighing() -> None:
    facts = integrated(statuses=[permit(D(2015, 6, 1))], convictions=[fine(10)])
    result = prereq(facts, ON, "AufenthG_26_4", "public_safety")
    assert result.status == Status.UNKNOWN
    assert "Abwägung" in result.detail_de
