"""Signing keys over time: rotation without restart, withdrawn keys, bounded refetches, outages."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from shared.identity import IdentitySettings, IdentityUnavailableError, InvalidTokenError, TokenVerifier
from tests.unit.identity.conftest import VerifierFactory
from tests.unit.identity.support import JwksServer, SigningKey, claims, serve_jwks


def accepted(verifier: TokenVerifier, token: str) -> bool:
    try:
        verifier.verify(token)
    except InvalidTokenError:
        return False
    return True


def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``condition()`` until it is true or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def test_keys_are_fetched_once_not_per_request(
    verifier: TokenVerifier, realm_key: SigningKey, jwks: JwksServer
) -> None:
    token = realm_key.sign(claims())
    for _ in range(50):
        verifier.verify(token)
    assert jwks.fetches() == 1


def test_a_rotated_key_is_picked_up_without_restart(
    make_verifier: VerifierFactory, realm_key: SigningKey, next_key: SigningKey, jwks: JwksServer
) -> None:
    verifier = make_verifier(jwks_refetch_cooldown_s=0)
    old_token = realm_key.sign(claims())
    assert accepted(verifier, old_token)
    # The realm rotates: a new active key, the old one withdrawn.
    jwks.publish(next_key)
    new_token = next_key.sign(claims())
    assert accepted(verifier, new_token), "the unknown kid must make the same verifier fetch the keys again"
    assert jwks.fetches() == 2
    # The refreshed set no longer holds the old key: its tokens are refused at once.
    assert not accepted(verifier, old_token)


def test_during_a_rotation_both_published_keys_are_accepted(
    make_verifier: VerifierFactory, realm_key: SigningKey, next_key: SigningKey, jwks: JwksServer
) -> None:
    verifier = make_verifier(jwks_refetch_cooldown_s=0)
    assert accepted(verifier, realm_key.sign(claims()))
    jwks.publish(next_key, realm_key)  # the new key active, the old one still published (passive)
    assert accepted(verifier, next_key.sign(claims()))
    assert accepted(verifier, realm_key.sign(claims()))


def test_a_rotation_within_the_cooldown_is_picked_up_when_it_ends(
    make_verifier: VerifierFactory, realm_key: SigningKey, next_key: SigningKey, jwks: JwksServer
) -> None:
    verifier = make_verifier(jwks_refetch_cooldown_s=0.5)
    assert accepted(verifier, realm_key.sign(claims()))
    jwks.publish(next_key)
    new_token = next_key.sign(claims())
    assert not accepted(verifier, new_token), "inside the cooldown the key set is not fetched again"
    assert wait_until(lambda: accepted(verifier, new_token), timeout_s=10)


def test_unknown_key_ids_do_not_hammer_the_identity_provider(
    make_verifier: VerifierFactory, realm_key: SigningKey, foreign_key: SigningKey, jwks: JwksServer
) -> None:
    verifier = make_verifier(jwks_refetch_cooldown_s=60)
    assert accepted(verifier, realm_key.sign(claims()))
    for _ in range(20):
        assert not accepted(verifier, foreign_key.sign(claims(), kid=str(uuid.uuid4())))
    assert jwks.fetches() == 1


def test_a_withdrawn_key_is_refused_once_the_cached_set_expires(
    make_verifier: VerifierFactory, realm_key: SigningKey, next_key: SigningKey, jwks: JwksServer
) -> None:
    verifier = make_verifier(jwks_lifespan_s=0.3, jwks_refetch_cooldown_s=60)
    old_token = realm_key.sign(claims())
    assert accepted(verifier, old_token)
    jwks.publish(next_key)  # withdrawn, e.g. after a key compromise
    assert wait_until(lambda: not accepted(verifier, old_token), timeout_s=10)


def test_keys_unavailable_is_not_an_invalid_token(
    make_verifier: VerifierFactory, realm_key: SigningKey, jwks: JwksServer
) -> None:
    token = realm_key.sign(claims())
    jwks.status = 500
    with pytest.raises(IdentityUnavailableError):
        make_verifier().verify(token)
    jwks.status, jwks.body = 200, b"<html>not json</html>"
    with pytest.raises(IdentityUnavailableError):
        make_verifier().verify(token)
    jwks.body = b'{"keys": []}'
    with pytest.raises(IdentityUnavailableError):
        make_verifier().verify(token)


def test_an_unreachable_identity_provider_is_unavailable(realm_key: SigningKey) -> None:
    server = JwksServer()
    with serve_jwks(server):
        url = server.url
    # The server is gone: nothing listens on its port any more.
    verifier = TokenVerifier(IdentitySettings(jwks_url=url, jwks_timeout_s=2))
    with pytest.raises(IdentityUnavailableError):
        verifier.verify(realm_key.sign(claims()))


def test_cached_keys_outlive_a_short_outage(verifier: TokenVerifier, realm_key: SigningKey, jwks: JwksServer) -> None:
    token = realm_key.sign(claims())
    verifier.verify(token)
    jwks.status = 503
    assert verifier.verify(token).subject
