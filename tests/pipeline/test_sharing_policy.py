"""Every rule of the sharing policy, proved against the running projections, party by party.

Three cases walk the whole catalogue through the HTTP APIs: one whose person consented
to sharing everything with every department (with the secrecy release); one who
released only case-management data to the foreign office (Ausländerbehörde); and one
who released case-management data to the Ausländerbehörde and language, health and
counselling data (with the secrecy release) to the Einbürgerungsbehörde, for a
naturalisation, and work data to one named Jobcenter. Afterwards every department's
view must hold exactly what the policy table grants its parties — statutory bases at
once, consent bases only where the consent names the party, the category (counselling
codes: with the secrecy release) and a fitting purpose — and record on each entry the
parties it is held for (the foreign office's view serves the ABH and the EBB). After
the first case's consent is revoked and the second case is closed, consent data is
gone; the proof of the consent and the closure notice (for every party that held data
of the case) stay. Internal text and secret events appear nowhere outside their owner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.foreign_office.application import COMMANDS as FO_COMMANDS
from services.intake.application import COMMANDS as INTAKE_COMMANDS
from services.kobiz.application import COMMANDS as KOBIZ_COMMANDS
from shared.application.catalogue import CaseCommand
from shared.events.common import DataCategory, Purpose, RecipientKind
from shared.policy import sharing as policy
from shared.policy.parties import SERVICE_PARTIES
from shared.service import Service
from tests.pipeline.helpers import file_of, open_case, post, wait_known
from tests.samples import SAMPLES, STAFFING_SAMPLES, staffing_samples
from tests.stack import Stack
from tests.support.realm import PIPELINE_STAFF_ID
from tests.support.walk import without_actors

pytestmark = pytest.mark.pipeline

INTAKE_WALK = ["receive_referral", "agree_integration_plan", "hold_case_conference", "refer_to_return_counselling"]
# The departments' files are opened and linked by file_of; closing the foreign office's
# file (internal) would end the walk. A refusal needs the pending application, which a
# grant would close.
SETUP = frozenset({"link_to_kim_case", "close_file"})
FO_WALK = sorted(
    (s.name for s in FO_COMMANDS if isinstance(s, CaseCommand) and s.name not in SETUP),
    key=lambda n: n != "apply_for_residence_permit" and n != "refuse_residence_permit",
)
KOBIZ_WALK = [s.name for s in KOBIZ_COMMANDS if isinstance(s, CaseCommand) and s.name not in SETUP]
RESOURCES = {s.name: s.resource for s in FO_COMMANDS if isinstance(s, CaseCommand)}
CAT = DataCategory


@dataclass(frozen=True)
class Consent:
    """What a case's consent releases, party by party: (categories, secrecy release)."""

    purpose: Purpose
    scopes: dict[str, tuple[frozenset[DataCategory], bool]]
    live: bool = True
    """False once revoked, or ended with the case's closure: only the proof of it stays."""

    def body(self) -> dict[str, Any]:
        return {
            "consent_id": str(uuid4()),
            "scopes": [
                {"recipient": party, "categories": sorted(c.value for c in cats), "secrecy_release": release}
                for party, (cats, release) in self.scopes.items()
            ],
            "purpose": self.purpose.value,
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
            "form_version": "KIM-EW-2025-1",
            "language": "ar",
            "interpreter_used": True,
        }

    def releases(self, party: str, category: DataCategory | None) -> bool:
        cats, release = self.scopes.get(party, (frozenset(), False))
        kind = RecipientKind(party.partition(":")[0])
        return (
            self.live
            and category in cats
            and (release or category not in policy.SECRECY_RELEASE_REQUIRED)
            and self.purpose in policy.PURPOSES[kind]
        )


EVERYTHING = Consent(
    Purpose.PREPARE_APPLICATION_25B,
    {r: (frozenset(DataCategory), True) for r in ("intake", "foreign_office", "kobiz")},
)
FO_CASE_MANAGEMENT = Consent(
    Purpose.PREPARE_APPLICATION_25B, {"foreign_office": (frozenset({CAT.CASE_MANAGEMENT}), False)}
)
EBB_NATURALISATION = Consent(
    Purpose.PREPARE_NATURALISATION,
    {
        # The foreign office must see the case open to decide on it; the EBB gets what a naturalisation needs.
        "foreign_office": (frozenset({CAT.CASE_MANAGEMENT}), False),
        "naturalisation_authority": (frozenset({CAT.LANGUAGE_EDUCATION, CAT.HEALTH, CAT.COUNSELLING}), True),
        "jobcenter:jc-euskirchen": (frozenset({CAT.WORK_INCOME}), False),
    },
)


def grant(stack: Stack, case_id: str, consent: Consent) -> tuple[str, str]:
    body = consent.body()
    saved = post(stack, Service.INTAKE, f"/intake/cases/{case_id}/consents", body, 201)
    return body["consent_id"], saved["position"]["token"]


def walk(stack: Stack, case_id: str) -> list[str]:
    """Run every command of the catalogue on the case; return the position tokens."""
    tokens = []
    paths = {
        (svc, s.name): s.resource
        for svc, specs in (
            (Service.FOREIGN_OFFICE, FO_COMMANDS),
            (Service.KOBIZ, KOBIZ_COMMANDS),
            (Service.INTAKE, INTAKE_COMMANDS),
        )
        for s in specs
        if isinstance(s, CaseCommand)
    }
    for service, name in (
        [(Service.INTAKE, n) for n in INTAKE_WALK]
        + [(Service.KOBIZ, n) for n in KOBIZ_WALK]
        + [(Service.FOREIGN_OFFICE, n) for n in FO_WALK]
    ):
        on = f"cases/{case_id}" if service is Service.INTAKE else f"files/{file_of(stack, service, case_id)}"
        body = staffing_samples(PIPELINE_STAFF_ID).get(name) or SAMPLES.get(name) or STAFFING_SAMPLES[name]
        saved = post(stack, service, f"/{service.slug}/{on}/{paths[(service, name)]}", without_actors(body))
        if saved["position"]["published"]:
            tokens.append(saved["position"]["token"])
    return tokens


def expected(service: Service, consent: Consent, event_name: str, data: dict[str, Any], holders: set[str]) -> set[str]:
    """The parties of ``service`` the policy table lets hold the event, given the case's consent
    (``holders``: the service's parties that held data of the case, for a notice to prior holders)."""
    rule = next(r for r in policy.RULES if r.event.name == event_name)
    _, category, recipients = rule.for_event(rule.event.model_validate(data))
    parties: set[str] = set()
    for party in SERVICE_PARTIES[service]:
        basis = recipients.get(RecipientKind(party))
        if basis is None:
            continue
        if basis.statutory:
            parties.add(party)
        elif basis is policy.LegalBasis.NAMED_IN_CONSENT:
            if party in consent.scopes:  # the proof of a consent stays after revocation
                parties.add(party)
        elif consent.releases(party, category):
            parties.add(party)
    if rule.prior_holders:
        parties |= holders & set(SERVICE_PARTIES[service])
    return parties


def types_in(history: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(e["type"].split(".")[-2], e["data"]) for e in history["timeline"]]


def held_for(stack: Stack, service: Service, case_id: str) -> dict[str, set[str]]:
    """Event name → the parties the service's view holds it for (from the view table itself)."""
    with stack.pg(service) as conn:
        rows = conn.execute("SELECT type, held_for, basis FROM case_timeline WHERE case_id = %s", (case_id,)).fetchall()
    result: dict[str, set[str]] = {}
    for wire_type, parties, basis in rows:
        assert set(parties.values()) and basis in set(parties.values()), (service.value, wire_type, parties, basis)
        result.setdefault(wire_type.split(".")[-2], set()).update(parties)
    return result


def check_views(
    stack: Stack,
    case_id: str,
    tokens: list[str],
    consent: Consent,
    owners: dict[str, Service],
    holders: dict[Service, set[str]] | None = None,
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
        parties = held_for(stack, service, case_id)
        for name, data in catalogue.items():
            want = expected(service, consent, name, data, (holders or {}).get(service, set()))
            assert (name in held) == bool(want), (service.value, name, want)
            assert parties.get(name, set()) == want, (service.value, name, parties.get(name), want)
        text = json.dumps(histories[service])
        assert "INTERN" not in text, service.value
    return histories


def test_every_rule_holds_for_every_party_and_revocation_and_closure_withdraw_consent_data(live_stack: Stack) -> None:
    stack = live_stack
    owners = {rule.event.name: rule.event.owner for rule in policy.RULES}

    cases: dict[str, tuple[str, Consent, str]] = {}
    for label, consent in (("all", EVERYTHING), ("fo", FO_CASE_MANAGEMENT), ("ebb", EBB_NATURALISATION)):
        case_id, _ = open_case(stack, share_all=False)
        consent_id, granted = grant(stack, case_id, consent)
        wait_known(stack, Service.FOREIGN_OFFICE, case_id, granted)
        cases[label] = (case_id, consent, consent_id)
    tokens = {label: walk(stack, case_id) for label, (case_id, _, _) in cases.items()}
    views = {label: check_views(stack, case_id, tokens[label], c, owners) for label, (case_id, c, _) in cases.items()}
    assert len(views["all"][Service.KOBIZ]["timeline"]) > 20
    # Counselling codes reach the foreign office only under the secrecy release, and in the
    # EBB's case only for the EBB; the ABH-only consent names no counselling at all.
    ebb_case = cases["ebb"][0]
    fo_parties = held_for(stack, Service.FOREIGN_OFFICE, ebb_case)
    assert fo_parties["PerspectiveCounsellingHeld"] == {"naturalisation_authority"}
    assert fo_parties["CaseOpened"] == {"foreign_office"}
    assert "PerspectiveCounsellingHeld" not in {n for n, _ in types_in(views["fo"][Service.FOREIGN_OFFICE])}

    # Revocation acts for the future: consent-based data goes, statutory data and the
    # proof of the consent stay.
    case_all, consent_all, consent_all_id = cases["all"]
    revoked = post(
        stack,
        Service.INTAKE,
        f"/intake/cases/{case_all}/consent-revocations",
        {"consent_id": consent_all_id, "effective_on": "2026-01-01"},
        201,
    )
    after = check_views(stack, case_all, [revoked["position"]["token"]], replace(consent_all, live=False), owners)
    fo_after = {name for name, _ in types_in(after[Service.FOREIGN_OFFICE])}
    assert {"ConsentGranted", "ConsentRevoked", "IntegrationCourseCompleted", "ToleratedStayIssued"} <= fo_after
    assert "PersonRegistered" not in fo_after and "LanguageCertificateObtained" not in fo_after
    kobiz_after = {name for name, _ in types_in(after[Service.KOBIZ])}
    assert "ToleratedStayIssued" not in kobiz_after and "CaseOpened" in kobiz_after

    # The closure ends the consent's term: what the foreign office held by consent goes; the
    # closure notice stays with both of its parties, which held data of the case (Art. 19 DSGVO).
    case_fo, consent_fo, _ = cases["fo"]
    holders = {s: {p for ps in held_for(stack, s, case_fo).values() for p in ps} for s in Service}
    assert holders[Service.FOREIGN_OFFICE] == {"foreign_office", "naturalisation_authority"}
    closed = post(
        stack,
        Service.INTAKE,
        f"/intake/cases/{case_fo}/closing",
        {"closed_on": date.today().isoformat(), "reason": "goal_reached"},
        200,
    )
    ended = check_views(stack, case_fo, [closed["position"]["token"]], replace(consent_fo, live=False), owners, holders)
    fo_ended = {name for name, _ in types_in(ended[Service.FOREIGN_OFFICE])}
    assert {"CaseClosed", "ConsentGranted", "ToleratedStayIssued"} <= fo_ended
    assert not {"CaseOpened", "IntegrationPlanAgreed"} & fo_ended
    assert ended[Service.FOREIGN_OFFICE]["summary"]["case"]["status"] == "closed"

    # Nothing withheld or internal appears in any process's log either.
    for log in (stack.run_dir / "logs").glob("*.log"):
        text = log.read_text(errors="replace")
        assert "INTERN" not in text and "GEHEIM" not in text and "Testperson" not in text, log.name


def test_secret_and_internal_events_never_reach_a_topic(live_stack: Stack) -> None:
    stack = live_stack
    case_id, _ = open_case(stack, share_all=False)
    _, token = grant(stack, case_id, FO_CASE_MANAGEMENT)
    wait_known(stack, Service.FOREIGN_OFFICE, case_id, token)
    last = ""
    for name in (
        "schedule_removal",
        "notify_criminal_conviction",
        "establish_identity_deception",
        "assess_naturalisation_requirement",
        "record_departure",
    ):
        file_id = file_of(stack, Service.FOREIGN_OFFICE, case_id)
        position = post(
            stack,
            Service.FOREIGN_OFFICE,
            f"/foreign-office/files/{file_id}/{RESOURCES[name]}",
            without_actors(SAMPLES[name]),
        )["position"]
        assert position["published"] == (name == "record_departure")
        last = position["token"] if position["published"] else last
    wait_known(stack, Service.FOREIGN_OFFICE, case_id, last)
    records = stack.read_topic(Service.FOREIGN_OFFICE)
    mine = [r for r in records if r.key == file_of(stack, Service.FOREIGN_OFFICE, case_id).encode()]
    types = {dict(r.headers)["ce_type"].decode().split(".")[-2] for r in mine}
    assert types == {"ResidenceFileLinked", "DepartureRecorded"}  # the link, and nothing internal
    assert not any(b"INTERN" in r.value or b"GEHEIM" in r.value for r in records)


PERSONAL = ("Testperson", "Amina", "1999-05-01", "INTERN", "Vermerk", "Täuschung")
"""What the journeys above sent that is personal data or free text: names, the birth date, the samples' internal
remarks and findings (tests/samples.py marks every free text with INTERN)."""


def test_process_logs_hold_no_personal_data(live_stack: Stack) -> None:
    """After the journeys above (every command of every department, consents, revocation, closure), no process
    log of any service names the person or carries free text."""
    logs = sorted((live_stack.run_dir / "logs").glob("*.log"))
    assert {p.stem for p in logs} >= {f"{s.slug}-{k}" for s in Service for k in ("api", "relay", "projector")}
    found = [
        (path.name, number, marker)
        for path in logs
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        for marker in PERSONAL
        if marker in line
    ]
    assert found == [], f"personal data in process logs: {found[:10]}"
