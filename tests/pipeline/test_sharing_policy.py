"""Every rule of the sharing policy, proved against the running projections.

Two cases walk the whole catalogue through the HTTP APIs: one whose person
consented to sharing everything with every department, one who released only
case-management data to the foreign office. Afterwards every department's view
must hold exactly what the policy table grants it — statutory bases at once,
consent bases only where the consent names the department, category and a
fitting purpose — and, after the first case's consent is revoked, no longer
what only that consent allowed. Internal text and secret events appear nowhere
outside their owner.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from services.foreign_office.application import COMMANDS as FO_COMMANDS
from services.intake.application import COMMANDS as INTAKE_COMMANDS
from services.kobiz.application import COMMANDS as KOBIZ_COMMANDS
from shared.application.catalogue import CaseCommand
from shared.events.common import DataCategory, Purpose, Recipient
from shared.policy import sharing as policy
from shared.service import Service
from tests.pipeline.helpers import open_case, post, wait_known
from tests.samples import SAMPLES
from tests.stack import Stack

pytestmark = pytest.mark.pipeline

INTAKE_WALK = ["receive_referral", "agree_integration_plan", "hold_case_conference", "refer_to_return_counselling"]
# A refusal needs the pending application, which a grant would close.
FO_WALK = sorted(
    (s.name for s in FO_COMMANDS), key=lambda n: n != "apply_for_residence_permit" and n != "refuse_residence_permit"
)
KOBIZ_WALK = [s.name for s in KOBIZ_COMMANDS]
RESOURCES = {s.name: s.resource for s in FO_COMMANDS if isinstance(s, CaseCommand)}
PURPOSE = Purpose.PREPARE_APPLICATION_25B


def grant(stack: Stack, case_id: str, scopes: list[dict[str, Any]]) -> tuple[str, str]:
    consent_id = str(uuid4())
    body = {
        "consent_id": consent_id,
        "scopes": scopes,
        "purpose": PURPOSE.value,
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": True,
    }
    saved = post(stack, Service.INTAKE, f"/intake/cases/{case_id}/consents", body, 201)
    return consent_id, saved["position"]["token"]


def walk(stack: Stack, case_id: str) -> list[str]:
    """Run every command of the catalogue on the case; return the position tokens."""
    tokens = []
    paths = {
        s.name: (svc, s.resource)
        for svc, specs in (
            (Service.FOREIGN_OFFICE, FO_COMMANDS),
            (Service.KOBIZ, KOBIZ_COMMANDS),
            (Service.INTAKE, INTAKE_COMMANDS),
        )
        for s in specs
        if isinstance(s, CaseCommand)
    }
    for name in INTAKE_WALK + KOBIZ_WALK + FO_WALK:
        service, path = paths[name]
        saved = post(stack, service, f"/{service.slug}/cases/{case_id}/{path}", SAMPLES[name])
        if saved["position"]["published"]:
            tokens.append(saved["position"]["token"])
    return tokens


def expected(
    service: Service,
    scopes: dict[Recipient, set[DataCategory]],
    event_name: str,
    data: dict[str, Any],
    named: set[Recipient],
) -> bool:
    """What the policy table says ``service`` may hold, given the case's consent."""
    rule = next(r for r in policy.RULES if r.event.name == event_name)
    event = rule.event.model_validate(data)
    sensitivity, category, recipients = rule.for_event(event)
    basis = recipients.get(Recipient(service.value))
    if basis is None:
        return False
    if basis.statutory:
        return True
    if basis is policy.LegalBasis.NAMED_IN_CONSENT:
        return Recipient(service.value) in named  # the proof of a consent stays after revocation
    return (
        category in scopes.get(Recipient(service.value), set()) and PURPOSE in policy.PURPOSES[Recipient(service.value)]
    )


def types_in(history: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(e["type"].split(".")[-2], e["data"]) for e in history["timeline"]]


def check_views(
    stack: Stack,
    case_id: str,
    tokens: list[str],
    scopes: dict[Recipient, set[DataCategory]],
    owners: dict[str, Service],
    named: set[Recipient],
) -> dict[Service, dict[str, Any]]:
    histories = {}
    for service in Service:
        for token in tokens:
            wait_known(stack, service, case_id, token)
        histories[service] = stack.history(service, case_id)
    # Every event held anywhere, as its owner holds it (the owner holds all of its own).
    catalogue = {name: data for name, data in types_in(histories[Service.INTAKE]) if owners.get(name) is Service.INTAKE}
    for service in (Service.FOREIGN_OFFICE, Service.KOBIZ):
        catalogue |= {n: d for n, d in types_in(histories[service]) if owners.get(n) is service}
    for service in Service:
        held = {name for name, _ in types_in(histories[service])}
        for name, data in catalogue.items():
            assert (name in held) == expected(service, scopes, name, data, named), (service.value, name)
        text = json.dumps(histories[service])
        assert "INTERN" not in text, service.value
    return histories


def test_every_rule_holds_in_every_projection_and_revocation_withdraws_consent_data(live_stack: Stack) -> None:
    stack = live_stack
    owners = {rule.event.name: rule.event.owner for rule in policy.RULES}
    everything = {r: set(DataCategory) for r in (Recipient.INTAKE, Recipient.FOREIGN_OFFICE, Recipient.KOBIZ)}
    fo_case_management = {Recipient.FOREIGN_OFFICE: {DataCategory.CASE_MANAGEMENT}}

    case_all, _ = open_case(stack, share_all=False)
    consent_all, granted = grant(
        stack,
        case_all,
        [{"recipient": r.value, "categories": [c.value for c in cats]} for r, cats in everything.items()],
    )
    case_fo, _ = open_case(stack, share_all=False)
    _, granted_fo = grant(stack, case_fo, [{"recipient": "foreign_office", "categories": ["case_management"]}])
    wait_known(stack, Service.FOREIGN_OFFICE, case_all, granted)
    wait_known(stack, Service.FOREIGN_OFFICE, case_fo, granted_fo)

    tokens_all = walk(stack, case_all)
    tokens_fo = walk(stack, case_fo)
    before = check_views(stack, case_all, tokens_all, everything, owners, set(everything))
    check_views(stack, case_fo, tokens_fo, fo_case_management, owners, {Recipient.FOREIGN_OFFICE})
    assert len(before[Service.KOBIZ]["timeline"]) > 20

    # Revocation acts for the future: consent-based data goes, statutory data and the
    # proof of the consent stay.
    revoked = post(
        stack,
        Service.INTAKE,
        f"/intake/cases/{case_all}/consent-revocations",
        {"consent_id": consent_all, "effective_on": "2026-01-01"},
        201,
    )
    after = check_views(stack, case_all, [revoked["position"]["token"]], {}, owners, set(everything))
    fo_after = {name for name, _ in types_in(after[Service.FOREIGN_OFFICE])}
    assert {"ConsentGranted", "ConsentRevoked", "IntegrationCourseCompleted", "ToleratedStayIssued"} <= fo_after
    assert "PersonRegistered" not in fo_after and "LanguageCertificateObtained" not in fo_after
    kobiz_after = {name for name, _ in types_in(after[Service.KOBIZ])}
    assert "ToleratedStayIssued" not in kobiz_after and "CaseOpened" in kobiz_after

    # Nothing withheld or internal appears in any process's log either.
    for log in (stack.run_dir / "logs").glob("*.log"):
        text = log.read_text(errors="replace")
        assert "INTERN" not in text and "GEHEIM" not in text and "Testperson" not in text, log.name


def test_secret_and_internal_events_never_reach_a_topic(live_stack: Stack) -> None:
    stack = live_stack
    case_id, _ = open_case(stack, share_all=False)
    _, token = grant(stack, case_id, [{"recipient": "foreign_office", "categories": ["case_management"]}])
    wait_known(stack, Service.FOREIGN_OFFICE, case_id, token)
    last = ""
    for name in (
        "schedule_removal",
        "notify_criminal_conviction",
        "establish_identity_deception",
        "assess_naturalisation_requirement",
        "record_departure",
    ):
        position = post(
            stack,
            Service.FOREIGN_OFFICE,
            f"/foreign-office/cases/{case_id}/{RESOURCES[name]}",
            SAMPLES[name],
        )["position"]
        assert position["published"] == (name == "record_departure")
        last = position["token"] if position["published"] else last
    wait_known(stack, Service.FOREIGN_OFFICE, case_id, last)
    records = stack.read_topic(Service.FOREIGN_OFFICE)
    mine = [r for r in records if r.key == case_id.encode()]
    types = {dict(r.headers)["ce_type"].decode().split(".")[-2] for r in mine}
    assert types == {"DepartureRecorded"}
    assert not any(b"INTERN" in r.value or b"GEHEIM" in r.value for r in records)
