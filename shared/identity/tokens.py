"""Access tokens for machine callers: the CLI's service accounts, the benchmark and the test suites.

One :class:`TokenClient` per OAuth client (and, for the development-only test client,
per user) fetches a token from the realm's token endpoint and keeps it; it asks again
(with the refresh token where there is one) before the token expires, so a long run
never sends an expired token. Tokens are never logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import httpx

from shared.errors import KimError

RENEW_BEFORE_S = 30.0
"""Renew a token this long before it expires."""


class TokenUnavailableError(KimError):
    """The identity provider refused the grant or could not be reached (the reason, never a secret)."""


@dataclass(frozen=True)
class Grant:
    """How to get a token: client credentials, or a user's password (development test client only)."""

    client_id: str
    client_secret: str
    username: str | None = None
    password: str | None = None

    def form(self) -> dict[str, str]:
        base = {"client_id": self.client_id, "client_secret": self.client_secret}
        if self.username is None:
            return base | {"grant_type": "client_credentials"}
        return base | {"grant_type": "password", "username": self.username, "password": self.password or ""}


class TokenClient:
    """Keeps one fresh access token of one grant; safe to share between threads."""

    def __init__(self, token_url: str, grant: Grant, timeout_s: float = 10.0) -> None:
        self.token_url = token_url
        self.grant = grant
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._access: str | None = None
        self._refresh: str | None = None
        self._expires_at = 0.0

    def token(self) -> str:
        """A token valid for at least :data:`RENEW_BEFORE_S` more seconds."""
        with self._lock:
            if self._access is None or self._expires_at - time.time() < RENEW_BEFORE_S:
                self._renew()
            assert self._access is not None
            return self._access

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def _renew(self) -> None:
        if self._refresh is not None:
            answer = self._post({**self._client(), "grant_type": "refresh_token", "refresh_token": self._refresh})
            if answer is not None:
                self._keep(answer)
                return
        answer = self._post(self.grant.form())
        if answer is None:
            msg = f"Keine Anmeldung für {self.grant.client_id} möglich (Token-Endpunkt lehnt ab)."
            raise TokenUnavailableError(msg)
        self._keep(answer)

    def _client(self) -> dict[str, str]:
        return {"client_id": self.grant.client_id, "client_secret": self.grant.client_secret}

    def _post(self, form: dict[str, str]) -> dict[str, Any] | None:
        try:
            response = httpx.post(self.token_url, data=form, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            msg = f"Der Token-Endpunkt ist nicht erreichbar ({type(exc).__name__})."
            raise TokenUnavailableError(msg) from None
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        return body

    def _keep(self, answer: dict[str, Any]) -> None:
        self._access = str(answer["access_token"])
        self._refresh = answer.get("refresh_token")
        self._expires_at = time.time() + float(answer.get("expires_in", 60))


class BearerAuth(httpx.Auth):
    """httpx authentication with a :class:`TokenClient`: every request carries a fresh token."""

    def __init__(self, tokens: TokenClient) -> None:
        self.tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.tokens.token()}"
        yield request
