"""A realistic demo case, created through the public HTTP APIs like a caseworker would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx

from shared import clock
from shared.service import Service
from shared.settings import get_settings


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


def seed_demo_case(today: date | None = None) -> DemoResult:
    """A young man with a Duldung since 2019 on his way to § 25b."""
    today = today or clock.today()
    intake, fo, kobiz = (base_url(s) for s in Service)
    positions: list[str] = []
    with httpx.Client(timeout=60) as client:
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
        opened = _post(
            client,
            f"{intake}/intake/cases/{case_id}/opening",
            {
                "opened_on": (today - timedelta(days=28)).isoformat(),
                "case_manager_id": "st-kim0007",
            },
        )
        positions.append(opened["position"]["token"])
        _wait_known(client, f"{fo}/foreign-office/cases/{case_id}/history", opened["position"]["token"])
        _wait_known(client, f"{kobiz}/kobiz/cases/{case_id}/history", opened["position"]["token"])
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
        # Kobiz counsels him in KIM: an A2 certificate brings § 25b within reach.
        kobiz_file = _post(
            client,
            f"{kobiz}/kobiz/files",
            {"opened_on": (today - timedelta(days=20)).isoformat(), "case_id": case_id},
        )["case_id"]
        facts: list[tuple[str, dict[str, Any]]] = [
            (
                f"{kobiz}/kobiz/files/{kobiz_file}/counselling-sessions",
                {
                    "held_on": (today - timedelta(days=14)).isoformat(),
                    "counsellor_id": "st-kobiz03",
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
            positions.append(_post(client, url, body)["position"]["token"])
    return DemoResult(case_id=case_id, positions=positions)
