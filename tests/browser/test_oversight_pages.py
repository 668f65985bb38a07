"""The operator's and the data-protection officer's pages in a real browser, on the full stack.

``test.betrieb`` (operator) opens "Betrieb" with a record the foreign office's projector parked (an
unreadable record produced straight to Kobiz's topic); ``test.bola.dsb`` (data-protection officer)
opens the access log, reviews an emergency grant a caseworker asked for and ended through the API
(first without a note: the error beside the field) and opens Keycloak's admin events (or the
notice that they cannot be read). Every page is checked with axe-core (WCAG 2.1 A/AA, zero
violations) and photographed.
"""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from kafka import KafkaProducer
from playwright.sync_api import Browser, expect

from shared.service import Service
from tests.browser.conftest import Server
from tests.browser.helpers import checked, login_as, new_context, reload_until
from tests.browser.world import CASEWORKER, Api, seed_case
from tests.stack import Stack
from tests.support.realm import DPO_USER, OPERATOR_USER


def park_a_record(stack: Stack) -> str:
    """An unreadable record on Kobiz's topic, as a broken producer would write it; its position."""
    producer = KafkaProducer(
        bootstrap_servers=stack.infra_settings.kafka_bootstrap,
        acks="all",
        client_id="kim-browser-poisoner",
        **stack.infra_settings.kafka_test_admin().client_config(),  # no service may write another's topic
    )
    try:
        sent = producer.send(
            stack.topic(Service.KOBIZ), key=str(uuid4()).encode(), value=b"\xff not json", headers=[("ce_type", b"x")]
        ).get(30)
    finally:
        producer.close()
    return f"{sent.topic}/{sent.partition}@{sent.offset}"


def grant_to_review(api: Api) -> tuple[str, str]:
    """An emergency grant a foreign-office caseworker asked for and ended: it awaits review; (grant, case)."""
    case = seed_case(api, counsellor=False)
    api.history(CASEWORKER, Service.FOREIGN_OFFICE, case.case_id, case.position)
    reason = "Notfall: Akte dringend für eine Vorsprache benötigt"
    body = {"subject_id": case.case_id, "reason": reason, "minutes": 15, "emergency": True}
    grant = str(api.post(CASEWORKER, Service.FOREIGN_OFFICE, "/foreign-office/break-glass", body)["id"])
    api.post(CASEWORKER, Service.FOREIGN_OFFICE, f"/foreign-office/break-glass/{grant}/end", {})
    return grant, case.case_id


def test_the_operators_page(
    browser: Browser, servers: dict[Service, Server], full_stack: Stack, artifacts: Path
) -> None:
    fo = servers[Service.FOREIGN_OFFICE]
    parked = park_a_record(full_stack)
    context = new_context(browser)
    page = context.new_page()
    page.goto(fo.url("/betrieb"))
    login_as(page, OPERATOR_USER)
    expect(page.get_by_role("heading", name="Betrieb", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("navigation", name="Betrieb und Datenschutz")).to_contain_text("Betrieb")
    expect(page.get_by_text("Rückstand des Relays")).to_be_visible()
    reload_until(page, lambda: page.get_by_text(parked).count() > 0, f"the parked record {parked} on Betrieb")
    expect(page.get_by_role("button", name="Alle offenen erneut einspielen")).to_be_visible()
    checked(page, artifacts, "foreign-office-betrieb")
    refused = context.request.get(fo.url("/datenschutz/zugriffe"))
    assert refused.status == 403
    context.close()


def test_the_data_protection_officers_pages(
    browser: Browser, servers: dict[Service, Server], api: Api, artifacts: Path
) -> None:
    fo = servers[Service.FOREIGN_OFFICE]
    grant, case_id = grant_to_review(api)
    context = new_context(browser)
    page = context.new_page()
    page.goto(fo.url("/datenschutz/zugriffe"))
    login_as(page, DPO_USER)
    expect(page.get_by_role("heading", name="Zugriffsprotokoll", exact=True)).to_be_visible()
    page.fill("#case", case_id)
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
