"""Verify an access token of the identity provider and turn it into a :class:`Principal`.

Signature (the realm's published keys, algorithm pinned), issuer, audience, expiry,
``nbf`` and ``iat`` are checked by PyJWT; the keys come from the realm's JWKS through
``PyJWKClient``. The key set is cached for ``jwks_lifespan_s``; a token whose ``kid`` is
not in it makes the client fetch the set once more (at most once per
``jwks_refetch_cooldown_s``), so a key rotation in Keycloak is picked up without a
restart and a withdrawn key is refused once the cached set expires. Per-key caching
(``cache_keys=True``) is deliberately off: it never forgets a key, not even a withdrawn one.

A verified token's principal is remembered (by the token's SHA-256, at most
``VERIFIED_CACHE_SIZE`` of them) until the token expires, and only while its signing key
is still the very key object of the key set in use: a client sends the same token with
every request, and a signature check per request is the largest part of identity's
cost. A refetched key set (a rotation, or the set's lifespan ended) makes every
remembered token be verified again, so a withdrawn key stops working as promptly as
without the cache.

Nothing here logs a token, a claim value or a key id: refusals carry a fixed reason.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Final

import jwt
from jwt import PyJWKClient

from shared.errors import KimError
from shared.identity.principal import ClaimsError, Principal
from shared.identity.settings import IdentitySettings

log = logging.getLogger(__name__)

VERIFIED_CACHE_SIZE: Final = 4096
"""How many verified tokens' principals are remembered (least recently used ones are forgotten)."""
MAX_TOKEN_BYTES: Final = 16 * 1024
"""Longer bearer values are refused before parsing."""
REQUIRED_CLAIMS: Final = ("exp", "iat", "iss", "aud", "sub")
ACCESS_TOKEN_TYPES: Final = frozenset({"Bearer"})
"""Keycloak's ``typ`` claim: access tokens are ``Bearer``; ID (``ID``), refresh and logout tokens are refused."""


class IdentityError(KimError):
    """Base of the identity errors."""


class InvalidTokenError(IdentityError):
    """The bearer token is not acceptable (401). ``reason`` is fixed text, safe to log and to answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityUnavailableError(IdentityError):
    """The realm's signing keys cannot be fetched (503): nothing can be verified right now."""


_REASONS: Final[tuple[tuple[type[jwt.PyJWTError], str], ...]] = (
    (jwt.ExpiredSignatureError, "The access token expired"),
    (jwt.ImmatureSignatureError, "The access token is not valid yet"),
    (jwt.InvalidAudienceError, "The access token is not meant for this API"),
    (jwt.InvalidIssuerError, "The access token was issued by another issuer"),
    (jwt.InvalidAlgorithmError, "The access token's algorithm is not accepted"),
    (jwt.InvalidSignatureError, "The access token's signature is invalid"),
    (jwt.MissingRequiredClaimError, "The access token lacks a required claim"),
    (jwt.InvalidKeyError, "The access token's key is not acceptable"),
)


def _reason(error: jwt.PyJWTError) -> str:
    for cls, reason in _REASONS:
        if isinstance(error, cls):
            return reason
    return "The access token is malformed"


class TokenVerifier:
    """Verifies access tokens of one issuer for one audience; safe to share between threads."""

    def __init__(self, settings: IdentitySettings, jwks_client: PyJWKClient | None = None) -> None:
        self.settings = settings
        self._jwks = jwks_client or PyJWKClient(
            settings.jwks_url,
            cache_keys=False,
            cache_jwk_set=True,
            lifespan=settings.jwks_lifespan_s,
            timeout=settings.jwks_timeout_s,
            cooldown_duration=settings.jwks_refetch_cooldown_s,
            headers={"User-Agent": "kim-identity"},
        )
        self._verified: OrderedDict[bytes, tuple[Principal, float, str, jwt.PyJWK]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """The principal of a valid access token; :class:`InvalidTokenError` otherwise."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = time.time()
        with self._lock:
            known = self._verified.get(digest)
        if known is not None and now < known[1] and self._signing_key(known[2]) is known[3]:
            with self._lock:
                self._verified.move_to_end(digest)
            return known[0]
        claims, kid, key = self._verified_claims(token)
        try:
            principal = Principal.from_claims(
                claims,
                roles_claim=self.settings.roles_claim,
                groups_claim=self.settings.groups_claim,
                service_account_claim=self.settings.service_account_claim,
            )
        except ClaimsError:
            raise self._refuse("The access token's claims are malformed") from None
        with self._lock:
            self._verified[digest] = (principal, float(claims["exp"]), kid, key)
            self._verified.move_to_end(digest)
            while len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    def decode(self, token: str) -> dict[str, Any]:
        """The verified claims of an access token; :class:`InvalidTokenError` otherwise."""
        return self._verified_claims(token)[0]

    def _verified_claims(self, token: str) -> tuple[dict[str, Any], str, jwt.PyJWK]:
        """The verified claims, and the key id and key that verified them."""
        if not token or len(token) > MAX_TOKEN_BYTES or not token.isascii():
            raise self._refuse("The access token is malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise self._refuse("The access token is malformed") from None
        # Before any network: only the pinned algorithms, and a key id to look up.
        if header.get("alg") not in self.settings.algorithms:
            raise self._refuse("The access token's algorithm is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise self._refuse("The access token names no signing key")
        key = self._signing_key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(self.settings.algorithms),
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_s,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_nbf": True,
                    "verify_iat": True,
                    "verify_iss": True,
                    "verify_aud": True,
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.PyJWTError as error:
            raise self._refuse(_reason(error)) from None
        token_type = claims.get("typ")
        if token_type is not None and token_type not in ACCESS_TOKEN_TYPES:
            raise self._refuse("The token is not an access token")
        return claims, kid, key

    def _signing_key(self, kid: str) -> jwt.PyJWK:
        try:
            return self._jwks.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError:
            log.warning("identity: signing keys unavailable from %s", self.settings.jwks_url)
            raise IdentityUnavailableError("the identity provider's signing keys are unavailable") from None
        except (jwt.PyJWKSetError, ValueError):
            log.warning("identity: the key set at %s is not a usable JWKS", self.settings.jwks_url)
            raise IdentityUnavailableError("the identity provider publishes no usable key set") from None
        except jwt.PyJWKClientError:
            raise self._refuse("The access token's signing key is unknown") from None

    @staticmethod
    def _refuse(reason: str) -> InvalidTokenError:
        log.debug("identity: token refused: %s", reason)
        return InvalidTokenError(reason)
