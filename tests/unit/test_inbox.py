"""The team lead's inbox (open cases or files nobody is assigned to, for the department's team lead only), and who
may bring a case in reach by naming it."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from services.bootstrap import build_container, create_app
from shared.identity.roles import Role
from shared.service import Service
from tests.conftest import person
from tests.support.projection_suite import Feed
from tests.support.tokens import TEAM_LEADS, WORKERS, Staff, client_for
from tests.support.walk import know


@pytest.fixture
def intake() -> Iterator[TestClient]:
    container = build_container(Service.INTAKE, in_memory=True)
    with client_for(create_app(Service.INTAKE, lambda: container), WORKERS[Service.INTAKE]) as client:
        yield client


@pytest.fixture
def kobiz() -> Iterator[TestClient]:
    container = build_container(Service.KOBIZ, in_memory=True)
    with client_for(create_app(Service.KOBIZ, lambda: container), WORKERS[Service.KOBIZ]) as client:
        yield client


def test_a_case_waits_in_the_inbox_until_it_is_opened(intake: TestClient) -> None:
    lead = TEAM_LEADS[Service.INTAKE].headers()
    waiting = intake.post("/intake/cases", json=person()).json()["case_id"]
    opened = intake.post("/intake/cases", json=person(family_name="Zweite")).json()["case_id"]
    assert intake.post(f"/intake/cases/{opened}/opening", json={"opened_on": "2026-01-06"}).status_code == 200
    inbox = intake.get("/intake/inbox", headers=lead)
    assert inbox.status_code == 200, inbox.text
    assert inbox.json() == [{"subject_id": waiting, "case_id": waiting}]


def test_a_released_file_returns_to_the_inbox_and_leaves_it_on_assignment(kobiz: TestClient) -> None:
    lead = TEAM_LEADS[Service.KOBIZ].headers()
    worker = WORKERS[Service.KOBIZ].staff_id
    file_id = kobiz.post("/kobiz/files", json={"opened_on": "2026-01-06"}).json()["case_id"]
    assert kobiz.get("/kobiz/inbox", headers=lead).json() == [], "the opener is assigned"
    released = kobiz.post(
        f"/kobiz/files/{file_id}/releases", json={"staff_id": worker, "released_on": "2026-02-01"}, headers=lead
    )
    assert released.status_code == 201, released.text
    assert kobiz.get("/kobiz/inbox", headers=lead).json() == [{"subject_id": file_id, "case_id": None}]
    assigned = kobiz.post(
        f"/kobiz/files/{file_id}/assignments",
        json={"staff_id": "st-kollege1", "assigned_on": "2026-02-02"},
        headers=lead,
    )
    assert assigned.status_code == 201, assigned.text
    assert kobiz.get("/kobiz/inbox", headers=lead).json() == []


@pytest.mark.parametrize("service", [Service.INTAKE, Service.KOBIZ], ids=lambda s: s.value)
def test_only_this_departments_team_lead_sees_the_inbox(
    intake: TestClient, kobiz: TestClient, service: Service
) -> None:
    client = intake if service is Service.INTAKE else kobiz
    others = [lead for s, lead in TEAM_LEADS.items() if s is not service]
    for caller in [WORKERS[service], *others]:
        assert client.get(f"/{service.slug}/inbox", headers=caller.headers()).status_code == 403
    assert client.get(f"/{service.slug}/inbox", headers=TEAM_LEADS[service].headers()).status_code == 200


def test_naming_a_case_in_the_body_needs_a_right_on_that_case() -> None:
    """A file of one's own must not bring any KIM case in reach: linking (or opening a file for) a case needs the
    same write right on the case itself. A counsellor with own cases only may not; the case's KIM case manager may."""
    container = build_container(Service.KOBIZ, in_memory=True)
    case_id = know(container.store, Feed(Service.KOBIZ))  # its KIM case manager: st-cm0001 (WORKERS[KOBIZ])
    counsellor = Staff("st-berat01", (Role.KOBIZ_COUNSELLOR,), (Service.KOBIZ,))
    link = {"case_id": str(case_id), "linked_on": "2026-01-07"}
    with client_for(create_app(Service.KOBIZ, lambda: container), counsellor) as client:
        own_file = client.post("/kobiz/files", json={"opened_on": "2026-01-06"}).json()["case_id"]
        refused = client.post(f"/kobiz/files/{own_file}/kim-link", json=link)
        assert refused.status_code == 404, refused.text
        unknown = client.post(f"/kobiz/files/{own_file}/kim-link", json=link | {"case_id": str(uuid4())})
        assert unknown.status_code == 404 and unknown.json() == refused.json() | {"detail": unknown.json()["detail"]}
        opened_for = client.post("/kobiz/files", json={"opened_on": "2026-01-06", "case_id": str(case_id)})
        assert opened_for.status_code == 404, opened_for.text
        manager = WORKERS[Service.KOBIZ].headers()
        managers_file = client.post("/kobiz/files", json={"opened_on": "2026-01-06"}, headers=manager).json()["case_id"]
        linked = client.post(f"/kobiz/files/{managers_file}/kim-link", json=link, headers=manager)
        assert linked.status_code == 200, linked.text
