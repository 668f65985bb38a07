"""The access log over HTTP, in memory: exact entries for a journey, refusals, the oversight view."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from services.bootstrap import Container, build_container, create_app
from shared.access.log import AccessEntry, Outcome
from shared.identity.roles import Role
from shared.persistence.access_log import MemoryAccessLog
from shared.projection.records import HeldBasis, TimelineEntry
from shared.service import Service
from tests.conftest import person
from tests.support.projection_suite import Feed
from tests.support.tokens import AUDITOR, DATA_PROTECTION_OFFICER, OPERATOR, TEAM_LEADS, WORKERS, Staff, client_for
from tests.support.walk import know

WORKER = WORKERS[Service.INTAKE]
ROLES = ("intake_clerk", "kim_case_manager")


@pytest.fixture
def container() -> Container:
    return build_container(Service.INTAKE, in_memory=True)


@pytest.fixture
def log(container: Container) -> MemoryAccessLog:
    assert isinstance(container.access_log, MemoryAccessLog)
    return container.access_log


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with client_for(create_app(Service.INTAKE, lambda: container), WORKER) as client:
        yield client


def as_(client: TestClient, staff: Staff, request_id: str) -> dict[str, str]:
    return {**staff.headers(), "X-Request-ID": request_id}


def summary(entry: AccessEntry) -> tuple[Any, ...]:
    return (
        entry.accessor.actor,
        entry.accessor.roles,
        entry.operation.value,
        entry.route,
        entry.subject_id,
        entry.case_id,
        entry.field_group,
        entry.purpose,
        entry.grant,
        entry.basis,
        entry.outcome.value,
        entry.accessor.correlation_id,
    )


def test_a_journey_is_logged_exactly(client: TestClient, log: MemoryAccessLog) -> None:
    registered = client.post("/intake/cases", json=person(), headers=as_(client, WORKER, "req-register-01"))
    assert registered.status_code == 201, registered.text
    assert registered.headers["x-request-id"] == "req-register-01"
    case_id = UUID(registered.json()["case_id"])
    opened = client.post(
        f"/intake/cases/{case_id}/opening", json={"opened_on": "2026-01-06"}, headers=as_(client, WORKER, "req-open-01")
    )
    assert opened.status_code == 200, opened.text
    read = client.get(f"/intake/cases/{case_id}/file", headers=as_(client, WORKER, "req-read-01"))
    assert read.status_code == 200

    own, department = f"{'+'.join(ROLES)}/own", f"{'+'.join(ROLES)}/department"
    management = "kim_case_management"
    assert [summary(e) for e in log.entries()] == [
        (WORKER.staff_id, ROLES, "write", "POST /intake/cases", case_id, case_id, "identity_core", management, own)
        + ("own_task", "allowed", "req-register-01"),
        (WORKER.staff_id, ROLES, "write", "POST /intake/cases/{case_id}/opening", case_id, case_id)
        + ("case_management", management, department, "own_task", "allowed", "req-open-01"),  # not assigned yet
        (WORKER.staff_id, ROLES, "read", "GET /intake/cases/{case_id}/file", case_id, case_id, "case_management")
        + (management, own, "own_task", "allowed", "req-read-01"),
        (WORKER.staff_id, ROLES, "read", "GET /intake/cases/{case_id}/file", case_id, case_id, "identity_core")
        + (management, own, "own_task", "allowed", "req-read-01"),
    ]


def test_refusals_are_logged_without_revealing_anything(client: TestClient, log: MemoryAccessLog) -> None:
    case_id = UUID(client.post("/intake/cases", json=person()).json()["case_id"])
    unknown = uuid4()
    stranger = Staff("st-fremd01", WORKER.roles, (Service.INTAKE,))  # an intake colleague, not on this case
    counsellor = Staff("st-berat01", (Role.KOBIZ_COUNSELLOR,), (Service.KOBIZ,))  # no rights at intake at all
    assert client.get(f"/intake/cases/{unknown}/file").status_code == 404
    assert client.get(f"/intake/cases/{case_id}/file", headers=stranger.headers()).status_code in (200, 404)
    assert client.get(f"/intake/cases/{case_id}/file", headers=counsellor.headers()).status_code == 403
    opening = {"opened_on": "2026-01-06"}
    refused = client.post(f"/intake/cases/{case_id}/opening", json=opening, headers=counsellor.headers())
    assert refused.status_code == 403

    denied = [e for e in log.entries() if e.outcome is Outcome.DENIED]
    assert [(e.accessor.actor, e.operation.value, e.subject_id, e.field_group) for e in denied][:1] == [
        (WORKER.staff_id, "read", unknown, "*")
    ]
    assert (counsellor.staff_id, "read", case_id, "*") in [
        (e.accessor.actor, e.operation.value, e.subject_id, e.field_group) for e in denied
    ]
    assert (counsellor.staff_id, "write", case_id, "case_management") in [
        (e.accessor.actor, e.operation.value, e.subject_id, e.field_group) for e in denied
    ]
    assert all(e.basis == "-" and e.grant.endswith("/none") for e in denied)


def test_a_failed_command_logs_no_write(client: TestClient, log: MemoryAccessLog) -> None:
    case_id = UUID(client.post("/intake/cases", json=person()).json()["case_id"])
    opening = {"opened_on": "2026-01-06"}
    assert client.post(f"/intake/cases/{case_id}/opening", json=opening).status_code == 200
    before = len(log.entries())
    again = client.post(f"/intake/cases/{case_id}/opening", json=opening)
    assert again.status_code in (409, 422), again.text  # already open: nothing stored
    assert len(log.entries()) == before, "an entry only with the events it stands for"


def test_answers_without_person_data_are_not_logged(client: TestClient, log: MemoryAccessLog) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/intake/projection/status", headers=OPERATOR.headers()).status_code == 200
    assert client.get("/intake/cases").json() == []
    assert log.entries() == []


@pytest.mark.parametrize("overseer", [DATA_PROTECTION_OFFICER, AUDITOR], ids=["dpo", "auditor"])
def test_oversight_queries_by_case_actor_and_period_and_is_logged_itself(
    client: TestClient, log: MemoryAccessLog, overseer: Staff
) -> None:
    first = UUID(client.post("/intake/cases", json=person()).json()["case_id"])
    second = UUID(client.post("/intake/cases", json=person(family_name="Zweite")).json()["case_id"])
    assert client.get(f"/intake/cases/{first}/file").status_code == 200
    headers = overseer.headers()

    by_case = client.get("/intake/access-log", params={"case_id": str(first)}, headers=headers)
    assert by_case.status_code == 200, by_case.text
    assert {e["subject_id"] for e in by_case.json()} == {str(first)}
    assert [(e["operation"], e["field_group"]) for e in by_case.json()] == [
        ("write", "identity_core"),
        ("read", "case_management"),
        ("read", "identity_core"),
    ]
    assert "Testperson" not in by_case.text and "Amina" not in by_case.text

    by_actor = client.get("/intake/access-log", params={"actor": WORKER.staff_id}, headers=headers).json()
    assert {e["subject_id"] for e in by_actor} == {str(first), str(second)}
    last = by_actor[-1]["at"]
    later = client.get("/intake/access-log", params={"since": last, "actor": WORKER.staff_id}, headers=headers)
    assert [e["id"] for e in later.json()] == [e["id"] for e in by_actor if e["at"] >= last]
    paged = client.get("/intake/access-log", params={"after": by_actor[0]["id"], "limit": 1}, headers=headers).json()
    assert [e["id"] for e in paged] == [by_actor[1]["id"]]

    own_reads = [e for e in log.entries() if e.accessor.actor == overseer.staff_id]
    assert {(e.subject_id, e.field_group, e.outcome) for e in own_reads} == {
        (first, "access_log", Outcome.ALLOWED),
        (second, "access_log", Outcome.ALLOWED),
    }


@pytest.mark.parametrize("caller", [WORKER, OPERATOR], ids=["caseworker", "operator"])
def test_only_oversight_reads_the_access_log(client: TestClient, caller: Staff) -> None:
    assert client.get("/intake/access-log", headers=caller.headers()).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-01-01T00:00:00"}, "since"),
        ({"actor": "Frau Müller"}, "actor"),
        ({"limit": 0}, "limit"),
        ({"case_id": "x"}, "case_id"),
    ],
)
def test_bad_queries_name_the_field(client: TestClient, params: dict[str, Any], field: str) -> None:
    answer = client.get("/intake/access-log", params=params, headers=DATA_PROTECTION_OFFICER.headers())
    assert answer.status_code == 422
    assert any(e["loc"][-1] == field for e in answer.json()["detail"])


def test_the_departments_team_lead_reads_its_log_and_no_other(client: TestClient) -> None:
    assert client.get("/intake/access-log", headers=TEAM_LEADS[Service.INTAKE].headers()).status_code == 200
    assert client.get("/intake/access-log", headers=TEAM_LEADS[Service.KOBIZ].headers()).status_code == 403


def test_an_auditor_reads_no_case(client: TestClient) -> None:
    case_id = client.post("/intake/cases", json=person()).json()["case_id"]
    for path in ("file", "history", "perspective"):
        assert client.get(f"/intake/cases/{case_id}/{path}", headers=AUDITOR.headers()).status_code == 403, path


def test_a_list_logs_each_case_shown_with_what_its_view_holds_it_by() -> None:
    """The list reads what each summary is held by in one query for the page, not a timeline per case."""
    container = build_container(Service.KOBIZ, in_memory=True)
    case_id = know(container.store, Feed(Service.KOBIZ))  # consent for everything; managed by WORKERS[KOBIZ]
    calls: list[int] = []
    timelines: list[UUID] = []
    held_bases, timeline = container.store.held_bases, container.store.timeline

    def counted_bases(case_ids: Sequence[UUID]) -> dict[UUID, list[HeldBasis]]:
        calls.append(len(case_ids))
        return held_bases(case_ids)

    def counted_timeline(case_id: UUID) -> list[TimelineEntry]:
        timelines.append(case_id)
        return timeline(case_id)

    container.store.held_bases = counted_bases  # type: ignore[method-assign]
    container.store.timeline = counted_timeline  # type: ignore[method-assign]
    with client_for(create_app(Service.KOBIZ, lambda: container), WORKERS[Service.KOBIZ]) as client:
        listed = client.get("/kobiz/cases")
    assert listed.status_code == 200 and [c["case_id"] for c in listed.json()] == [str(case_id)]
    assert calls == [1] and timelines == []
    log = container.access_log
    assert isinstance(log, MemoryAccessLog)
    entries = [e for e in log.entries() if e.route == "GET /kobiz/cases"]
    assert entries and {e.case_id for e in entries} == {case_id}
    logged = {basis for e in entries for basis in e.basis.split(",")}
    assert logged and logged <= {e.basis for e in timeline(case_id)}, logged
