"""A key rotation in Keycloak (admin REST API) reaches a running TokenVerifier without a restart.

The realm gets a new RSA key provider with a higher priority and the old one is disabled
(its key leaves the JWKS). Afterwards everything is put back as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest

from shared.identity import IdentitySettings, InvalidTokenError, TokenVerifier
from tests.identity.keycloak import AdminApi, KeycloakEnv, TokenSource

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]

KEY_PROVIDER = "org.keycloak.keys.KeyProvider"


def kid_of(token: str) -> str:
    kid = jwt.get_unverified_header(token)["kid"]
    assert isinstance(kid, str)
    return kid


def accepted(verifier: TokenVerifier, token: str) -> bool:
    try:
        verifier.verify(token)
    except InvalidTokenError:
        return False
    return True


def eventually(condition: Callable[[], bool], timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def rs256_providers(admin: AdminApi) -> list[dict[str, Any]]:
    """The realm's enabled RSA signing-key providers (not the encryption one)."""
    found: list[dict[str, Any]] = admin.get("kim/components", type=KEY_PROVIDER)
    return [
        c
        for c in found
        if c["providerId"] in {"rsa-generated", "rsa"}
        and c["config"].get("algorithm", ["RS256"]) == ["RS256"]
        and c["config"].get("enabled", ["true"]) == ["true"]
    ]


def set_enabled(admin: AdminApi, provider: dict[str, Any], enabled: bool) -> None:
    component = admin.get(f"kim/components/{provider['id']}")
    component["config"]["enabled"] = ["true" if enabled else "false"]
    admin.send("PUT", f"kim/components/{provider['id']}", component)


@pytest.fixture
def rotation(admin: AdminApi, tokens: TokenSource) -> Iterator[Callable[[], None]]:
    """Rotate on demand; always undo it afterwards."""
    old = rs256_providers(admin)
    created: list[str] = []

    def rotate() -> None:
        realm_id = admin.get("kim")["id"]
        top = max(int(p["config"].get("priority", ["0"])[0]) for p in old)
        answer = admin.send(
            "POST",
            "kim/components",
            {
                "name": "rsa-rotated-by-test",
                "providerId": "rsa-generated",
                "providerType": KEY_PROVIDER,
                "parentId": realm_id,
                "config": {"priority": [str(top + 100)], "keySize": ["2048"], "algorithm": ["RS256"]},
            },
        )
        created.append(answer.headers["Location"].rsplit("/", 1)[-1])
        for provider in old:
            set_enabled(admin, provider, enabled=False)

    try:
        yield rotate
    finally:
        for provider in old:
            set_enabled(admin, provider, enabled=True)
        for component_id in created:
            admin.send("DELETE", f"kim/components/{component_id}")
        tokens.clear()  # tokens signed with the test's key are void now


def test_a_running_verifier_picks_up_a_rotated_key(
    keycloak: KeycloakEnv, tokens: TokenSource, rotation: Callable[[], None]
) -> None:
    verifier = TokenVerifier(
        IdentitySettings(
            issuer=keycloak["KIM_IDENTITY_ISSUER"],
            jwks_url=keycloak["KIM_IDENTITY_JWKS_URL"],
            jwks_refetch_cooldown_s=1,
        )
    )
    tokens.clear()
    old_token = tokens.user("amt.abh")
    assert verifier.verify(old_token).staff_id == "st-d09868"

    rotation()
    tokens.clear()
    new_token = tokens.user("amt.abh")
    assert kid_of(new_token) != kid_of(old_token), "Keycloak signs with the new key"
    # The same verifier instance, no restart: the unknown kid makes it fetch the keys again
    # (at most once per cooldown second).
    assert eventually(lambda: accepted(verifier, new_token)), "the rotated key was not picked up"
    # The disabled key has left the key set, so tokens it signed are refused from now on.
    assert not accepted(verifier, old_token)
