"""§ 60c training and § 60d employment toleration: entry dates, hours, identity deadlines.

The replaceable [U] § 60c identity deadline table is in test_assumptions.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.perspective import Flag, PathwayStatus, Status
from tests.unit.perspective.factories import D, deadlines, failing, no, pathway, prereq, prerequisite, yes
from tests.unit.perspective.personas import trainee, training, worker

NORM_60D = "AufenthG_60d"
NORM_60C = "AufenthG_60c"
OLD, NEW = "AufenthG_60d@2020-01-01", "AufenthG_60d@2024-02-27"
ELIGIBLE, NOT_ELIGIBLE = PathwayStatus.ELIGIBLE, PathwayStatus.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("on", "entry", "hours", "job_since", "status", "failing_keys", "version"),
    [
        # § 60d a.F. (1.1.2020-26.2.2024): entry by 1.8.2018, 18 months at 35 hours a week [V S10].
        pytest.param(
            D(2023, 6, 1), D(2018, 8, 1), 35, D(2021, 12, 1), ELIGIBLE, set(), OLD, id="old-entry-1.8.2018-18x35"
        ),
        pytest.param(
            D(2023, 6, 1), D(2018, 8, 2), 35, D(2021, 12, 1), NOT_ELIGIBLE, {"entry_date"}, OLD, id="old-entry-2.8.2018"
        ),
        pytest.param(
            D(2023, 6, 1), D(2018, 1, 1), 34, D(2021, 12, 1), NOT_ELIGIBLE, {"employment"}, OLD, id="old-34-hours"
        ),
        pytest.param(
            D(2023, 6, 1), D(2018, 1, 1), 40, D(2022, 1, 1), NOT_ELIGIBLE, {"employment"}, OLD, id="old-17-months"
        ),
        # From 27.2.2024: entry by 31.12.2022, 12 months at 20 hours a week [V S9, S11].
        pytest.param(
            D(2025, 6, 1), D(2022, 12, 31), 20, D(2024, 6, 1), ELIGIBLE, set(), NEW, id="new-entry-31.12.2022-12x20"
        ),
        pytest.param(
            D(2025, 6, 1), D(2023, 1, 1), 20, D(2024, 6, 1), NOT_ELIGIBLE, {"entry_date"}, NEW, id="new-entry-2023"
        ),
        pytest.param(
            D(2025, 6, 1), D(2020, 1, 1), 19, D(2024, 6, 1), NOT_ELIGIBLE, {"employment"}, NEW, id="new-19-hours"
        ),
        # The change on 27.2.2024: the same person the day before and on the day.
        pytest.param(
            D(2024, 2, 26),
            D(2019, 1, 1),
            20,
            D(2023, 1, 1),
            NOT_ELIGIBLE,
            {"employment", "entry_date"},
            OLD,
            id="last-day-old",
        ),
        pytest.param(D(2024, 2, 27), D(2019, 1, 1), 20, D(2023, 1, 1), ELIGIBLE, set(), NEW, id="first-day-new"),
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
        # § 60d Abs. 1 Nr. 1 (from 27.2.2024): entry 2017-2022, identity clarified by 31.12.2024 [V S9, S12] ...
        pytest.param(D(2019, 5, 1), D(2024, 12, 31), no(), Status.MET, id="2017-22-by-31.12.2024"),
        pytest.param(D(2019, 5, 1), D(2025, 1, 1), no(), Status.NOT_MET, id="2017-22-too-late"),
        # ... or all reasonable steps taken in time.
        pytest.param(D(2019, 5, 1), D(2025, 1, 1), yes(), Status.MET, id="all-reasonable-steps"),
        # Entry up to 2016: by the application (none recorded: the decision date, 1.6.2025).
        pytest.param(D(2016, 5, 1), D(2025, 3, 1), no(), Status.MET, id="up-to-2016-by-application"),
        pytest.param(D(2016, 5, 1), D(2025, 7, 1), no(), Status.NOT_MET, id="up-to-2016-after-application"),
    ],
)
def test_60d_identity_deadlines(entry: date, clarified: date, steps: Flag, expected: Status) -> None:
    facts = worker(entry, 40, D(2023, 1, 1), identity_clarified=yes(clarified), identity_steps_taken=steps)
    assert prereq(facts, D(2025, 6, 1), NORM_60D, "identity").status == expected


def test_60c_eligible() -> None:
    facts = trainee(D(2021, 3, 1), D(2024, 1, 1), D(2025, 8, 1))
    assert pathway(facts, D(2025, 6, 1), NORM_60C).status == PathwayStatus.ELIGIBLE


@pytest.mark.parametrize(
    ("tolerated_since", "under_gestattung", "expected", "earliest"),
    [
        # § 60c Abs. 2 Nr. 2: tolerated for three months, to the day ...
        pytest.param(D(2025, 3, 1), False, Status.MET, None, id="3-months"),
        pytest.param(D(2025, 3, 2), False, Status.NOT_MET, D(2025, 6, 2), id="one-day-short"),
        # ... unless the training began while the asylum procedure was pending.
        pytest.param(D(2025, 5, 1), True, Status.MET, None, id="began-under-gestattung"),
    ],
)
def test_60c_three_months_toleration(
    tolerated_since: date, under_gestattung: bool, expected: Status, earliest: date | None
) -> None:
    contract = training(D(2025, 8, 1), contract_on=D(2025, 1, 1), started_under_gestattung=under_gestattung)
    facts = trainee(D(2021, 3, 1), tolerated_since, D(2025, 8, 1), training=contract)
    result = prereq(facts, D(2025, 6, 1), NORM_60C, "tolerated_3_months")
    assert (result.status, result.earliest_met_on) == (expected, earliest)


def test_60c_application_window_opens_seven_months_before_the_start() -> None:
    result = pathway(trainee(D(2021, 3, 1), D(2024, 1, 1), D(2026, 9, 1)), D(2026, 1, 15), NORM_60C)
    window = prerequisite(result, "application_window")
    assert (window.status, window.earliest_met_on, result.earliest_time_met_on) == (
        Status.NOT_MET,
        D(2026, 2, 1),
        D(2026, 2, 1),
    )


@pytest.mark.parametrize(
    ("entry", "clarified", "expected"),
    [
        # [U] § 60c Abs. 2 Nr. 3: entry from 2020, identity clarified within six months of entry ...
        pytest.param(D(2021, 3, 1), D(2021, 9, 1), Status.MET, id="from-2020-within-6-months"),
        pytest.param(D(2021, 3, 1), D(2021, 9, 2), Status.NOT_MET, id="from-2020-too-late"),
        # ... entry 2017-2019, by the application and at the latest by 30.6.2020.
        pytest.param(D(2018, 3, 1), D(2020, 6, 30), Status.MET, id="2017-19-by-30.6.2020"),
        pytest.param(D(2018, 3, 1), D(2020, 7, 1), Status.NOT_MET, id="2017-19-too-late"),
    ],
)
def test_60c_identity_deadlines_are_assumptions(entry: date, clarified: date, expected: Status) -> None:
    facts = trainee(entry, D(2024, 1, 1), D(2025, 8, 1), identity_clarified=yes(clarified), identity_steps_taken=no())
    assert prereq(facts, D(2025, 6, 1), NORM_60C, "identity").status == expected


def test_60c_open_identity_deadline_is_reported() -> None:
    facts = trainee(D(2025, 3, 1), D(2025, 3, 1), D(2025, 8, 1), identity_clarified=no(), identity_steps_taken=no())
    result = pathway(facts, D(2025, 6, 1), NORM_60C)
    assert ("identity_clarification", D(2025, 9, 1)) in deadlines(result)


@pytest.mark.parametrize(
    ("shortage_offer", "expected"),
    [
        # § 60c Abs. 1 S. 1 Nr. 2: a helper training needs a commitment to qualified follow-up
        # training in a shortage occupation.
        pytest.param(False, Status.NOT_MET, id="helper-without-shortage-offer"),
        pytest.param(True, Status.MET, id="helper-with-shortage-offer"),
    ],
)
def test_60c_helper_training_needs_the_shortage_offer(shortage_offer: bool, expected: Status) -> None:
    helper = training(
        D(2025, 8, 1),
        contract_on=D(2025, 1, 1),
        qualified=False,
        helper_training=True,
        shortage_occupation_offer=shortage_offer,
        started_under_gestattung=None,
    )
    facts = trainee(D(2021, 3, 1), D(2024, 1, 1), D(2025, 8, 1), training=helper)
    assert prereq(facts, D(2025, 6, 1), NORM_60C, "training_kind").status == expected
