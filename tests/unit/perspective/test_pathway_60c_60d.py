"""§ 60c training and § 60d employment toleration: entry dates, hours, identity deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.perspective import CaseFacts, IdentityDeadline, LegalAssumptions, PathwayStatus, Status, Training
from tests.unit.perspective.factories import D, cert, duldung, failing, integrated, job, no, pathway, prereq, yes

NORM_60D = "AufenthG_60d"
NORM_60C = "AufenthG_60c"


def worker(entry: date, hours: float, job_since: date, **overrides: Any) -> CaseFacts:
    """A tolerated worker who entered on `entry`; identity clarified on arrival."""
    base = {
        "entry_on": entry,
        "statuses": [duldung(entry)],
        "identity_clarified": yes(entry),
        "employment": [job(job_since, hours=hours)],
        "language_certificates": [cert("A2")],
    }
    return integrated(**(base | overrides))


@pytest.mark.parametrize(
    ("on", "entry", "hours", "job_since", "status", "failing_keys", "version"),
    [
        pytest.param(
            D(2023, 6, 1),
            D(2018, 8, 1),
            35,
            D(2021, 12, 1),
            PathwayStatus.ELIGIBLE,
            set(),
            "AufenthG_60d@2020-01-01",
            id="old-entry-1.8.2018-18x35",
        ),
        pytest.param(
            D(2023, 6, 1),
            D(2018, 8, 2),
            35,
            D(2021, 12, 1),
            PathwayStatus.NOT_ELIGIBLE,
            {"entry_date"},
            "AufenthG_60d@2020-01-01",
            id="old-entry-2.8.2018",
        ),
        pytest.param(
            D(2023, 6, 1),
            D(2018, 1, 1),
            34,
            D(2021, 12, 1),
            PathwayStatus.NOT_ELIGIBLE,
            {"employment"},
            "AufenthG_60d@2020-01-01",
            id="old-34-hours",
        ),
        pytest.param(
            D(2023, 6, 1),
            D(2018, 1, 1),
            40,
            D(2022, 1, 1),
            PathwayStatus.NOT_ELIGIBLE,
            {"employment"},
            "AufenthG_60d@2020-01-01",
            id="old-17-months",
        ),
        pytest.param(
            D(2025, 6, 1),
            D(2022, 12, 31),
            20,
            D(2024, 6, 1),
            PathwayStatus.ELIGIBLE,
            set(),
            "AufenthG_60d@2024-02-27",
            id="new-entry-31.12.2022-12x20",
        ),
        pytest.param(
            D(2025, 6, 1),
            D(2023, 1, 1),
            20,
            D(2024, 6, 1),
            PathwayStatus.NOT_ELIGIBLE,
            {"entry_date"},
            "AufenthG_60d@2024-02-27",
            id="new-entry-2023",
        ),
        pytest.param(
            D(2025, 6, 1),
            D(2020, 1, 1),
            19,
            D(2024, 6, 1),
            PathwayStatus.NOT_ELIGIBLE,
            {"employment"},
            "AufenthG_60d@2024-02-27",
            id="new-19-hours",
        ),
        pytest.param(
            D(2024, 2, 26),
            D(2019, 1, 1),
            20,
            D(2023, 1, 1),
            PathwayStatus.NOT_ELIGIBLE,
            {"employment", "entry_date"},
            "AufenthG_60d@2020-01-01",
            id="last-day-old",
        ),
        pytest.param(
            D(2024, 2, 27),
            D(2019, 1, 1),
            20,
            D(2023, 1, 1),
            PathwayStatus.ELIGIBLE,
            set(),
            "AufenthG_60d@2024-02-27",
            id="first-day-new",
        ),
    ],
)
def test_60d_versions(
    on: date, entry: date, hours: float, job_since: date, status: PathwayStatus, failing_keys: set[str], version: str
) -> None:
    result = pathway(worker(entry, hours, job_since), on, NORM_60D)
    assert (result.status, result.rule_version_id, failing(result)) == (status, version, failing_keys)


@pytest.mark.parametrize(
    ("entry", "clarified", "steps", "expected"),
    [
        pytest.param(D(2019, 5, 1), D(2024, 12, 31), no(), Status.MET, id="2017-22-by-31.12.2024"),
        pytest.param(D(2019, 5, 1), D(2025, 1, 1), no(), Status.NOT_MET, id="2017-22-too-late"),
        pytest.param(D(2019, 5, 1), D(2025, 1, 1), yes(), Status.MET, id="all-reasonable-steps"),
        pytest.param(D(2016, 5, 1), D(2025, 3, 1), no(), Status.MET, id="up-to-2016-by-application"),
        pytest.param(D(2016, 5, 1), D(2025, 7, 1), no(), Status.NOT_MET, id="up-to-2016-after-application"),
    ],
)
def test_60d_identity_deadlines(entry: date, clarified: date, steps: Any, expected: Status) -> None:
    facts = worker(entry, 40, D(2023, 1, 1), identity_clarified=yes(clarified), identity_steps_taken=steps)
    assert prereq(facts, D(2025, 6, 1), NORM_60D, "identity").status == expected


def trainee(entry: date, tolerated_since: date, starts: date, **overrides: Any) -> CaseFacts:
    base = {
        "entry_on": entry,
        "statuses": [duldung(tolerated_since)],
        "identity_clarified": yes(entry),
        "training": Training(
            contract_on=starts, starts_on=starts, qualified=True, kammer_registered=True, started_under_gestattung=False
        ),
    }
    return integrated(**(base | overrides))


def test_60c_eligible() -> None:
    assert (
        pathway(trainee(D(2021, 3, 1), D(2024, 1, 1), D(2025, 8, 1)), D(2025, 6, 1), NORM_60C).status
        == PathwayStatus.ELIGIBLE
    )


@pytest.mark.parametrize(
    ("tolerated_since", "under_gestattung", "expected", "earliest"),
    [
        pytest.param(D(2025, 3, 1), False, Status.MET, None, id="3-months"),
        pytest.param(D(2025, 3, 2), False, Status.NOT_MET, D(2025, 6, 2), id="one-day-short"),
        pytest.param(D(2025, 5, 1), True, Status.MET, None, id="began-under-gestattung"),
    ],
)
def test_60c_three_months_toleration(
    tolerated_since: date, under_gestattung: bool, expected: Status, earliest: date | None
) -> None:
    training = Training(
        contract_on=D(2025, 1, 1),
        starts_on=D(2025, 8, 1),
        qualified=True,
        kammer_registered=True,
        started_under_gestattung=under_gestattung,
    )
    result = prereq(
        trainee(D(2021, 3, 1), tolerated_since, D(2025, 8, 1), training=training),
        D(2025, 6, 1),
        NORM_60C,
        "tolerated_3_months",
    )
    assert (result.status, result.earliest_met_on) == (expected, earliest)


def test_60c_application_window_opens_seven_months_before_the_start() -> None:
    result = pathway(trainee(D(2021, 3, 1), D(2024, 1, 1), D(2026, 9, 1)), D(2026, 1, 15), NORM_60C)
    window = next(p for p in result.prerequisites if p.key == "application_window")
    assert (window.status, window.earliest_met_on, result.earliest_time_met_on) == (
        Status.NOT_MET,
        D(2026, 2, 1),
        D(2026, 2, 1),
    )


@pytest.mark.parametrize(
    ("entry", "clarified", "expected"),
    [
        pytest.param(D(2021, 3, 1), D(2021, 9, 1), Status.MET, id="from-2020-within-6-months"),
        pytest.param(D(2021, 3, 1), D(2021, 9, 2), Status.NOT_MET, id="from-2020-too-late"),
        pytest.param(D(2018, 3, 1), D(2020, 6, 30), Status.MET, id="2017-19-by-30.6.2020"),
        pytest.param(D(2018, 3, 1), D(2020, 7, 1), Status.NOT_MET, id="2017-19-too-late"),
    ],
)
def test_60c_identity_deadlines_are_assumptions(entry: date, clarified: date, expected: Status) -> None:
    facts = trainee(entry, D(2024, 1, 1), D(2025, 8, 1), identity_clarified=yes(clarified), identity_steps_taken=no())
    assert prereq(facts, D(2025, 6, 1), NORM_60C, "identity").status == expected


def test_60c_identity_deadline_table_can_be_replaced() -> None:
    facts = trainee(
        D(2021, 3, 1), D(2024, 1, 1), D(2025, 8, 1), identity_clarified=yes(D(2022, 1, 1)), identity_steps_taken=no()
    )
    lenient = LegalAssumptions(identity_deadlines_60c=(IdentityDeadline(by_application=True),))
    assert prereq(facts, D(2025, 6, 1), NORM_60C, "identity").status == Status.NOT_MET
    assert prereq(facts, D(2025, 6, 1), NORM_60C, "identity", lenient).status == Status.MET


def test_60c_open_identity_deadline_is_reported() -> None:
    facts = trainee(D(2025, 3, 1), D(2025, 3, 1), D(2025, 8, 1), identity_clarified=no(), identity_steps_taken=no())
    result = pathway(facts, D(2025, 6, 1), NORM_60C)
    assert ("identity_clarification", D(2025, 9, 1)) in {(d.key, d.on) for d in result.deadlines}


def test_60c_helper_training_needs_the_shortage_offer() -> None:
    helper = Training(
        contract_on=D(2025, 1, 1),
        starts_on=D(2025, 8, 1),
        qualified=False,
        helper_training=True,
        shortage_occupation_offer=False,
        kammer_registered=True,
    )
    facts = trainee(D(2021, 3, 1), D(2024, 1, 1), D(2025, 8, 1), training=helper)
    assert prereq(facts, D(2025, 6, 1), NORM_60C, "training_kind").status == Status.NOT_MET
