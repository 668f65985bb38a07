"""The web views on an in-memory service: login, cookies, CSRF, the same access rules and log as the API."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from shared.service import Service
from shared.web.sessions import MemorySessionStore, SessionPolicy, Sessions, Tokens
from tests.support.tokens import OPERATOR, WORKERS
from tests.unit.web.support import IDP, log_in, seed_case, web_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FO = Service.FOREIGN_OFFICE


def test_a_page_without_a_session_sends_the_browser_to_the_login() -> None:
    api, ctx, _ = web_app(FO, WORKERS[FO])
    with TestClient(api) as client:
        answer = client.get(ctx.url("/cases/" + str(uuid4())), follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/foreign-office/ui/login?next=%2Fforeign-office%2Fui%2Fcases%2F")
        htmx = client.get(ctx.url("/"), headers={"HX-Request": "true"}, follow_redirects=False)
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/foreign-office/ui/login")


def test_login_keeps_only_a_new_session_id_in_a_per_service_cookie() -> None:
    api, ctx, _ = web_app(FO, WORKERS[FO])
    with TestClient(api) as client:
        start = client.get(ctx.url("/login"), follow_redirects=False)
        assert start.headers["location"].startswith(IDP) and "code_challenge_method=S256" in start.headers["location"]
        cookie = start.headers["set-cookie"]
        assert cookie.startswith("kim_session_foreign_office=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/foreign-office/ui" in cookie
        pending = client.cookies.get("kim_session_foreign_office")
        assert pending
        log_in(client, ctx)
        signed_in = client.cookies.get("kim_session_foreign_office")
        assert signed_in and signed_in != pending  # no session fixation
        page = client.get(ctx.url("/"))
        assert page.status_code == 200
        assert '<html lang="de">' in page.text and "Meine Fälle" in page.text
        staff = WORKERS[FO].staff_id or "?"
        assert staff in page.text and "Sachbearbeitung Ausländerbehörde" in page.text
        assert "access_token" not in page.text and WORKERS[FO].token()[:20] not in page.text


def test_the_case_page_shows_timeline_summary_perspective_and_logs_the_read() -> None:
    api, ctx, _ = web_app(FO, WORKERS[FO])
    with TestClient(api) as client:
        case = seed_case(api, FO)
        log_in(client, ctx)
        cases = client.get(ctx.url("/"))
        assert f"/foreign-office/ui/cases/{case}" in cases.text
        page = client.get(ctx.url(f"/cases/{case}"))
        assert page.status_code == 200, page.text
        for text in ("Gilt ab", "Erfasst am", "Duldung erteilt", "Perspektive", "Es entscheidet immer ein Mensch"):
            assert text in page.text
        assert "Rechtsgrundlage" in page.text and "Regelversion" in page.text
        # an overview of every pathway (status, prerequisites counted by state), each linking to its details
        overview = page.text.split("Übersicht der Wege:")[1].split("</table>")[0]
        pathways = page.text.count('class="kim-details kim-pathway__details"')
        assert pathways > 5 and overview.count('href="#weg-') == pathways
        assert "unbekannt" in overview
        logged = [e for e in api.state.container.access_log.entries() if e.case_id == case or e.subject_id == case]
        routes = {e.route for e in logged}
        assert {"GET /foreign-office/ui/", "GET /foreign-office/ui/cases/{case_id}"} <= routes
        assert {e.accessor.actor for e in logged} == {WORKERS[FO].staff_id}
        panel = client.get(ctx.url(f"/cases/{case}/perspective?on=2030-01-01"), headers={"HX-Request": "true"})
        assert panel.status_code == 200 and "01.01.2030" in panel.text and "<html" not in panel.text
        wrong = client.get(ctx.url(f"/cases/{case}?on=2030-02-30"))
        assert 'aria-describedby="on-hinweis on-fehler"' in wrong.text


def test_roles_without_a_read_right_get_a_german_403_and_an_unknown_case_a_404() -> None:
    api, ctx, provider = web_app(FO, OPERATOR)
    with TestClient(api) as client:
        log_in(client, ctx)
        page = client.get(ctx.url("/"))
        assert page.status_code == 403 and "Kein Zugriff" in page.text
    provider.staff = WORKERS[FO]
    with TestClient(api) as client:
        log_in(client, ctx)
        missing = client.get(ctx.url(f"/cases/{uuid4()}"))
        assert missing.status_code == 404 and "Nicht gefunden" in missing.text


def test_logout_needs_the_csrf_token_and_ends_the_identity_providers_session_too() -> None:
    api, ctx, provider = web_app(FO, WORKERS[FO])
    with TestClient(api) as client:
        log_in(client, ctx)
        refused = client.post(ctx.url("/logout"), data={"csrf_token": "wrong"}, follow_redirects=False)
        assert refused.status_code == 403 and "Sicherheitsprüfung" in refused.text
        page = client.get(ctx.url("/"))
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        foreign = client.post(
            ctx.url("/logout"),
            data={"csrf_token": token},
            headers={"Origin": "http://evil.test"},
            follow_redirects=False,
        )
        assert foreign.status_code == 403
        out = client.post(ctx.url("/logout"), data={"csrf_token": token}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"].startswith(f"{IDP}/logout")
        assert provider.logged_out == ["id-token"]
        assert client.get(ctx.url("/"), follow_redirects=False).status_code == 303


def test_one_services_session_does_not_authenticate_at_another() -> None:
    fo_api, fo, _ = web_app(FO, WORKERS[FO])
    kobiz_api, kobiz, _ = web_app(Service.KOBIZ, WORKERS[Service.KOBIZ])
    with TestClient(fo_api) as fo_client, TestClient(kobiz_api) as kobiz_client:
        log_in(fo_client, fo)
        stolen = fo_client.cookies.get(fo.cookie_name)
        assert fo.cookie_name != kobiz.cookie_name
        kobiz_client.cookies.set(kobiz.cookie_name, stolen or "", path=kobiz.prefix)
        assert kobiz_client.get(kobiz.url("/"), follow_redirects=False).status_code == 303


def test_an_access_token_about_to_expire_is_refreshed_on_the_server() -> None:
    api, ctx, provider = web_app(FO, WORKERS[FO])
    provider.lifetime_s = 20  # within the refresh margin
    with TestClient(api) as client:
        log_in(client, ctx)
        assert client.get(ctx.url("/")).status_code == 200
        assert provider.refreshed == 1


@pytest.mark.parametrize(("idle", "age", "expired"), [(30, 29, False), (30, 31, True)])
def test_sessions_expire_when_idle_and_absolutely(idle: int, age: int, expired: bool) -> None:
    policy = SessionPolicy(idle=timedelta(minutes=idle), absolute=timedelta(hours=10))
    sessions = Sessions(MemorySessionStore(), policy)
    now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    tokens = Tokens("a", "r", "i", now + timedelta(minutes=5), None)
    session_id, _ = sessions.sign_in(None, tokens, "st-x", (), now)
    assert (sessions.find(session_id, now + timedelta(minutes=age)) is None) is expired
    fresh_id, _ = sessions.sign_in(None, tokens, "st-x", (), now)
    for minutes in range(20, 11 * 60, 20):  # kept alive, but not beyond the absolute lifetime
        found = sessions.find(fresh_id, now + timedelta(minutes=minutes))
        if minutes > 10 * 60:
            assert found is None
            break
        assert found is not None
