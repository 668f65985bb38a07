"""Identity: verified access tokens of the KIM realm (Keycloak) as pseudonymous principals.

- :mod:`shared.identity.settings` — :class:`IdentitySettings` (``KIM_IDENTITY_*``)
- :mod:`shared.identity.verifier` — :class:`TokenVerifier` (PyJWT, the realm's JWKS)
- :mod:`shared.identity.principal` — :class:`Principal` (subject, staff id, roles, departments, client)
- :mod:`shared.identity.http` — the FastAPI dependency ``CurrentPrincipal`` (import it from there;
  this package itself loads no web framework)

Authorisation (which role may run which operation on which field group) is not decided here.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.identity.principal import Principal
    from shared.identity.settings import IdentitySettings
    from shared.identity.verifier import IdentityError, IdentityUnavailableError, InvalidTokenError, TokenVerifier

_HOMES = {
    "Principal": "shared.identity.principal",
    "IdentitySettings": "shared.identity.settings",
    "IdentityError": "shared.identity.verifier",
    "IdentityUnavailableError": "shared.identity.verifier",
    "InvalidTokenError": "shared.identity.verifier",
    "TokenVerifier": "shared.identity.verifier",
}


def __getattr__(name: str) -> Any:
    """Load on first use: the pure parts (roles, principal) never drag in the token verifier's libraries."""
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "IdentityError",
    "IdentitySettings",
    "IdentityUnavailableError",
    "InvalidTokenError",
    "Principal",
    "TokenVerifier",
]
