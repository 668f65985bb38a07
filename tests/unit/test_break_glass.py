"""Break-glass with four eyes, in-process on POPO persistence with locally minted tokens.

What is proven here: only roles of ``BREAK_GLASS`` may ask (403 otherwise); nobody
decides their own request, a team lead only in their department; before the approval
the case is still 404 for the requester and readable after it, until the grant ends
(the clock is injected); an emergency is in force at once only where the rule allows
it; every grant waits in the review list until the data-protection officer reviews it;
the events never reach the relay's notification log; the reason is never logged. And
the data-protection officer's view of Keycloak's admin events (a fake source here;
tests/identity proves it against Keycloak).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.access.table import APPROVERS, BREAK_GLASS
from shared.errors import ServiceUnavailableError
from shared.identity.admin_events import (
    SECRET_VARIABLE,
    AdminEvent,
    AdminEventQuery,
    KeycloakAdminEvents,
    to_admin_event,
)
from shared.identity.roles import Role
from shared.identity.settings import IdentitySettings
from shared.service import Service
from tests.support.tokens import OPERATOR, TEAM_LEADS, WORKERS, Staff
from tests.support.walk import Api, body

K = Service.KOBIZ
OTHER_COUNSELLOR = Staff("st-kc0002", (Role.KOBIZ_COUNSELLOR,), (K,))
DPO = Staff("st-dsb001", (Role.DATA_PROTECTION_OFFICER,))
SECOND_DPO = Staff("st-dsb002", (Role.DATA_PROTECTION_OFFICER,))
EBB = Staff("st-ebb001", (Role.NATURALISATION_CASEWORKER,), (Service.FOREIGN_OFFICE,))
REASON = "Beschwerde der betroffenen Person: Akte für die Stellungnahme prüfen."
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def api_of(service: Service, clock: Clock) -> Iterator[Api]:
    api = Api(service)
    with api.client:
        api.container.break_glass.now = clock
        yield api
    assert not api.server_errors(), api.server_errors()


@pytest.fixture
def kobiz(clock: Clock) -> Iterator[Api]:
    yield from api_of(K, clock)


@pytest.fixture
def foreign_office(clock: Clock) -> Iterator[Api]:
    yield from api_of(Service.FOREIGN_OFFICE, clock)


def open_file(api: Api) -> UUID:
    """A file of the service's worker (assigned to them, nobody else's)."""
    api.act_as(WORKERS[api.service])
    return UUID(api.post(f"/{api.service.slug}/files", body("open_file", api.service), 201)["case_id"])


def ask(api: Api, staff: Staff, subject: UUID, expect: int = 201, **extra: Any) -> dict[str, Any]:
    api.act_as(staff)
    return api.post(f"/{api.service.slug}/break-glass", {"subject_id": str(subject), "reason": REASON} | extra, expect)


def act(api: Api, staff: Staff, grant: dict[str, Any], action: str, expect: int, **payload: Any) -> dict[str, Any]:
    api.act_as(staff)
    return api.post(f"/{api.service.slug}/break-glass/{grant['id']}/{action}", payload, expect)


def listed(api: Api, staff: Staff, state: str) -> list[str]:
    api.act_as(staff)
    return [g["id"] for g in api.get(f"/{api.service.slug}/break-glass", 200, state=state)]


def reads(api: Api, staff: Staff, file_id: UUID) -> int:
    api.act_as(staff)
    status: int = api.client.get(f"/{api.service.slug}/files/{file_id}").status_code
    return status


def test_the_table_defines_who_may_ask_and_who_may_approve() -> None:
    assert Role.TEAM_LEAD not in BREAK_GLASS and Role.OPERATOR not in BREAK_GLASS
    assert {Role.TEAM_LEAD, Role.DATA_PROTECTION_OFFICER} == APPROVERS


def test_four_eyes_then_readable_for_the_minutes_then_reviewed(kobiz: Api, clock: Clock) -> None:
    file_id = open_file(kobiz)
    assert reads(kobiz, OTHER_COUNSELLOR, file_id) == 404
    grant = ask(kobiz, OTHER_COUNSELLOR, file_id, minutes=30)
    assert (grant["state"], grant["requester"], grant["starts_at"]) == ("pending", "st-kc0002", None)
    assert reads(kobiz, OTHER_COUNSELLOR, file_id) == 404, "not before the approval"
    assert grant["id"] in listed(kobiz, TEAM_LEADS[K], "pending")

    act(kobiz, OTHER_COUNSELLOR, grant, "approval", 403)  # never one's own
    act(kobiz, TEAM_LEADS[Service.FOREIGN_OFFICE], grant, "approval", 403)  # another department's lead
    approved = act(kobiz, TEAM_LEADS[K], grant, "approval", 200)
    assert (approved["state"], approved["approved_by"]) == ("active", TEAM_LEADS[K].staff_id)
    act(kobiz, DPO, grant, "approval", 409)  # decided already
    assert reads(kobiz, OTHER_COUNSELLOR, file_id) == 200
    assert kobiz.container.reach.of_subject(file_id).break_glass == {"st-kc0002": UUID(grant["id"])}
    assert grant["id"] in listed(kobiz, DPO, "active")

    act(kobiz, DPO, grant, "review", 409, note="noch in Kraft")  # not while in force
    clock.now += timedelta(minutes=30)
    assert reads(kobiz, OTHER_COUNSELLOR, file_id) == 404, "expired"
    assert kobiz.get(f"/kobiz/break-glass/{grant['id']}", 200)["state"] == "expired"
    assert grant["id"] in listed(kobiz, DPO, "to-review")
    act(kobiz, TEAM_LEADS[K], grant, "review", 403, note="geprüft")  # the DPO's task
    reviewed = act(kobiz, DPO, grant, "review", 200, note="Zugriff war begründet.")
    assert (reviewed["reviewed_by"], reviewed["needs_review"]) == (DPO.staff_id, False)
    assert grant["id"] not in listed(kobiz, DPO, "to-review")
    act(kobiz, DPO, grant, "review", 409, note="zweimal")


def test_roles_outside_the_break_glass_table_may_not_ask(kobiz: Api) -> None:
    file_id = open_file(kobiz)
    ask(kobiz, TEAM_LEADS[K], file_id, 403, minutes=10)
    ask(kobiz, OPERATOR, file_id, 403, minutes=10)
    ask(kobiz, Staff("st-pruef01", (Role.AUDITOR,)), file_id, 403, minutes=10)
    ask(
        kobiz,
        Staff(None, (Role.KOBIZ_COUNSELLOR,), (K,), client="kim-import-kobiz", service_account=True),
        file_id,
        403,
        minutes=10,
    )
    kobiz.act_as(OPERATOR)
    kobiz.get("/kobiz/break-glass", 403)
    kobiz.client.headers.pop("Authorization")
    kobiz.get("/kobiz/break-glass", 401)


def test_an_emergency_only_where_the_rule_allows_it(kobiz: Api, foreign_office: Api) -> None:
    file_id = open_file(kobiz)
    grant = ask(kobiz, OTHER_COUNSELLOR, file_id, minutes=15, emergency=True)
    assert (grant["state"], grant["emergency"], grant["needs_review"]) == ("active", True, True)
    assert reads(kobiz, OTHER_COUNSELLOR, file_id) == 200, "in force at once"
    assert grant["id"] in listed(kobiz, DPO, "to-review"), "flagged for review from the start"
    ended = act(kobiz, OTHER_COUNSELLOR, grant, "end", 200)
    assert ended["state"] == "ended" and reads(kobiz, OTHER_COUNSELLOR, file_id) == 404

    assert not BREAK_GLASS[Role.NATURALISATION_CASEWORKER].emergency
    fo_file = open_file(foreign_office)
    ask(foreign_office, EBB, fo_file, 403, minutes=15, emergency=True)
    ask(foreign_office, EBB, fo_file, minutes=15)


def test_bounds_name_the_field(kobiz: Api) -> None:
    file_id = open_file(kobiz)
    limit = BREAK_GLASS[Role.KOBIZ_COUNSELLOR].max_minutes
    for extra, field in (({"minutes": limit + 1}, "minutes"), ({"minutes": 10, "reason": "kurz"}, "reason")):
        detail = ask(kobiz, OTHER_COUNSELLOR, file_id, 422, **extra)["detail"]
        assert [d["loc"] for d in detail] == [["body", field]], detail
    detail = ask(kobiz, OTHER_COUNSELLOR, file_id, 422, minutes=10, requester="st-other1")["detail"]
    assert detail[0]["loc"] == ["body", "requester"]  # actors come from the token only
    ask(kobiz, OTHER_COUNSELLOR, uuid4(), 404, minutes=10)  # unknown case or file
    kobiz.get(f"/kobiz/break-glass/{uuid4()}", 404)


def test_refused_withdrawn_and_one_open_request_per_case(kobiz: Api) -> None:
    file_id = open_file(kobiz)
    first = ask(kobiz, OTHER_COUNSELLOR, file_id, minutes=10)
    ask(kobiz, OTHER_COUNSELLOR, file_id, 409, minutes=10)
    refused = act(kobiz, DPO, first, "refusal", 200, note="Kein Anlass erkennbar.")
    assert refused["state"] == "refused" and first["id"] not in listed(kobiz, DPO, "to-review")
    second = ask(kobiz, OTHER_COUNSELLOR, file_id, minutes=10)
    assert act(kobiz, OTHER_COUNSELLOR, second, "end", 200)["state"] == "withdrawn"
    act(kobiz, TEAM_LEADS[K], second, "approval", 409)


def test_others_see_only_their_own_requests(kobiz: Api) -> None:
    file_id = open_file(kobiz)
    grant = ask(kobiz, OTHER_COUNSELLOR, file_id, minutes=10)
    stranger = Staff("st-kc0003", (Role.KOBIZ_COUNSELLOR,), (K,))
    assert listed(kobiz, stranger, "pending") == []
    kobiz.act_as(stranger)
    kobiz.get(f"/kobiz/break-glass/{grant['id']}", 404)
    act(kobiz, stranger, grant, "end", 404)
    assert listed(kobiz, OTHER_COUNSELLOR, "pending") == [grant["id"]]


def test_a_reviewer_neither_asked_nor_approved(kobiz: Api, clock: Clock) -> None:
    file_id = open_file(kobiz)
    grant = ask(kobiz, OTHER_COUNSELLOR, file_id, minutes=5)
    act(kobiz, DPO, grant, "approval", 200)
    clock.now += timedelta(minutes=6)
    act(kobiz, DPO, grant, "review", 403, note="eigene Freigabe")
    act(kobiz, SECOND_DPO, grant, "review", 200, note="geprüft")


def test_break_glass_never_reaches_the_relay_and_the_reason_is_never_logged(
    kobiz: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    file_id = open_file(kobiz)
    before = kobiz.container.app.recorder.max_notification_id()
    grant = ask(kobiz, OTHER_COUNSELLOR, file_id, minutes=10)
    act(kobiz, TEAM_LEADS[K], grant, "approval", 200)
    assert kobiz.container.app.recorder.max_notification_id() == before, "the service's outbox holds none of it"
    assert kobiz.container.break_glass.recorder.max_notification_id() == 2
    assert not [r for r in caplog.records if REASON in r.getMessage()]


def test_every_route_declares_its_access_kind(kobiz: Api) -> None:
    paths = kobiz.app.openapi()["paths"]
    glass = {(p, m): op for p, item in paths.items() if "break-glass" in p for m, op in item.items()}
    assert len(glass) == 7
    for operation in glass.values():
        assert operation["x-kim-access"]["kind"] == "break-glass"
        assert {"401", "403", "404", "409"} <= set(operation["responses"])
    admin_events = paths["/kobiz/admin-events"]["get"]["x-kim-access"]
    assert admin_events == {"kind": "oversight", "roles": ["data_protection_officer"]}


# --- Keycloak's admin events for the data-protection officer ----------------------------------


class FakeEvents:
    def __init__(self) -> None:
        self.queries: list[AdminEventQuery] = []

    def admin_events(self, query: AdminEventQuery) -> list[AdminEvent]:
        self.queries.append(query)
        raw = {
            "time": 1_767_258_000_000,
            "realmId": "r-1",
            "authDetails": {"realmId": "r-0", "clientId": "c-1", "userId": "u-1", "ipAddress": "192.0.2.1"},
            "operationType": "CREATE",
            "resourceType": "REALM_ROLE_MAPPING",
            "resourcePath": "users/u-2/role-mappings/realm",
            "representation": '[{"id": "x", "name": "auditor", "description": "Rechnungsprüfung"}]',
        }
        return [to_admin_event(raw)]


def test_the_dpo_sees_role_changes_in_a_stable_shape(kobiz: Api) -> None:
    fake = FakeEvents()
    kobiz.container.__dict__["admin_events"] = fake
    kobiz.act_as(DPO)
    (event,) = kobiz.get("/kobiz/admin-events", 200, operation="CREATE", resource_path="users/u-2/*")
    assert event == {
        "time": "2026-01-01T09:00:00Z",
        "operation": "CREATE",
        "resource_type": "REALM_ROLE_MAPPING",
        "resource_path": "users/u-2/role-mappings/realm",
        "actor_user_id": "u-1",
        "actor_client_id": "c-1",
        "actor_realm_id": "r-0",
        "roles": ["auditor"],
        "groups": [],
        "error": None,
    }
    assert fake.queries[0].operations == ["CREATE"] and fake.queries[0].resource_path == "users/u-2/*"
    for other in (TEAM_LEADS[K], OPERATOR, Staff("st-pruef01", (Role.AUDITOR,))):
        kobiz.act_as(other)
        kobiz.get("/kobiz/admin-events", 403)
    kobiz.client.headers.pop("Authorization")
    kobiz.get("/kobiz/admin-events", 401)


def test_a_user_representation_shows_no_names() -> None:
    raw = {
        "time": 0,
        "operationType": "UPDATE",
        "resourceType": "USER",
        "resourcePath": "users/u-2",
        "representation": '{"username": "amt.abh", "email": "a@b.invalid", "firstName": "Aylin"}',
    }
    event = to_admin_event(raw)
    assert (event.roles, event.groups) == ((), ())
    assert "amt.abh" not in repr(event) and "Aylin" not in repr(event)


def test_the_reader_refuses_the_development_secret_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIM_ENVIRONMENT", "production")
    monkeypatch.setenv(SECRET_VARIABLE, "kim-admin-events-dev-secret")
    reader = KeycloakAdminEvents(IdentitySettings(issuer="http://127.0.0.1:9/realms/kim"))
    assert reader.url == "http://127.0.0.1:9/admin/realms/kim/admin-events"
    with pytest.raises(ServiceUnavailableError, match=SECRET_VARIABLE):
        reader.admin_events(AdminEventQuery())


def test_reads_under_a_grant_are_logged_as_break_glass(kobiz: Api) -> None:
    file_id = open_file(kobiz)
    grant = ask(kobiz, OTHER_COUNSELLOR, file_id, minutes=30)
    act(kobiz, TEAM_LEADS[K], grant, "approval", 200)
    assert reads(kobiz, OTHER_COUNSELLOR, file_id) == 200
    log: Any = kobiz.container.access_log
    mine = [e for e in log.entries() if e.accessor.actor == OTHER_COUNSELLOR.staff_id and e.subject_id == file_id]
    assert mine, "the read under the grant is logged"
    assert {(e.grant, e.purpose, e.outcome.value) for e in mine} == {
        (f"break-glass:{grant['id']}", "break_glass", "allowed")
    }
