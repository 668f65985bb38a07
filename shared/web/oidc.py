"""The identity provider as the web views use it: login (authorisation code + PKCE S256), refresh, logout.

:class:`AuthlibProvider` is Authlib's Starlette client against the realm's discovery
document (Keycloak). Authlib keeps a login's state, nonce and PKCE verifier in
``request.session``; here that is the pending server-side session's ``login`` dict,
handed to Authlib for the two calls, so nothing of it reaches the browser but the
session id. Unit tests use a provider of their own (tests/unit/web).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request

from shared.identity.settings import IdentitySettings
from shared.web.sessions import Tokens
from shared.web.settings import WebSettings


class LoginFailedError(Exception):
    """The identity provider refused or the callback does not belong to a login of this session."""


class IdentityProvider(Protocol):
    async def login_url(self, login: dict[str, Any], redirect_uri: str) -> str:
        """Where to send the browser; records the login's state data in ``login``."""
        ...

    async def complete_login(self, login: dict[str, Any], request: Request) -> Tokens:
        """The tokens of the callback ``request`` (checked against the state data in ``login``)."""
        ...

    async def refresh(self, refresh_token: str) -> Tokens: ...

    async def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str:
        """RP-initiated logout: the provider ends its session too (``id_token_hint``)."""
        ...


def tokens_of(answer: dict[str, Any], now: datetime | None = None) -> Tokens:
    """The tokens of a token endpoint's answer (Keycloak adds ``refresh_expires_in``)."""
    now = now or datetime.now(UTC)
    expires_at = answer.get("expires_at")
    access_expires_at = (
        datetime.fromtimestamp(float(expires_at), UTC)
        if expires_at
        else now + timedelta(seconds=float(answer.get("expires_in") or 60))
    )
    refresh_in = answer.get("refresh_expires_in")
    return Tokens(
        access_token=str(answer["access_token"]),
        refresh_token=answer.get("refresh_token"),
        id_token=answer.get("id_token"),
        access_expires_at=access_expires_at,
        refresh_expires_at=now + timedelta(seconds=float(refresh_in)) if refresh_in else None,
    )


class AuthlibProvider:
    """Keycloak through Authlib's Starlette client: code flow with PKCE (S256), OpenID Connect."""

    def __init__(self, web: WebSettings, identity: IdentitySettings) -> None:
        oauth = OAuth()
        self.client: Any = oauth.register(
            name="kim",
            client_id=web.client_id,
            client_secret=web.secret(),
            server_metadata_url=f"{identity.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid", "code_challenge_method": "S256"},
        )

    async def login_url(self, login: dict[str, Any], redirect_uri: str) -> str:
        holder = _SessionHolder(login)
        answer = await self.client.authorize_redirect(holder, redirect_uri)
        return str(answer.headers["location"])

    async def complete_login(self, login: dict[str, Any], request: Request) -> Tokens:
        request.scope["session"] = login
        try:
            answer = await self.client.authorize_access_token(request)
        except OAuthError as error:
            raise LoginFailedError(error.error or "oauth") from None
        finally:
            request.scope.pop("session", None)
        return tokens_of(dict(answer))

    async def refresh(self, refresh_token: str) -> Tokens:
        try:
            answer = await self.client.fetch_access_token(grant_type="refresh_token", refresh_token=refresh_token)
        except OAuthError as error:
            raise LoginFailedError(error.error or "oauth") from None
        return tokens_of(dict(answer))

    async def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str:
        answer = await self.client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token
        )
        return str(answer["url"])


class _SessionHolder:
    """What Authlib's ``authorize_redirect`` reads of a request: its session."""

    def __init__(self, session: dict[str, Any]) -> None:
        self.session = session
