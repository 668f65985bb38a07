"""Witness settings for every prerequisite: facts that make it met, not met (or open).

Each entry maps a pathway norm (or a rule version id, which wins) and a prerequisite key
to the cases that prove its declaration: a setting of *only its declared facts*
(everything else stays unknown) and the status it must produce on the version's test
date ``env.on``. test_declarations.py requires a met and a not-met case (a met and an
open one for discretion) and that every declared fact changes the result of some case
when it is forgotten. Dates are relative to ``env.on`` so one row serves every version.

This module holds the routes of tolerated people and the obligation to leave; the long-stay
titles are in witnesses_titles.py, the shared cases in witness_kit.py.
"""

from __future__ import annotations

from shared.perspective import (
    CooperationDuty,
    Departure,
    DepartureObligation,
    Livelihood,
    Relation,
)
from shared.perspective.dates import add_months
from tests.unit.perspective.factories import (
    D,
    applied,
    duldung,
    gestattung,
    granted,
    job,
    member,
    no,
    yes,
)
from tests.unit.perspective.personas import training
from tests.unit.perspective.witness_kit import (
    A1,
    A2,
    B1,
    MET,
    NOT_MET,
    TOLERATED,
    TRAINING,
    UNKNOWN,
    Witness,
    ago,
    convictions,
    deceived,
    flag,
    identity,
    livelihood_full,
    no_deception,
    obliged,
    statuses,
    three_months,
)
from tests.unit.perspective.witnesses_titles import TITLES

ROUTES: dict[tuple[str, str], Witness] = {
    # § 60c, § 16g
    ("AufenthG_60c", "tolerated_3_months"): three_months,
    ("AufenthG_60c", "application_window"): lambda e: [
        ({"training": training(add_months(e.on, 1))}, MET),
        ({"training": training(add_months(e.on, 12))}, NOT_MET),
        ({"training": training(ago(e.on, 0, 1)), "applications": [applied(e.norm, ago(e.on, 0, 9))]}, NOT_MET),
    ],
    **{("AufenthG_60c", key): witness for key, witness in TRAINING.items()},
    ("AufenthG_16g", "tolerated"): TOLERATED,
    ("AufenthG_16g", "tolerated_3_months"): lambda e: [
        *three_months(e),
        (
            {
                "statuses": [duldung(ago(e.on, 0, 4))],
                "training": training(e.on, started_under_gestattung=False),
                "applications": [applied(e.norm, ago(e.on, 0, 2))],
            },
            NOT_MET,
        ),
    ],
    **{("AufenthG_16g", key): witness for key, witness in TRAINING.items() if key != "contract_registered"},
    ("AufenthG_16g", "passport"): flag("passport_present"),
    ("AufenthG_16g", "livelihood_secured"): lambda e: [
        ({"livelihood": Livelihood(assessed_on=D(2000, 1, 1), coverage_ratio=1.2)}, MET),
        ({"livelihood": Livelihood(assessed_on=D(2000, 1, 1), coverage_ratio=0.5)}, NOT_MET),
    ],
    # § 60d
    ("AufenthG_60d", "entry_date"): lambda e: [({"entry_on": D(2015, 1, 1)}, MET), ({"entry_on": e.on}, NOT_MET)],
    ("AufenthG_60d", "identity"): identity,
    ("AufenthG_60d", "tolerated_12_months"): statuses(
        lambda on: [duldung(ago(on, 2))], lambda on: [duldung(ago(on, 0, 1))]
    ),
    ("AufenthG_60d", "employment"): lambda e: [
        ({"employment": [job(ago(e.on, 3), hours=40)]}, MET),
        ({"employment": [job(ago(e.on, 3), hours=10)]}, NOT_MET),
    ],
    ("AufenthG_60d", "livelihood_secured"): livelihood_full,
    ("AufenthG_60d", "german_a2"): lambda e: [
        ({"language_certificates": A2}, MET),
        ({"language_certificates": A1}, NOT_MET),
    ],
    ("AufenthG_60d", "integration_course"): lambda e: [
        ({"integration_course_mandatory": no()}, MET),
        ({"integration_course_mandatory": yes(), "integration_course_completed": no()}, NOT_MET),
    ],
    ("AufenthG_60d", "children_attend_school"): flag("children_attend_school"),
    ("AufenthG_60d", "convictions"): convictions,
    ("AufenthG_60d", "no_extremism"): flag("extremism_indications", want=False),
    # § 19d
    ("AufenthG_19d", "tolerated"): TOLERATED,
    ("AufenthG_19d", "qualification"): lambda e: [
        ({"german_vocational_qualification": yes()}, MET),
        (
            {
                "german_vocational_qualification": no(),
                "employment": [],
                "foreign_degree_recognised": no(),
                "livelihood": Livelihood(assessed_on=D(2000, 1, 1), public_benefits_last_12_months=True),
            },
            NOT_MET,
        ),
        (
            {
                "german_vocational_qualification": no(),
                "foreign_degree_recognised": yes(),
                "employment": [job(ago(e.on, 3), matches_degree=True)],
            },
            MET,
        ),
        (
            {
                "german_vocational_qualification": no(),
                "foreign_degree_recognised": no(),
                "employment": [job(ago(e.on, 4), qualified=True)],
                "livelihood": Livelihood(assessed_on=D(2000, 1, 1), public_benefits_last_12_months=False),
            },
            MET,
        ),
    ],
    ("AufenthG_19d", "housing"): flag("housing_sufficient"),
    ("AufenthG_19d", "german_b1"): lambda e: [
        ({"language_certificates": B1}, MET),
        ({"language_certificates": A2}, NOT_MET),
    ],
    ("AufenthG_19d", "no_deception"): no_deception,
    ("AufenthG_19d", "no_extremism"): flag("extremism_indications", want=False),
    ("AufenthG_19d", "convictions"): convictions,
    ("AufenthG_19d", "employment_agency_consent"): flag("employment_agency_consent"),
    # § 25 Abs. 5
    ("AufenthG_25_5", "enforceably_obliged"): obliged,
    ("AufenthG_25_5", "departure_impossible"): flag("departure_impossible"),
    ("AufenthG_25_5", "obstacle_lasting"): flag("departure_obstacle_lasting"),
    ("AufenthG_25_5", "no_fault"): lambda e: [
        ({"deceptions": [], "cooperation_duties": []}, MET),
        ({"deceptions": [deceived(e.on)], "cooperation_duties": []}, NOT_MET),
        (
            {
                "deceptions": [],
                "cooperation_duties": [
                    CooperationDuty(notified_on=ago(e.on, 0, 3), deadline=ago(e.on, 0, 1), fulfilled=False)
                ],
            },
            NOT_MET,
        ),
    ],
    ("AufenthG_25_5", "grant_discretion"): lambda e: [
        ({"statuses": [duldung(ago(e.on, 2))]}, MET),
        ({"statuses": [duldung(ago(e.on, 0, 1))]}, UNKNOWN),
    ],
    # § 60a Abs. 2b
    ("AufenthG_60a_2b", "enforceably_obliged"): obliged,
    ("AufenthG_60a_2b", "family_of_minor_25a_holder"): lambda e: [
        (
            {"household_members": [member(Relation.CHILD, granted("AufenthG_25a", ago(e.on, 1)), birth=ago(e.on, 15))]},
            MET,
        ),
        ({"household_members": []}, NOT_MET),
        (
            {
                "household_members": [
                    member(Relation.SIBLING, granted("AufenthG_25a", ago(e.on, 1)), birth=ago(e.on, 16)),
                    member(Relation.PARENT),
                ],
                "birth_date": ago(e.on, 10),
            },
            MET,
        ),
    ],
    # Departure
    ("AufenthG_50", "no_right_to_stay"): statuses(
        lambda on: [duldung(ago(on, 1))], lambda on: [gestattung(ago(on, 1))]
    ),
    ("AufenthG_50", "enforceable"): lambda e: [
        ({"departure_obligations": [DepartureObligation(enforceable_since=ago(e.on, 0, 1))]}, MET),
        ({"departure_obligations": []}, NOT_MET),
    ],
    ("AufenthG_50", "not_departed"): lambda e: [
        ({"departures": []}, MET),
        ({"departures": [Departure(departed_on=ago(e.on, 0, 1))], "entry_on": ago(e.on, 2)}, NOT_MET),
    ],
}

WITNESSES: dict[tuple[str, str], Witness] = TITLES | ROUTES


def witnesses(norm: str, version: str, key: str) -> Witness | None:
    """The witness for one prerequisite; a version's own row wins over the pathway's."""
    return WITNESSES.get((version, key)) or WITNESSES.get((norm, key))
