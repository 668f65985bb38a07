"""What the data-protection officer sees: role and group changes as admin events (with details),
logins as login events."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.identity.keycloak import AdminApi, TokenSource

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]


def eventually(fetch: Callable[[], list[dict[str, Any]]], timeout_s: float = 20) -> list[dict[str, Any]]:
    """Poll until ``fetch()`` finds something or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    found = fetch()
    while not found and time.monotonic() < deadline:
        time.sleep(0.2)
        found = fetch()
    return found


@pytest.fixture
def probe_user(admin: AdminApi) -> Iterator[str]:
    """A throw-away member of staff (deleted afterwards)."""
    username = f"probe.{secrets.token_hex(4)}"
    answer = admin.send(
        "POST",
        "kim/users",
        {
            "username": username,
            "enabled": True,
            "firstName": "Paula",
            "lastName": "Probe",
            "email": f"{username}@kreis-beispiel.invalid",
            "attributes": {"staff_id": [f"st-{secrets.token_hex(3)}"]},
        },
    )
    user_id = answer.headers["Location"].rsplit("/", 1)[-1]
    try:
        yield user_id
    finally:
        admin.send("DELETE", f"kim/users/{user_id}")


def admin_events(admin: AdminApi, user_id: str, resource_type: str, operation: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = admin.get(
        "kim/admin-events", resourceTypes=resource_type, operationTypes=operation, max=100
    )
    return [e for e in events if e["resourcePath"].startswith(f"users/{user_id}/")]


def test_role_changes_are_recorded_with_who_and_what(admin: AdminApi, probe_user: str) -> None:
    auditor = admin.get("kim/roles/auditor")
    admin.send("POST", f"kim/users/{probe_user}/role-mappings/realm", [auditor])
    admin.send("DELETE", f"kim/users/{probe_user}/role-mappings/realm", [auditor])

    granted = eventually(lambda: admin_events(admin, probe_user, "REALM_ROLE_MAPPING", "CREATE"))
    revoked = eventually(lambda: admin_events(admin, probe_user, "REALM_ROLE_MAPPING", "DELETE"))
    assert len(granted) == 1 and len(revoked) == 1
    for event in (granted[0], revoked[0]):
        assert event["resourcePath"] == f"users/{probe_user}/role-mappings/realm"
        assert [r["name"] for r in json.loads(event["representation"])] == ["auditor"]  # details are stored
        assert event["authDetails"]["userId"], "who made the change"
        assert event["authDetails"]["realmId"]


def test_group_changes_are_recorded(admin: AdminApi, probe_user: str) -> None:
    kobiz = admin.get("kim/group-by-path/departments/kobiz")
    admin.send("PUT", f"kim/users/{probe_user}/groups/{kobiz['id']}")
    admin.send("DELETE", f"kim/users/{probe_user}/groups/{kobiz['id']}")

    joined = eventually(lambda: admin_events(admin, probe_user, "GROUP_MEMBERSHIP", "CREATE"))
    left = eventually(lambda: admin_events(admin, probe_user, "GROUP_MEMBERSHIP", "DELETE"))
    assert len(joined) == 1 and len(left) == 1
    assert joined[0]["resourcePath"] == f"users/{probe_user}/groups/{kobiz['id']}"
    assert json.loads(joined[0]["representation"])["path"] == "/departments/kobiz"


def test_logins_are_stored_as_events(admin: AdminApi, tokens: TokenSource) -> None:
    tokens.clear()
    tokens.user("betrieb")
    user = admin.get("kim/users", username="betrieb", exact="true")[0]

    def logins() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = admin.get("kim/events", type="LOGIN", user=user["id"], client="kim-test", max=5)
        return found

    assert eventually(logins), "no LOGIN event stored for the password grant"
