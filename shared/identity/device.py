"""``kim login``: a member of staff's tokens for the CLI, by the OAuth 2.0 Device Authorization Grant (RFC 8628).

The CLI is a public client (``kim-cli-login``: no secret, device grant only). ``kim login``
asks the realm for a device code, shows the person the verification address and the user
code, and polls the token endpoint until they approved it in their browser (Keycloak's own
login page, with its password policy and brute-force protection). The tokens are kept in
one file readable by the user only (mode 0600, directory 0700) under the user's state
directory, never in the repository; an expired access token is renewed with the refresh
token (the realm rotates it) and stored again. ``kim logout`` ends the session at Keycloak
and deletes the file.

Plain httpx, no OAuth library: Authlib has no client for the device grant (only its
server side), the flow is three small requests, and httpx is what ``shared/identity/tokens.py``
already uses. Nothing here prints or logs a token.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import KimError

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
RENEW_BEFORE_S = 30.0
"""An access token with less life than this is renewed before it is used."""
SLOW_DOWN_S = 5
"""RFC 8628 §3.5: on ``slow_down`` the polling interval grows by five seconds."""


class LoginSettings(BaseSettings):
    """Which public client the CLI logs in with, and where it keeps the tokens (prefix ``KIM_CLI_``)."""

    model_config = SettingsConfigDict(env_prefix="KIM_CLI_", extra="ignore", env_ignore_empty=True)

    client_id: str = Field("kim-cli-login", min_length=1, description="The realm's public client with the device grant")
    token_file: Path | None = Field(
        None, description="Where the tokens are kept; default $XDG_STATE_HOME/kim/login.json (~/.local/state/kim/)"
    )

    def path(self) -> Path:
        if self.token_file is not None:
            return self.token_file
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        return Path(state) / "kim" / "login.json"


class LoginError(KimError):
    """No usable login: not logged in, expired beyond refresh, refused, or the realm unreachable (German text)."""


@dataclass(frozen=True)
class DeviceCode:
    """What the realm answered to the device authorization request (RFC 8628 §3.2)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int


@dataclass(frozen=True)
class StoredLogin:
    """The tokens of one login, as kept in the token file."""

    issuer: str
    client_id: str
    access_token: str
    refresh_token: str | None
    expires_at: float
    """When the access token expires (Unix seconds)."""
    refresh_expires_at: float | None

    def fresh(self, now: float) -> bool:
        return self.expires_at - now > RENEW_BEFORE_S


class TokenFile:
    """One JSON file with the tokens, readable and writable by its owner only."""

    def __init__(self, path: Path, forbidden_root: Path | None = None) -> None:
        self.path = path
        if forbidden_root is not None and path.resolve().is_relative_to(forbidden_root.resolve()):
            msg = f"Die Anmeldedaten dürfen nicht im Repository liegen ({path}); KIM_CLI_TOKEN_FILE anders setzen."
            raise LoginError(msg)

    def load(self) -> StoredLogin | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return StoredLogin(**data)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError):
            return None  # unreadable: as if not logged in (a new login replaces it)

    def save(self, login: StoredLogin) -> None:
        """Write atomically: a temporary file created with mode 0600, then renamed over the old one."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(login), handle)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def delete(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


class DeviceLogin:
    """The device grant and the refresh against one realm, for one public client."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        http: httpx.Client | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer, self.client_id = issuer.rstrip("/"), client_id
        self.http = http or httpx.Client(timeout=15)
        self.sleep, self.clock = sleep, clock
        self._metadata: dict[str, Any] | None = None

    def endpoint(self, name: str) -> str:
        """An endpoint from the realm's OpenID discovery document (``device_authorization_endpoint``, …)."""
        if self._metadata is None:
            answer = self._send("GET", f"{self.issuer}/.well-known/openid-configuration")
            if answer.status_code != 200:
                msg = f"Der Anmeldedienst antwortet nicht wie erwartet (HTTP {answer.status_code})."
                raise LoginError(msg)
            self._metadata = answer.json()
        value = self._metadata.get(name)
        if not isinstance(value, str):
            msg = f"Der Anmeldedienst bietet {name} nicht an."
            raise LoginError(msg)
        return value

    def start(self) -> DeviceCode:
        """Ask for a device code and the user code the person confirms in the browser."""
        answer = self._send("POST", self.endpoint("device_authorization_endpoint"), data={"client_id": self.client_id})
        if answer.status_code != 200:
            msg = (
                f"Die Geräte-Anmeldung wurde abgelehnt ({_error(answer)}); ist der Client {self.client_id} freigegeben?"
            )
            raise LoginError(msg)
        body = answer.json()
        return DeviceCode(
            device_code=str(body["device_code"]),
            user_code=str(body["user_code"]),
            verification_uri=str(body["verification_uri"]),
            verification_uri_complete=body.get("verification_uri_complete"),
            expires_in=int(body.get("expires_in", 600)),
            interval=int(body.get("interval", 5)),
        )

    def wait(self, code: DeviceCode) -> StoredLogin:
        """Poll the token endpoint until the person approved, refused, or the code expired."""
        deadline = self.clock() + code.expires_in
        interval = max(code.interval, 1)
        form = {"grant_type": DEVICE_GRANT, "device_code": code.device_code, "client_id": self.client_id}
        while True:
            answer = self._send("POST", self.endpoint("token_endpoint"), data=form)
            if answer.status_code == 200:
                return self._stored(answer.json())
            error = _error(answer)
            if error == "slow_down":
                interval += SLOW_DOWN_S
            elif error != "authorization_pending":
                reasons = {"access_denied": "abgelehnt", "expired_token": "abgelaufen"}
                msg = f"Die Anmeldung ist {reasons.get(error, 'fehlgeschlagen')} ({error})."
                raise LoginError(msg)
            if self.clock() + interval > deadline:
                msg = "Die Anmeldung ist abgelaufen: der Code wurde nicht rechtzeitig bestätigt."
                raise LoginError(msg)
            self.sleep(interval)

    def refresh(self, login: StoredLogin) -> StoredLogin:
        """New tokens by the refresh token (which the realm rotates)."""
        if login.refresh_token is None or (
            login.refresh_expires_at is not None and login.refresh_expires_at <= self.clock()
        ):
            msg = "Die Anmeldung ist abgelaufen: bitte erneut `kim login`."
            raise LoginError(msg)
        form = {"grant_type": "refresh_token", "refresh_token": login.refresh_token, "client_id": self.client_id}
        answer = self._send("POST", self.endpoint("token_endpoint"), data=form)
        if answer.status_code != 200:
            msg = f"Die Anmeldung ist abgelaufen ({_error(answer)}): bitte erneut `kim login`."
            raise LoginError(msg)
        return self._stored(answer.json())

    def logout(self, login: StoredLogin) -> bool:
        """End the session at the realm (its refresh token); False if the realm did not confirm it."""
        if login.refresh_token is None:
            return False
        try:
            answer = self._send(
                "POST",
                self.endpoint("end_session_endpoint"),
                data={"client_id": self.client_id, "refresh_token": login.refresh_token},
            )
        except LoginError:
            return False
        return answer.status_code in (200, 204)

    def _stored(self, body: dict[str, Any]) -> StoredLogin:
        now = self.clock()
        refresh_in = body.get("refresh_expires_in")
        return StoredLogin(
            issuer=self.issuer,
            client_id=self.client_id,
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token"),
            expires_at=now + float(body.get("expires_in", 60)),
            refresh_expires_at=now + float(refresh_in) if refresh_in else None,
        )

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            msg = f"Der Anmeldedienst ist nicht erreichbar ({type(exc).__name__})."
            raise LoginError(msg) from None


class CliSession:
    """The logged-in person's access token for the CLI: loaded from the file, renewed when it expires."""

    def __init__(self, store: TokenFile, flow: DeviceLogin) -> None:
        self.store, self.flow = store, flow

    def current(self) -> StoredLogin:
        login = self.store.load()
        if login is None or login.issuer != self.flow.issuer or login.client_id != self.flow.client_id:
            msg = "Nicht angemeldet: bitte zuerst `kim login`."
            raise LoginError(msg)
        return login

    def access_token(self, *, renew: bool = False) -> str:
        """A valid access token; renewed (and stored) when it expires soon, or when ``renew`` says so."""
        login = self.current()
        if renew or not login.fresh(self.flow.clock()):
            login = self.flow.refresh(login)  # refused or unreachable: LoginError, the file stays for `kim logout`
            self.store.save(login)
        return login.access_token


def _error(answer: httpx.Response) -> str:
    """The OAuth ``error`` code of an answer (never its description, which may echo input)."""
    try:
        body = answer.json()
    except ValueError:
        return f"HTTP {answer.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    return (
        str(error) if isinstance(error, str) and error.isascii() and len(error) < 64 else f"HTTP {answer.status_code}"
    )
