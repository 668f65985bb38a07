"""Consent drives what the foreign office sees, and with it the Perspektive it computes."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from shared.service import Service
from tests.pipeline.helpers import on_file, open_case, post, wait_known
from tests.stack import Stack

pytestmark = pytest.mark.pipeline


def perspective_25b(stack: Stack, case_id: str, after: str) -> dict[str, Any]:
    with stack.client(Service.FOREIGN_OFFICE) as client:
        response = client.get(
            f"/foreign-office/cases/{case_id}/perspective", params={"after": after, "wait": 30, "on": "2026-06-01"}
        )
    assert response.status_code == 200, response.text
    pathway = next(p for p in response.json()["pathways"] if p["norm"] == "AufenthG_25b")
    return {p["key"]: p["status"] for p in pathway["prerequisites"]} | {"rule": pathway["rule_version_id"]}


def test_a2_certificate_reaches_the_foreign_office_only_while_the_consent_lasts(live_stack: Stack) -> None:
    stack = live_stack
    case_id, _ = open_case(stack, share_all=False)
    consent_id = str(uuid4())
    granted = post(
        stack,
        Service.INTAKE,
        f"/intake/cases/{case_id}/consents",
        {
            "consent_id": consent_id,
            "scopes": [{"recipient": "foreign_office", "categories": ["case_management", "language_education"]}],
            "purpose": "prepare_application_25b",
            "valid_from": "2026-01-01",
            "valid_until": "2027-06-30",
            "form_version": "KIM-EW-2025-1",
            "language": "ar",
            "interpreter_used": True,
        },
        201,
    )["position"]["token"]
    before = perspective_25b(stack, case_id, granted)
    assert before["german_a2"] == "unknown"
    assert before["rule"] == "AufenthG_25b@2026-01-01"

    certificate = on_file(
        stack,
        Service.KOBIZ,
        case_id,
        "language-certificates",
        {"level": "A2", "exam_body": "telc", "obtained_on": "2026-03-10", "certificate_number": "T-123"},
        201,
    )
    with_certificate = perspective_25b(stack, case_id, certificate)
    assert with_certificate["german_a2"] == "met"
    held = wait_known(stack, Service.FOREIGN_OFFICE, case_id, certificate)
    assert "LanguageCertificateObtained" in [e["type"].split(".")[-2] for e in held["timeline"]]
    assert "T-123" not in str(held)

    revoked = post(
        stack,
        Service.INTAKE,
        f"/intake/cases/{case_id}/consent-revocations",
        {"consent_id": consent_id, "effective_on": "2026-04-01"},
        201,
    )["position"]["token"]
    after = wait_known(stack, Service.FOREIGN_OFFICE, case_id, revoked)
    types = [e["type"].split(".")[-2] for e in after["timeline"]]
    assert "LanguageCertificateObtained" not in types
    assert {"ConsentGranted", "ConsentRevoked"} <= set(types)  # the proof of the consent stays
    assert perspective_25b(stack, case_id, revoked)["german_a2"] == "unknown"
    # Kobiz keeps its own record, of course.
    kobiz = wait_known(stack, Service.KOBIZ, case_id, certificate)
    assert "LanguageCertificateObtained" in [e["type"].split(".")[-2] for e in kobiz["timeline"]]
