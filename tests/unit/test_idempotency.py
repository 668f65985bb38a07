"""A retried command with the same Idempotency-Key neither duplicates nor fails wrongly."""

from __future__ import annotations

import warnings
from uuid import uuid4

from services.bootstrap import build_container, create_app
from shared.settings import Service

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PERSON = {"family_name": "A", "given_names": "B", "birth_date": "2000-01-01", "registered_on": "2026-01-01"}
OPENING = {"opened_on": "2026-01-02", "case_manager_id": "cm-1", "expected_version": 1}


def test_retries_store_nothing_new_and_answer_with_the_same_case() -> None:
    with TestClient(create_app(Service.INTAKE, lambda: build_container(Service.INTAKE, in_memory=True))) as client:
        app = client.app.state.container.app  # type: ignore[attr-defined]
        key = str(uuid4())
        first = client.post("/intake/cases", json=PERSON, headers={"Idempotency-Key": key})
        again = client.post("/intake/cases", json=PERSON, headers={"Idempotency-Key": key})
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["case_id"] == again.json()["case_id"] and again.json()["duplicate"] is True
        case_id = first.json()["case_id"]
        stored = app.recorder.max_notification_id()

        # A retry of a command that carried expected_version does not fail with 409:
        # the first attempt was accepted, so the retry is answered as a repeat.
        opening_key = str(uuid4())
        opened = client.post(f"/intake/cases/{case_id}/opening", json=OPENING, headers={"Idempotency-Key": opening_key})
        retried = client.post(
            f"/intake/cases/{case_id}/opening", json=OPENING, headers={"Idempotency-Key": opening_key}
        )
        assert opened.status_code == 200 and opened.json()["duplicate"] is False
        assert retried.status_code == 200 and retried.json()["duplicate"] is True
        assert app.recorder.max_notification_id() == stored + 2  # CaseOpened and its key, once
        # Without the key the same command is a new command, and the invariant answers.
        assert client.post(f"/intake/cases/{case_id}/opening", json=OPENING).status_code == 409
        # A malformed key is a 422 naming the header.
        bad = client.post(f"/intake/cases/{case_id}/opening", json=OPENING, headers={"Idempotency-Key": "no spaces"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
