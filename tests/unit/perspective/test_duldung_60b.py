"""§ 60b time (Duldung for persons with unclarified identity) across the pathways.

It does not count as prior stay [V S46] and pauses a chain ([U] or breaks it), except
under § 104c Abs. 1 S. 3 and for § 104c holders in § 25a [V S1].
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.perspective import CaseFacts, LegalAssumptions, Status
from tests.unit.perspective.factories import D, duldung, duldung_light, permit, prereq
from tests.unit.perspective.personas import tolerated, youth

# Tolerated since 2016, three years of them under § 60b (2019-2021).
TOLERATED_WITH_60B = [
    duldung(D(2016, 1, 1), D(2018, 12, 31)),
    duldung_light(D(2019, 1, 1), D(2021, 12, 31)),
    duldung(D(2022, 1, 1)),
]
# Two years under § 60b (2021-2022), then one year of Duldung.
YOUTH_60B_HISTORY = [duldung_light(D(2021, 1, 1), D(2022, 12, 31)), duldung(D(2023, 1, 1), D(2023, 12, 31))]
DEFAULT = LegalAssumptions()


@pytest.mark.parametrize(
    ("norm", "facts", "on", "key", "assumptions", "expected", "earliest"),
    [
        # § 25b Abs. 1 S. 2 Nr. 1: six years; the § 60b years pause the chain and do not count.
        pytest.param(
            "AufenthG_25b",
            tolerated(D(2016, 1, 1), statuses=TOLERATED_WITH_60B),
            D(2024, 6, 1),
            "stay",
            DEFAULT,
            Status.NOT_MET,
            D(2025, 1, 1),
            id="25b-60b-pauses",
        ),
        # [U] awaiting legal review: if § 60b time breaks the chain, six years run from 1.1.2022.
        pytest.param(
            "AufenthG_25b",
            tolerated(D(2016, 1, 1), statuses=TOLERATED_WITH_60B),
            D(2024, 6, 1),
            "stay",
            LegalAssumptions(duldung_60b_breaks_chain=True),
            Status.NOT_MET,
            D(2028, 1, 1),
            id="25b-60b-breaks-if-assumed",
        ),
        # § 104c Abs. 1 S. 3: § 60b time counts towards the five years on 31.10.2022.
        pytest.param(
            "AufenthG_104c",
            tolerated(D(2016, 1, 1), statuses=TOLERATED_WITH_60B),
            D(2024, 6, 1),
            "stay_on_cut_off",
            DEFAULT,
            Status.MET,
            None,
            id="104c-60b-counts",
        ),
        # § 25a Abs. 1 Nr. 2: three years; for a tolerated person § 60b time does not count.
        pytest.param(
            "AufenthG_25a",
            youth(D(2005, 1, 1), statuses=[*YOUTH_60B_HISTORY, duldung(D(2024, 1, 1))]),
            D(2025, 3, 1),
            "stay",
            DEFAULT,
            Status.NOT_MET,
            D(2026, 1, 1),
            id="25a-tolerated-60b-not-counted",
        ),
        # § 25a Abs. 1 Nr. 2: for a § 104c holder it does [V S1].
        pytest.param(
            "AufenthG_25a",
            youth(D(2005, 1, 1), statuses=[*YOUTH_60B_HISTORY, permit(D(2024, 1, 1), norm="AufenthG_104c")]),
            D(2025, 3, 1),
            "stay",
            DEFAULT,
            Status.MET,
            None,
            id="25a-104c-holder-60b-counts",
        ),
    ],
)
def test_60b_time(
    norm: str,
    facts: CaseFacts,
    on: date,
    key: str,
    assumptions: LegalAssumptions,
    expected: Status,
    earliest: date | None,
) -> None:
    result = prereq(facts, on, norm, key, assumptions)
    assert (result.status, result.earliest_met_on) == (expected, earliest)
