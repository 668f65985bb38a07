"""Where the identity provider is and how strictly its access tokens are checked.

Environment variables carry the prefix ``KIM_IDENTITY_`` (``KIM_IDENTITY_ISSUER``); a
running local Keycloak prints them: ``deploy/keycloak.sh env``. Nothing is read at import
time: the composition root builds ``IdentitySettings()`` once.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
"""What ``algorithms`` may list: signatures verified with a public key. ``none`` and the
HMAC family (HS256, …) are never accepted, so a public key can never serve as a shared secret."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"{name} must be an http(s) URL, got {url!r}"
        raise ValueError(msg)
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        msg = f"{name} must use https unless the host is a loopback address, got {url!r}"
        raise ValueError(msg)
    if parts.query or parts.fragment:
        msg = f"{name} must not carry a query or fragment, got {url!r}"
        raise ValueError(msg)
    return url


class IdentitySettings(BaseSettings):
    """The token issuer (a Keycloak realm), the API's audience and the verification rules."""

    model_config = SettingsConfigDict(env_prefix="KIM_IDENTITY_", extra="ignore", env_ignore_empty=True)

    issuer: str = Field(
        "http://127.0.0.1:58080/realms/kim",
        description="The realm's issuer URL, exactly as in the tokens' iss claim (no trailing slash)",
    )
    audience: str = Field("kim-api", min_length=1, description="Tokens must name it in aud")
    jwks_url: str = Field("", description="Signing keys (JWKS); defaults to <issuer>/protocol/openid-connect/certs")
    algorithms: tuple[str, ...] = Field(("RS256",), min_length=1, description="Accepted signature algorithms")
    leeway_s: float = Field(10.0, ge=0, le=120, description="Clock skew allowed for exp, nbf and iat")
    jwks_lifespan_s: float = Field(
        300.0, gt=0, le=86400, description="How long the key set is cached; a withdrawn key is refused after it"
    )
    jwks_refetch_cooldown_s: float = Field(
        5.0,
        ge=0,
        le=600,
        description="At most one extra key-set fetch per this many seconds for tokens with an unknown kid",
    )
    jwks_timeout_s: float = Field(5.0, gt=0, le=60, description="Timeout of one key-set fetch")
    roles_claim: str = Field("realm_access.roles", min_length=1, description="Dotted path of the role list")
    groups_claim: str = Field("groups", min_length=1, description="Claim with the group paths")
    service_account_claim: str = Field(
        "client_id",
        min_length=1,
        description="Claim present only in service-account tokens (Keycloak: user-session note client_id)",
    )

    @field_validator("issuer")
    @classmethod
    def _issuer_url(cls, value: str) -> str:
        return _check_url("KIM_IDENTITY_ISSUER", value.rstrip("/"))

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        refused = sorted(set(value) - ASYMMETRIC_ALGORITHMS)
        if refused:
            msg = f"KIM_IDENTITY_ALGORITHMS may list only {sorted(ASYMMETRIC_ALGORITHMS)}, not {refused}"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _derive_jwks_url(self) -> IdentitySettings:
        derived = f"{self.issuer}/protocol/openid-connect/certs"
        self.jwks_url = _check_url("KIM_IDENTITY_JWKS_URL", self.jwks_url or derived)
        return self

    @property
    def token_url(self) -> str:
        """The realm's token endpoint (machine callers: client credentials)."""
        return f"{self.issuer}/protocol/openid-connect/token"
