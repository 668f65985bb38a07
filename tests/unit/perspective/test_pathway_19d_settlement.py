"""§ 19d qualification routes and the settlement permit (§ 26 Abs. 4 with § 9 Abs. 2).

The [U] date on which § 26 Abs. 4 changed from seven to five years is in test_assumptions.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import (
    Livelihood,
    PathwayStatus,
    PensionRecord,
    Status,
    StatusInterval,
    StatusKind,
)
from tests.unit.perspective.factories import (
    D,
    cert,
    duldung,
    fiktion,
    gestattung,
    integrated,
    job,
    no,
    pathway,
    permit,
    prereq,
    prerequisite,
    yes,
)

NORM_19D = "AufenthG_19d"
NORM_NE = "AufenthG_26_4"
ON = D(2025, 6, 1)


@pytest.mark.parametrize(
    ("overrides", "expected", "earliest"),
    [
        # § 19d Abs. 1 Nr. 1 a: a German vocational or academic qualification.
        pytest.param(
            {"german_vocational_qualification": yes(D(2022, 7, 1))}, Status.MET, None, id="german-qualification"
        ),
        # Nr. 1 b: a recognised foreign degree and two years of appropriate work.
        pytest.param(
            {"foreign_degree_recognised": yes(), "employment": [job(D(2023, 6, 1), matches_degree=True)]},
            Status.MET,
            None,
            id="foreign-degree-2-years",
        ),
        pytest.param(
            {"foreign_degree_recognised": yes(), "employment": [job(D(2023, 6, 2), matches_degree=True)]},
            Status.NOT_MET,
            D(2025, 6, 2),
            id="foreign-degree-one-day-short",
        ),
        # Nr. 1 c: three years of qualified work without public benefits in the last year.
        pytest.param(
            {"employment": [job(D(2022, 6, 1), qualified=True)]}, Status.MET, None, id="3-years-qualified-work"
        ),
        pytest.param(
            {
                "employment": [job(D(2022, 6, 1), qualified=True)],
                "livelihood": Livelihood(assessed_on=ON, public_benefits_last_12_months=True),
            },
            Status.NOT_MET,
            None,
            id="3-years-but-benefits-last-year",
        ),
        pytest.param(
            {"employment": [job(D(2022, 6, 1), qualified=None)]}, Status.UNKNOWN, None, id="job-quality-unknown"
        ),
    ],
)
def test_19d_qualification_routes(overrides: dict[str, Any], expected: Status, earliest: date | None) -> None:
    base = {
        "statuses": [duldung(D(2016, 1, 1))],
        "german_vocational_qualification": no(),
        "foreign_degree_recognised": no(),
    }
    result = prereq(integrated(**(base | overrides)), ON, NORM_19D, "qualification")
    assert (result.status, result.earliest_met_on) == (expected, earliest)


@pytest.mark.parametrize(
    ("on", "overrides", "status"),
    [
        pytest.param(ON, {}, PathwayStatus.ELIGIBLE, id="eligible"),
        # § 19d Abs. 1 Nr. 3: B1, not exemptable.
        pytest.param(ON, {"language_certificates": [cert("A2")]}, PathwayStatus.NOT_ELIGIBLE, id="needs-B1"),
        pytest.param(ON, {"housing_sufficient": no()}, PathwayStatus.NOT_ELIGIBLE, id="housing"),
        # § 39 AufenthG: the Federal Employment Agency's consent is still pending.
        pytest.param(ON, {"employment_agency_consent": None}, PathwayStatus.OPEN, id="ba-consent-pending"),
        pytest.param(ON, {"statuses": [permit(D(2016, 1, 1))]}, PathwayStatus.NOT_ELIGIBLE, id="not-tolerated"),
        # In force from 1.3.2020; before, § 18a AufenthG a.F. (not modelled).
        pytest.param(D(2019, 6, 1), {}, PathwayStatus.NOT_ELIGIBLE, id="not-in-force-2019"),
    ],
)
def test_19d_pathway(on: date, overrides: dict[str, Any], status: PathwayStatus) -> None:
    facts = integrated(**({"statuses": [duldung(D(2016, 1, 1))]} | overrides))
    assert pathway(facts, on, NORM_19D).status == status


@pytest.mark.parametrize(
    ("statuses", "expected", "earliest"),
    [
        # § 26 Abs. 4 S. 1: five years in possession of humanitarian titles, to the day.
        pytest.param([permit(D(2020, 6, 1))], Status.MET, None, id="5-years-25b"),
        pytest.param([permit(D(2020, 6, 2))], Status.NOT_MET, D(2025, 6, 2), id="one-day-short"),
        # § 26 Abs. 4 S. 3: the preceding asylum procedure counts; Duldung never does [V S16].
        pytest.param(
            [gestattung(D(2020, 6, 1), D(2022, 5, 31)), permit(D(2022, 6, 1), norm="AufenthG_25_2")],
            Status.MET,
            None,
            id="asylum-time-counts",
        ),
        pytest.param(
            [duldung(D(2018, 6, 1), D(2022, 5, 31)), permit(D(2022, 6, 1))],
            Status.NOT_MET,
            D(2027, 6, 1),
            id="duldung-does-not-count",
        ),
        # § 85; VAB A.85 [V S17]: a Duldung breaks the chain, the asylum time before it is lost.
        pytest.param(
            [gestattung(D(2018, 1, 1), D(2019, 12, 31)), duldung(D(2020, 1, 1), D(2020, 5, 31)), permit(D(2020, 6, 1))],
            Status.MET,
            None,
            id="chain-after-duldung",
        ),
        pytest.param(
            [gestattung(D(2018, 1, 1), D(2019, 12, 31)), duldung(D(2020, 1, 1), D(2021, 5, 31)), permit(D(2021, 6, 1))],
            Status.NOT_MET,
            D(2026, 6, 1),
            id="duldung-breaks-asylum-chain",
        ),
        # § 81 Abs. 4: a Fiktion continues the title it extends.
        pytest.param(
            [permit(D(2020, 6, 1), D(2023, 5, 31)), fiktion(D(2023, 6, 1), D(2023, 8, 31)), permit(D(2023, 9, 1))],
            Status.MET,
            None,
            id="fiktion-bridges",
        ),
        pytest.param(
            [permit(D(2020, 6, 1), norm="AufenthG_16b")], Status.NOT_MET, None, id="non-humanitarian-does-not-count"
        ),
        pytest.param(
            [StatusInterval(kind=StatusKind.AUFENTHALTSERLAUBNIS, valid_from=D(2015, 1, 1))],
            Status.UNKNOWN,
            None,
            id="norm-unknown",
        ),
    ],
)
def test_ne_title_years(statuses: list[StatusInterval], expected: Status, earliest: date | None) -> None:
    result = prereq(integrated(statuses=statuses), ON, NORM_NE, "title_years")
    assert (result.status, result.earliest_met_on) == (expected, earliest)


@pytest.mark.parametrize(
    ("on", "since", "status", "version"),
    # § 26 Abs. 4: seven years until 5.8.2016, five years from 6.8.2016 ([U] date of the change).
    [
        pytest.param(
            D(2016, 8, 5),
            D(2010, 8, 5),
            PathwayStatus.NOT_ELIGIBLE,
            "AufenthG_26_4@2005-01-01",
            id="old-6-years-not-enough",
        ),
        pytest.param(
            D(2016, 8, 6), D(2011, 8, 6), PathwayStatus.ELIGIBLE, "AufenthG_26_4@2016-08-06", id="new-5-years"
        ),
    ],
)
def test_ne_versions(on: date, since: date, status: PathwayStatus, version: str) -> None:
    facts = integrated(statuses=[permit(since)], language_certificates=[cert("B1", D(2010, 1, 1))])
    result = pathway(facts, on, NORM_NE)
    assert (result.status, result.rule_version_id) == (status, version)


def test_ne_pension_months_accrue_while_insured() -> None:
    facts = integrated(
        statuses=[permit(D(2018, 1, 1))], pension_contributions=PensionRecord(months=50, as_of=D(2025, 1, 1))
    )
    result = pathway(facts, ON, NORM_NE)
    pension = prerequisite(result, "pension_60_months")
    assert (pension.status, pension.earliest_met_on, result.earliest_time_met_on) == (
        Status.NOT_MET,
        D(2025, 11, 1),
        D(2025, 11, 1),
    )


def test_ne_requires_livelihood_without_benefits() -> None:
    facts = integrated(
        statuses=[permit(D(2018, 1, 1))],
        livelihood=Livelihood(assessed_on=ON, coverage_ratio=1.1, receives_sgb2_or_12=True),
    )
    assert prereq(facts, ON, NORM_NE, "livelihood_secured").status == Status.NOT_MET
