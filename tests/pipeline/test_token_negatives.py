"""Tokens the running services must refuse, at the API, against the real Keycloak.

Every service, one person-data route (``GET /<service>/cases``) and one command route: an expired token,
one for another audience, one of another issuer, ``alg: none``, one signed by a key the realm does not
publish, a token of the other realm (``kim-other``: a genuine token, worthless to KIM) — each 401 with
``WWW-Authenticate: Bearer`` — and a valid token of a user without any KIM role: 403. No answer names the
caller (user name, e-mail, staff id, subject) or repeats the token.

Expired, audience and issuer need a token whose signature the services accept and whose one claim is
wrong; Keycloak issues no such token, so the test gives realm ``kim`` a *passive* key of its own (published
in the JWKS, never used by Keycloak to sign) for the time of the module and signs with it; a control
with the very same key and correct claims is accepted, so each refusal is about the claim alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from shared.service import Service
from tests.identity.keycloak import AdminApi, KeycloakEnv, TokenSource
from tests.stack import Stack, eventually
from tests.support import realm, walk
from tests.support.bola import NO_ROLE
from tests.unit.identity.support import SigningKey

pytestmark = pytest.mark.timeout(600)

KEY_PROVIDER = "org.keycloak.keys.KeyProvider"
USER = realm.PIPELINE_USER
"""Whose real claims the forged tokens copy (every role in every department: the control passes everywhere)."""


@pytest.fixture(scope="module")
def keycloak() -> KeycloakEnv:
    return KeycloakEnv.load()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def realm_key(keycloak: KeycloakEnv, http: httpx.Client) -> Iterator[SigningKey]:
    """A passive RSA key of realm ``kim`` (in its JWKS, not used by Keycloak), removed afterwards."""
    admin = AdminApi(keycloak, http)
    key = SigningKey.generate("pending")
    pem = key.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    answer = admin.send(
        "POST",
        "kim/components",
        {
            "name": "kim-test-token-negatives",
            "providerId": "rsa",
            "providerType": KEY_PROVIDER,
            "parentId": admin.get("kim")["id"],
            "config": {
                "priority": ["-100"],
                "active": ["false"],
                "enabled": ["true"],
                "algorithm": ["RS256"],
                "privateKey": [pem],
            },
        },
    )
    component = answer.headers["Location"].rsplit("/", 1)[-1]
    try:
        jwks = http.get(f"{keycloak.issuer()}/protocol/openid-connect/certs").json()["keys"]
        published = [k for k in jwks if k.get("n") == key.jwk()["n"]]
        assert len(published) == 1, "the passive key is not in the realm's JWKS"
        yield SigningKey(published[0]["kid"], key.private)
    finally:
        admin.send("DELETE", f"kim/components/{component}")


@pytest.fixture(scope="module")
def claims() -> dict[str, Any]:
    """The claims of a real access token of the test user (as Keycloak issued them)."""
    token = realm.tokens(USER).token()
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def forged(key: SigningKey, claims: dict[str, Any], **changes: Any) -> str:
    now = int(time.time())
    return key.sign(claims | {"iat": now, "exp": now + 300} | changes)


def unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims | {"exp": int(time.time()) + 300}, key="", algorithm="none")


STARTS: dict[Service, tuple[str, dict[str, Any]]] = {
    service: (walk.route(service, "register_person" if service is Service.INTAKE else "open_file"), body)
    for service, body in {
        Service.INTAKE: walk.body("register_person"),
        Service.FOREIGN_OFFICE: walk.body("open_file", Service.FOREIGN_OFFICE),
        Service.KOBIZ: walk.body("open_file", Service.KOBIZ),
    }.items()
}
"""A command route per service (the one that starts a case or file) with a valid body."""
ROUTES: dict[Service, list[tuple[str, str, dict[str, Any] | None]]] = {
    service: [("GET", f"/{service.slug}/cases", None), ("POST", *STARTS[service])] for service in Service
}


def call(stack: Stack, service: Service, method: str, path: str, body: Any, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, f"{stack.url(service)}{path}", json=body, headers=headers, timeout=30)


def assert_refused(answer: httpx.Response, status: int, token: str, claims: dict[str, Any], user: str = USER) -> None:
    assert answer.status_code == status, answer.text
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer"), answer.headers
    text = answer.text
    for value in (token, claims["sub"], claims.get("staff_id"), user, f"{user}@tests.invalid"):
        assert not value or value not in text, f"the answer names the caller: {text}"


def test_the_passive_key_signs_what_the_services_accept(
    stack: Stack, realm_key: SigningKey, claims: dict[str, Any]
) -> None:
    """Control: correct claims under the test's key pass (the services fetch the JWKS again on a new kid)."""
    token = forged(realm_key, claims)
    for service in Service:

        def accepted(service: Service = service) -> bool:
            return call(stack, service, "GET", f"/{service.slug}/cases", None, token).status_code == 200

        eventually(accepted, 30, what=f"{service.value} accepts the passive key")


WRONG = ("expired", "wrong audience", "wrong issuer")


@pytest.mark.parametrize("service", list(Service), ids=[s.value for s in Service])
@pytest.mark.parametrize("case", WRONG)
def test_a_token_with_one_wrong_claim_is_401(
    stack: Stack, keycloak: KeycloakEnv, realm_key: SigningKey, claims: dict[str, Any], case: str, service: Service
) -> None:
    test_the_passive_key_signs_what_the_services_accept(stack, realm_key, claims)
    now = int(time.time())
    changes: dict[str, dict[str, Any]] = {
        "expired": {"iat": now - 7200, "exp": now - 3600},
        "wrong audience": {"iat": now, "exp": now + 300, "aud": "kim-other-api"},
        "wrong issuer": {"iat": now, "exp": now + 300, "iss": keycloak.issuer("kim-other")},
    }
    token = realm_key.sign(claims | changes[case])
    for method, path, body in ROUTES[service]:
        assert_refused(call(stack, service, method, path, body, token), 401, token, claims)


@pytest.mark.parametrize("service", list(Service), ids=[s.value for s in Service])
def test_unsigned_and_foreign_signed_tokens_are_401(stack: Stack, claims: dict[str, Any], service: Service) -> None:
    real_kid = jwt.get_unverified_header(realm.tokens(USER).token())["kid"]
    stranger = SigningKey.generate("kim-test-stranger")
    tokens = {
        "alg none": unsigned(claims),
        "unknown key": forged(stranger, claims),
        "another key under the realm's kid": stranger.sign(claims | {"exp": int(time.time()) + 300}, kid=real_kid),
    }
    for what, token in tokens.items():
        for method, path, body in ROUTES[service]:
            answer = call(stack, service, method, path, body, token)
            assert answer.status_code == 401, f"{what}: {answer.status_code} {answer.text}"
            assert_refused(answer, 401, token, claims)


@pytest.mark.parametrize("service", list(Service), ids=[s.value for s in Service])
def test_a_token_of_the_other_realm_is_401(
    stack: Stack, keycloak: KeycloakEnv, http: httpx.Client, service: Service
) -> None:
    token = TokenSource(keycloak, http).service("kim-cli", keycloak["KIM_KEYCLOAK_OTHER_SECRET"], realm="kim-other")
    other = jwt.decode(token, options={"verify_signature": False})
    assert other["iss"].endswith("/realms/kim-other") and "operator" in other["realm_access"]["roles"]
    for method, path, body in ROUTES[service]:
        assert_refused(call(stack, service, method, path, body, token), 401, token, other)
    answer = call(stack, service, "GET", f"/{service.slug}/projection/status", None, token)
    assert_refused(answer, 401, token, other)  # its operator role is worth nothing here either


@pytest.mark.parametrize("service", list(Service), ids=[s.value for s in Service])
def test_a_valid_token_without_a_kim_role_is_403(stack: Stack, service: Service) -> None:
    token = realm.tokens(NO_ROLE.username).token()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims.get("staff_id") == NO_ROLE.staff_id and not claims.get("realm_access", {}).get("roles")
    for method, path, body in [*ROUTES[service], ("GET", f"/{service.slug}/projection/status", None)]:
        answer = call(stack, service, method, path, body, token)
        assert_refused(answer, 403, token, claims, NO_ROLE.username)
