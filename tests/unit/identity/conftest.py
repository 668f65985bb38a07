"""Keys, a running JWKS endpoint and verifiers for the identity unit tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.identity import IdentitySettings, TokenVerifier
from tests.unit.identity.support import ISSUER, JwksServer, SigningKey, serve_jwks


@pytest.fixture(autouse=True)
def _no_identity_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test, not from a developer's KIM_IDENTITY_* variables."""
    for name in list(os.environ):
        if name.startswith("KIM_IDENTITY_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def realm_key() -> SigningKey:
    return SigningKey.generate("realm-key-1")


@pytest.fixture(scope="session")
def next_key() -> SigningKey:
    return SigningKey.generate("realm-key-2")


@pytest.fixture(scope="session")
def foreign_key() -> SigningKey:
    """Another realm's (or an attacker's) key."""
    return SigningKey.generate("foreign-key")


@pytest.fixture
def jwks(realm_key: SigningKey) -> Iterator[JwksServer]:
    server = JwksServer()
    server.publish(realm_key)
    with serve_jwks(server):
        yield server


VerifierFactory = Callable[..., TokenVerifier]


@pytest.fixture
def make_verifier(jwks: JwksServer) -> VerifierFactory:
    """A verifier of the realm ``kim`` reading keys from ``jwks``; keyword arguments change settings."""

    def make(**overrides: Any) -> TokenVerifier:
        values: dict[str, Any] = {"issuer": ISSUER, "jwks_url": jwks.url, **overrides}
        return TokenVerifier(IdentitySettings(**values))

    return make


@pytest.fixture
def verifier(make_verifier: VerifierFactory) -> TokenVerifier:
    return make_verifier()
