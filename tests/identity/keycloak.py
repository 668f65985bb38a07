"""A real Keycloak for tests: its settings (``deploy/keycloak.sh env``), tokens that stay fresh, its admin API.

Access tokens live 5 minutes (realm setting), so :class:`TokenSource` never hands out
one with less than a minute left: it refreshes it (refresh-token rotation) or fetches a
new one. Other test suites may use it once the services take tokens.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "deploy" / "keycloak.sh"
DEMO_USERS_FILE = REPO_ROOT / "deploy" / "keycloak" / "realm-kim.demo-users.json"
MIN_REMAINING_S = 60
"""A cached token with less life than this is renewed before it is handed out."""


def script(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``deploy/keycloak.sh`` with the session's environment."""
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, check=False)


def dev_defaults() -> dict[str, str]:
    """The development secrets ``deploy/keycloak.sh`` uses when the environment sets none."""
    block = SCRIPT.read_text(encoding="utf-8").split("declare -A DEV_DEFAULT=(", 1)[1].split(")", 1)[0]
    return dict(re.findall(r"\[(KIM_KEYCLOAK_[A-Z_]+)\]=(\S+)", block))


def demo_users() -> list[dict[str, Any]]:
    """The demo users as the realm file defines them (username, roles, groups, staff_id, …)."""
    users: list[dict[str, Any]] = json.loads(DEMO_USERS_FILE.read_text(encoding="utf-8"))["users"]
    return users


@dataclass(frozen=True)
class KeycloakEnv:
    """Where the local Keycloak is (``deploy/keycloak.sh env``) and its credentials.

    ``env`` prints no secrets: they are what the environment sets, else the script's
    development defaults.
    """

    values: dict[str, str]

    @classmethod
    def load(cls) -> KeycloakEnv:
        result = script("env")
        assert result.returncode == 0, result.stderr
        values = {name: os.environ.get(name) or default for name, default in dev_defaults().items()}
        for line in result.stdout.splitlines():
            words = shlex.split(line)
            if len(words) == 2 and words[0] == "export":
                name, _, value = words[1].partition("=")
                values[name] = value
        return cls(values)

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    @property
    def url(self) -> str:
        return self["KIM_KEYCLOAK_URL"]

    def issuer(self, realm: str = "kim") -> str:
        return f"{self.url}/realms/{realm}"

    def token_endpoint(self, realm: str = "kim") -> str:
        return f"{self.issuer(realm)}/protocol/openid-connect/token"


@dataclass
class _Held:
    access: str
    refresh: str | None
    expires: float


def expiry(token: str) -> float:
    """``exp`` of a token (read without verification, to schedule its renewal)."""
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert isinstance(exp, int)
    return float(exp)


class TokenSource:
    """Access tokens of demo users (password grant of ``kim-test``) and of service accounts, kept fresh."""

    def __init__(self, env: KeycloakEnv, http: httpx.Client) -> None:
        self.env = env
        self.http = http
        self._held: dict[tuple[str, str], _Held] = {}

    def clear(self) -> None:
        """Forget every token (after the realm's keys changed)."""
        self._held.clear()

    def grant(self, realm: str, data: dict[str, str]) -> dict[str, Any]:
        """POST a grant to the token endpoint; the JSON answer (asserts 200)."""
        answer = self.http.post(self.env.token_endpoint(realm), data=data)
        assert answer.status_code == 200, f"{data.get('grant_type')} failed: {answer.status_code} {answer.text}"
        body: dict[str, Any] = answer.json()
        return body

    def _keep(self, key: tuple[str, str], body: dict[str, Any]) -> str:
        access = str(body["access_token"])
        self._held[key] = _Held(access, body.get("refresh_token"), expiry(access))
        return access

    def user(self, username: str) -> str:
        """A fresh access token of ``username`` (aud kim-api) from the test client."""
        key = ("user", username)
        client = {"client_id": "kim-test", "client_secret": self.env["KIM_KEYCLOAK_TEST_SECRET"]}
        held = self._held.get(key)
        if held and held.expires - time.time() > MIN_REMAINING_S:
            return held.access
        if held and held.refresh:
            answer = self.http.post(
                self.env.token_endpoint(), data={**client, "grant_type": "refresh_token", "refresh_token": held.refresh}
            )
            if answer.status_code == 200:
                return self._keep(key, answer.json())
        body = self.grant(
            "kim",
            {
                **client,
                "grant_type": "password",
                "username": username,
                "password": self.env["KIM_KEYCLOAK_DEMO_PASSWORD"],
                "scope": "openid",
            },
        )
        return self._keep(key, body)

    def service(self, client_id: str, secret: str, realm: str = "kim") -> str:
        """A fresh access token of a service account (client-credentials grant)."""
        key = (realm, client_id)
        held = self._held.get(key)
        if held and held.expires - time.time() > MIN_REMAINING_S:
            return held.access
        body = self.grant(realm, {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
        return self._keep(key, body)


class AdminApi:
    """Keycloak's admin REST API as the bootstrap admin of the master realm."""

    def __init__(self, env: KeycloakEnv, http: httpx.Client) -> None:
        self.env = env
        self.http = http
        self._token: tuple[str, float] | None = None

    def _bearer(self) -> dict[str, str]:
        # Master-realm tokens live one minute: renew with a margin.
        if self._token is None or self._token[1] - time.time() < 20:
            answer = self.http.post(
                self.env.token_endpoint("master"),
                data={
                    "grant_type": "password",
                    "client_id": "admin-cli",
                    "username": self.env["KIM_KEYCLOAK_ADMIN_USER"],
                    "password": self.env["KIM_KEYCLOAK_ADMIN_PASSWORD"],
                },
            )
            assert answer.status_code == 200, f"admin login failed: {answer.status_code} {answer.text}"
            access = str(answer.json()["access_token"])
            self._token = (access, expiry(access))
        return {"Authorization": f"Bearer {self._token[0]}"}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``method`` on ``/admin/realms/<path>``; the answer, whatever its status."""
        return self.http.request(method, f"{self.env.url}/admin/realms/{path}", headers=self._bearer(), **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        answer = self.call("GET", path, params=params)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """POST/PUT/DELETE with a JSON body; asserts a 2xx answer."""
        answer = self.call(method, path, json=body)
        assert answer.is_success, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer
