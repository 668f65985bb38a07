"""A member of staff in a real browser: Keycloak login, "Meine Fälle", the case page, the Perspektive, logout.

Every page of ours that the journey reaches is checked with axe-core (WCAG 2.1 A and AA, zero
violations) and photographed into .kim/test-artifacts/browser/. The case comes through the
APIs (tests/browser/world.py): registered at intake with a consent for the foreign office, its
residence file with a Duldung linked by the foreign office.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from shared.service import Service
from tests.browser.conftest import USER, Server
from tests.browser.helpers import axe_violations, checked, login_as, new_context
from tests.browser.world import CASEWORKER, Api, seed_case

__all__ = ["axe_violations", "checked"]  # the journeys' helpers, also imported from here


def test_login_cases_case_page_perspective_and_logout(
    browser: Browser, servers: dict[Service, Server], api: Api, artifacts: Path
) -> None:
    fo, kobiz = servers[Service.FOREIGN_OFFICE], servers[Service.KOBIZ]
    case = seed_case(api, counsellor=False, residence_file=True)
    api.history(CASEWORKER, Service.FOREIGN_OFFICE, case.case_id, case.position)
    context = new_context(browser)
    page = context.new_page()

    page.goto(fo.url("/"))
    login_as(page, USER)
    expect(page.get_by_role("heading", name="Meine Fälle")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator(".kim-staff-id")).to_have_text("st-te5701")
    checked(page, artifacts, "foreign-office-meine-faelle")

    page.click(f"a[href='/foreign-office/ui/cases/{case.case_id}']")
    expect(page.get_by_role("heading", name="Perspektive")).to_be_visible()
    expect(page.get_by_text("Es entscheidet immer ein Mensch")).to_be_visible()
    expect(page.get_by_text("Gilt ab").first).to_be_visible()
    expect(page.get_by_text("Erfasst am").first).to_be_visible()
    expect(page.get_by_role("heading", name="Duldung erteilt")).to_be_visible()
    checked(page, artifacts, "foreign-office-fall")

    page.fill("#on", "2030-01-01")
    page.click("#perspektive button[type=submit]")
    expect(page.get_by_text("Bewertet zum 01.01.2030")).to_be_visible()
    checked(page, artifacts, "foreign-office-perspektive-2030")

    # The pathways' overview links to each pathway's prerequisites, which open as a disclosure.
    overview = page.get_by_role("region", name="Übersicht der Wege")
    first = overview.get_by_role("link").first
    target = (first.get_attribute("href") or "").removeprefix("#")
    first.click()
    page.locator(f"#{target} > summary").click()
    expect(page.locator(f"#{target}")).to_have_attribute("open", "")
    checked(page, artifacts, "foreign-office-perspektive-weg-offen")

    # "Fristen": the deadlines across the cases, here within 90 days (the Duldung ends in 60).
    page.get_by_role("navigation", name="Dienststelle").get_by_role("link", name="Fristen").click()
    expect(page.get_by_role("heading", name="Fristen", exact=True)).to_be_visible()
    checked(page, artifacts, "foreign-office-fristen")
    page.select_option("#horizon", "90")
    page.locator("form").filter(has=page.locator("#horizon")).get_by_role("button").first.click()
    expect(page.locator("#horizon")).to_have_value("90")
    checked(page, artifacts, "foreign-office-fristen-90-tage")

    # The foreign office's cookie is sent only to its own pages, and opens nothing at Kobiz.
    cookies = {c["name"]: c for c in context.cookies()}
    session = cookies["kim_session_foreign_office"]
    assert session["path"] == "/foreign-office/ui" and session["httpOnly"] and session["sameSite"] == "Lax"
    at_kobiz = context.request.get(kobiz.url("/"), max_redirects=0)
    assert at_kobiz.status == 303 and "/kobiz/ui/login" in at_kobiz.headers["location"]
    forged = context.request.get(
        kobiz.url("/"), max_redirects=0, headers={"Cookie": f"kim_session_kobiz={session['value']}"}
    )
    assert forged.status == 303

    page.click("text=Abmelden")
    expect(page.get_by_role("heading", name="Sie sind abgemeldet")).to_be_visible()
    checked(page, artifacts, "foreign-office-abgemeldet")
    assert "kim_session_foreign_office" not in {c["name"] for c in context.cookies()}

    # Keycloak's session ended too: the next login asks for the password again.
    page.goto(fo.url("/"))
    expect(page.locator("#password")).to_be_visible()
    login_as(page, USER)
    expect(page.get_by_role("heading", name="Meine Fälle")).to_be_visible()
    context.close()


def test_an_out_of_reach_case_is_a_german_404_page(
    browser: Browser, servers: dict[Service, Server], artifacts: Path
) -> None:
    kobiz = servers[Service.KOBIZ]
    context = new_context(browser)
    page = context.new_page()
    page.goto(kobiz.url("/cases/00000000-0000-4000-8000-000000000000"))
    login_as(page, USER)
    expect(page.get_by_role("heading", name="Nicht gefunden")).to_be_visible()
    checked(page, artifacts, "kobiz-404")
    page.goto(kobiz.url("/"))
    expect(page.get_by_role("heading", name="Meine Fälle")).to_be_visible()
    checked(page, artifacts, "kobiz-meine-faelle")
    context.close()
