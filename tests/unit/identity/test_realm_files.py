"""The realm as code (deploy/keycloak/*.json), checked without Keycloak: the promises the README makes."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from shared.identity.roles import DEPARTMENTS, Role

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
REALMS = DEPLOY / "keycloak"
NAME_CLAIMS = {"name", "given_name", "family_name", "preferred_username", "email", "nickname", "middle_name", "upn"}
USER_ATTRIBUTES_WITH_NAMES = {"firstName", "lastName", "email", "username", "middleName", "nickname"}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REALMS / name).read_text(encoding="utf-8"))
    return data


REALM = load("realm-kim.json")
TEST = load("realm-kim.test-client.json")
DEMO = load("realm-kim.demo-users.json")
OTHER = load("realm-kim-other.json")
KEYCLOAK_CLIENTS = {"kim-admin-events"}
"""Clients that call Keycloak's own admin API, not the KIM APIs (no kim-api audience, no KIM roles)."""
API_CLIENTS = [c for c in (*REALM["clients"], *TEST["clients"]) if c["clientId"] not in KEYCLOAK_CLIENTS]
PUBLIC_CLIENTS = {"kim-cli-login"}
"""Clients without a secret: `kim login` on people's computers (device grant only)."""


def client(realm: dict[str, Any], client_id: str) -> dict[str, Any]:
    return next(c for c in realm["clients"] if c["clientId"] == client_id)


def mappers(c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["protocolMapper"] + ":" + m["name"]: m["config"] for m in c.get("protocolMappers", [])}


def test_the_realm_roles_are_those_of_domain_section_4() -> None:
    roles = {r["name"]: r["description"] for r in REALM["roles"]["realm"]}
    assert set(roles) == {role.value for role in Role}
    assert all(len(description) > 20 for description in roles.values())


def test_departments_are_groups() -> None:
    (departments,) = REALM["groups"]
    assert departments["path"] == "/departments"
    assert [g["path"] for g in departments["subGroups"]] == [f"/departments/{d}" for d in DEPARTMENTS]


def test_german_login_short_tokens_and_stored_events() -> None:
    assert REALM["internationalizationEnabled"] is True
    assert (REALM["defaultLocale"], REALM["supportedLocales"]) == ("de", ["de"])
    assert REALM["accessTokenLifespan"] == 300
    assert REALM["eventsEnabled"] and REALM["adminEventsEnabled"] and REALM["adminEventsDetailsEnabled"]
    # Stored in Keycloak's database only: the jboss-logging listener would write user names and
    # IP addresses of failed logins into the server log.
    assert REALM["eventsListeners"] == []


@pytest.mark.parametrize("c", API_CLIENTS, ids=[c["clientId"] for c in API_CLIENTS])
def test_every_client_of_the_api_gets_the_same_minimal_token(c: dict[str, Any]) -> None:
    assert c["defaultClientScopes"] == ["basic"]  # sub only: no profile, email, roles or web-origins scope
    assert c["optionalClientScopes"] == []
    assert c["fullScopeAllowed"] is False
    assert c["publicClient"] is (c["clientId"] in PUBLIC_CLIENTS)
    found = mappers(c)
    audience = found["oidc-audience-mapper:kim-api audience"]
    assert (audience["included.custom.audience"], audience["access.token.claim"]) == ("kim-api", "true")
    assert found["oidc-usermodel-attribute-mapper:staff_id"]["claim.name"] == "staff_id"
    assert found["oidc-group-membership-mapper:department groups"]["full.path"] == "true"
    assert found["oidc-usermodel-realm-role-mapper:realm roles"]["claim.name"] == "realm_access.roles"
    for config in found.values():
        if config.get("access.token.claim") == "true":
            assert config.get("claim.name") not in NAME_CLAIMS
            assert config.get("user.attribute") not in USER_ATTRIBUTES_WITH_NAMES


def test_each_client_may_carry_exactly_the_kim_roles() -> None:
    for realm in (REALM, TEST):
        for mapping in realm["scopeMappings"]:
            assert set(mapping["roles"]) == {role.value for role in Role}, mapping["client"]
    covered = [m["client"] for realm in (REALM, TEST) for m in realm["scopeMappings"]]
    assert sorted(covered) == sorted(c["clientId"] for c in API_CLIENTS)


def test_the_web_client_uses_code_flow_with_pkce_only() -> None:
    web = client(REALM, "kim-web")
    assert web["standardFlowEnabled"] and not web["directAccessGrantsEnabled"] and not web["implicitFlowEnabled"]
    assert not web["serviceAccountsEnabled"]
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"
    for port in (8101, 8102, 8103):
        for host in ("127.0.0.1", "localhost"):
            assert f"http://{host}:{port}/*" in web["redirectUris"]
            assert f"http://{host}:{port}" in web["webOrigins"]
    assert web["attributes"]["post.logout.redirect.uris"] == "+"


def test_machine_clients_use_client_credentials_only() -> None:
    machines = [c for c in REALM["clients"] if c["serviceAccountsEnabled"]]
    assert {c["clientId"] for c in machines} == {
        "kim-cli",
        "kim-import-intake",
        "kim-import-foreign-office",
        "kim-import-kobiz",
        "kim-admin-events",
    }
    for c in machines:
        assert not c["standardFlowEnabled"] and not c["directAccessGrantsEnabled"]
        note = mappers(c)["oidc-usersessionmodel-note-mapper:client_id (service account)"]
        assert (note["user.session.note"], note["claim.name"]) == ("client_id", "client_id")
    accounts = {u["serviceAccountClientId"]: u for u in REALM["users"]}
    assert accounts["kim-cli"]["realmRoles"] == ["operator"]
    assert accounts["kim-import-kobiz"]["groups"] == ["/departments/kobiz"]


def test_the_cli_login_client_is_public_and_takes_the_device_grant_only() -> None:
    login = client(REALM, "kim-cli-login")
    assert login["publicClient"] and "secret" not in login
    assert not login["standardFlowEnabled"] and not login["implicitFlowEnabled"]
    assert not login["directAccessGrantsEnabled"] and not login["serviceAccountsEnabled"]
    assert login["attributes"]["oauth2.device.authorization.grant.enabled"] == "true"
    assert login["attributes"]["use.refresh.tokens"] == "true"
    assert login["redirectUris"] == [] and login["webOrigins"] == []
    others = [c for c in (*REALM["clients"], *TEST["clients"]) if c["clientId"] != "kim-cli-login"]
    assert all(c["attributes"].get("oauth2.device.authorization.grant.enabled") != "true" for c in others)


def test_the_admin_events_reader_may_only_view_events() -> None:
    reader = client(REALM, "kim-admin-events")
    assert reader["fullScopeAllowed"] is False and reader["defaultClientScopes"] == ["basic"]
    assert not any(m["protocolMapper"] == "oidc-audience-mapper" for m in reader["protocolMappers"])
    account = next(u for u in REALM["users"] if u["serviceAccountClientId"] == "kim-admin-events")
    assert (account["realmRoles"], account["groups"]) == ([], [])
    assert account["clientRoles"] == {"realm-management": ["view-events"]}
    # Keycloak's admin API also asks whether the client's scope covers the role (fullScopeAllowed is off).
    assert REALM["clientScopeMappings"] == {
        "realm-management": [{"client": "kim-admin-events", "roles": ["view-events"]}]
    }


def test_test_conveniences_stay_out_of_the_production_realm_file() -> None:
    assert "kim-test" not in {c["clientId"] for c in REALM["clients"]}
    assert client(TEST, "kim-test")["directAccessGrantsEnabled"] is True
    assert not any(c["directAccessGrantsEnabled"] for c in REALM["clients"])
    assert all("serviceAccountClientId" in u and "credentials" not in u for u in REALM["users"])


def test_no_secret_is_written_into_a_realm_file() -> None:
    for realm in (REALM, TEST, OTHER):
        for c in realm["clients"]:
            if c.get("publicClient"):
                assert "secret" not in c, c["clientId"]
                continue
            assert re.fullmatch(r"\$\{KIM_KEYCLOAK_[A-Z_]+_SECRET\}", c["secret"]), c["clientId"]
    for user in DEMO["users"]:
        assert [cred["value"] for cred in user["credentials"]] == ["${KIM_KEYCLOAK_DEMO_PASSWORD}"]


def test_every_placeholder_is_passed_by_the_start_script() -> None:
    script = (DEPLOY / "keycloak.sh").read_text(encoding="utf-8")
    for name in ("realm-kim.json", "realm-kim.test-client.json", "realm-kim.demo-users.json", "realm-kim-other.json"):
        for variable in re.findall(r"\$\{(KIM_[A-Z_]+)\}", (REALMS / name).read_text(encoding="utf-8")):
            assert f"[{variable}]=" in script, f"{name} names {variable}, which deploy/keycloak.sh does not set"


def test_overlays_only_add_list_entries_to_realm_kim() -> None:
    for overlay in (TEST, DEMO):
        assert overlay["realm"] == "kim"
        assert all(isinstance(value, list) for key, value in overlay.items() if key != "realm")


def test_demo_users_cover_every_role_and_a_team_lead_per_department() -> None:
    users = DEMO["users"]
    assert {role for u in users for role in u["realmRoles"]} == {role.value for role in Role}
    leads = {g for u in users if "team_lead" in u["realmRoles"] for g in u["groups"]}
    assert leads == {f"/departments/{d}" for d in DEPARTMENTS}
    staff_ids = [u["attributes"]["staff_id"][0] for u in users]
    assert all(re.fullmatch(r"st-[0-9a-f]{6}", s) for s in staff_ids)
    assert max(Counter(staff_ids).values()) == 1
    # Names and e-mail exist on the users, so the token tests prove they are left out.
    assert all(u["firstName"] and u["lastName"] and u["email"] for u in users)


def test_the_other_realm_has_the_same_shape_and_client_name() -> None:
    assert OTHER["realm"] == "kim-other"
    other_cli = client(OTHER, "kim-cli")
    assert other_cli["serviceAccountsEnabled"]
    assert mappers(other_cli)["oidc-audience-mapper:kim-api audience"]["included.custom.audience"] == "kim-api"
