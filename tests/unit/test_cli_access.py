"""The CLI's access rules: operations commands name their local-infrastructure rule, `kim login` keeps
the person's tokens safely and renews them, `kim access-log` reads through the HTTP API with them.

The device grant runs here against a local fake of the realm's endpoints (httpx's
MockTransport: discovery, device authorization, token); tests/identity/test_cli_login.py
runs it against the real Keycloak, approving the code through Keycloak's own pages.
"""

from __future__ import annotations

import json
import stat
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from typer.testing import CliRunner

from services.bootstrap import Container, build_container, build_importer, create_app
from services.cli import (
    ACCESS_LOG_COLUMNS,
    LOGIN_COMMANDS,
    OPERATIONS_COMMANDS,
    AccessLogError,
    access_log_table,
    app,
    query_access_log,
)
from shared.identity.device import DEVICE_GRANT, CliSession, DeviceLogin, LoginError, StoredLogin, TokenFile
from shared.service import Service
from shared.settings import REPO_ROOT
from tests.support.tokens import DATA_PROTECTION_OFFICER, IMPORTERS, OPERATOR, Staff, import_identity, verifier
from tests.support.walk import sample

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client
    from fastapi.testclient import TestClient

from shared.identity.http import get_token_verifier  # noqa: E402 - after the test client, as tests/support does

ISSUER = "http://127.0.0.1:9/realms/kim"


@pytest.mark.parametrize("command", OPERATIONS_COMMANDS)
def test_operations_commands_state_that_they_need_local_infrastructure_or_the_operator_role(command: str) -> None:
    result = CliRunner().invoke(app, [*command.split(), "--help"], terminal_width=400)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "needs local infrastructure access" in text and "operator role" in text


@pytest.mark.parametrize("command", LOGIN_COMMANDS)
def test_commands_reading_case_data_use_the_persons_login(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], terminal_width=400)
    assert result.exit_code == 0 and "kim login" in result.output


def test_the_import_names_its_service_account_in_its_help() -> None:
    result = CliRunner().invoke(app, ["import", "--help"], terminal_width=400)
    assert "kim-import-<service>" in " ".join(result.output.split())


class FakeRealm:
    """The realm's discovery, device-authorization, token and logout endpoints, scripted."""

    def __init__(self, polls: list[str]) -> None:
        self.polls = polls
        """What the token endpoint answers to the device-code polls before it issues tokens."""
        self.issued = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.refusing_refresh = False
        self.logged_out: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.requests.append((path, form))
        base = f"{ISSUER}/protocol/openid-connect"
        if path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "device_authorization_endpoint": f"{base}/auth/device",
                    "token_endpoint": f"{base}/token",
                    "end_session_endpoint": f"{base}/logout",
                },
            )
        if path.endswith("/auth/device"):
            assert form == {"client_id": "kim-cli-login"}, "a public client: no secret"
            return httpx.Response(
                200,
                json={
                    "device_code": "dc-1",
                    "user_code": "ABCD-EFGH",
                    "verification_uri": f"{ISSUER}/device",
                    "verification_uri_complete": f"{ISSUER}/device?user_code=ABCD-EFGH",
                    "expires_in": 600,
                    "interval": 5,
                },
            )
        if path.endswith("/token"):
            assert "client_secret" not in form
            if form["grant_type"] == DEVICE_GRANT:
                assert form["device_code"] == "dc-1"
                if self.polls:
                    return httpx.Response(400, json={"error": self.polls.pop(0), "error_description": "echo"})
            elif form["grant_type"] == "refresh_token" and (
                self.refusing_refresh or form["refresh_token"] != f"rt-{self.issued}"
            ):
                return httpx.Response(400, json={"error": "invalid_grant"})
            self.issued += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"at-{self.issued}",
                    "refresh_token": f"rt-{self.issued}",
                    "expires_in": 300,
                    "refresh_expires_in": 1800,
                },
            )
        if path.endswith("/logout"):
            self.logged_out.append(form["refresh_token"])
            return httpx.Response(204)
        return httpx.Response(404)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def flow_of(realm: FakeRealm, clock: Clock) -> DeviceLogin:
    http = httpx.Client(transport=httpx.MockTransport(realm.handler))
    return DeviceLogin(ISSUER, "kim-cli-login", http, sleep=clock.sleep, clock=clock)


def test_the_device_grant_polls_as_told_and_keeps_the_tokens_for_the_user_only(tmp_path: Path) -> None:
    realm, clock = FakeRealm(["authorization_pending", "slow_down", "authorization_pending"]), Clock()
    flow = flow_of(realm, clock)
    code = flow.start()
    assert (code.user_code, code.verification_uri_complete) == ("ABCD-EFGH", f"{ISSUER}/device?user_code=ABCD-EFGH")

    login = flow.wait(code)

    assert clock.slept == [5, 10, 10], "the interval, five seconds more after slow_down"
    assert (login.access_token, login.refresh_token, login.expires_at) == ("at-1", "rt-1", clock.now + 300)
    store = TokenFile(tmp_path / "state" / "kim" / "login.json", forbidden_root=REPO_ROOT)
    store.save(login)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert store.load() == login
    assert [p.name for p in store.path.parent.iterdir()] == ["login.json"], "no temporary file left"


@pytest.mark.parametrize(("error", "word"), [("access_denied", "abgelehnt"), ("expired_token", "abgelaufen")])
def test_a_refused_or_expired_device_code_ends_the_login(error: str, word: str) -> None:
    realm, clock = FakeRealm(["authorization_pending", error]), Clock()
    flow = flow_of(realm, clock)
    with pytest.raises(LoginError, match=word):
        flow.wait(flow.start())


def test_the_login_gives_up_when_the_code_expires_while_pending() -> None:
    realm, clock = FakeRealm(["authorization_pending"] * 500), Clock()
    flow = flow_of(realm, clock)
    with pytest.raises(LoginError, match="nicht rechtzeitig"):
        flow.wait(flow.start())
    assert sum(clock.slept) <= 600


def test_an_expired_access_token_is_renewed_with_the_rotated_refresh_token(tmp_path: Path) -> None:
    realm, clock = FakeRealm([]), Clock()
    flow = flow_of(realm, clock)
    store = TokenFile(tmp_path / "login.json")
    store.save(flow.wait(flow.start()))
    session = CliSession(store, flow)

    assert session.access_token() == "at-1", "fresh: used as it is"
    clock.now += 290  # less than 30 s left
    assert session.access_token() == "at-2"
    assert store.load() == StoredLogin(ISSUER, "kim-cli-login", "at-2", "rt-2", clock.now + 300, clock.now + 1800)
    assert session.access_token(renew=True) == "at-3", "renewed on demand (the API answered 401)"
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600

    realm.refusing_refresh = True
    clock.now += 400
    with pytest.raises(LoginError, match="kim login"):
        session.access_token()
    clock.now += 2000  # beyond the refresh token's life: not even asked
    asked = len(realm.requests)
    with pytest.raises(LoginError, match="kim login"):
        session.access_token()
    assert len(realm.requests) == asked

    assert flow.logout(store.load() or pytest.fail("kept")) and realm.logged_out == ["rt-3"]
    assert store.delete() and store.load() is None and not store.delete()


def test_not_logged_in_or_logged_in_elsewhere_is_no_login(tmp_path: Path) -> None:
    realm, clock = FakeRealm([]), Clock()
    store = TokenFile(tmp_path / "login.json")
    session = CliSession(store, flow_of(realm, clock))
    with pytest.raises(LoginError, match="Nicht angemeldet"):
        session.access_token()
    store.save(StoredLogin("http://127.0.0.1:9/realms/other", "kim-cli-login", "at", "rt", clock.now + 300, None))
    with pytest.raises(LoginError, match="Nicht angemeldet"):
        session.access_token()
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(LoginError, match="Nicht angemeldet"):
        session.access_token()


def test_the_token_file_never_lies_in_the_repository() -> None:
    with pytest.raises(LoginError, match="Repository"):
        TokenFile(REPO_ROOT / ".kim" / "login.json", forbidden_root=REPO_ROOT)


@pytest.fixture
def kobiz(tmp_path: Path) -> Iterator[tuple[Container, TestClient]]:
    """Kobiz in memory with one imported row (so its access log has an entry), its API on the test key."""
    container = build_container(Service.KOBIZ, in_memory=True)
    row = {"ref": "k-1", "command": "open_file", "data": sample("open_file", Service.KOBIZ)}
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert build_importer(container, import_identity(IMPORTERS[Service.KOBIZ])).import_file(path).imported == 1
    api = create_app(Service.KOBIZ, lambda: container)
    api.dependency_overrides[get_token_verifier] = verifier
    with TestClient(api) as client:
        yield container, client


def tokens_of(*staff: Staff) -> tuple[Callable[[bool], str], list[bool]]:
    """A token source handing out ``staff``'s tokens in turn (the next one when asked to renew)."""
    asked: list[bool] = []

    def token(renew: bool) -> str:
        asked.append(renew)
        return staff[min(len(asked) - 1, len(staff) - 1)].token()

    return token, asked


def test_the_access_log_is_read_through_the_api_with_the_persons_token(kobiz: tuple[Container, TestClient]) -> None:
    _container, client = kobiz
    token, asked = tokens_of(DATA_PROTECTION_OFFICER)

    entries = query_access_log(client, "/kobiz/access-log", {"actor": "client:kim-import-kobiz"}, token)

    assert asked == [False]
    ((entry),) = entries
    assert (entry["actor"], entry["route"], entry["operation"]) == (
        "client:kim-import-kobiz",
        "IMPORT open_file",
        "write",
    )
    assert entry["correlation_id"].startswith("import:") and entry["correlation_id"].endswith(":1")
    table = access_log_table(Service.KOBIZ, entries)
    assert [c.header for c in table.columns] == [heading for heading, _ in ACCESS_LOG_COLUMNS]
    assert "Zeitpunkt (UTC)" in [c.header for c in table.columns] and table.row_count == 1
    cells = {str(c.header): next(iter(c.cells)) for c in table.columns}
    assert (cells["Zugriff"], cells["Ergebnis"], cells["Rollen"]) == ("schreiben", "erlaubt", "kobiz_counsellor")


def test_a_refused_token_is_renewed_once_then_the_answer_is_explained(kobiz: tuple[Container, TestClient]) -> None:
    _container, client = kobiz
    expired = Staff("st-dsb0001", DATA_PROTECTION_OFFICER.roles)
    stale = lambda renew: expired.token(lifetime_s=-600) if not renew else DATA_PROTECTION_OFFICER.token()  # noqa: E731
    assert len(query_access_log(client, "/kobiz/access-log", {}, stale)) >= 1, "401, renewed, answered"

    token, asked = tokens_of(OPERATOR)
    with pytest.raises(AccessLogError, match="Keine Berechtigung"):
        query_access_log(client, "/kobiz/access-log", {}, token)
    assert asked == [False]

    always_expired: Callable[[bool], str] = lambda renew: expired.token(lifetime_s=-600)  # noqa: E731
    with pytest.raises(AccessLogError, match="kim login"):
        query_access_log(client, "/kobiz/access-log", {}, always_expired)

    token, _ = tokens_of(DATA_PROTECTION_OFFICER)
    with pytest.raises(AccessLogError, match="Ungültige Abfrage: outcome"):
        query_access_log(client, "/kobiz/access-log", {"outcome": "maybe"}, token)


def test_access_log_options_are_checked_before_anything_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Any] = []

    def no_login() -> None:
        asked.append(1)
        pytest.fail("no login may be asked for")

    monkeypatch.setattr("services.cli._login", no_login)
    result = CliRunner().invoke(app, ["access-log", "kobiz", "--since", "gestern"], terminal_width=400)
    assert result.exit_code == 2 and "nach ISO" in " ".join(result.output.split()) and asked == []
