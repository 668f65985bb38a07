"""End to end on real PostgreSQL and Kafka: one case worked by all three departments."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from shared.service import Service
from tests.pipeline.helpers import (
    clarify_identity,
    event_keys,
    file_of,
    grant_consent,
    grant_permit,
    issue_toleration,
    open_case,
    post,
    record_counselling,
    wait_known,
)
from tests.stack import Stack

pytestmark = pytest.mark.pipeline


def test_all_projections_show_the_same_shared_history_and_notes_stay_in_kobiz(live_stack: Stack) -> None:
    stack = live_stack
    notes = f"Vertrauliche Notiz {uuid4()}"
    case_id, opened = open_case(stack, share_all=False)
    consent = grant_consent(stack, case_id)
    # The foreign office learns of the case from its own projection, once the
    # person's consent releases it; kobiz knows it from its own task.
    wait_known(stack, Service.FOREIGN_OFFICE, case_id, consent)
    wait_known(stack, Service.KOBIZ, case_id, opened)

    issue_toleration(stack, case_id)
    clarify_identity(stack, case_id)
    permit = grant_permit(stack, case_id)
    counselling = record_counselling(stack, case_id, notes)

    histories = {}
    for service in Service:
        wait_known(stack, service, case_id, consent)
        wait_known(stack, service, case_id, permit)
        histories[service] = wait_known(stack, service, case_id, counselling)

    expected_types = [
        "PersonRegistered",
        "CaseOpened",
        "ConsentGranted",
        "ResidenceFileLinked",  # the foreign office's file, opened and linked on its first command
        "ToleratedStayIssued",
        "IdentityClarified",
        "ResidencePermitGranted",
        "PerspectiveCounsellingHeld",
    ]
    # The consent releases every category to every department, so all views agree.
    reference = event_keys(histories[Service.INTAKE])
    assert [k[2].split(".")[-2] for k in reference] == expected_types
    for service in Service:
        assert event_keys(histories[service]) == reference, service
        assert len({e["event_id"] for e in histories[service]["timeline"]}) == len(expected_types)

    summary = histories[Service.FOREIGN_OFFICE]["summary"]
    assert summary["case"]["status"] == "open"
    assert summary["identity"] == {"clarified": True, "clarified_on": "2026-02-01"}
    assert summary["residence_permit"]["norm"] == "AufenthG_25b"
    assert summary["counselling"] == {"sessions": 1, "last_held_on": "2026-02-15"}

    # The notes (and internal remarks) appear nowhere outside their owner:
    # not in any other projection's answer, not on any topic, not in other schemas.
    for service in (Service.INTAKE, Service.FOREIGN_OFFICE):
        assert notes not in json.dumps(histories[service])
    for service in Service:
        for record in stack.read_topic(service):
            assert notes.encode() not in record.value
            assert b"INTERN" not in record.value
            assert b"Testperson" not in record.value
    for service in (Service.INTAKE, Service.FOREIGN_OFFICE):
        with stack.pg(service) as conn:
            dump = conn.execute("SELECT coalesce(string_agg(data::text, ''), '') FROM case_timeline").fetchone()
        assert dump is not None and notes not in dump[0]
    with stack.client(Service.KOBIZ) as client:
        own = client.get(f"/kobiz/files/{file_of(stack, Service.KOBIZ, case_id)}").json()
    assert own["sessions"][0]["notes"] == notes and own["kim_case_id"] == case_id


def test_commands_answer_404_for_unknown_cases_and_409_on_stale_versions(live_stack: Stack) -> None:
    stack = live_stack
    unknown = str(uuid4())
    body = {"held_on": "2026-02-15"}  # the counsellor: whoever sends it (the token)
    post(stack, Service.KOBIZ, f"/kobiz/files/{unknown}/counselling-sessions", body, 404)
    post(stack, Service.KOBIZ, "/kobiz/files", {"opened_on": "2026-01-06", "case_id": unknown}, 404)
    opening = {"opened_on": "2026-01-06"}
    post(stack, Service.INTAKE, f"/intake/cases/{unknown}/opening", opening, 404)

    case_id, opened = open_case(stack, share_all=False)
    wait_known(stack, Service.KOBIZ, case_id, opened)
    file_id = file_of(stack, Service.KOBIZ, case_id)  # version 1: opened for the case
    sessions = f"/kobiz/files/{file_id}/counselling-sessions"
    first = post(stack, Service.KOBIZ, sessions, body | {"expected_version": 1}, 201)
    assert first["version"] == 2 and first["case_id"] == file_id
    post(stack, Service.KOBIZ, sessions, body | {"expected_version": 1}, 409)
    post(stack, Service.INTAKE, f"/intake/cases/{case_id}/opening", opening | {"expected_version": 1}, 409)
    bad = post(stack, Service.KOBIZ, sessions, {"held_on": "nie", "counsellor_id": "st-kobiz01"}, 422)
    # The actor is never taken from the body: naming one there is refused like any unknown field.
    assert {tuple(d["loc"]) for d in bad["detail"]} >= {("body", "held_on"), ("body", "counsellor_id")}
