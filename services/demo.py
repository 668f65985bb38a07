"""A realistic demo case, created through the public HTTP APIs as the demo users would.

Each step is taken by the demo user whose role it is (deploy/keycloak/realm-kim.demo-users.json),
logged in through the development realm's test client: the intake clerk registers the person
and records the consent, the KIM case manager opens the case (and so manages it), the
foreign-office caseworker keeps the residence file, Kobiz's team lead opens the counselling
file for the case and assigns the counsellor, who counsels. Development only: the demo users
and the test client exist only outside production.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx

from shared import clock
from shared.identity.settings import IdentitySettings
from shared.identity.tokens import BearerAuth, Grant, TokenClient
from shared.service import Service
from shared.settings import get_settings

CLERK, CASE_MANAGER, CASEWORKER, KOBIZ_LEAD, COUNSELLOR = (
    "intake.empfang",
    "kim.fallmanagement",
    "amt.abh",
    "leitung.kobiz",
    "kobiz.berater",
)
CLERK_STAFF_ID, CASE_MANAGER_STAFF_ID, COUNSELLOR_STAFF_ID = "st-d3bdd7", "st-ebdf1a", "st-c0144b"
"""The demo users' staff ids (the realm file's ``staff_id`` attributes)."""


@dataclass(frozen=True)
class DemoResult:
    case_id: str
    positions: list[str]


def base_url(service: Service) -> str:
    s = get_settings(service)
    return f"http://{s.http_host}:{s.http_port}"


def _post(client: httpx.Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(url, json=body)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def _wait_known(client: httpx.Client, url: str, after: str) -> None:
    response = client.get(url, params={"after": after, "wait": 30})
    response.raise_for_status()
    if not response.json()["projection"]["reached"]:
        msg = f"projection did not reach {after} in time"
        raise RuntimeError(msg)


def as_user(username: str) -> BearerAuth:
    """httpx authentication as a demo user (password grant of the development test client)."""
    secret = os.environ.get("KIM_KEYCLOAK_TEST_SECRET", "kim-test-dev-secret")
    password = os.environ.get("KIM_KEYCLOAK_DEMO_PASSWORD", "kim-demo-passwort")
    grant = Grant("kim-test", secret, username=username, password=password)
    return BearerAuth(TokenClient(IdentitySettings().token_url, grant))


def seed_demo_case(today: date | None = None) -> DemoResult:
    """A young man with a Duldung since 2019 on his way to § 25b."""
    today = today or clock.today()
    intake, fo, kobiz = (base_url(s) for s in Service)
    positions: list[str] = []
    users = {name: as_user(name) for name in (CLERK, CASE_MANAGER, CASEWORKER, KOBIZ_LEAD, COUNSELLOR)}
    with httpx.Client(timeout=60) as client:
        client.auth = users[CLERK]
        reg = _post(
            client,
            f"{intake}/intake/cases",
            {
                "family_name": "Demo",
                "given_names": "Samir",
                "birth_date": "2001-04-12",
                "registered_on": (today - timedelta(days=30)).isoformat(),
                "languages": ["ar", "de"],
                "claimed_nationalities": ["SYR"],
            },
        )
        case_id = reg["case_id"]
        positions.append(reg["position"]["token"])
        consent = _post(
            client,
            f"{intake}/intake/cases/{case_id}/consents",
            {
                "consent_id": str(uuid4()),
                "scopes": [
                    {
                        "recipient": "foreign_office",
                        "categories": ["identity", "case_management", "status", "language_education", "work_income"],
                    },
                    {"recipient": "kobiz", "categories": ["identity", "status", "language_education", "work_income"]},
                    {"recipient": "intake", "categories": ["identity", "status", "language_education", "work_income"]},
                ],
                "purpose": "prepare_application_25b",
                "valid_from": (today - timedelta(days=30)).isoformat(),
                "valid_until": (today + timedelta(days=690)).isoformat(),
                "form_version": "KIM-EW-2025-1",
                "language": "ar",
                "interpreter_used": True,
            },
        )
        positions.append(consent["position"]["token"])
        # Whoever opens the case manages it: the clerk opens it and hands it to the KIM case manager.
        opened_on = (today - timedelta(days=28)).isoformat()
        opened = _post(client, f"{intake}/intake/cases/{case_id}/opening", {"opened_on": opened_on})
        positions.append(opened["position"]["token"])
        handover = {"from_staff_id": CLERK_STAFF_ID, "to_staff_id": CASE_MANAGER_STAFF_ID, "handed_over_on": opened_on}
        opened = _post(client, f"{intake}/intake/cases/{case_id}/handovers", handover)
        positions.append(opened["position"]["token"])
        client.auth = users[CASEWORKER]
        _wait_known(client, f"{fo}/foreign-office/cases/{case_id}/history", opened["position"]["token"])
        client.auth = users[KOBIZ_LEAD]
        _wait_known(client, f"{kobiz}/kobiz/cases/{case_id}/history", opened["position"]["token"])
        client.auth = users[CASEWORKER]
        # The foreign office has kept its own file on him since 2019, with a Duldung;
        # now that he consents to KIM, it links the file to the case (its history follows).
        abh_file = _post(
            client,
            f"{fo}/foreign-office/files",
            {"family_name": "Demo", "given_names": "Samir", "birth_date": "2001-04-12", "nationalities": ["SYR"]},
        )["case_id"]
        _post(
            client,
            f"{fo}/foreign-office/files/{abh_file}/tolerated-stays",
            {
                "subtype": "60a",
                "ground_code": "no_travel_documents",
                "valid_from": "2019-04-01",
                "valid_until": (today + timedelta(days=90)).isoformat(),
                "work_permitted": True,
                "residence_condition": True,
                "remarks": "Verlängerung nach Vorsprache",
            },
        )
        _post(client, f"{fo}/foreign-office/files/{abh_file}/entries", {"entered_on": "2016-09-12"})
        linked = _post(
            client,
            f"{fo}/foreign-office/files/{abh_file}/kim-link",
            {"case_id": case_id, "linked_on": (today - timedelta(days=27)).isoformat()},
        )
        positions.append(linked["position"]["token"])
        # Kobiz counsels him in KIM: its team lead opens the file for the case and assigns the
        # counsellor; an A2 certificate brings § 25b within reach.
        client.auth = users[KOBIZ_LEAD]
        kobiz_file = _post(
            client,
            f"{kobiz}/kobiz/files",
            {"opened_on": (today - timedelta(days=20)).isoformat(), "case_id": case_id},
        )["case_id"]
        _post(
            client,
            f"{kobiz}/kobiz/files/{kobiz_file}/assignments",
            {"staff_id": COUNSELLOR_STAFF_ID, "assigned_on": (today - timedelta(days=20)).isoformat()},
        )
        client.auth = users[COUNSELLOR]
        facts: list[tuple[str, dict[str, Any]]] = [
            (
                f"{kobiz}/kobiz/files/{kobiz_file}/counselling-sessions",
                {
                    "held_on": (today - timedelta(days=14)).isoformat(),
                    "topic_codes": ["language_course", "identity_and_passport"],
                    "pathways_discussed": ["AufenthG_25b", "AufenthG_104c"],
                    "next_step_codes": ["book_a2_exam", "contact_embassy"],
                    "notes": "Vertraulich: Gesprächsnotiz bleibt im Kobiz.",
                },
            ),
            (
                f"{kobiz}/kobiz/files/{kobiz_file}/language-certificates",
                {
                    "level": "A2",
                    "exam_body": "telc",
                    "obtained_on": (today - timedelta(days=10)).isoformat(),
                    "certificate_number": "telc-DEMO-0815",
                },
            ),
            (
                f"{fo}/foreign-office/files/{abh_file}/identity-clarification",
                {
                    "clarified_on": (today - timedelta(days=7)).isoformat(),
                    "method": "passport",
                    "document_ref": "ABH-2026-00417",
                },
            ),
        ]
        for url, body in facts:
            client.auth = users[CASEWORKER] if url.startswith(fo) else users[COUNSELLOR]
            positions.append(_post(client, url, body)["position"]["token"])
    return DemoResult(case_id=case_id, positions=positions)
