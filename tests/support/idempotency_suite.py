"""One behaviour suite for Idempotency-Keys and imported refs, run on every persistence.

Subclass :class:`IdempotencySuite` and provide

- a ``container`` fixture: intake's container (its application, view and
  idempotency service), on the persistence under test, and
- :meth:`IdempotencySuite.pass_time`: let time pass for the keys and in-progress
  markers (a fake clock in memory; the stored timestamps moved back in PostgreSQL).

Run by ``tests/unit/test_idempotency.py`` (in memory) and
``tests/integration/test_idempotency_postgres.py`` (PostgreSQL). Every answer is
checked against what was stored: the notification log of the service and the
stored result of the key. Intake is the service under test: it starts cases, so
no projection has to know a case first.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import httpx2
import pytest
from eventsourcing.domain import Aggregate

from services.bootstrap import Container, build_importer, create_app
from services.importer import IMPORT_CALLER, ImportReport
from services.intake.application import IntakeApplication
from services.intake.commands import RegisterPerson
from shared.application.idempotency import IdempotencyScope, fingerprint
from shared.application.results import Saved
from shared.service import Service
from tests.support.tokens import IMPORTERS, WORKERS, Staff, client_for, import_identity
from tests.support.walk import body, route, sample

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client
    from fastapi.testclient import TestClient

WAIT_S = 15.0
"""The deadline of every wait for another thread."""
CALLER = WORKERS[Service.INTAKE].subject
"""The idempotency scope of the suite's HTTP requests: the token's subject."""
REGISTER = "intake.register_person"
"""The operation of a registration (``<service slug>.<use case>``)."""


def new_key() -> str:
    return f"k-{uuid4().hex}"


def header(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def person(**overrides: Any) -> dict[str, Any]:
    return body("register_person", **overrides)


def consent(**overrides: Any) -> dict[str, Any]:
    return body("grant_consent", **({"consent_id": str(uuid4())} | overrides))


def answer(response: httpx.Response | httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def repeated(first: dict[str, Any]) -> dict[str, Any]:
    """The answer to a repeat: the first answer, marked as a duplicate."""
    return first | {"duplicate": True}


class Gate:
    """Holds the first save of a use case until released: a request still in progress.

    Installed over the application's ``save_case``, the step inside every use case
    that stores its events; later saves pass through.
    """

    def __init__(self, app: IntakeApplication) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self._save = app.save_case
        self._lock = threading.Lock()
        self._holding = False

    def save_case(self, aggregate: Aggregate) -> Saved:
        with self._lock:
            first, self._holding = not self._holding, True
        if first:
            self.entered.set()
            if not self.release.wait(WAIT_S):
                msg = "the held request was never released"
                raise AssertionError(msg)
        return self._save(aggregate)

    def wait_entered(self) -> None:
        assert self.entered.wait(WAIT_S), "the first request never reached its use case"


class IdempotencySuite:
    """Subclass and provide a ``container`` fixture (intake) and :meth:`pass_time`."""

    @pytest.fixture
    def container(self) -> Iterator[Container]:
        raise NotImplementedError

    def pass_time(self, container: Container, delta: timedelta) -> None:
        """Let ``delta`` pass for stored keys and in-progress markers."""
        raise NotImplementedError

    # --- helpers ------------------------------------------------------------------------

    @pytest.fixture
    def client(self, container: Container) -> Iterator[TestClient]:
        api = create_app(Service.INTAKE, lambda: container)
        with client_for(api, WORKERS[Service.INTAKE], raise_server_exceptions=False) as client:
            yield client

    @staticmethod
    def app(container: Container) -> IntakeApplication:
        assert isinstance(container.app, IntakeApplication)
        return container.app

    @staticmethod
    def stored(container: Container) -> int:
        """How many events the service has stored (its last notification id)."""
        return int(container.app.recorder.max_notification_id() or 0)

    def register(
        self, client: TestClient, key: str | None = None, headers: dict[str, str] | None = None, **overrides: Any
    ) -> dict[str, Any]:
        sent = (header(key) if key else {}) | (headers or {})
        return answer(
            client.post(route(Service.INTAKE, "register_person"), json=person(**overrides), headers=sent), 201
        )

    @staticmethod
    def retention(container: Container) -> timedelta:
        retention = container.idempotency.retention
        assert retention is not None, "HTTP keys expire"
        return retention

    @staticmethod
    def held(container: Container, monkeypatch: pytest.MonkeyPatch) -> Gate:
        gate = Gate(IdempotencySuite.app(container))
        monkeypatch.setattr(container.app, "save_case", gate.save_case)
        return gate

    # --- a repeat -------------------------------------------------------------------------

    def test_a_repeat_answers_the_first_answer_with_its_position_and_stores_nothing(
        self, container: Container, client: TestClient
    ) -> None:
        key = new_key()
        first = self.register(client, key)
        assert first["duplicate"] is False and first["version"] == 1
        assert first["position"]["notification_id"] == self.stored(container)
        before = self.stored(container)

        again = answer(client.post("/intake/cases", json=person(), headers=header(key)), 200)

        # The original case id, version and position (no longer null), marked as a duplicate.
        assert again == repeated(first)
        assert again["position"]["notification_id"] is not None
        assert self.stored(container) == before

        # A repeat on an existing case, after the case moved on: still the first answer.
        case_id = first["case_id"]
        consent_key, body_ = new_key(), consent()
        granted = answer(client.post(f"/intake/cases/{case_id}/consents", json=body_, headers=header(consent_key)), 201)
        answer(client.post(f"/intake/cases/{case_id}/opening", json=body("open_case")), 200)
        before = self.stored(container)
        again = answer(client.post(f"/intake/cases/{case_id}/consents", json=body_, headers=header(consent_key)), 200)
        assert again == repeated(granted) and again["version"] == 2
        assert self.stored(container) == before
        assert len(self.app(container).get_case(UUID(case_id)).consents) == 1

    def test_a_key_used_for_another_request_answers_422_naming_the_header_and_stores_nothing(
        self, container: Container, client: TestClient
    ) -> None:
        key = new_key()
        first = self.register(client, key)
        before = self.stored(container)

        other = answer(client.post("/intake/cases", json=person(family_name="INTERN-Andere"), headers=header(key)), 422)

        [error] = other["detail"]
        assert error["loc"] == ["header", "Idempotency-Key"]
        assert error["type"] == "idempotency_key_reused"
        assert "bereits für eine andere Anfrage verwendet" in error["msg"]
        assert "already used for a different request" in error["msg"]
        assert self.stored(container) == before
        # The key still answers the request it was first used for.
        assert answer(client.post("/intake/cases", json=person(), headers=header(key)), 200) == repeated(first)

        # The same body on another case is another request too (the case is part of it).
        other_case = self.register(client)["case_id"]
        body_, consent_key = consent(), new_key()
        answer(client.post(f"/intake/cases/{first['case_id']}/consents", json=body_, headers=header(consent_key)), 201)
        before = self.stored(container)
        refused = answer(
            client.post(f"/intake/cases/{other_case}/consents", json=body_, headers=header(consent_key)), 422
        )
        assert refused["detail"][0]["type"] == "idempotency_key_reused"
        assert self.stored(container) == before
        assert self.app(container).get_case(UUID(other_case)).consents == {}

    def test_the_same_key_on_another_route_is_another_request(self, container: Container, client: TestClient) -> None:
        case_id = self.register(client)["case_id"]
        key, consent_id = new_key(), str(uuid4())
        before = self.stored(container)

        granted = answer(
            client.post(f"/intake/cases/{case_id}/consents", json=consent(consent_id=consent_id), headers=header(key)),
            201,
        )
        revocation = {"consent_id": consent_id, "effective_on": "2026-04-01"}
        revoked = answer(
            client.post(f"/intake/cases/{case_id}/consent-revocations", json=revocation, headers=header(key)), 201
        )

        assert (granted["duplicate"], revoked["duplicate"]) == (False, False)
        assert (granted["version"], revoked["version"]) == (2, 3)
        assert self.stored(container) == before + 2
        assert self.app(container).get_case(UUID(case_id)).consents[consent_id]["revoked_on"] is not None
        again = client.post(f"/intake/cases/{case_id}/consent-revocations", json=revocation, headers=header(key))
        assert answer(again, 200) == repeated(revoked)

    def test_keys_are_scoped_per_caller(self, container: Container, client: TestClient) -> None:
        key, app = new_key(), self.app(container)
        cmd = RegisterPerson.model_validate(person())

        def run_as(caller: str) -> tuple[Saved, bool]:
            scope = IdempotencyScope(caller, REGISTER, key)
            outcome = container.idempotency.run(
                scope, fingerprint(REGISTER, None, cmd), lambda: app.register_person(cmd)
            )
            return outcome.saved, outcome.duplicate

        before = self.stored(container)
        first, first_repeat = run_as("caller-a")
        second, second_repeat = run_as("caller-b")

        assert (first_repeat, second_repeat) == (False, False)
        assert first.case_id != second.case_id
        assert self.stored(container) == before + 2
        assert run_as("caller-a") == (first, True)
        assert run_as("caller-b") == (second, True)
        # Over HTTP the caller is the token's subject: another caller again, and another member of staff too.
        over_http = self.register(client, key)
        assert UUID(over_http["case_id"]) not in (first.case_id, second.case_id)
        assert self.stored(container) == before + 3
        colleague = Staff("st-intake02", WORKERS[Service.INTAKE].roles, WORKERS[Service.INTAKE].departments)
        theirs = self.register(client, key, headers={"Authorization": f"Bearer {colleague.token()}"})
        assert UUID(theirs["case_id"]) != UUID(over_http["case_id"])
        assert self.stored(container) == before + 4

    def test_a_refused_request_keeps_no_key(self, container: Container, client: TestClient) -> None:
        key, body_ = new_key(), consent()
        before = self.stored(container)
        missing = answer(client.post(f"/intake/cases/{uuid4()}/consents", json=body_, headers=header(key)), 404)
        assert missing["error"] == "CaseNotFoundError"
        assert self.stored(container) == before

        case_id = self.register(client)["case_id"]
        granted = answer(client.post(f"/intake/cases/{case_id}/consents", json=body_, headers=header(key)), 201)
        assert granted["duplicate"] is False and self.stored(container) == before + 2

    # --- in progress, concurrently ----------------------------------------------------------

    def test_a_retry_while_the_first_request_runs_answers_409(
        self, container: Container, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        key, before = new_key(), self.stored(container)
        gate = self.held(container, monkeypatch)
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(client.post, "/intake/cases", json=person(), headers=header(key))
            try:
                gate.wait_entered()
                busy = answer(client.post("/intake/cases", json=person(), headers=header(key)), 409)
                assert busy["error"] == "CommandInProgressError"
                assert "noch bearbeitet" in busy["detail"]
                # Another request under the key is refused as such, also while the first runs.
                other = client.post("/intake/cases", json=person(family_name="INTERN-Andere"), headers=header(key))
                assert answer(other, 422)["detail"][0]["loc"] == ["header", "Idempotency-Key"]
                assert self.stored(container) == before
            finally:
                gate.release.set()
            accepted = answer(first.result(WAIT_S), 201)
        assert self.stored(container) == before + 1
        assert answer(client.post("/intake/cases", json=person(), headers=header(key)), 200) == repeated(accepted)

    def test_concurrent_retries_store_one_case(self, container: Container, client: TestClient) -> None:
        key, before, racers = new_key(), self.stored(container), 8
        start = threading.Barrier(racers)

        def send() -> httpx.Response | httpx2.Response:
            start.wait(WAIT_S)
            response: httpx.Response | httpx2.Response = client.post(
                "/intake/cases", json=person(), headers=header(key)
            )
            return response

        with ThreadPoolExecutor(racers) as pool:
            futures: list[Future[httpx.Response | httpx2.Response]] = [pool.submit(send) for _ in range(racers)]
            responses = [f.result(WAIT_S) for f in futures]

        by_status: dict[int, list[dict[str, Any]]] = {}
        for response in responses:
            by_status.setdefault(response.status_code, []).append(response.json())
        assert set(by_status) <= {200, 201, 409}, {s: a for s, a in by_status.items() if s not in (200, 201, 409)}
        [created] = by_status[201]
        assert all(a == repeated(created) for a in by_status.get(200, []))
        assert all(a["error"] == "CommandInProgressError" for a in by_status.get(409, []))
        assert self.stored(container) == before + 1, "exactly one registration was stored"
        stored = container.idempotency.store.find(IdempotencyScope(CALLER, REGISTER, key))
        assert stored is not None and stored.saved.case_id == UUID(created["case_id"])
        assert answer(client.post("/intake/cases", json=person(), headers=header(key)), 200) == repeated(created)

    # --- retention and lease ---------------------------------------------------------------

    def test_a_key_can_be_used_again_after_its_retention(self, container: Container, client: TestClient) -> None:
        key, retention = new_key(), self.retention(container)
        assert retention == timedelta(hours=24), "the default"
        first = self.register(client, key)

        self.pass_time(container, retention - timedelta(minutes=1))
        assert answer(client.post("/intake/cases", json=person(), headers=header(key)), 200) == repeated(first)

        self.pass_time(container, timedelta(minutes=2))
        before = self.stored(container)
        again = self.register(client, key)
        assert again["duplicate"] is False and again["case_id"] != first["case_id"]
        assert self.stored(container) == before + 1
        assert answer(client.post("/intake/cases", json=person(), headers=header(key)), 200) == repeated(again)

        # Expired results are purged.
        self.pass_time(container, retention + timedelta(minutes=1))
        assert container.idempotency.purge() >= 1
        assert container.idempotency.store.find(IdempotencyScope(CALLER, REGISTER, key)) is None

    def test_a_crashed_holders_marker_is_taken_over_after_the_lease(
        self, container: Container, client: TestClient
    ) -> None:
        key, lease = new_key(), container.idempotency.lease
        scope = IdempotencyScope(CALLER, REGISTER, key)
        print_ = fingerprint(REGISTER, None, RegisterPerson.model_validate(person()))
        # A process marked the key as in progress, then died before it stored anything.
        assert container.idempotency.store.claim(scope, print_, lease).acquired
        before = self.stored(container)

        busy = answer(client.post("/intake/cases", json=person(), headers=header(key)), 409)
        assert busy["error"] == "CommandInProgressError"
        self.pass_time(container, lease - timedelta(seconds=5))
        answer(client.post("/intake/cases", json=person(), headers=header(key)), 409)
        assert self.stored(container) == before

        self.pass_time(container, timedelta(seconds=10))
        taken_over = self.register(client, key)
        assert taken_over["duplicate"] is False
        assert self.stored(container) == before + 1
        assert answer(client.post("/intake/cases", json=person(), headers=header(key)), 200) == repeated(taken_over)

    def test_a_slow_holder_overtaken_after_the_lease_stores_nothing_and_answers_the_stored_result(
        self, container: Container, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        key, before = new_key(), self.stored(container)
        gate = self.held(container, monkeypatch)
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(client.post, "/intake/cases", json=person(), headers=header(key))
            try:
                gate.wait_entered()
                self.pass_time(container, container.idempotency.lease + timedelta(seconds=1))
                overtaking = self.register(client, key)  # takes the marker over and stores its case
            finally:
                gate.release.set()
            # The slow request's transaction fails on the stored key: it stores nothing and
            # answers with the stored result.
            late = answer(slow.result(WAIT_S), 200)
        assert late == repeated(overtaking)
        assert self.stored(container) == before + 1

    # --- case ids -------------------------------------------------------------------------

    def test_case_ids_are_random_not_derived_from_keys(self, container: Container, client: TestClient) -> None:
        key = new_key()
        ids = [UUID(self.register(client, k)["case_id"]) for k in (key, new_key(), None)]
        assert len(set(ids)) == 3 and {i.version for i in ids} == {4}
        # The same key in another scope (another caller) registers under another random id.
        cmd = RegisterPerson.model_validate(person())
        app = self.app(container)
        elsewhere = container.idempotency.run(
            IdempotencyScope("caller-b", REGISTER, key),
            fingerprint(REGISTER, None, cmd),
            lambda: app.register_person(cmd),
        )
        assert elsewhere.saved.case_id not in ids and elsewhere.saved.case_id.version == 4

    # --- import rows ----------------------------------------------------------------------

    def import_rows(self, container: Container, path: Path, rows: list[dict[str, Any]]) -> ImportReport:
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        return build_importer(container, import_identity(IMPORTERS[Service.INTAKE])).import_file(path)

    def registered_by(self, container: Container, ref: str) -> UUID:
        stored = container.idempotency.store.find(IdempotencyScope(IMPORT_CALLER, REGISTER, ref))
        assert stored is not None, ref
        return stored.saved.case_id

    def test_import_rows_run_once_and_a_reused_ref_is_reported(
        self, container: Container, client: TestClient, tmp_path: Path
    ) -> None:
        ref = f"alt-{uuid4().hex[:8]}"
        rows = [
            {"ref": ref, "command": "register_person", "data": person(registered_on="2019-03-04")},
            {
                "ref": f"{ref}-e",
                "command": "grant_consent",
                "case_ref": ref,
                # signed in 2019: on the form version in force then
                "data": consent(valid_from="2019-03-05", valid_until="2021-03-04", form_version="KIM-EW-2019-1"),
            },
            {"ref": f"{ref}-o", "command": "open_case", "case_ref": ref, "data": sample("open_case")},
        ]
        before = self.stored(container)

        first = self.import_rows(container, tmp_path / "first.jsonl", rows)

        assert (first.imported, first.skipped, first.failed, first.errors) == (3, 0, 0, [])
        assert self.stored(container) == before + 3  # the three facts, no RowImported
        case_id = self.registered_by(container, ref)  # case_ref resolved through the stored registration
        case = self.app(container).get_case(case_id)
        assert (case.status, case.version, len(case.consents), case.imported_refs) == ("open", 3, 1, set())

        # Importing again changes nothing; imported refs never expire.
        self.pass_time(container, 2 * self.retention(container))
        again = self.import_rows(container, tmp_path / "again.jsonl", rows)
        assert (again.imported, again.skipped, again.failed) == (0, 3, 0)
        assert self.stored(container) == before + 3
        assert self.registered_by(container, ref) == case_id

        # A ref reused for a different row is reported and stores nothing; an unknown case_ref too.
        changed = [
            rows[0] | {"data": person(family_name="INTERN-Andere")},
            {
                "ref": f"{ref}-z",
                "command": "receive_referral",
                "case_ref": f"{ref}-unknown",
                "data": body("receive_referral"),
            },
        ]
        report = self.import_rows(container, tmp_path / "changed.jsonl", changed)
        assert (report.imported, report.failed) == (0, 2)
        assert [(e["line"], e["ref"]) for e in report.errors] == [(1, ref), (2, f"{ref}-z")]
        assert report.errors[0]["error"].startswith("IdempotencyKeyReusedError")
        assert "keine importierte Registrierung" in report.errors[1]["error"]
        assert self.stored(container) == before + 3

        # A ref is a key of the caller "import" only: the same string as an HTTP key is another request.
        assert self.register(client, ref)["duplicate"] is False
