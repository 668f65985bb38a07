"""FastAPI: the caller of a request as a :class:`Principal`, from its bearer token.

Wiring (composition root)::

    install_identity(app, TokenVerifier(IdentitySettings()))

    @router.get("/whoami")
    def whoami(principal: CurrentPrincipal) -> ...: ...

Answers (RFC 6750 §3): no bearer token → 401 ``WWW-Authenticate: Bearer``; a token that
is malformed, expired, for another audience or issuer, or badly signed → 401
``WWW-Authenticate: Bearer error="invalid_token", error_description="…"``; the realm's
keys unreachable → 503 with ``Retry-After``. Never a 500 for a bad token. The token and
its claims are never logged.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.identity.principal import Principal
from shared.identity.verifier import IdentityUnavailableError, InvalidTokenError, TokenVerifier

RETRY_AFTER_S: Final = 5

bearer_scheme = HTTPBearer(
    bearerFormat="JWT",
    scheme_name="kim-api",
    description="Access token of the KIM realm (audience kim-api), e.g. from Keycloak.",
    auto_error=False,
)

UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "No valid access token: missing, malformed, expired, for another audience or issuer, "
        "or badly signed (RFC 6750). The `WWW-Authenticate` header names the error.",
        "headers": {"WWW-Authenticate": {"description": '`Bearer`, with `error="invalid_token"` for a bad token'}},
    },
    503: {
        "description": "The identity provider's signing keys cannot be fetched; retry after `Retry-After` seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}},
    },
}
"""OpenAPI ``responses`` for routes that take a :data:`CurrentPrincipal`."""


def install_identity(app: FastAPI, verifier: TokenVerifier) -> None:
    """Make ``verifier`` the one :func:`get_principal` uses for this app."""
    app.state.token_verifier = verifier


def get_token_verifier(request: Request) -> TokenVerifier:
    """The app's verifier (``install_identity``); a dependency tests may override."""
    verifier = getattr(request.app.state, "token_verifier", None)
    if not isinstance(verifier, TokenVerifier):
        msg = "identity is not wired: call shared.identity.http.install_identity(app, verifier) at startup"
        raise RuntimeError(msg)  # a deployment error, not the caller's: fail closed
    return verifier


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def not_authenticated() -> HTTPException:
    """401 for a request without a bearer token (no error code, RFC 6750 §3.1)."""
    return HTTPException(401, "Anmeldung erforderlich (Bearer-Token fehlt).", headers={"WWW-Authenticate": "Bearer"})


def invalid_token(reason: str) -> HTTPException:
    """401 for a bad bearer token: ``error="invalid_token"`` and the fixed reason."""
    challenge = f"Bearer error={_quoted('invalid_token')}, error_description={_quoted(reason)}"
    detail = "Das Zugriffstoken ist ungültig oder abgelaufen."
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    verifier: Annotated[TokenVerifier, Depends(get_token_verifier)],
) -> Principal:
    """The verified caller; 401 (``WWW-Authenticate: Bearer``) otherwise.

    A plain ``def``: FastAPI runs it in its thread pool, so an occasional key-set fetch
    (blocking I/O in PyJWT) never stalls the event loop.
    """
    if credentials is None:
        raise not_authenticated()
    try:
        principal = verifier.verify(credentials.credentials)
    except InvalidTokenError as error:
        raise invalid_token(error.reason) from None
    except IdentityUnavailableError:
        raise HTTPException(
            503,
            "Die Anmeldung kann gerade nicht geprüft werden. Bitte später erneut versuchen.",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        ) from None
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
"""A route parameter of this type receives the verified caller."""
