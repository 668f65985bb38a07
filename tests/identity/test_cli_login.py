"""`kim login` against the real Keycloak: the device grant of the public client `kim-cli-login`, approved
as a demo user through Keycloak's own (German) pages; the tokens renewed, used on an API, and logged out.

The realm file defines the client. A Keycloak that was started before it was added lacks it
until its next start (deploy/keycloak.sh re-imports a changed realm); then the fixture adds
it through the admin API exactly as the file defines it, and removes it again afterwards.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.bootstrap import build_container, create_app
from services.cli import query_access_log
from shared.identity import TokenVerifier
from shared.identity.device import CliSession, DeviceCode, DeviceLogin, LoginError, TokenFile
from shared.identity.http import get_token_verifier
from shared.service import Service
from tests.identity.conftest import NOTES
from tests.identity.keycloak import REPO_ROOT, AdminApi, KeycloakEnv
from tests.identity.test_login import Browser, login_form_action

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]

CLIENT = "kim-cli-login"
REALM_FILE = REPO_ROOT / "deploy" / "keycloak" / "realm-kim.json"


@pytest.fixture(scope="module")
def login_client(admin: AdminApi) -> Iterator[str]:
    if admin.get("kim/clients", clientId=CLIENT):
        yield CLIENT
        return
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    admin.send("POST", "kim/clients", next(c for c in realm["clients"] if c["clientId"] == CLIENT))
    (made,) = admin.get("kim/clients", clientId=CLIENT)
    roles = next(m["roles"] for m in realm["scopeMappings"] if m["client"] == CLIENT)
    admin.send("POST", f"kim/clients/{made['id']}/scope-mappings/realm", [admin.get(f"kim/roles/{r}") for r in roles])
    NOTES.append(f"{CLIENT} added from the realm file for this session (restart Keycloak to import it)")
    try:
        yield CLIENT
    finally:
        admin.send("DELETE", f"kim/clients/{made['id']}")


def follow(browser: Browser, answer: httpx.Response, base: str) -> httpx.Response:
    for _ in range(10):
        if answer.status_code not in (302, 303):
            return answer
        location = answer.headers["Location"]
        answer = browser.get(location if location.startswith("http") else base + location)
    return answer


def approve(keycloak: KeycloakEnv, http: httpx.Client, code: DeviceCode, username: str, accept: bool = True) -> None:
    """What the person does in the browser: open the address, log in, confirm the access (or refuse it)."""
    browser = Browser(http)
    assert code.verification_uri_complete is not None
    page = follow(browser, browser.get(code.verification_uri_complete), keycloak.url)
    assert page.status_code == 200 and 'lang="de"' in page.text
    answer = browser.post(
        login_form_action(page.text),
        data={"username": username, "password": keycloak["KIM_KEYCLOAK_DEMO_PASSWORD"], "credentialId": ""},
    )
    consent = follow(browser, answer, keycloak.url)
    form = re.search(r'<form[^>]*action="([^"]*login-actions/consent[^"]*)"[^>]*>(.*?)</form>', consent.text, re.S)
    assert form, "Keycloak asks the person to confirm the device's access"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    action = form.group(1).replace("&amp;", "&")
    done = browser.post(
        action if action.startswith("http") else keycloak.url + action,
        data={**hidden, "accept" if accept else "cancel": "Ja" if accept else "Nein"},
    )
    assert done.status_code in (200, 302, 303), done.status_code


def test_kim_login_by_device_grant_renews_reads_the_access_log_and_logs_out(
    keycloak: KeycloakEnv, http: httpx.Client, verifier: TokenVerifier, login_client: str, tmp_path: Path
) -> None:
    flow = DeviceLogin(keycloak.issuer(), login_client, http)
    code = flow.start()
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", code.user_code)
    approve(keycloak, http, code, "dsb")

    login = flow.wait(code)

    principal = verifier.verify(login.access_token)
    assert (principal.staff_id, principal.client_id, principal.is_service_account) == ("st-355325", CLIENT, False)
    assert "data_protection_officer" in principal.roles
    store = TokenFile(tmp_path / "state" / "kim" / "login.json", forbidden_root=REPO_ROOT)
    store.save(login)
    assert (store.path.stat().st_mode & 0o777, store.path.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    session = CliSession(store, flow)
    renewed = session.access_token(renew=True)  # the refresh grant of a public client; the realm rotates it
    stored = store.load()
    assert stored is not None and renewed != login.access_token and stored.refresh_token != login.refresh_token
    assert verifier.verify(renewed).staff_id == "st-355325"

    # The person's token on a service's API: the access log, for the data-protection officer.
    container = build_container(Service.INTAKE, in_memory=True)
    api = create_app(Service.INTAKE, lambda: container)
    api.dependency_overrides[get_token_verifier] = lambda: verifier
    with TestClient(api) as client:
        entries: list[dict[str, Any]] = query_access_log(
            client, "/intake/access-log", {}, lambda renew: session.access_token(renew=renew)
        )
    assert entries == []

    assert flow.logout(stored)
    with pytest.raises(LoginError, match="kim login"):
        flow.refresh(stored)


def test_a_refused_device_code_gives_no_tokens(keycloak: KeycloakEnv, http: httpx.Client, login_client: str) -> None:
    flow = DeviceLogin(keycloak.issuer(), login_client, http)
    code = flow.start()
    approve(keycloak, http, code, "pruefung", accept=False)
    with pytest.raises(LoginError, match="abgelehnt"):
        flow.wait(code)
