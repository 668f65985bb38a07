"""Each pathway's prerequisites move from unknown to met, and one to not met, on the real stack.

One person per pathway (docs/domain.md §2), with facts that meet the pathway on the day it
is judged (the personas of tests/unit/perspective). Every fact is recorded over HTTP by the
department that owns it (tests/support/recording.py): intake's and Kobiz's travel through
Kafka into the foreign office's projection, the foreign office's are its own records and
findings. Proven for each pathway, on the running services:

* before anything is recorded, the foreign office's view of the KIM case leaves every
  prerequisite decided by facts unknown;
* once recorded (and consumed by its projection), the Perspektive of the foreign office's
  own file meets every prerequisite;
* one more recorded fact (a conviction, a finding, a departure, …) turns one prerequisite
  to not met.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import pytest

from shared.http.access import ACTOR_FIELDS
from shared.perspective import PATHWAYS, CaseFacts, Departure, LegalAssumptions, RuleVersion
from shared.service import Service
from tests.pipeline.helpers import EVERYTHING, grant_consent, post, wait_reached
from tests.stack import Stack, eventually
from tests.support.recording import Plan, Step, plan
from tests.support.walk import route
from tests.unit.perspective import personas as p
from tests.unit.perspective.factories import D, duldung, fine, integrated, no, permit, yes
from tests.unit.perspective.witness_kit import deceived

pytestmark = pytest.mark.pipeline

INTAKE, FOREIGN_OFFICE, KOBIZ = Service.INTAKE, Service.FOREIGN_OFFICE, Service.KOBIZ
NOW = date.today().isoformat()


class Case(NamedTuple):
    """A person who meets the pathway on ``on``, and a fact that then turns ``spoiled`` to not met."""

    person: CaseFacts
    on: date
    spoiler: dict[str, Any]
    spoiled: str


CONVICTED = {"convictions": [fine(100, on=D(2022, 1, 1))]}
CASES: dict[str, Case] = {
    "AufenthG_104c": Case(integrated(statuses=[duldung(D(2016, 1, 1))]), D(2023, 6, 1), CONVICTED, "convictions"),
    "AufenthG_104c_2": Case(p.spouse(), D(2023, 6, 1), CONVICTED, "convictions"),
    "AufenthG_25a": Case(p.youth(D(2004, 1, 1)), D(2026, 6, 1), {"extremism_indications": yes()}, "no_extremism"),
    "AufenthG_25b": Case(
        p.tolerated(D(2017, 1, 1)),
        D(2026, 6, 1),
        {"serious_expulsion_interest": yes()},
        "no_serious_expulsion_interest",
    ),
    "AufenthG_60c": Case(
        p.trainee(D(2015, 6, 1), D(2020, 1, 1), D(2026, 8, 1)), D(2026, 6, 1), CONVICTED, "convictions"
    ),
    "AufenthG_16g": Case(
        p.trainee(D(2015, 6, 1), D(2020, 1, 1), D(2026, 8, 1)), D(2026, 6, 1), CONVICTED, "convictions"
    ),
    "AufenthG_60d": Case(p.worker(D(2015, 6, 1), 40, D(2021, 1, 1)), D(2026, 6, 1), CONVICTED, "convictions"),
    "AufenthG_19d": Case(integrated(statuses=[duldung(D(2018, 1, 1))]), D(2026, 6, 1), CONVICTED, "convictions"),
    "AufenthG_25_5": Case(
        p.stranded(D(2020, 1, 1)), D(2026, 6, 1), {"deceptions": [deceived(D(2026, 6, 1))]}, "no_fault"
    ),
    "AufenthG_60a_2b": Case(
        p.parent_of_youth(D(2010, 1, 1)),
        D(2026, 6, 1),
        {"statuses": [permit(D(2026, 1, 1), norm="AufenthG_25_5")]},
        "enforceably_obliged",
    ),
    "AufenthG_26_4": Case(
        integrated(statuses=[permit(D(2015, 1, 1), norm="AufenthG_25_2")]),
        D(2026, 6, 1),
        {"housing_sufficient": no()},
        "housing",
    ),
    "StAG_10": Case(p.resident(D(2015, 1, 1)), D(2026, 6, 1), CONVICTED, "convictions"),
    "AufenthG_50": Case(
        p.obliged(), D(2026, 6, 1), {"departures": [Departure(departed_on=D(2026, 3, 1))]}, "not_departed"
    ),
}


def test_every_pathway_has_a_case() -> None:
    assert sorted(CASES) == sorted(pw.norm for pw in PATHWAYS)


def version_on(norm: str, on: date) -> RuleVersion:
    (pathway,) = [pw for pw in PATHWAYS if pw.norm == norm]
    (version,) = [v for v in pathway.versions(LegalAssumptions()) if v.in_force_on(on)]
    return version


class Person:
    """One person on the running stack: the KIM case and the departments' files."""

    def __init__(self, stack: Stack, recording: Plan) -> None:
        self.stack = stack
        registration = {
            "family_name": "INTERN-Testname",
            "given_names": "INTERN-Vorname",
            "birth_date": recording.birth_date.isoformat(),
            "registered_on": NOW,
        }
        self.case_id = str(post(stack, INTAKE, "/intake/cases", registration, 201)["case_id"])
        shared = [c for c in EVERYTHING if c != "identity" or recording.shares_identity]
        self.tokens = [grant_consent(stack, self.case_id, categories=shared)]
        opening = {"opened_on": NOW}  # the case manager is the caller (from the login)
        self.tokens.append(
            post(stack, INTAKE, f"/intake/cases/{self.case_id}/opening", opening, 200)["position"]["token"]
        )
        self.files = {KOBIZ: eventually(self.counselling_file, 60, 0.2, what=f"kobiz knows case {self.case_id}")}

    def counselling_file(self) -> str | None:
        """Kobiz's file on the case, once Kobiz's view knows the case (until then: 404, None)."""
        with self.stack.client(KOBIZ) as client:
            body = {"opened_on": NOW, "case_id": self.case_id}
            response = client.post("/kobiz/files", json=body, headers={"Idempotency-Key": f"file-{self.case_id}"})
        if response.status_code == 404:
            return None
        assert response.status_code == 201, response.text
        return str(response.json()["case_id"])

    def subject(self, service: Service) -> str:
        return self.case_id if service is INTAKE else self.files[service]

    def open_foreign_office_file(self, birth_date: date) -> None:
        opening = {"family_name": "INTERN-Name", "given_names": "INTERN-Vorname", "birth_date": birth_date.isoformat()}
        file_id = str(post(self.stack, FOREIGN_OFFICE, "/foreign-office/files", opening, 201)["case_id"])
        link = {"case_id": self.case_id, "linked_on": NOW}
        post(self.stack, FOREIGN_OFFICE, f"/foreign-office/files/{file_id}/kim-link", link, 200)
        self.files[FOREIGN_OFFICE] = file_id

    def record(self, steps: list[Step]) -> None:
        """Every step over HTTP; then wait until the foreign office's view consumed what the others recorded."""
        for step in steps:
            body = {name: value for name, value in step.body.items() if name not in ACTOR_FIELDS}  # from the login
            answer = post(self.stack, step.service, route(step.service, step.name, self.subject(step.service)), body)
            if step.service is not FOREIGN_OFFICE and answer["position"]["published"]:
                self.tokens.append(answer["position"]["token"])
        wait_reached(self.stack, FOREIGN_OFFICE, self.case_id, self.tokens)

    def case_view(self, norm: str, on: date) -> dict[str, str]:
        """The foreign office's Perspektive of its view of the KIM case (waiting for what was recorded)."""
        path = f"/foreign-office/cases/{self.case_id}/perspective"
        return self.judged(path, norm, on, after=self.tokens[-1], wait=30)

    def file_view(self, norm: str, on: date) -> dict[str, str]:
        """The Perspektive of the foreign office's own file."""
        return self.judged(f"/foreign-office/files/{self.files[FOREIGN_OFFICE]}/perspective", norm, on)

    def judged(self, path: str, norm: str, on: date, **params: Any) -> dict[str, str]:
        with self.stack.client(FOREIGN_OFFICE) as client:
            response = client.get(path, params={"on": on.isoformat(), **params})
        assert response.status_code == 200, response.text
        (pathway,) = [pw for pw in response.json()["pathways"] if pw["norm"] == norm]
        assert pathway["rule_version_id"] == version_on(norm, on).id
        return {pre["key"]: pre["status"] for pre in pathway["prerequisites"]}


@pytest.mark.parametrize("norm", sorted(CASES))
def test_recorded_facts_meet_the_pathway_and_one_more_fact_fails_it(live_stack: Stack, norm: str) -> None:
    case = CASES[norm]
    version = version_on(norm, case.on)
    read = sorted({f for pre in version.predicates for f in pre.req.facts})
    by_facts = {pre.req.key for pre in version.predicates if pre.req.facts}
    recording = plan({f: getattr(case.person, f) for f in read if getattr(case.person, f) is not None}, case.on)
    person = Person(live_stack, recording)

    before = person.case_view(norm, case.on)
    assert {key: before[key] for key in by_facts} == dict.fromkeys(by_facts, "unknown")

    person.open_foreign_office_file(recording.birth_date)
    person.record(recording.steps)
    assert person.file_view(norm, case.on) == dict.fromkeys(before, "met")

    person.record(plan(case.spoiler, case.on).steps)
    after = person.file_view(norm, case.on)
    assert after == dict.fromkeys(before, "met") | {case.spoiled: "not_met"}
