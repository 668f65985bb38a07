"""Commands issued through the public HTTP APIs, as caseworkers would."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from shared.settings import Service
from tests.conftest import person
from tests.stack import Stack


def post(stack: Stack, service: Service, path: str, body: dict[str, Any], expect: int | None = None) -> dict[str, Any]:
    with stack.client(service) as client:
        response = client.post(path, json=body)
    if expect is not None:
        assert response.status_code == expect, response.text
    else:
        assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


def open_case(stack: Stack, **person_overrides: Any) -> tuple[str, str]:
    """Register a person and open the case; return (case id, last position token)."""
    reg = post(stack, Service.INTAKE, "/intake/cases", person(**person_overrides), 201)
    case_id = reg["case_id"]
    opened = post(stack, Service.INTAKE, f"/intake/cases/{case_id}/opening",
                  {"opened_on": "2026-01-06", "case_manager_id": "cm-test-1"}, 200)
    return case_id, opened["position"]["token"]


def grant_consent(stack: Stack, case_id: str) -> str:
    body = {
        "consent_id": str(uuid4()),
        "scopes": [{"recipient": "foreign_office", "categories": ["status", "language_education"]}],
        "purpose": "prepare_application_25b",
        "valid_from": "2026-01-06",
        "valid_until": "2027-12-31",
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": True,
    }
    return str(post(stack, Service.INTAKE, f"/intake/cases/{case_id}/consents", body, 201)["position"]["token"])


def issue_toleration(stack: Stack, case_id: str, valid_from: str = "2026-01-01") -> str:
    body = {
        "subtype": "60a", "ground_code": "no_travel_documents", "valid_from": valid_from,
        "valid_until": "2026-12-31", "work_permitted": True, "residence_condition": False,
        "remarks": "INTERN-ABH-Vermerk",
    }
    return str(post(stack, Service.FOREIGN_OFFICE, f"/foreign-office/cases/{case_id}/tolerated-stays", body, 201)
               ["position"]["token"])


def clarify_identity(stack: Stack, case_id: str) -> str:
    body = {"clarified_on": "2026-02-01", "method": "passport", "document_ref": "ABH-INTERN-4711"}
    return str(post(stack, Service.FOREIGN_OFFICE, f"/foreign-office/cases/{case_id}/identity-clarification", body, 200)
               ["position"]["token"])


def grant_permit(stack: Stack, case_id: str) -> str:
    body = {
        "norm": "AufenthG_25b", "granted_on": "2026-03-01", "valid_from": "2026-03-01",
        "valid_until": "2028-02-29", "employment_permitted": True, "conditions": "INTERN-Auflage",
    }
    return str(post(stack, Service.FOREIGN_OFFICE, f"/foreign-office/cases/{case_id}/residence-permits", body, 201)
               ["position"]["token"])


def record_counselling(stack: Stack, case_id: str, notes: str) -> str:
    body = {
        "held_on": "2026-02-15", "counsellor_id": "kobiz-test-3", "topic_codes": ["language_course"],
        "pathways_discussed": ["AufenthG_25b"], "next_step_codes": ["book_a2_exam"], "notes": notes,
    }
    return str(post(stack, Service.KOBIZ, f"/kobiz/cases/{case_id}/counselling-sessions", body, 201)
               ["position"]["token"])


def wait_known(stack: Stack, service: Service, case_id: str, after: str) -> dict[str, Any]:
    """Wait until ``service``'s projection has consumed ``after``, return its history."""
    return stack.history(service, case_id, after=after, wait=30)


def event_keys(history: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(e["source"], e["sequence"], e["type"]) for e in history["timeline"]]
