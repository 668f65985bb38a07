"""TokenVerifier: what it accepts and everything it refuses (real RSA keys, real JWKS over HTTP)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from shared.identity import InvalidTokenError, Principal, TokenVerifier
from tests.unit.identity.conftest import VerifierFactory
from tests.unit.identity.support import OTHER_ISSUER, JwksServer, SigningKey, claims, forged


def refused(verifier: TokenVerifier, token: str) -> str:
    """The reason ``verifier`` gives for refusing ``token`` (fails if it accepts it)."""
    with pytest.raises(InvalidTokenError) as caught:
        verifier.verify(token)
    return caught.value.reason


def test_a_valid_token_gives_its_principal(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    exp = int(time.time()) + 120
    principal = verifier.verify(realm_key.sign(claims(exp=exp)))
    assert principal == Principal(
        subject="021e07c4-8225-4853-8305-42bb65579b9e",
        staff_id="st-7f3a91",
        roles=frozenset({"kobiz_counsellor"}),
        groups=frozenset({"/departments/kobiz"}),
        client_id="kim-web",
        is_service_account=False,
        expires_at=datetime.fromtimestamp(exp, tz=UTC),
    )
    assert principal.departments == {"kobiz"}
    assert principal.actor == "st-7f3a91"
    assert principal.has_role("kobiz_counsellor")
    assert not principal.has_role("team_lead")


def test_a_service_account_token(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    token = realm_key.sign(claims(azp="kim-cli", client_id="kim-cli", staff_id=None, groups=None, scope=""))
    principal = verifier.verify(token)
    assert principal.is_service_account
    assert principal.staff_id is None
    assert principal.client_id == "kim-cli"
    assert principal.actor == "client:kim-cli"


def test_an_audience_list_naming_the_api_is_accepted(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    assert verifier.verify(realm_key.sign(claims(aud=["account", "kim-api"]))).subject


def test_a_token_without_roles_is_valid_but_grants_nothing(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    principal = verifier.verify(realm_key.sign(claims(realm_access=None, groups=None)))
    assert principal.roles == frozenset()
    assert principal.departments == frozenset()
    assert verifier.verify(realm_key.sign(claims(realm_access={"roles": []}))).roles == frozenset()


def test_an_expired_token_is_refused(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    now = int(time.time())
    token = realm_key.sign(claims(iat=now - 400, exp=now - 60))
    assert refused(verifier, token) == "The access token expired"


def test_expiry_allows_the_configured_leeway_only(make_verifier: VerifierFactory, realm_key: SigningKey) -> None:
    now = int(time.time())
    token = realm_key.sign(claims(iat=now - 400, exp=now - 5))
    assert make_verifier(leeway_s=30).verify(token).subject
    assert refused(make_verifier(leeway_s=0), token) == "The access token expired"


def test_a_token_not_valid_yet_is_refused(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    now = int(time.time())
    assert refused(verifier, realm_key.sign(claims(nbf=now + 600))) == "The access token is not valid yet"
    assert refused(verifier, realm_key.sign(claims(iat=now + 600, exp=now + 900))) == (
        "The access token is not valid yet"
    )


def test_another_audience_is_refused(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    assert refused(verifier, realm_key.sign(claims(aud="account"))) == "The access token is not meant for this API"
    assert refused(verifier, realm_key.sign(claims(aud=None))) == "The access token lacks a required claim"


def test_another_issuer_is_refused(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    """Same keys, another realm's issuer (e.g. a realm sharing the key provider)."""
    reason = refused(verifier, realm_key.sign(claims(iss=OTHER_ISSUER)))
    assert reason == "The access token was issued by another issuer"


def test_a_token_of_another_realm_is_refused(
    verifier: TokenVerifier, foreign_key: SigningKey, make_verifier: VerifierFactory, jwks: JwksServer
) -> None:
    """A genuine token of realm kim-other (its own key and issuer) is nothing to realm kim."""
    token = foreign_key.sign(claims(iss=OTHER_ISSUER))
    assert refused(verifier, token) == "The access token's signing key is unknown"
    # The token itself is fine: a verifier of kim-other, reading kim-other's keys, accepts it.
    jwks.publish(foreign_key)
    assert make_verifier(issuer=OTHER_ISSUER).verify(token).subject


def test_alg_none_is_refused_without_fetching_keys(verifier: TokenVerifier, jwks: JwksServer) -> None:
    for alg in ("none", "None", "NONE"):
        token = forged({"alg": alg, "typ": "JWT", "kid": "realm-key-1"}, claims())
        assert refused(verifier, token) == "The access token's algorithm is not accepted"
    assert jwks.fetches() == 0


def test_a_token_signed_by_another_key_under_the_realm_kid_is_refused(
    verifier: TokenVerifier, foreign_key: SigningKey
) -> None:
    token = foreign_key.sign(claims(), kid="realm-key-1")
    assert refused(verifier, token) == "The access token's signature is invalid"


def test_hs256_with_the_public_key_as_secret_is_refused(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    """The algorithm-confusion attack: HMAC keyed with the (public) PEM or the JWK's modulus."""
    header = {"alg": "HS256", "typ": "JWT", "kid": "realm-key-1"}
    for secret in (realm_key.public_pem(), realm_key.jwk()["n"].encode()):
        assert refused(verifier, forged(header, claims(), secret)) == "The access token's algorithm is not accepted"


def test_a_tampered_payload_is_refused(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    header, _, signature = realm_key.sign(claims()).split(".")
    other_payload = forged({"alg": "RS256"}, claims(realm_access={"roles": ["team_lead"]})).split(".")[1]
    assert refused(verifier, f"{header}.{other_payload}.{signature}") == "The access token's signature is invalid"


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b.c", "Bearer x.y.z", "ä.ö.ü", "x" * 20_000],
    ids=["empty", "one-part", "garbage", "with-scheme", "non-ascii", "too-long"],
)
def test_garbage_is_refused(verifier: TokenVerifier, token: str) -> None:
    assert refused(verifier, token) == "The access token is malformed"


def test_a_token_without_kid_is_refused(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    token = realm_key.sign(claims(), kid="")
    assert refused(verifier, token) == "The access token names no signing key"


def test_an_id_or_refresh_token_is_not_an_access_token(verifier: TokenVerifier, realm_key: SigningKey) -> None:
    for typ in ("ID", "Refresh", "Logout"):
        assert refused(verifier, realm_key.sign(claims(typ=typ))) == "The token is not an access token"


@pytest.mark.parametrize(
    "change",
    [
        {"sub": None},
        {"exp": None},
        {"iat": None},
        {"iss": None},
        {"azp": None},
        {"staff_id": 42},
        {"realm_access": {"roles": "team_lead"}},
        {"groups": [1, 2]},
    ],
    ids=["no-sub", "no-exp", "no-iat", "no-iss", "no-client", "staff-id-number", "roles-string", "groups-numbers"],
)
def test_missing_or_malformed_claims_are_refused(
    verifier: TokenVerifier, realm_key: SigningKey, change: dict[str, object]
) -> None:
    reason = refused(verifier, realm_key.sign(claims(**change)))
    assert reason in {"The access token lacks a required claim", "The access token's claims are malformed"}
