"""The cases the browser journeys work on, made through the public APIs by the realm's test users.

Each step is taken by the test user whose role it is (deploy/keycloak/realm-kim.test-client.json,
tokens from tests/support/realm.py): the intake clerk registers the person, records the consent
and opens the case; Kobiz's team lead opens the counselling file for the case and assigns the
counsellor; the foreign-office caseworker keeps the residence file. Nothing is written into a
view directly: every view learns of a case through the relays, Kafka and the projectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx

from shared.service import Service
from tests.stack import Stack, eventually
from tests.support import realm

CLERK = "test.bola.empfang"
"""Intake clerk (registers, records and revokes consents, opens cases)."""
CASEWORKER = "test.bola.abh"
"""Foreign-office caseworker (every case of the department)."""
KOBIZ_LEAD = "test.bola.leitung.kobiz"
"""Kobiz team lead (opens counselling files, assigns counsellors)."""
COUNSELLOR = "test.bola.kobiz"
"""Kobiz counsellor (own cases only: those assigned to them)."""
COUNSELLOR_STAFF_ID = "st-7e5714"
INTAKE_LEAD = "test.bola.leitung.intake"
"""Intake's team lead (reads the department's consents; records none)."""
PIPELINE = realm.PIPELINE_USER
"""Every department role, in every department group (st-te5701)."""

WITHOUT_COUNSELLING = ["identity", "case_management", "language_education"]
"""What the foreign office may hold on consent in most journeys: the person, the case and language facts,
no counselling."""
WITH_COUNSELLING = [*WITHOUT_COUNSELLING, "counselling"]
"""… and the counselling codes, which a consent releases only together with the secrecy release."""


def days_ago(days: int) -> date:
    return date.today() - timedelta(days=days)


@dataclass
class Api:
    """The stack's HTTP APIs, as one test user or another."""

    stack: Stack
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def client(self, user: str, service: Service) -> httpx.Client:
        key = f"{user}@{service.value}"
        if key not in self.clients:
            self.clients[key] = httpx.Client(base_url=self.stack.url(service), timeout=60, auth=realm.auth(user))
        return self.clients[key]

    def post(self, user: str, service: Service, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A command with an Idempotency-Key of its own; 200 or 201, else the test fails here."""
        response = self.client(user, service).post(path, json=body, headers={"Idempotency-Key": uuid4().hex})
        assert response.status_code in (200, 201), f"{service} {path}: {response.status_code} {response.text}"
        answer: dict[str, Any] = response.json()
        return answer

    def history(self, user: str, service: Service, case_id: str, after: str | None = None) -> dict[str, Any]:
        """The case as ``user`` reads it in ``service``, once that view holds ``after`` (bounded wait)."""

        def reached() -> dict[str, Any] | None:
            params: dict[str, Any] = {"wait": 10} | ({"after": after} if after else {})
            response = self.client(user, service).get(f"/{service.slug}/cases/{case_id}/history", params=params)
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            return body if body["projection"]["reached"] or after is None else None

        return eventually(reached, 60, 0.2, what=f"{service} view of {case_id} holds {after}")

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def event_types(history: dict[str, Any]) -> list[str]:
    """The timeline's event names (``LanguageCertificateObtained``), oldest first."""
    return [str(e["type"]).split(".")[-2] for e in history["timeline"]]


@dataclass(frozen=True)
class Case:
    case_id: str
    consent_id: str
    kobiz_file: str | None
    foreign_office_file: str | None
    position: str
    """The newest position of the seeding (for a bounded wait)."""


def seed_case(
    api: Api,
    *,
    foreign_office: list[str] = WITHOUT_COUNSELLING,
    counsellor: bool = True,
    residence_file: bool = False,
) -> Case:
    """A registered person with an open KIM case and a consent for the foreign office.

    The consent releases ``foreign_office`` (with the secrecy release exactly when it names
    counselling) to the foreign office. With ``counsellor``, Kobiz's team lead opens the
    counselling file for the case and assigns the test counsellor; with ``residence_file``,
    the foreign-office caseworker opens a file, records a Duldung and links it to the case.
    """
    registered = api.post(
        CLERK,
        Service.INTAKE,
        "/intake/cases",
        {
            "family_name": "Testperson",
            "given_names": "Amina",
            "birth_date": "1999-05-01",
            "registered_on": days_ago(60).isoformat(),
            "languages": ["ar"],
            "claimed_nationalities": ["SYR"],
        },
    )
    case_id = str(registered["case_id"])
    consent_id = str(uuid4())
    scope: dict[str, Any] = {"recipient": "foreign_office", "categories": foreign_office}
    if "counselling" in foreign_office:
        scope["secrecy_release"] = True
    api.post(
        CLERK,
        Service.INTAKE,
        f"/intake/cases/{case_id}/consents",
        {
            "consent_id": consent_id,
            "scopes": [scope],
            "purpose": "prepare_application_25b",
            "valid_from": days_ago(60).isoformat(),
            "valid_until": (date.today() + timedelta(days=600)).isoformat(),
            "form_version": "KIM-EW-2025-1",
            "language": "ar",
            "interpreter_used": True,
        },
    )
    opened = api.post(
        CLERK, Service.INTAKE, f"/intake/cases/{case_id}/opening", {"opened_on": days_ago(59).isoformat()}
    )
    position = str(opened["position"]["token"])
    kobiz_file = fo_file = None
    if counsellor:
        api.history(KOBIZ_LEAD, Service.KOBIZ, case_id, position)
        opening = {"opened_on": days_ago(50).isoformat(), "case_id": case_id}
        kobiz_file = str(api.post(KOBIZ_LEAD, Service.KOBIZ, "/kobiz/files", opening)["case_id"])
        assignment = {"staff_id": COUNSELLOR_STAFF_ID, "assigned_on": days_ago(50).isoformat()}
        api.post(KOBIZ_LEAD, Service.KOBIZ, f"/kobiz/files/{kobiz_file}/assignments", assignment)
    if residence_file:
        api.history(CASEWORKER, Service.FOREIGN_OFFICE, case_id, position)
        person = {"family_name": "Testperson", "given_names": "Amina", "birth_date": "1999-05-01"}
        fo_file = str(api.post(CASEWORKER, Service.FOREIGN_OFFICE, "/foreign-office/files", person)["case_id"])
        stay = {
            "subtype": "60a",
            "ground_code": "no_travel_documents",
            "valid_from": days_ago(300).isoformat(),
            "valid_until": (date.today() + timedelta(days=60)).isoformat(),
            "work_permitted": True,
            "residence_condition": False,
        }
        api.post(CASEWORKER, Service.FOREIGN_OFFICE, f"/foreign-office/files/{fo_file}/tolerated-stays", stay)
        link = {"case_id": case_id, "linked_on": days_ago(40).isoformat()}
        linked = api.post(CASEWORKER, Service.FOREIGN_OFFICE, f"/foreign-office/files/{fo_file}/kim-link", link)
        position = str(linked["position"]["token"])
    return Case(case_id, consent_id, kobiz_file, fo_file, position)


def counsel(api: Api, case: Case, notes: str) -> str:
    """The counsellor records a session (topics, pathways, next steps, notes) through Kobiz's API."""
    body = {
        "held_on": days_ago(20).isoformat(),
        "topic_codes": ["language_course"],
        "pathways_discussed": ["AufenthG_25b"],
        "next_step_codes": ["book_a2_exam"],
        "notes": notes,
    }
    answer = api.post(COUNSELLOR, Service.KOBIZ, f"/kobiz/files/{case.kobiz_file}/counselling-sessions", body)
    return str(answer["position"]["token"])
