"""The whole case exchange in memory: three services, their relays and projectors, one fake Kafka.

The same story as tests/pipeline/test_case_lifecycle.py, in well under a second:
intake opens a case and records the person's consent to share everything with all
three departments; the foreign office learns of the case only through that consent
(its projector fetches the withheld registration and opening again from Kafka),
kobiz on its own task. The foreign office works on its own file on the person (a
Duldung before the link, published at the link), Kobiz on a counselling file opened
for the case; all three views agree on the shared history, while names, remarks and
counselling notes stay with their owner. Then: the same through duplicate deliveries
and through the real ``run`` loops in threads; a case without consent stays unknown
to the foreign office, which can still work on its file but not link it; a
revocation withdraws what only the consent allowed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from shared.outbox.relay import DeliveryError
from shared.service import Service
from tests.conftest import person
from tests.stack import eventually
from tests.support.fakes import InMemoryPipeline
from tests.support.walk import ALL_CATEGORIES

EXPECTED_TYPES = [
    "PersonRegistered",
    "CaseOpened",
    "ConsentGranted",
    "ToleratedStayIssued",  # recorded before the link, published at it
    "ResidenceFileLinked",
    "IdentityClarified",
    "ResidencePermitGranted",
    "PerspectiveCounsellingHeld",
]
TOLERATION = {
    "subtype": "60a",
    "ground_code": "no_travel_documents",
    "valid_from": "2026-01-01",
    "valid_until": "2026-12-31",
    "work_permitted": True,
    "residence_condition": False,
    "remarks": "INTERN-ABH-Vermerk",
}
FO_PERSON = {
    "family_name": "INTERN-Familienname",
    "given_names": "INTERN-Vorname",
    "birth_date": "1999-05-01",
    "file_reference": "INTERN-AZ-4711",
}


def ok(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def consent_body(consent_id: str | None = None) -> dict[str, Any]:
    """Everything to all three departments, live today (at most 24 months)."""
    today = date.today()
    return {
        "consent_id": consent_id or str(uuid4()),
        "purpose": "prepare_application_25b",
        "scopes": [
            {"recipient": r, "categories": ALL_CATEGORIES, "secrecy_release": True}
            for r in ("intake", "foreign_office", "kobiz")
        ],
        "valid_from": (today - timedelta(days=30)).isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": True,
    }


def open_case(clients: dict[Service, Any], family_name: str, *, consent: bool = True) -> str:
    intake = clients[Service.INTAKE]
    case_id = ok(intake.post("/intake/cases", json=person(family_name=family_name)), 201)["case_id"]
    ok(
        intake.post(f"/intake/cases/{case_id}/opening", json={"opened_on": "2026-01-06"}),
        200,
    )
    if consent:
        ok(intake.post(f"/intake/cases/{case_id}/consents", json=consent_body()), 201)
    return str(case_id)


def open_residence_file(clients: dict[Service, Any]) -> str:
    """The foreign office's own file on the person (no KIM case needed) with a Duldung."""
    fo = clients[Service.FOREIGN_OFFICE]
    file_id = str(ok(fo.post("/foreign-office/files", json=FO_PERSON), 201)["case_id"])
    stay = ok(fo.post(f"/foreign-office/files/{file_id}/tolerated-stays", json=TOLERATION), 201)
    assert stay["position"]["published"] is False, "nothing of an unlinked file leaves the foreign office"
    return file_id


def work_case(clients: dict[Service, Any], case_id: str, notes: str, file_id: str | None = None) -> dict[Service, str]:
    """The departments work the case on their own files: the foreign office links its file (with its
    Duldung) and decides, Kobiz opens a counselling file for the case. Returns the files' ids."""
    fo, kobiz = clients[Service.FOREIGN_OFFICE], clients[Service.KOBIZ]
    file_id = file_id or open_residence_file(clients)
    base = f"/foreign-office/files/{file_id}"
    ok(fo.post(f"{base}/kim-link", json={"case_id": case_id, "linked_on": "2026-01-20"}), 200)
    ok(
        fo.post(
            f"{base}/identity-clarification",
            json={"clarified_on": "2026-02-01", "method": "passport", "document_ref": "ABH-INTERN-4711"},
        ),
        200,
    )
    ok(
        fo.post(
            f"{base}/residence-permits",
            json={
                "norm": "AufenthG_25b",
                "granted_on": "2026-03-01",
                "valid_from": "2026-03-01",
                "valid_until": "2028-02-29",
                "employment_permitted": True,
                "conditions": "INTERN-Auflage",
                "rule_version_ids": ["AufenthG_25b@2026-01-01"],
            },
        ),
        201,
    )
    counselling_file = ok(kobiz.post("/kobiz/files", json={"opened_on": "2026-02-01", "case_id": case_id}), 201)
    ok(
        kobiz.post(
            f"/kobiz/files/{counselling_file['case_id']}/counselling-sessions",
            json={
                "held_on": "2026-02-15",
                "topic_codes": ["language_course"],
                "pathways_discussed": ["AufenthG_25b"],
                "next_step_codes": ["book_a2_exam"],
                "notes": notes,
            },
        ),
        201,
    )
    return {Service.FOREIGN_OFFICE: file_id, Service.KOBIZ: str(counselling_file["case_id"])}


def histories(clients: dict[Service, Any], case_id: str) -> dict[Service, dict[str, Any]]:
    return {s: ok(c.get(f"/{s.slug}/cases/{case_id}/history"), 200) for s, c in clients.items()}


def assert_views_agree_and_secrets_stay_home(
    pipeline: InMemoryPipeline,
    clients: dict[Service, Any],
    case_id: str,
    notes: str,
    family_name: str,
    files: dict[Service, str],
) -> None:
    views = histories(clients, case_id)
    keys = {s: [(e["source"], e["sequence"], e["type"]) for e in h["timeline"]] for s, h in views.items()}
    assert [k[2].split(".")[-2] for k in keys[Service.INTAKE]] == EXPECTED_TYPES
    assert keys[Service.FOREIGN_OFFICE] == keys[Service.INTAKE] == keys[Service.KOBIZ]
    summaries = {s: h["summary"] for s, h in views.items()}
    assert summaries[Service.FOREIGN_OFFICE] == summaries[Service.INTAKE] == summaries[Service.KOBIZ]
    summary = summaries[Service.INTAKE]
    assert summary["event_count"] == len(EXPECTED_TYPES)
    assert summary["identity"] == {"clarified": True, "clarified_on": "2026-02-01"}
    assert summary["counselling"] == {"sessions": 1, "last_held_on": "2026-02-15"}
    assert summary["residence_permit"]["norm"] == "AufenthG_25b" and summary["consents"] == 1

    for service, history in views.items():
        text = json.dumps(history)
        for secret in (notes, "INTERN", family_name):
            assert secret not in text, (service, secret)
    for service in Service:
        for record in pipeline.kafka.records(pipeline.topic(service)):
            for secret in (notes, "INTERN", family_name, "st-kobiztest3"):
                assert secret.encode() not in (record.value or b""), (service, secret)
    # A department's events are keyed by its file and name the case.
    for service, file_id in files.items():
        records = pipeline.kafka.records(pipeline.topic(service))
        assert records and {r.key for r in records} == {file_id.encode()}, service
    own = ok(clients[Service.KOBIZ].get(f"/kobiz/files/{files[Service.KOBIZ]}"), 200)
    assert own["sessions"][0]["notes"] == notes and own["kim_case_id"] == case_id
    residence_file = ok(
        clients[Service.FOREIGN_OFFICE].get(f"/foreign-office/files/{files[Service.FOREIGN_OFFICE]}"), 200
    )
    assert (residence_file["family_name"], residence_file["kim_case_id"]) == ("INTERN-Familienname", case_id)
    assert ok(clients[Service.INTAKE].get(f"/intake/cases/{case_id}/file"), 200)["family_name"] == family_name


def test_a_case_worked_by_all_three_services_ends_up_the_same_in_every_view() -> None:
    pipeline = InMemoryPipeline()
    notes, family_name = f"Vertrauliche Notiz {uuid4()}", f"Name{uuid4().hex[:8]}"
    with pipeline.clients() as clients:
        case_id = open_case(clients, family_name)
        # Before the events have travelled, the departments do not know the case: no file is linked to it.
        ok(clients[Service.KOBIZ].post("/kobiz/files", json={"opened_on": "2026-02-01", "case_id": case_id}), 404)
        early_file = open_residence_file(clients)
        link = {"case_id": case_id, "linked_on": "2026-01-20"}
        ok(clients[Service.FOREIGN_OFFICE].post(f"/foreign-office/files/{early_file}/kim-link", json=link), 404)
        pipeline.settle()
        # The foreign office withheld the registration and the opening until the consent
        # arrived, then fetched both again from Kafka.
        fo_history = ok(clients[Service.FOREIGN_OFFICE].get(f"/foreign-office/cases/{case_id}/history"), 200)
        assert [e["type"].split(".")[-2] for e in fo_history["timeline"]] == EXPECTED_TYPES[:3]
        assert pipeline.projectors[Service.FOREIGN_OFFICE].stats.released == 2
        assert pipeline.projectors[Service.FOREIGN_OFFICE].stats.withheld == 2
        files = work_case(clients, case_id, notes, early_file)
        pipeline.settle()

        assert_views_agree_and_secrets_stay_home(pipeline, clients, case_id, notes, family_name, files)
        for service, relay in pipeline.relays.items():
            assert relay.positions.load() == pipeline.containers[service].app.recorder.max_notification_id()
        for service, projector in pipeline.projectors.items():
            assert projector.consumer is not None
            ends = {tp: projector.consumer.highwater(tp) for tp in projector.consumer.assignment()}
            stored = pipeline.containers[service].store.load_offsets()
            assert {tp: off for tp, off in ends.items() if off} == {
                tp: stored[(tp.topic, tp.partition)] for tp, off in ends.items() if off
            }


def test_duplicate_deliveries_change_no_view() -> None:
    pipeline = InMemoryPipeline()
    notes, family_name = f"Vertrauliche Notiz {uuid4()}", f"Name{uuid4().hex[:8]}"
    with pipeline.clients() as clients:
        case_id = open_case(clients, family_name)
        pipeline.kafka.time_out_next(2, after=1)  # stored by the broker, acknowledgements lost
        with pytest.raises(DeliveryError):
            pipeline.relay(Service.INTAKE)
        pipeline.settle()  # the relay publishes the batch again: same ids
        files = work_case(clients, case_id, notes)
        pipeline.kafka.time_out_next(1)
        with pytest.raises(DeliveryError):
            pipeline.relay(Service.FOREIGN_OFFICE)
        pipeline.settle()

        intake_records = pipeline.kafka.records(pipeline.topic(Service.INTAKE))
        assert len(intake_records) == 6, "three events, each delivered twice"
        assert_views_agree_and_secrets_stay_home(pipeline, clients, case_id, notes, family_name, files)


def test_the_real_relay_and_projector_loops_carry_a_case_through_all_three_views() -> None:
    pipeline = InMemoryPipeline(batch_size=3)
    notes, family_name = f"Vertrauliche Notiz {uuid4()}", f"Name{uuid4().hex[:8]}"
    with pipeline.clients() as clients, pipeline.running():
        case_id = open_case(clients, family_name)
        for service in (Service.FOREIGN_OFFICE, Service.KOBIZ):

            def knows(s: Service = service) -> bool:
                answer = clients[s].get(f"/{s.slug}/cases/{case_id}/history", params={"after": "intake:3", "wait": 2})
                return bool(answer.json().get("projection", {}).get("reached"))

            eventually(knows, 10, what=f"{service} knows the case")
        pipeline.kafka.fail_next(1)  # one rejected send on the way: the relay retries
        files = work_case(clients, case_id, notes)

        def all_seen() -> bool:
            return all(len(h["timeline"]) == len(EXPECTED_TYPES) for h in histories(clients, case_id).values())

        eventually(all_seen, 15, what="every view has the whole shared history")
        assert_views_agree_and_secrets_stay_home(pipeline, clients, case_id, notes, family_name, files)
    assert sum(r.stats.failures for r in pipeline.relays.values()) >= 1


def test_without_consent_the_foreign_office_never_learns_of_the_case_and_a_late_consent_releases_it() -> None:
    pipeline = InMemoryPipeline()
    with pipeline.clients() as clients:
        case_id = open_case(clients, f"Name{uuid4().hex[:8]}", consent=False)
        pipeline.settle()
        fo, kobiz, intake = clients[Service.FOREIGN_OFFICE], clients[Service.KOBIZ], clients[Service.INTAKE]
        assert fo.get(f"/foreign-office/cases/{case_id}/history").status_code == 404
        # The foreign office works on its own file without any consent, but cannot link it to the case.
        file_id = open_residence_file(clients)
        link = {"case_id": case_id, "linked_on": "2026-01-20"}
        assert ok(fo.post(f"/foreign-office/files/{file_id}/kim-link", json=link), 404)["error"] == "CaseNotFoundError"
        pipeline.settle()
        assert pipeline.kafka.records(pipeline.topic(Service.FOREIGN_OFFICE)) == []
        assert pipeline.containers[Service.FOREIGN_OFFICE].store.counts()["withheld"] == 2
        # Kobiz holds the registration and the opening on its own task, without consent.
        kobiz_types = [
            e["type"].split(".")[-2] for e in ok(kobiz.get(f"/kobiz/cases/{case_id}/history"), 200)["timeline"]
        ]
        assert kobiz_types == ["PersonRegistered", "CaseOpened"]

        token = ok(intake.post(f"/intake/cases/{case_id}/consents", json=consent_body()), 201)["position"]["token"]
        pipeline.settle()
        history = ok(fo.get(f"/foreign-office/cases/{case_id}/history", params={"after": token}), 200)
        assert history["projection"]["reached"] is True
        assert [e["type"].split(".")[-2] for e in history["timeline"]] == EXPECTED_TYPES[:3]
        assert pipeline.containers[Service.FOREIGN_OFFICE].store.counts()["withheld"] == 0
        # Now the link is possible, and the file's history reaches the views.
        ok(fo.post(f"/foreign-office/files/{file_id}/kim-link", json=link), 200)
        pipeline.settle()
        kobiz_types = [
            e["type"].split(".")[-2] for e in ok(kobiz.get(f"/kobiz/cases/{case_id}/history"), 200)["timeline"]
        ]
        # In the order of their recording: the Duldung was recorded before the consent, and published at the link.
        assert [t for t in kobiz_types if t not in EXPECTED_TYPES[:3]] == ["ToleratedStayIssued", "ResidenceFileLinked"]


def test_a_revocation_withdraws_what_only_the_consent_allowed_and_keeps_the_proof() -> None:
    pipeline = InMemoryPipeline()
    notes = f"Vertrauliche Notiz {uuid4()}"
    with pipeline.clients() as clients:
        intake = clients[Service.INTAKE]
        case_id = ok(intake.post("/intake/cases", json=person()), 201)["case_id"]
        consent = consent_body()
        ok(intake.post(f"/intake/cases/{case_id}/consents", json=consent), 201)
        ok(
            intake.post(f"/intake/cases/{case_id}/opening", json={"opened_on": "2026-01-06"}),
            200,
        )
        pipeline.settle()
        files = work_case(clients, case_id, notes)
        pipeline.settle()
        assert all(len(h["timeline"]) == len(EXPECTED_TYPES) for h in histories(clients, case_id).values())

        revoked = ok(
            intake.post(
                f"/intake/cases/{case_id}/consent-revocations",
                json={"consent_id": consent["consent_id"], "effective_on": date.today().isoformat()},
            ),
            201,
        )
        assert revoked["position"]["published"] is True
        pipeline.settle()
        views = {s: [e["type"].split(".")[-2] for e in h["timeline"]] for s, h in histories(clients, case_id).items()}
        # Each department keeps its own events, what a statute gives it, and the proof of the consent.
        assert views[Service.INTAKE] == [
            "PersonRegistered",
            "ConsentGranted",
            "CaseOpened",
            "PerspectiveCounsellingHeld",
            "ConsentRevoked",
        ]
        assert views[Service.FOREIGN_OFFICE] == [
            "ConsentGranted",
            "ToleratedStayIssued",
            "ResidenceFileLinked",
            "IdentityClarified",
            "ResidencePermitGranted",
            "ConsentRevoked",
        ]
        assert views[Service.KOBIZ] == [
            "PersonRegistered",
            "ConsentGranted",
            "CaseOpened",
            "PerspectiveCounsellingHeld",
            "ConsentRevoked",
        ]
        fo_summary = ok(clients[Service.FOREIGN_OFFICE].get(f"/foreign-office/cases/{case_id}/history"), 200)["summary"]
        assert fo_summary["case"] is None and fo_summary["person"] is None
        kobiz_summary = ok(clients[Service.KOBIZ].get(f"/kobiz/cases/{case_id}/history"), 200)["summary"]
        assert kobiz_summary["tolerated_stay"] is None and kobiz_summary["identity"] is None
        # The foreign office's own file is its own: the revocation does not touch it.
        residence_file = f"/foreign-office/files/{files[Service.FOREIGN_OFFICE]}"
        own = ok(clients[Service.FOREIGN_OFFICE].get(residence_file), 200)
        assert (own["version"], own["kim_case_id"]) == (5, case_id)
