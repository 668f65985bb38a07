"""The building blocks of the witness table (witnesses.py): the case type, dates, common cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from shared.perspective import (
    Deception,
    DepartureObligation,
    Livelihood,
    Schooling,
    Status,
)
from shared.perspective.dates import add_months, add_years
from tests.unit.perspective.factories import (
    D,
    applied,
    cert,
    duldung,
    fine,
    no,
    permit,
    yes,
)
from tests.unit.perspective.personas import training

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN


class Env(NamedTuple):
    """Where a case is judged: the test date, the norm applied for, the rule version."""

    on: date
    norm: str
    version: str


Setting = dict[str, Any]
Case = tuple[Setting, Status]
Witness = Callable[[Env], list[Case]]


def ago(on: date, years: int = 0, months: int = 0) -> date:
    return add_months(add_years(on, -years), -months)


def flag(field: str, *, want: bool = True) -> Witness:
    """A yes/no fact: the wanted value meets it, the other does not."""
    good, bad = (yes(), no()) if want else (no(), yes())
    return lambda e: [({field: good}, MET), ({field: bad}, NOT_MET)]


def exemptable(met: Setting, not_met: Setting) -> Witness:
    """Met, not met, and not met turned open by a claimed health exemption."""
    return lambda e: [(met, MET), (not_met, NOT_MET), (not_met | {"health_exemption_claimed": yes()}, UNKNOWN)]


def statuses(met: Callable[[date], list[Any]], not_met: Callable[[date], list[Any]]) -> Witness:
    return lambda e: [({"statuses": met(e.on)}, MET), ({"statuses": not_met(e.on)}, NOT_MET)]


def deceived(on: date, **kw: Any) -> Deception:
    """An own deception that prevented removal, established a year ago unless said otherwise."""
    base: dict[str, Any] = {
        "established_on": ago(on, 1),
        "kind": "deception",
        "own": True,
        "prevented_deportation": True,
    }
    return Deception(**(base | kw))


def age_limit_25a(e: Env) -> int:
    return 21 if e.version.endswith("2015-08-01") else 27


def years_with_child_25b(e: Env) -> int:
    return 6 if e.version.endswith("2015-08-01") else 4


TOLERATED = statuses(lambda on: [duldung(ago(on, 2))], lambda on: [permit(ago(on, 2))])


def convictions(e: Env) -> list[Case]:
    return [({"convictions": []}, MET), ({"convictions": [fine(51, on=ago(e.on, 1))]}, NOT_MET)]


def no_deception(e: Env) -> list[Case]:
    return [({"deceptions": []}, MET), ({"deceptions": [deceived(e.on)]}, NOT_MET)]


def repeated(e: Env) -> list[Case]:
    return [
        ({"deceptions": [deceived(e.on)]}, MET),
        ({"deceptions": [deceived(e.on), deceived(e.on, established_on=ago(e.on, 2))]}, NOT_MET),
    ]


def livelihood_full(e: Env) -> list[Case]:
    return [
        ({"livelihood": Livelihood(assessed_on=ago(e.on, 0, 1), coverage_ratio=1.2, receives_sgb2_or_12=False)}, MET),
        (
            {"livelihood": Livelihood(assessed_on=ago(e.on, 0, 1), coverage_ratio=0.5, receives_sgb2_or_12=False)},
            NOT_MET,
        ),
    ]


A1, A2, B1 = ([cert(level, D(2000, 1, 1))] for level in ("A1", "A2", "B1"))
NOT_KNOWING = {
    "integration_course_completed": no(),
    "civic_tests": [],
    "schooling": Schooling(as_of=D(2000, 1, 1), german_qualification=False),
    "german_vocational_qualification": no(),
}
KNOWLEDGE = exemptable({"integration_course_completed": yes()}, NOT_KNOWING)


def identity(e: Env) -> list[Case]:
    return [
        ({"identity_clarified": yes(D(2015, 6, 1)), "entry_on": D(2015, 1, 1), "identity_steps_taken": no()}, MET),
        ({"identity_clarified": no(), "entry_on": D(2015, 1, 1), "identity_steps_taken": no()}, NOT_MET),
        (
            {
                "identity_clarified": yes(D(2019, 6, 1)),
                "entry_on": D(2015, 1, 1),
                "identity_steps_taken": no(),
                "applications": [applied(e.norm, D(2019, 1, 1))],
            },
            NOT_MET,
        ),
    ]


def three_months(e: Env) -> list[Case]:
    return [
        ({"statuses": [duldung(ago(e.on, 1))]}, MET),
        ({"statuses": [duldung(ago(e.on, 0, 1))], "training": training(e.on, started_under_gestattung=False)}, NOT_MET),
    ]


def obliged(e: Env) -> list[Case]:
    return [
        ({"statuses": [duldung(ago(e.on, 1))]}, MET),
        ({"statuses": [permit(ago(e.on, 1))]}, NOT_MET),
        ({"statuses": [], "departure_obligations": [DepartureObligation(enforceable_since=ago(e.on, 0, 1))]}, MET),
    ]


TRAINING = {
    "training_kind": lambda e: [
        ({"training": training(e.on)}, MET),
        ({"training": training(e.on, qualified=False, helper_training=False)}, NOT_MET),
    ],
    "contract_registered": lambda e: [
        ({"training": training(e.on)}, MET),
        ({"training": training(e.on, kammer_registered=False)}, NOT_MET),
    ],
    "identity": identity,
    "convictions": convictions,
    "no_concrete_removal_measures": flag("concrete_removal_measures", want=False),
    "no_employment_ban": flag("employment_ban", want=False),
}
