"""``GET /intake/persons`` and ``POST /intake/persons/duplicate-check`` in-process: the answers, the 422s, who may
search which cases, and the access log of every result shown (shared/http/person_views.py)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI

from services.bootstrap import build_container, create_app
from services.intake.application import IntakeApplication
from services.intake.commands import CloseCase, OpenCase
from shared.identity.roles import Role
from shared.service import Service
from shared.settings import get_settings
from tests.support.tokens import AUDITOR, DATA_PROTECTION_OFFICER, OPERATOR, TEAM_LEADS, WORKERS, Staff, client_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

INTAKE = Service.INTAKE
CLERK = WORKERS[INTAKE]
CASE_MANAGER = Staff("st-kcm0002", (Role.KIM_CASE_MANAGER,), (INTAKE,))


@pytest.fixture
def api() -> FastAPI:
    settings = get_settings(INTAKE)
    return create_app(INTAKE, lambda: build_container(INTAKE, settings, in_memory=True), web=False)


@pytest.fixture
def clerk(api: FastAPI) -> Iterator[TestClient]:
    with client_for(api, CLERK) as client:
        yield client


def register(client: TestClient, family: str, given: str, born: str, registered: str = "2026-01-05") -> UUID:
    body = {"family_name": family, "given_names": given, "birth_date": born, "registered_on": registered}
    answer = client.post("/intake/cases", json=body)
    assert answer.status_code == 201, answer.text
    return UUID(answer.json()["case_id"])


def found(answer: Any) -> list[tuple[UUID, list[str]]]:
    assert answer.status_code == 200, answer.text
    return [(UUID(m["case_id"]), m["matched_on"]) for m in answer.json()]


def as_other(api: FastAPI, staff: Staff, *, method: str, path: str, **kwargs: Any) -> Any:
    """``staff``'s request on the running app (the container, and its log, stay those of the test)."""
    headers = {"Authorization": f"Bearer {staff.token()}"}
    client = TestClient(api)  # not entered: the lifespan of the fixture's client holds the container
    return client.request(method, path, headers=headers, **kwargs)


def test_the_search_ranks_by_each_criterion_and_says_why(clerk: TestClient) -> None:
    mueller = register(clerk, "Müller", "Anna", "1990-03-04")
    spelled = register(clerk, "Mueller", "Anna Maria", "1990-04-03")
    schmitt = register(clerk, "Schmitt", "Jonas", "1985-01-01")
    assert found(clerk.get("/intake/persons", params={"family_name": "Müller"})) == [
        (mueller, ["family_name_exact"]),
        (spelled, ["family_name_spelling"]),
    ]
    assert found(clerk.get("/intake/persons", params={"family_name": "Schmidt"})) == [
        (schmitt, ["family_name_phonetic"])
    ]
    assert found(clerk.get("/intake/persons", params={"given_names": "Maria"})) == [(spelled, ["given_names_part"])]
    assert found(clerk.get("/intake/persons", params={"birth_date": "1985-01-01"})) == [(schmitt, ["birth_date"])]
    assert found(clerk.get("/intake/persons", params={"case_number": mueller.hex[:8]})) == [(mueller, ["case_number"])]
    assert found(clerk.get("/intake/persons", params={"case_number": str(spelled).upper()})) == [
        (spelled, ["case_number"])
    ]
    both = clerk.get("/intake/persons", params={"family_name": "mueller", "birth_date": "1990-03-04"}).json()
    assert [m["case_id"] for m in both] == [str(mueller)]
    assert both[0] == {
        "case_id": str(mueller),
        "family_name": "Müller",
        "given_names": "Anna",
        "birth_date": "1990-03-04",
        "registered_on": "2026-01-05",
        "status": "registered",
        "score": 0.985,
        "matched_on": ["family_name_spelling", "birth_date"],
    }
    assert found(clerk.get("/intake/persons", params={"family_name": "Nowak"})) == []


def test_at_most_twenty_and_the_limit(clerk: TestClient) -> None:
    for i in range(22):
        register(clerk, "Ahmadi", f"Kind{i}", "2010-01-01")
    assert len(clerk.get("/intake/persons", params={"family_name": "Ahmadi"}).json()) == 20
    assert len(clerk.get("/intake/persons", params={"family_name": "Ahmadi", "limit": 3}).json()) == 3
    too_many = clerk.get("/intake/persons", params={"family_name": "Ahmadi", "limit": 21})
    assert too_many.status_code == 422 and too_many.json()["detail"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, ["family_name", "given_names", "birth_date", "case_number"]),
        ({"limit": 5}, ["family_name", "given_names", "birth_date", "case_number"]),
        ({"family_name": "Müller", "name": "x"}, ["name"]),
        ({"family_name": "   "}, ["family_name"]),
        ({"birth_date": "04.03.1990"}, ["birth_date"]),
        ({"birth_date": "1890-01-01"}, ["birth_date"]),
        ({"case_number": "3f2b9c1"}, ["case_number"]),
        ({"case_number": "Fall 3f2b9c1a"}, ["case_number"]),
    ],
)
def test_bad_criteria_answer_422_naming_the_field(clerk: TestClient, params: dict[str, Any], fields: list[str]) -> None:
    answer = clerk.get("/intake/persons", params=params)
    assert answer.status_code == 422, answer.text
    assert [e["loc"] for e in answer.json()["detail"]] == [["query", f] for f in fields]


def test_a_422_never_echoes_a_search_term(clerk: TestClient) -> None:
    long_name = "Geheimname" * 21
    answer = clerk.get("/intake/persons", params={"family_name": long_name})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "family_name"]
    assert "Geheimname" not in answer.text
    body = {"family_name": long_name, "given_names": "Anna", "birth_date": "1990-03-04"}
    answer = clerk.post("/intake/persons/duplicate-check", json=body)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "family_name"]
    assert "Geheimname" not in answer.text


def test_search_terms_are_never_logged(clerk: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    register(clerk, "Wunderlich-Zyx", "Quirin", "1977-07-07")
    with caplog.at_level(logging.DEBUG):
        clerk.get("/intake/persons", params={"family_name": "Wunderlich-Zyx", "given_names": "Quirin"})
        clerk.get("/intake/persons", params={"family_name": "Wunderlich-Zyx" * 20})
        body = {"family_name": "Wunderlich-Zyx", "given_names": "Quirin", "birth_date": "1977-07-07"}
        clerk.post("/intake/persons/duplicate-check", json=body)
    service = [r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the client
    assert not [line for line in service if "Wunderlich" in line or "Quirin" in line]


@pytest.mark.parametrize(
    "staff",
    [DATA_PROTECTION_OFFICER, AUDITOR, OPERATOR, WORKERS[Service.FOREIGN_OFFICE], TEAM_LEADS[Service.KOBIZ]],
    ids=lambda s: "+".join(sorted(s.roles)),
)
def test_a_role_that_reads_no_person_data_here_gets_403_logged(api: FastAPI, clerk: TestClient, staff: Staff) -> None:
    register(clerk, "Müller", "Anna", "1990-03-04")
    search = as_other(api, staff, method="GET", path="/intake/persons", params={"family_name": "Müller"})
    body = {"family_name": "Müller", "given_names": "Anna", "birth_date": "1990-03-04"}
    check = as_other(api, staff, method="POST", path="/intake/persons/duplicate-check", json=body)
    assert (search.status_code, check.status_code) == (403, 403)
    denied = [e for e in api.state.container.access_log.entries() if e.accessor.actor == staff.staff_id]
    assert [(e.route, e.field_group, e.outcome.value) for e in denied] == [
        ("GET /intake/persons", "identity_core", "denied"),
        ("POST /intake/persons/duplicate-check", "identity_core", "denied"),
    ]


def test_the_team_lead_searches_the_department(api: FastAPI, clerk: TestClient) -> None:
    case_id = register(clerk, "Müller", "Anna", "1990-03-04")
    answer = as_other(api, TEAM_LEADS[INTAKE], method="GET", path="/intake/persons", params={"family_name": "Müller"})
    assert found(answer) == [(case_id, ["family_name_exact"])]


def test_a_case_manager_finds_only_own_cases(api: FastAPI, clerk: TestClient) -> None:
    own = register(clerk, "Müller", "Anna", "1990-03-04")
    other = register(clerk, "Müller", "Anna", "1990-03-04")
    app = api.state.container.app
    assert isinstance(app, IntakeApplication)
    app.open_case(own, OpenCase(opened_on=date(2026, 1, 6), case_manager_id=str(CASE_MANAGER.staff_id)))
    search = as_other(api, CASE_MANAGER, method="GET", path="/intake/persons", params={"family_name": "Müller"})
    assert [case_id for case_id, _ in found(search)] == [own]
    assert search.json()[0]["status"] == "open"
    body = {"family_name": "Müller", "given_names": "Anna", "birth_date": "1990-03-04"}
    check = as_other(api, CASE_MANAGER, method="POST", path="/intake/persons/duplicate-check", json=body)
    assert [case_id for case_id, _ in found(check)] == [own]
    number = as_other(api, CASE_MANAGER, method="GET", path="/intake/persons", params={"case_number": str(other)})
    assert found(number) == []
    logged = {
        e.subject_id for e in api.state.container.access_log.entries() if e.accessor.actor == CASE_MANAGER.staff_id
    }
    assert logged == {own}


def test_each_result_shown_is_logged_with_its_field_groups(api: FastAPI, clerk: TestClient) -> None:
    first = register(clerk, "Müller", "Anna", "1990-03-04")
    second = register(clerk, "Mueller", "Anna", "1990-03-04")
    log = api.state.container.access_log
    before = len(log.entries())
    assert len(clerk.get("/intake/persons", params={"family_name": "Müller"}).json()) == 2
    reads = log.entries()[before:]
    assert sorted((e.subject_id, e.case_id, e.field_group, e.operation.value) for e in reads) == sorted(
        (case_id, case_id, group, "read")
        for case_id in (first, second)
        for group in ("case_management", "identity_core")
    )
    assert {e.route for e in reads} == {"GET /intake/persons"}
    assert {e.accessor.actor for e in reads} == {CLERK.staff_id}
    before = len(log.entries())
    assert clerk.get("/intake/persons", params={"family_name": "Nowak"}).json() == []
    assert len(log.entries()) == before  # nothing shown, nothing logged


def test_the_duplicate_check_finds_likely_earlier_registrations_and_stores_nothing(
    api: FastAPI, clerk: TestClient
) -> None:
    mueller = register(clerk, "Müller", "Anna", "1990-03-04")
    swapped = register(clerk, "Mueller", "Anna", "1990-04-03")
    mohammed = register(clerk, "Al-Hassan", "Mohammed", "1988-06-15")
    register(clerk, "Schmidt", "Anna", "1990-03-04")
    app = api.state.container.app
    stored = len(app.recorder.select_notifications(start=1, limit=1000))

    def check(family: str, given: str, born: str) -> list[tuple[UUID, list[str]]]:
        body = {"family_name": family, "given_names": given, "birth_date": born}
        return found(clerk.post("/intake/persons/duplicate-check", json=body))

    assert check("Mueller", "Anna", "1990-03-04") == [
        (mueller, ["family_name_spelling", "given_names_exact", "birth_date"]),
        (swapped, ["family_name_exact", "given_names_exact", "birth_date_day_month_swapped"]),
    ]
    assert check("Al Hassan", "Muhammad", "1988-06-15") == [
        (mohammed, ["family_name_spelling", "given_names_phonetic", "birth_date"])
    ]
    assert check("Mohammed", "Al-Hassan", "1988-06-15") == [(mohammed, ["names_swapped", "birth_date"])]
    assert check("Nowak", "Jan", "1990-03-04") == []
    assert len(app.recorder.select_notifications(start=1, limit=1000)) == stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"family_name": "Müller", "given_names": "Anna", "birth_date": 19900304}, "birth_date"),
        ({"family_name": "Müller", "given_names": "Anna"}, "birth_date"),
        ({"family_name": "Müller", "given_names": " ", "birth_date": "1990-03-04"}, "given_names"),
        ({"family_name": "Müller", "given_names": "A", "birth_date": "1990-03-04", "contact": "x"}, "contact"),
    ],
)
def test_the_duplicate_check_takes_its_body_strictly(clerk: TestClient, body: dict[str, Any], field: str) -> None:
    answer = clerk.post("/intake/persons/duplicate-check", json=body)
    assert answer.status_code == 422, answer.text
    assert ["body", field] in [e["loc"] for e in answer.json()["detail"]]


def test_the_openapi_document_says_what_the_search_takes(api: FastAPI) -> None:
    paths = api.openapi()["paths"]
    search = paths["/intake/persons"]["get"]
    assert search["x-kim-access"] == {"kind": "search", "group": "identity_core"}
    criteria = next(p for p in search["parameters"] if p["name"] == "criteria")
    assert criteria["style"] == "form" and criteria["explode"] is True and criteria["required"] is True
    assert criteria["schema"]["minProperties"] == 1 and criteria["schema"]["additionalProperties"] is False
    assert set(criteria["schema"]["properties"]) == {"family_name", "given_names", "birth_date", "case_number"}
    assert {p["name"] for p in search["parameters"]} == {"criteria", "limit"}
    check = paths["/intake/persons/duplicate-check"]["post"]
    assert check["x-kim-access"] == {"kind": "search", "group": "identity_core"}


def test_the_index_row_is_written_by_the_commands_that_change_it_only(
    api: FastAPI, clerk: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = api.state.container.app
    assert isinstance(app, IntakeApplication) and app.person_index is not None
    index = app.person_index
    written: list[str] = []
    write = index.written_with_events

    def counted(entry: Any) -> object:
        written.append(entry.status)
        return write(entry)

    monkeypatch.setattr(index, "written_with_events", counted)
    case_id = register(clerk, "Müller", "Anna", "1990-03-04")
    referral = {"received_on": "2026-01-05", "source": "self"}
    assert clerk.post(f"/intake/cases/{case_id}/referrals", json=referral).status_code == 201
    assert written == ["registered"]  # a referral leaves the person's row as it is
    app.open_case(case_id, OpenCase(opened_on=date(2026, 1, 6), case_manager_id=str(CASE_MANAGER.staff_id)))
    app.close_case(case_id, CloseCase(closed_on=date(2026, 2, 1), reason="moved"))
    assert written == ["registered", "open", "closed"]
    search = clerk.get("/intake/persons", params={"case_number": str(case_id)})
    assert search.json()[0]["status"] == "closed"
