"""The FastAPI dependency: 401 with ``WWW-Authenticate: Bearer`` for every bad token, never 500, no token in logs."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.identity import TokenVerifier
from shared.identity.http import UNAUTHENTICATED, CurrentPrincipal, install_identity
from tests.unit.identity.support import OTHER_ISSUER, JwksServer, SigningKey, claims, forged


def app_with(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_identity(app, verifier)

    @app.get("/whoami", responses=UNAUTHENTICATED)
    def whoami(principal: CurrentPrincipal) -> dict[str, Any]:
        return {
            "actor": principal.actor,
            "roles": sorted(principal.roles),
            "departments": sorted(principal.departments),
            "client": principal.client_id,
        }

    return app


@pytest.fixture
def client(verifier: TokenVerifier) -> TestClient:
    return TestClient(app_with(verifier), raise_server_exceptions=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_valid_token_reaches_the_route(client: TestClient, realm_key: SigningKey) -> None:
    answer = client.get("/whoami", headers=bearer(realm_key.sign(claims())))
    assert answer.status_code == 200
    assert answer.json() == {
        "actor": "st-7f3a91",
        "roles": ["kobiz_counsellor"],
        "departments": ["kobiz"],
        "client": "kim-web",
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic a2ltOmtpbQ=="}, {"Authorization": "Bearer"}, {"Authorization": ""}],
    ids=["none", "basic", "bearer-without-token", "empty"],
)
def test_without_a_bearer_token_401_bearer_without_error(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.get("/whoami", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json() == {"detail": "Anmeldung erforderlich (Bearer-Token fehlt)."}


def bad_tokens(realm_key: SigningKey, foreign_key: SigningKey) -> dict[str, str]:
    now = int(time.time())
    return {
        "expired": realm_key.sign(claims(iat=now - 400, exp=now - 60)),
        "other-audience": realm_key.sign(claims(aud="account")),
        "other-issuer": realm_key.sign(claims(iss=OTHER_ISSUER)),
        "other-realm": foreign_key.sign(claims(iss=OTHER_ISSUER)),
        "other-key": foreign_key.sign(claims(), kid=realm_key.kid),
        "alg-none": forged({"alg": "none", "kid": realm_key.kid}, claims()),
        "hs256-public-key": forged({"alg": "HS256", "kid": realm_key.kid}, claims(), realm_key.public_pem()),
        "garbage": "not-a-jwt",
        "malformed-claims": realm_key.sign(claims(realm_access={"roles": "team_lead"})),
    }


def test_every_bad_token_gets_401_invalid_token(
    client: TestClient, realm_key: SigningKey, foreign_key: SigningKey
) -> None:
    for name, token in bad_tokens(realm_key, foreign_key).items():
        answer = client.get("/whoami", headers=bearer(token))
        assert answer.status_code == 401, name
        challenge = answer.headers["WWW-Authenticate"]
        assert challenge.startswith('Bearer error="invalid_token", error_description="'), (name, challenge)
        assert answer.json() == {"detail": "Das Zugriffstoken ist ungültig oder abgelaufen."}, name


def test_unreachable_keys_answer_503_with_retry_after(
    client: TestClient, realm_key: SigningKey, jwks: JwksServer
) -> None:
    jwks.status = 503
    answer = client.get("/whoami", headers=bearer(realm_key.sign(claims())))
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0


def test_an_app_without_identity_wired_fails_closed(realm_key: SigningKey) -> None:
    app = FastAPI()

    @app.get("/whoami")
    def whoami(principal: CurrentPrincipal) -> str:
        return principal.subject

    answer = TestClient(app, raise_server_exceptions=False).get("/whoami", headers=bearer(realm_key.sign(claims())))
    assert answer.status_code == 500  # a deployment error, never an open door


def test_tokens_and_claims_never_reach_the_logs(
    client: TestClient, realm_key: SigningKey, foreign_key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = realm_key.sign(claims())
    tokens = [good, *bad_tokens(realm_key, foreign_key).values()]
    for token in tokens:
        client.get("/whoami", headers=bearer(token))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for token in tokens:
        for part in token.split("."):
            if len(part) > 8:
                assert part not in logged
    for value in ("st-7f3a91", "021e07c4-8225-4853-8305-42bb65579b9e", realm_key.kid):
        assert value not in logged


def test_the_openapi_document_declares_bearer_auth(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["kim-api"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token of the KIM realm (audience kim-api), e.g. from Keycloak.",
    }
    operation = document["paths"]["/whoami"]["get"]
    assert operation["security"] == [{"kim-api": []}]
    assert {"401", "503"} <= set(operation["responses"])
