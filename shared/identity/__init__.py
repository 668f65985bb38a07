"""Identity: verified access tokens of the KIM realm (Keycloak) as pseudonymous principals.

- :mod:`shared.identity.settings` — :class:`IdentitySettings` (``KIM_IDENTITY_*``)
- :mod:`shared.identity.verifier` — :class:`TokenVerifier` (PyJWT, the realm's JWKS)
- :mod:`shared.identity.principal` — :class:`Principal` (subject, staff id, roles, departments, client)
- :mod:`shared.identity.http` — the FastAPI dependency ``CurrentPrincipal`` (import it from there;
  this package itself loads no web framework)

Authorisation (which role may run which operation on which field group) is not decided here.
"""

from __future__ import annotations

from shared.identity.principal import Principal
from shared.identity.settings import IdentitySettings
from shared.identity.verifier import IdentityError, IdentityUnavailableError, InvalidTokenError, TokenVerifier

__all__ = [
    "IdentityError",
    "IdentitySettings",
    "IdentityUnavailableError",
    "InvalidTokenError",
    "Principal",
    "TokenVerifier",
]
