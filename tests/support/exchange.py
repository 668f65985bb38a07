"""The three services in process, built by the composition root, their events routed in memory.

``Exchange`` wires intake, the foreign office and Kobiz as InMemoryPipeline does (the
services' own relays and projectors over a fake Kafka) and records a Plan
(tests/support/recording.py) only through the use cases: each step's body is validated
by its command model and handed to the use case its command table names. It reads what
the foreign office decides on: before its file exists, its view of the KIM case; after,
the Perspektive of its own file (its records, its own findings and complete lists, and
its view of the case), computed as ``GET /foreign-office/files/{file_id}/perspective`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from services.foreign_office.application import ForeignOfficeApplication
from services.foreign_office.owner import owner_facts
from shared.application.base import CaseApplication
from shared.application.own_records import file_holdings
from shared.clock import today
from shared.events.common import DataCategory
from shared.perspective import evaluate
from shared.perspective.derive import derive_facts
from shared.perspective.results import Perspective
from shared.service import Service
from tests.support.fakes import InMemoryPipeline
from tests.support.recording import Plan, Step
from tests.support.walk import SPECS, run

INTAKE, FOREIGN_OFFICE, KOBIZ = Service.INTAKE, Service.FOREIGN_OFFICE, Service.KOBIZ


@dataclass
class Person:
    """One person's KIM case and the departments' files on them."""

    case_id: UUID
    kobiz_file: UUID
    foreign_office_file: UUID | None = None

    def subject(self, service: Service) -> UUID:
        """What a command of ``service`` works on: the case (intake) or the department's file."""
        if service is INTAKE:
            return self.case_id
        if service is KOBIZ:
            return self.kobiz_file
        assert self.foreign_office_file is not None, "the foreign office's file is opened when the plan is recorded"
        return self.foreign_office_file


def consent_categories(plan: Plan) -> list[str]:
    """Everything the foreign office may need; identity only where intake records identity facts for it."""
    return [c.value for c in DataCategory if c is not DataCategory.IDENTITY or plan.shares_identity]


class Exchange:
    """Intake, the foreign office and Kobiz in memory; every case gets a person of its own."""

    def __init__(self) -> None:
        self.pipeline = InMemoryPipeline()
        self.apps: dict[Service, CaseApplication] = {s: c.app for s, c in self.pipeline.containers.items()}

    def command(self, service: Service, name: str, subject: UUID | None, body: dict[str, Any]) -> UUID:
        """One command through the use case its table names; returns the case's or file's id."""
        cmd = SPECS[service][name].model.model_validate(body)
        return run(self.apps[service], service, name, subject, cmd).case_id

    def enter(self, plan: Plan) -> Person:
        """A registered person with an open KIM case, consenting to share with the departments, and
        Kobiz's counselling file on the case; nothing of the plan recorded yet."""
        now = today()
        case_id = self.command(INTAKE, "register_person", None, person(plan.birth_date, now))
        categories = consent_categories(plan)
        self.command(INTAKE, "grant_consent", case_id, consent(categories, now))
        self.command(INTAKE, "open_case", case_id, {"opened_on": now.isoformat(), "case_manager_id": "st-testcm01"})
        self.pipeline.settle()
        kobiz_file = self.command(KOBIZ, "open_file", None, {"opened_on": now.isoformat(), "case_id": str(case_id)})
        self.pipeline.settle()
        return Person(case_id, kobiz_file)

    def record(self, who: Person, plan: Plan) -> None:
        """The foreign office opens its file on the person and links it; then every step of the plan."""
        opening = {
            "family_name": "INTERN-Name",
            "given_names": "INTERN-Vorname",
            "birth_date": plan.birth_date.isoformat(),
        }
        who.foreign_office_file = self.command(FOREIGN_OFFICE, "open_file", None, opening)
        link = {"case_id": str(who.case_id), "linked_on": today().isoformat()}
        self.command(FOREIGN_OFFICE, "link_to_kim_case", who.foreign_office_file, link)
        for step in plan.steps:
            self.step(who, step)
        self.pipeline.settle()

    def step(self, who: Person, step: Step) -> None:
        self.command(step.service, step.name, who.subject(step.service), step.body)

    def case_view(self, who: Person, on: date) -> Perspective:
        """The foreign office's Perspektive of what its view holds of the KIM case (no file of its own)."""
        store = self.pipeline.containers[FOREIGN_OFFICE].store
        return evaluate(derive_facts(store.timeline(who.case_id)), on)

    def file_view(self, who: Person, on: date) -> Perspective:
        """The Perspektive of the foreign office's own file, as its file route computes it."""
        assert who.foreign_office_file is not None
        app = self.apps[FOREIGN_OFFICE]
        assert isinstance(app, ForeignOfficeApplication)
        store = self.pipeline.containers[FOREIGN_OFFICE].store
        file, held = file_holdings(app, who.foreign_office_file, store.timeline)
        return evaluate(derive_facts(held, **owner_facts(file)), on)


def person(birth_date: date, now: date) -> dict[str, Any]:
    return {
        "family_name": "INTERN-Name",
        "given_names": "INTERN-Vorname",
        "birth_date": birth_date.isoformat(),
        "registered_on": max(now, birth_date).isoformat(),
    }


def consent(categories: list[str], now: date) -> dict[str, Any]:
    """The person consents to share ``categories`` with the three departments (the secrecy release included)."""
    return {
        "consent_id": str(uuid4()),
        "scopes": [
            {"recipient": r, "categories": categories, "secrecy_release": True}
            for r in ("intake", "foreign_office", "kobiz")
        ],
        "purpose": "prepare_application_25b",
        "valid_from": (now - timedelta(days=30)).isoformat(),
        "valid_until": (now + timedelta(days=365)).isoformat(),
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": True,
    }
