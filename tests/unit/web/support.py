"""An in-memory service API with its web views mounted, and an identity provider that mints test tokens."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

from fastapi import FastAPI
from starlette.requests import Request

from services.bootstrap import build_container, create_app
from shared.identity.http import get_token_verifier
from shared.service import Service
from shared.settings import get_settings
from shared.web.auth import WebContext
from shared.web.mount import install_web
from shared.web.oidc import LoginFailedError
from shared.web.sessions import Tokens
from tests.support.projection_suite import Feed, consent, counselled, opened, toleration
from tests.support.tokens import Staff, verifier

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

IDP = "http://idp.test"


@dataclass
class FakeProvider:
    """Logs in whoever ``staff`` names, with tokens minted by the test realm's key."""

    staff: Staff
    lifetime_s: int = 300
    refreshed: int = 0
    logged_out: list[str | None] = field(default_factory=list)

    async def login_url(self, login: dict[str, Any], redirect_uri: str) -> str:
        login["state"] = state = uuid4().hex
        return f"{IDP}/auth?state={state}&redirect_uri={redirect_uri}&code_challenge_method=S256"

    async def complete_login(self, login: dict[str, Any], request: Request) -> Tokens:
        if request.query_params.get("state") != login.get("state"):
            raise LoginFailedError("state")
        return self._tokens()

    async def refresh(self, refresh_token: str) -> Tokens:
        self.refreshed += 1
        return self._tokens()

    async def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str:
        self.logged_out.append(id_token)
        return f"{IDP}/logout?post_logout_redirect_uri={post_logout_redirect_uri}"

    def _tokens(self) -> Tokens:
        now = datetime.now(UTC)
        return Tokens(
            self.staff.token(self.lifetime_s),
            "refresh",
            "id-token",
            now + timedelta(seconds=self.lifetime_s),
            now + timedelta(hours=1),
        )


def web_app(service: Service, staff: Staff) -> tuple[FastAPI, WebContext, FakeProvider]:
    settings = get_settings(service)
    api = create_app(service, lambda: build_container(service, settings, in_memory=True), web=False)
    provider = FakeProvider(staff)
    ctx = install_web(api, service, provider=provider, base_url="http://testserver")
    api.dependency_overrides[get_token_verifier] = verifier
    return api, ctx, provider


def log_in(client: TestClient, ctx: WebContext, next_path: str = "") -> None:
    """The browser's round trip through the (fake) identity provider."""
    start = client.get(ctx.url("/login") + (f"?next={next_path}" if next_path else ""), follow_redirects=False)
    assert start.status_code == 303, start.text
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    back = client.get(ctx.url("/auth/callback") + f"?code=c&state={state}", follow_redirects=False)
    assert back.status_code == 303, back.text


def seed_case(api: FastAPI, viewer: Service) -> UUID:
    """A KIM case in the service's view: opened, a consent for Kobiz, a Duldung, and a counselling session."""
    store = api.state.container.store
    feed, case = Feed(viewer), uuid4()
    records = [
        feed.record(opened(case)),
        feed.record(consent(case), seconds=1),
        feed.record(toleration(case, date(2026, 1, 1)), seconds=2),
        feed.record(counselled(case), seconds=3),
    ]
    stored = store.load_offsets()
    store.apply_batch(records, {r.tp: stored.get(r.tp) for r in records}, today=date(2026, 6, 1))
    return case
