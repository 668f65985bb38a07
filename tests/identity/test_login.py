"""The web client's login: Keycloak's own page in German, authorisation code with PKCE (S256) only."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from shared.identity import TokenVerifier
from tests.identity.keycloak import KeycloakEnv

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]

REDIRECT_URI = "http://127.0.0.1:8101/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(keycloak: KeycloakEnv, browser: Browser, **params: str) -> httpx.Response:
    query = {
        "client_id": "kim-web",
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": REDIRECT_URI,
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        **params,
    }
    return browser.get(f"{keycloak.issuer()}/protocol/openid-connect/auth", params=query)


def login_form_action(page: str) -> str:
    match = re.search(r'<form id="kc-form-login"[^>]*\baction="([^"]+)"', page)
    assert match, "no login form (#kc-form-login) on the page"
    return html.unescape(match.group(1))


def callback_params(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 302, answer.text[:500]
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI), location
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def exchange(keycloak: KeycloakEnv, http: httpx.Client, code: str, code_verifier: str) -> httpx.Response:
    return http.post(
        keycloak.token_endpoint(),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": "kim-web",
            "client_secret": keycloak["KIM_KEYCLOAK_WEB_SECRET"],
            "code_verifier": code_verifier,
        },
    )


class Browser:
    """Just enough of a browser: keeps cookies and does not follow redirects (so we see where they go).

    Keycloak marks its login cookies ``Secure``; browsers accept those on http://127.0.0.1
    (a potentially trustworthy origin), httpx's cookie jar does not, so cookies are kept here.
    """

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        answer = self.http.request(method, url, headers=headers, **kwargs)
        for raw in answer.headers.get_list("set-cookie"):
            name, _, value = raw.split(";", 1)[0].strip().partition("=")
            if not value or "max-age=0" in raw.lower().replace(" ", ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return answer

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture
def browser(keycloak: KeycloakEnv) -> Iterator[Browser]:
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        yield Browser(client)


def test_the_login_page_is_german(keycloak: KeycloakEnv, browser: Browser) -> None:
    _, challenge = pkce()
    page = authorize(keycloak, browser, code_challenge=challenge, code_challenge_method="S256")
    assert page.status_code == 200
    assert re.search(r'<html[^>]*\blang="de"', page.text)
    for german in ("Anmelden", "Benutzername", "Passwort"):
        assert german in page.text
    for field in ('id="username"', 'id="password"', 'id="kc-login"'):
        assert field in page.text


def test_the_account_console_sends_to_the_german_realm(keycloak: KeycloakEnv, http: httpx.Client) -> None:
    answer = http.get(f"{keycloak.issuer()}/account", follow_redirects=True)
    assert answer.status_code == 200
    assert re.search(r'<html[^>]*\blang="de"', answer.text)


def test_code_flow_with_pkce_gives_a_pseudonymous_access_token(
    keycloak: KeycloakEnv, browser: Browser, http: httpx.Client, verifier: TokenVerifier
) -> None:
    code_verifier, challenge = pkce()
    page = authorize(keycloak, browser, code_challenge=challenge, code_challenge_method="S256")
    answer = browser.post(
        login_form_action(page.text),
        data={"username": "kobiz.berater", "password": keycloak["KIM_KEYCLOAK_DEMO_PASSWORD"], "credentialId": ""},
    )
    code = callback_params(answer)["code"]
    assert exchange(keycloak, http, code, "a-wrong-verifier-" + "x" * 40).status_code == 400
    # A code is single-use: the failed attempt above already spent it. Log in again (the SSO
    # session cookie skips the form) for a fresh code.
    code_verifier, challenge = pkce()
    again = authorize(keycloak, browser, code_challenge=challenge, code_challenge_method="S256")
    tokens = exchange(keycloak, http, callback_params(again)["code"], code_verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()

    principal = verifier.verify(body["access_token"])
    assert (principal.client_id, principal.staff_id) == ("kim-web", "st-c0144b")
    assert principal.departments == {"kobiz"}
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert not {"name", "given_name", "family_name", "preferred_username", "email"} & set(access)
    # The ID token (audience kim-web, for the web page itself) may greet the person by name.
    id_token = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert id_token["aud"] == "kim-web"
    assert (id_token["given_name"], id_token["family_name"]) == ("Katrin", "Yilmaz")
    assert "email" not in id_token


def test_without_pkce_there_is_no_code(keycloak: KeycloakEnv, browser: Browser) -> None:
    answer = authorize(keycloak, browser)
    params = callback_params(answer)
    assert params["error"] == "invalid_request"
    assert "code" not in params
    plain = authorize(keycloak, browser, code_challenge="x" * 43, code_challenge_method="plain")
    assert callback_params(plain)["error"] == "invalid_request"


def test_an_unregistered_redirect_is_refused_in_german(keycloak: KeycloakEnv, browser: Browser) -> None:
    _, challenge = pkce()
    answer = authorize(
        keycloak,
        browser,
        redirect_uri="https://attacker.example/callback",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "Ungültig" in answer.text


def test_a_wrong_password_is_answered_in_german(keycloak: KeycloakEnv, browser: Browser) -> None:
    _, challenge = pkce()
    page = authorize(keycloak, browser, code_challenge=challenge, code_challenge_method="S256")
    answer = browser.post(
        login_form_action(page.text), data={"username": "pruefung", "password": "falsch-falsch", "credentialId": ""}
    )
    assert answer.status_code == 200
    assert "Ungültiger Benutzername oder Passwort" in answer.text
