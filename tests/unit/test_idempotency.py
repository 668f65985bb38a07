"""Idempotency-Keys in memory: the behaviour suite on a fake clock, and the HTTP details.

A retried command with the same Idempotency-Key neither duplicates nor fails wrongly.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.bootstrap import Container, build_container, create_app
from shared.application.idempotency import Idempotency
from shared.persistence.memory import InMemoryIdempotencyStore
from shared.service import Service
from tests.support.idempotency_suite import IdempotencySuite
from tests.support.tokens import WORKERS, client_for
from tests.support.walk import Api, body, route

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client

PERSON = {"family_name": "A", "given_names": "B", "birth_date": "2000-01-01", "registered_on": "2026-01-01"}
OPENING = {"opened_on": "2026-01-02", "expected_version": 1}  # the case manager: whoever opens it (the token)


@dataclass
class FakeClock:
    """The time the idempotency service and its store see; moved on by the tests."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


class TestInMemoryIdempotency(IdempotencySuite):
    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock(datetime(2026, 3, 1, 9, tzinfo=UTC))

    @pytest.fixture
    def container(self, clock: FakeClock) -> Iterator[Container]:
        container = build_container(Service.INTAKE, in_memory=True)
        retention = container.idempotency.retention
        container.idempotency = Idempotency(InMemoryIdempotencyStore(clock), retention=retention, clock=clock)
        yield container
        container.close()

    def pass_time(self, container: Container, delta: timedelta) -> None:
        clock = container.idempotency.clock
        assert isinstance(clock, FakeClock)
        clock.now += delta


def test_retries_store_nothing_new_and_answer_with_the_same_case() -> None:
    api = create_app(Service.INTAKE, lambda: build_container(Service.INTAKE, in_memory=True))
    with client_for(api, WORKERS[Service.INTAKE]) as client:
        app = api.state.container.app
        key = str(uuid4())
        first = client.post("/intake/cases", json=PERSON, headers={"Idempotency-Key": key})
        again = client.post("/intake/cases", json=PERSON, headers={"Idempotency-Key": key})
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["case_id"] == again.json()["case_id"] and again.json()["duplicate"] is True
        # The repeat answers with the original position too (it was null before keys were results).
        assert again.json()["position"] == first.json()["position"] and again.json()["version"] == 1
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
        assert retried.json() == opened.json() | {"duplicate": True}
        # CaseOpened, once; the key's result is stored with it, not as an event of its own.
        assert app.recorder.max_notification_id() == stored + 1
        # Without the key the same command is a new command, and the invariant answers.
        assert client.post(f"/intake/cases/{case_id}/opening", json=OPENING).status_code == 409
        # A malformed key is a 422 naming the header.
        bad = client.post(f"/intake/cases/{case_id}/opening", json=OPENING, headers={"Idempotency-Key": "no spaces"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


def test_a_department_repeat_answers_the_first_answer_and_a_refusal_keeps_no_key() -> None:
    api = Api(Service.KOBIZ)
    with api.client:
        key, sessions = {"Idempotency-Key": str(uuid4())}, route(Service.KOBIZ, "hold_counselling", uuid4())
        # Refused (no such file): nothing is stored, and the key stays free.
        assert api.client.post(sessions, json=body("hold_counselling"), headers=key).status_code == 404
        # A file for a KIM case Kobiz's view does not know yet: refused too, and no key is kept.
        opening_key = {"Idempotency-Key": str(uuid4())}
        files = route(Service.KOBIZ, "open_file")
        opening = body("open_file", Service.KOBIZ, case_id=str(uuid4()))
        assert api.client.post(files, json=opening, headers=opening_key).status_code == 404
        opening = body("open_file", Service.KOBIZ, case_id=str(api.know()))
        opened = api.client.post(files, json=opening, headers=opening_key)
        repeated = api.client.post(files, json=opening, headers=opening_key)
        assert (opened.status_code, repeated.status_code) == (201, 200)
        assert repeated.json() == opened.json() | {"duplicate": True}, "the same file, not a second one"
        file_id = opened.json()["case_id"]
        sessions = route(Service.KOBIZ, "hold_counselling", file_id)
        first = api.client.post(sessions, json=body("hold_counselling"), headers=key)
        stored = api.container.app.recorder.max_notification_id()
        again = api.client.post(sessions, json=body("hold_counselling"), headers=key)
        assert (first.status_code, again.status_code) == (201, 200)
        # The answer names the file and the published session, also when repeated.
        assert first.json()["case_id"] == file_id
        assert first.json()["version"] == 2 and first.json()["position"]["published"] is True
        assert again.json() == first.json() | {"duplicate": True}
        assert api.container.app.recorder.max_notification_id() == stored == 2
        assert len(api.get(f"/kobiz/files/{file_id}", 200)["sessions"]) == 1
    assert not api.server_errors(), api.server_errors()
