"""The data-protection officer's view of role changes, against the real Keycloak.

A role is granted to a throw-away user through the admin API; the DPO route
(``GET /<service>/admin-events``), reading through the service account ``kim-admin-events``
(realm-management ``view-events`` only), shows the change in its stable shape. The service
account may read nothing else (users: 403); other roles may not call the route (403).

Needs the realm files of this version imported: after a change to
deploy/keycloak/realm-kim.json, ``bash deploy/keycloak.sh stop && bash deploy/keycloak.sh start``.
"""

from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from services.bootstrap import build_container, create_app
from shared.identity import TokenVerifier
from shared.identity.admin_events import SECRET_VARIABLE, AdminEventsSettings, KeycloakAdminEvents
from shared.identity.http import get_token_verifier
from shared.identity.settings import IdentitySettings
from shared.service import Service
from tests.identity.keycloak import AdminApi, KeycloakEnv, TokenSource

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]


@pytest.fixture
def probe_user(admin: AdminApi) -> Iterator[str]:
    username = f"probe.{secrets.token_hex(4)}"
    answer = admin.send(
        "POST",
        "kim/users",
        {"username": username, "enabled": True, "attributes": {"staff_id": [f"st-{secrets.token_hex(3)}"]}},
    )
    user_id = answer.headers["Location"].rsplit("/", 1)[-1]
    try:
        yield user_id
    finally:
        admin.send("DELETE", f"kim/users/{user_id}")


@pytest.fixture
def source(keycloak: KeycloakEnv, monkeypatch: pytest.MonkeyPatch) -> KeycloakAdminEvents:
    monkeypatch.setenv(SECRET_VARIABLE, keycloak[SECRET_VARIABLE])
    return KeycloakAdminEvents(IdentitySettings(issuer=keycloak["KIM_IDENTITY_ISSUER"]), AdminEventsSettings())


@pytest.fixture
def client(source: KeycloakAdminEvents, verifier: TokenVerifier) -> Iterator[TestClient]:
    app = create_app(Service.INTAKE, lambda: build_container(Service.INTAKE, in_memory=True))
    app.dependency_overrides[get_token_verifier] = lambda: verifier
    with TestClient(app) as test_client:
        app.state.container.__dict__["admin_events"] = source
        yield test_client


def shown(client: TestClient, token: str, user_id: str) -> list[dict[str, Any]]:
    answer = client.get(
        "/intake/admin-events",
        params={"resource_path": f"users/{user_id}/*", "resource_type": "REALM_ROLE_MAPPING"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def test_a_role_change_is_shown_to_the_data_protection_officer(
    admin: AdminApi, tokens: TokenSource, client: TestClient, probe_user: str
) -> None:
    auditor = admin.get("kim/roles/auditor")
    admin.send("POST", f"kim/users/{probe_user}/role-mappings/realm", [auditor])
    deadline = time.monotonic() + 20
    events = shown(client, tokens.user("dsb"), probe_user)
    while not events and time.monotonic() < deadline:
        time.sleep(0.3)
        events = shown(client, tokens.user("dsb"), probe_user)
    (event,) = events
    assert (event["operation"], event["resource_type"]) == ("CREATE", "REALM_ROLE_MAPPING")
    assert event["resource_path"] == f"users/{probe_user}/role-mappings/realm"
    assert event["roles"] == ["auditor"] and event["groups"] == []
    assert event["actor_user_id"] and event["actor_client_id"], "who made the change"
    assert set(event) == {
        "time",
        "operation",
        "resource_type",
        "resource_path",
        "actor_user_id",
        "actor_client_id",
        "actor_realm_id",
        "roles",
        "groups",
        "error",
    }


def test_only_the_data_protection_officer_may_look(tokens: TokenSource, client: TestClient) -> None:
    for user in ("amt.abh", "leitung.intake", "pruefung", "betrieb"):
        answer = client.get("/intake/admin-events", headers={"Authorization": f"Bearer {tokens.user(user)}"})
        assert answer.status_code == 403, user
    assert client.get("/intake/admin-events").status_code == 401


def test_the_service_account_may_only_view_events(keycloak: KeycloakEnv, tokens: TokenSource, admin: AdminApi) -> None:
    token = tokens.service("kim-admin-events", keycloak[SECRET_VARIABLE])
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{keycloak.url}/admin/realms/kim"
    assert admin.http.get(f"{base}/admin-events", params={"max": 1}, headers=headers).status_code == 200
    for path in ("users", "roles", "clients", "groups"):
        assert admin.http.get(f"{base}/{path}", headers=headers).status_code == 403, path
