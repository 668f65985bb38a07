"""The operator's and the data-protection officer's pages in a real browser, with the real Keycloak.

``test.betrieb`` (operator) opens "Betrieb" with a parked record; ``test.bola.dsb`` (data-protection
officer) opens the access log, reviews an ended emergency grant (first without a note: the error
beside the field) and opens Keycloak's admin events (or the notice that they cannot be read).
Every page is checked with axe-core (WCAG 2.1 A/AA, zero violations) and photographed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

from playwright.sync_api import Browser, Page, expect

from shared.access.break_glass import Approver
from shared.application.break_glass import RequestBreakGlass
from shared.identity.roles import Role
from shared.service import Service
from tests.browser.conftest import TEST_SECRET, Server
from tests.browser.test_web_journey import checked
from tests.support.projection_suite import KOBIZ_TOPIC, Feed

OPERATOR_USER = "test.betrieb"
DPO_USER = "test.bola.dsb"


def login_as(page: Page, username: str) -> None:
    expect(page.locator("#username")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", TEST_SECRET)
    page.click("#kc-login")


def park_a_record(server: Server) -> None:
    """An unreadable record parked in the service's view (on a partition no other test uses)."""
    store = server.api.state.container.store
    record = Feed(server.service).poison(KOBIZ_TOPIC, partition=7)
    stored = store.load_offsets()
    store.apply_batch([record], {record.tp: stored.get(record.tp)}, today=date(2026, 6, 1))


def grant_to_review(server: Server) -> UUID:
    glass = server.api.state.container.break_glass
    who = Approver("st-te9999", frozenset({Role.FOREIGN_OFFICE_CASEWORKER}), frozenset({"foreign_office"}))
    reason = "Notfall: Akte dringend für eine Vorsprache benötigt"
    grant = glass.request(who, RequestBreakGlass(subject_id=server.case_id, reason=reason, minutes=15, emergency=True))
    glass.end(grant.id, who)
    return UUID(str(grant.id))


def test_the_operators_page(browser: Browser, servers: dict[Service, Server], artifacts: Path) -> None:
    fo = servers[Service.FOREIGN_OFFICE]
    park_a_record(fo)
    context = browser.new_context(bypass_csp=True, locale="de-DE")  # bypass: axe is injected as a script
    page = context.new_page()
    page.goto(fo.url("/betrieb"))
    login_as(page, OPERATOR_USER)
    expect(page.get_by_role("heading", name="Betrieb", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("navigation", name="Betrieb und Datenschutz")).to_contain_text("Betrieb")
    expect(page.get_by_text("Rückstand des Relays")).to_be_visible()
    expect(page.get_by_role("button", name="Alle offenen erneut einspielen")).to_be_visible()
    expect(page.get_by_text(f"{KOBIZ_TOPIC}/7@0").first).to_be_visible()
    checked(page, artifacts, "foreign-office-betrieb")
    refused = context.request.get(fo.url("/datenschutz/zugriffe"))
    assert refused.status == 403
    context.close()


def test_the_data_protection_officers_pages(browser: Browser, servers: dict[Service, Server], artifacts: Path) -> None:
    fo = servers[Service.FOREIGN_OFFICE]
    grant = grant_to_review(fo)
    context = browser.new_context(bypass_csp=True, locale="de-DE")
    page = context.new_page()
    page.goto(fo.url("/datenschutz/zugriffe"))
    login_as(page, DPO_USER)
    expect(page.get_by_role("heading", name="Zugriffsprotokoll", exact=True)).to_be_visible()
    page.fill("#case", str(fo.case_id))
    page.click("form.kim-filters button[type=submit]")
    expect(page.get_by_role("heading", name="Einträge")).to_be_visible()
    checked(page, artifacts, "foreign-office-zugriffsprotokoll")
    page.goto(fo.url("/datenschutz/zugriffe"))  # the read just made is logged, with the page's route
    expect(page.get_by_text("GET /foreign-office/ui/datenschutz/zugriffe").first).to_be_visible()
    checked(page, artifacts, "foreign-office-zugriffsprotokoll-eintraege")

    page.click("text=Break-Glass-Prüfung")
    expect(page.get_by_role("heading", name="Break-Glass-Prüfung", exact=True)).to_be_visible()
    checked(page, artifacts, "foreign-office-break-glass")
    form = page.locator(f"form[action$='/datenschutz/break-glass/{grant}/pruefung']")
    form.locator("button[type=submit]").click()
    expect(page.locator(f"#note-{grant}-fehler")).to_be_visible()
    checked(page, artifacts, "foreign-office-break-glass-fehler")
    page.fill(f"#note-{grant}", "Zugriff war begründet.")
    page.locator(f"form[action$='/datenschutz/break-glass/{grant}/pruefung'] button[type=submit]").click()
    expect(page.get_by_text("Die Prüfung ist gespeichert.")).to_be_visible()

    page.click("text=Rollenänderungen (Keycloak)")
    expect(page.get_by_role("heading", name="Rollen- und Gruppenänderungen")).to_be_visible()
    checked(page, artifacts, "foreign-office-rollenaenderungen")
    context.close()
