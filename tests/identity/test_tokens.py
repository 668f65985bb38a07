"""Every demo user and every machine client gets a token for the API: right roles, groups and staff id,
and nothing that names a person."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from shared.identity import TokenVerifier
from shared.identity.roles import Role
from tests.identity.keycloak import KeycloakEnv, TokenSource, demo_users

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]

USER_CLAIMS = {"exp", "iat", "jti", "iss", "aud", "sub", "typ", "azp", "sid", "scope", "auth_time"}
"""Technical claims Keycloak adds to every access token; with roles, groups and staff_id that is all."""
KIM_CLAIMS = {"realm_access", "groups", "staff_id"}
PERSONAL = {"name", "given_name", "family_name", "preferred_username", "email", "email_verified", "upn", "nickname"}


def strings(value: Any) -> set[str]:
    """Every string anywhere in a claim set."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for item in value.values() for s in strings(item)}
    if isinstance(value, list):
        return {s for item in value for s in strings(item)}
    return set()


def unverified(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


@pytest.mark.parametrize("user", demo_users(), ids=[u["username"] for u in demo_users()])
def test_a_demo_user_gets_a_pseudonymous_token(
    tokens: TokenSource, verifier: TokenVerifier, user: dict[str, Any]
) -> None:
    token = tokens.user(user["username"])
    principal = verifier.verify(token)
    assert principal.roles == set(user["realmRoles"])
    assert principal.groups == set(user["groups"])
    assert principal.departments == {g.removeprefix("/departments/") for g in user["groups"]}
    assert principal.staff_id == user["attributes"]["staff_id"][0]
    assert principal.client_id == "kim-test"
    assert not principal.is_service_account

    claims = unverified(token)
    assert "kim-api" in ([claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"])
    assert not PERSONAL & set(claims), "names or e-mail reached the access token"
    assert set(claims) <= USER_CLAIMS | KIM_CLAIMS, f"unexpected claims: {set(claims) - USER_CLAIMS - KIM_CLAIMS}"
    personal = {user["firstName"], user["lastName"], user["email"], user["username"]}
    assert not personal & strings(claims), "a name, user name or e-mail is a claim value"


def test_a_team_lead_is_the_role_plus_a_department(tokens: TokenSource, verifier: TokenVerifier) -> None:
    lead = verifier.verify(tokens.user("leitung.abh"))
    assert lead.roles == {Role.TEAM_LEAD} and lead.departments == {"foreign_office"}


def test_the_cli_service_account(tokens: TokenSource, verifier: TokenVerifier, keycloak: KeycloakEnv) -> None:
    token = tokens.service("kim-cli", keycloak["KIM_KEYCLOAK_CLI_SECRET"])
    principal = verifier.verify(token)
    assert principal.is_service_account
    assert principal.roles == {Role.OPERATOR}
    assert principal.staff_id is None and principal.departments == frozenset()
    assert (principal.client_id, principal.actor) == ("kim-cli", "client:kim-cli")
    claims = unverified(token)
    assert set(claims) <= USER_CLAIMS | KIM_CLAIMS | {"client_id"}
    assert not {"clientHost", "clientAddress"} & set(claims)


@pytest.mark.parametrize(
    ("client_id", "secret", "roles", "department"),
    [
        ("kim-import-intake", "KIM_KEYCLOAK_IMPORT_INTAKE_SECRET", {"intake_clerk", "kim_case_manager"}, "intake"),
        (
            "kim-import-foreign-office",
            "KIM_KEYCLOAK_IMPORT_FOREIGN_OFFICE_SECRET",
            {"foreign_office_caseworker", "naturalisation_caseworker"},
            "foreign_office",
        ),
        ("kim-import-kobiz", "KIM_KEYCLOAK_IMPORT_KOBIZ_SECRET", {"kobiz_counsellor"}, "kobiz"),
    ],
)
def test_each_import_client_acts_for_its_own_department_only(
    tokens: TokenSource,
    verifier: TokenVerifier,
    keycloak: KeycloakEnv,
    client_id: str,
    secret: str,
    roles: set[str],
    department: str,
) -> None:
    principal = verifier.verify(tokens.service(client_id, keycloak[secret]))
    assert principal.is_service_account
    assert principal.roles == roles
    assert principal.departments == {department}


def test_a_token_is_renewed_before_it_expires(tokens: TokenSource, verifier: TokenVerifier) -> None:
    """Tokens live five minutes; the helper refreshes one that is about to expire (rotating refresh tokens)."""
    first = tokens.user("amt.ebb")
    held = tokens._held[("user", "amt.ebb")]
    held.expires = 0  # as if five minutes had passed
    renewed = tokens.user("amt.ebb")
    assert renewed != first
    assert verifier.verify(renewed).staff_id == verifier.verify(first).staff_id
