"""A genuine token of another realm (same client name, same roles, audience kim-api) is worthless to KIM."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.identity import IdentitySettings, InvalidTokenError, TokenVerifier
from shared.identity.http import CurrentPrincipal, install_identity
from tests.identity.keycloak import KeycloakEnv, TokenSource

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def other_token(tokens: TokenSource, keycloak: KeycloakEnv) -> str:
    return tokens.service("kim-cli", keycloak["KIM_KEYCLOAK_OTHER_SECRET"], realm="kim-other")


def test_the_other_realms_token_is_itself_valid(other_token: str, keycloak: KeycloakEnv) -> None:
    """Control: kim-other's own verifier accepts it (so the refusal below is about the realm, nothing else)."""
    other = IdentitySettings(
        issuer=keycloak.issuer("kim-other"),
        jwks_url=f"{keycloak.issuer('kim-other')}/protocol/openid-connect/certs",
    )
    principal = TokenVerifier(other).verify(other_token)
    assert principal.client_id == "kim-cli" and "operator" in principal.roles


def test_the_kim_verifier_refuses_it(other_token: str, verifier: TokenVerifier) -> None:
    with pytest.raises(InvalidTokenError):
        verifier.verify(other_token)


def test_kims_keys_with_the_other_issuer_are_refused_too(other_token: str, keycloak: KeycloakEnv) -> None:
    """Even a verifier that (wrongly) read kim-other's keys insists on kim's issuer."""
    misconfigured = TokenVerifier(
        IdentitySettings(
            issuer=keycloak.issuer("kim"),
            jwks_url=f"{keycloak.issuer('kim-other')}/protocol/openid-connect/certs",
        )
    )
    with pytest.raises(InvalidTokenError) as caught:
        misconfigured.verify(other_token)
    assert caught.value.reason == "The access token was issued by another issuer"


def test_through_the_api_it_is_a_401_and_a_kim_token_passes(
    other_token: str, verifier: TokenVerifier, tokens: TokenSource
) -> None:
    app = FastAPI()
    install_identity(app, verifier)

    @app.get("/whoami")
    def whoami(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"actor": principal.actor, "roles": sorted(principal.roles)}

    client = TestClient(app, raise_server_exceptions=False)
    refused = client.get("/whoami", headers={"Authorization": f"Bearer {other_token}"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    accepted = client.get("/whoami", headers={"Authorization": f"Bearer {tokens.user('amt.abh')}"})
    assert accepted.status_code == 200
    assert accepted.json() == {"actor": "st-d09868", "roles": ["foreign_office_caseworker"]}
