"""The realm files were imported as they are: roles, groups, clients, language and events."""

from __future__ import annotations

import httpx
import pytest

from shared.identity.roles import DEPARTMENTS, Role
from tests.identity.keycloak import AdminApi, KeycloakEnv

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]


@pytest.mark.parametrize("realm", ["kim", "kim-other"])
def test_both_realms_publish_their_discovery_document(keycloak: KeycloakEnv, http: httpx.Client, realm: str) -> None:
    document = http.get(f"{keycloak.issuer(realm)}/.well-known/openid-configuration").json()
    assert document["issuer"] == keycloak.issuer(realm)
    assert document["jwks_uri"] == f"{keycloak.issuer(realm)}/protocol/openid-connect/certs"
    assert "S256" in document["code_challenge_methods_supported"]


def test_the_realm_has_the_kim_roles_and_department_groups(admin: AdminApi) -> None:
    roles = {r["name"]: r.get("description", "") for r in admin.get("kim/roles", max=100)}
    assert {role.value for role in Role} <= set(roles)
    assert all(roles[role.value] for role in Role)
    departments = admin.get("kim/group-by-path/departments")
    children = admin.get(f"kim/groups/{departments['id']}/children")
    assert sorted(g["path"] for g in children) == sorted(f"/departments/{d}" for d in DEPARTMENTS)


def test_german_login_and_stored_events_are_configured(admin: AdminApi) -> None:
    realm = admin.get("kim")
    assert (realm["defaultLocale"], realm["supportedLocales"], realm["internationalizationEnabled"]) == (
        "de",
        ["de"],
        True,
    )
    assert realm["accessTokenLifespan"] == 300
    events = admin.get("kim/events/config")
    assert events["eventsEnabled"] and events["adminEventsEnabled"] and events["adminEventsDetailsEnabled"]


def test_the_clients_are_configured_as_the_files_say(admin: AdminApi) -> None:
    clients = {c["clientId"]: c for c in admin.get("kim/clients", max=200)}
    web = clients["kim-web"]
    assert web["standardFlowEnabled"] and not web["directAccessGrantsEnabled"] and not web["publicClient"]
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"
    assert clients["kim-test"]["directAccessGrantsEnabled"]  # development only
    assert clients["kim-cli"]["serviceAccountsEnabled"]
    account = admin.get(f"kim/clients/{clients['kim-cli']['id']}/service-account-user")
    mapped = admin.get(f"kim/users/{account['id']}/role-mappings/realm")
    assert [r["name"] for r in mapped] == ["operator"]


def test_staff_ids_are_declared_in_the_user_profile(admin: AdminApi) -> None:
    profile = admin.get("kim/users/profile")
    staff_id = next(a for a in profile["attributes"] if a["name"] == "staff_id")
    assert staff_id["permissions"] == {"view": ["admin"], "edit": ["admin"]}
