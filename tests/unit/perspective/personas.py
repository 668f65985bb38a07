"""The people of the scenarios: one baseline person per pathway, varied by overrides.

Each builds on :func:`integrated` (every non-status prerequisite met) and sets what its
pathway turns on, so a table row only names what differs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.perspective import CaseFacts, DepartureObligation, Livelihood, Relation, Schooling, Training
from tests.unit.perspective.factories import (
    D,
    cert,
    duldung,
    granted,
    integrated,
    job,
    member,
    no,
    permit,
    spouse_holding_104c,
    yes,
)


def youth(birth: date, **overrides: Any) -> CaseFacts:
    """§ 25a: a pupil with four successful school years and a Duldung since 2017."""
    school = Schooling(as_of=D(2021, 7, 1), successful_years=4, attending=False, german_qualification=False)
    base = {
        "birth_date": birth,
        "statuses": [duldung(D(2017, 1, 1))],
        "schooling": school,
        "german_vocational_qualification": no(),
    }
    return integrated(**(base | overrides))


def tolerated(since: date, **overrides: Any) -> CaseFacts:
    """§ 25b: an integrated person tolerated since `since`, with A2 and a 60 % livelihood."""
    base = {
        "statuses": [duldung(since)],
        "language_certificates": [cert("A2")],
        "livelihood": Livelihood(assessed_on=D(2022, 1, 1), coverage_ratio=0.6, expected_to_be_secured=False),
    }
    return integrated(**(base | overrides))


def worker(entry: date, hours: float, job_since: date, **overrides: Any) -> CaseFacts:
    """§ 60d: a tolerated worker who entered on `entry`; identity clarified on arrival."""
    base = {
        "entry_on": entry,
        "statuses": [duldung(entry)],
        "identity_clarified": yes(entry),
        "employment": [job(job_since, hours=hours)],
        "language_certificates": [cert("A2")],
    }
    return integrated(**(base | overrides))


def training(starts: date, **fields: Any) -> Training:
    """A qualified, registered training contract concluded on the day it starts."""
    base: dict[str, Any] = {
        "contract_on": starts,
        "starts_on": starts,
        "qualified": True,
        "kammer_registered": True,
        "started_under_gestattung": False,
    }
    return Training(**(base | fields))


def trainee(entry: date, tolerated_since: date, starts: date, **overrides: Any) -> CaseFacts:
    """§ 60c: a tolerated trainee who entered on `entry`; identity clarified on arrival."""
    base = {
        "entry_on": entry,
        "statuses": [duldung(tolerated_since)],
        "identity_clarified": yes(entry),
        "training": training(starts),
    }
    return integrated(**(base | overrides))


def resident(since: date, **overrides: Any) -> CaseFacts:
    """§ 10 StAG: lawfully resident since `since` with a qualifying title (§ 25 Abs. 2)."""
    return integrated(**({"statuses": [permit(since, norm="AufenthG_25_2")]} | overrides))


def spouse(**overrides: Any) -> CaseFacts:
    """§ 104c Abs. 2: tolerated since 2021 (no five years), living with a spouse who holds § 104c Abs. 1."""
    base = {"statuses": [duldung(D(2021, 1, 1))], "household_members": [spouse_holding_104c()]}
    return integrated(**(base | overrides))


def child_of_beneficiary(birth: date, **overrides: Any) -> CaseFacts:
    """§ 104c Abs. 2: an unmarried child living with a parent who holds § 104c Abs. 1."""
    parent = member(Relation.PARENT, granted("AufenthG_104c", D(2023, 3, 1)))
    base = {
        "birth_date": birth,
        "statuses": [duldung(D(2021, 1, 1))],
        "household_members": [parent],
        "unmarried": yes(),
    }
    return integrated(**(base | overrides))


def stranded(tolerated_since: date, **overrides: Any) -> CaseFacts:
    """§ 25 Abs. 5: tolerated, departure impossible for good, no fault recorded."""
    base = {
        "statuses": [duldung(tolerated_since)],
        "departure_impossible": yes(),
        "departure_obstacle_lasting": yes(),
        "cooperation_duties": [],
        "deceptions": [],
    }
    return integrated(**(base | overrides))


def parent_of_youth(youth_birth: date, **overrides: Any) -> CaseFacts:
    """§ 60a Abs. 2b: tolerated parent of a child holding § 25a Abs. 1 (granted 1.1.2024)."""
    youth = member(Relation.CHILD, granted("AufenthG_25a", D(2024, 1, 1)), birth=youth_birth)
    return integrated(**({"statuses": [duldung(D(2020, 1, 1))], "household_members": [youth]} | overrides))


def obliged(**overrides: Any) -> CaseFacts:
    """Departure: enforceably obliged since 1.1.2025, tolerated until 31.12.2025, still here."""
    base = {
        "statuses": [duldung(D(2025, 2, 1), D(2025, 12, 31))],
        "departure_obligations": [
            DepartureObligation(enforceable_since=D(2025, 1, 1), departure_deadline=D(2025, 1, 31))
        ],
        "departures": [],
    }
    return integrated(**(base | overrides))
