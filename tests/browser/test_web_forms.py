"""A foreign-office caseworker records a Duldung and clarifies identity through the case page's forms.

The forms post with htmx (the layout's CSRF header); a form with errors shows them beside the
fields with a summary linking to them. axe-core: zero WCAG 2.1 A/AA violations on the case page
with its forms and on the form with errors. The browser suite runs no relay or projector: the
file is not linked to the KIM case here, so its entries stay in the foreign office (the page says
so) and nothing is waited for; the timeline's update after a submit is tested in
tests/unit/web/test_forms.py on the in-memory pipeline.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from shared.service import Service
from tests.browser.conftest import Server
from tests.browser.test_web_journey import checked, keycloak_login


def test_a_caseworker_records_a_duldung_and_clarifies_identity_through_the_forms(
    browser: Browser, servers: dict[Service, Server], artifacts: Path
) -> None:
    fo = servers[Service.FOREIGN_OFFICE]
    context = browser.new_context(bypass_csp=True, locale="de-DE")  # bypass: axe is injected as a script
    page = context.new_page()
    page.goto(fo.url(f"/cases/{fo.case_id}"))
    keycloak_login(page)
    expect(page.get_by_role("heading", name="Erfassen")).to_be_visible()
    opening = page.locator("#formular-open-file")
    expect(opening).to_be_visible()
    checked(page, artifacts, "foreign-office-fall-formulare")

    # Sent without the required fields: German errors beside the fields, a summary linking to them.
    opening.get_by_role("button", name="Akte anlegen – speichern").click()
    expect(page.locator("#formular-open-file-family-name-fehler")).to_have_text("Bitte ausfüllen.")
    expect(page.get_by_role("link", name="Familienname: Bitte ausfüllen.")).to_be_visible()
    expect(page.locator("#formular-open-file-family-name")).to_have_attribute("aria-invalid", "true")
    checked(page, artifacts, "foreign-office-formular-fehler")

    page.fill("#formular-open-file-family-name", "Muster")
    page.fill("#formular-open-file-given-names", "Eva")
    page.fill("#formular-open-file-birth-date", "1990-05-01")
    page.locator("#formular-open-file").get_by_role("button", name="Akte anlegen – speichern").click()
    expect(page.get_by_text("„Akte anlegen“ ist gespeichert")).to_be_visible()

    page.locator("summary").filter(has_text=re.compile("^Duldung erteilen$")).click()
    stay = page.locator("#formular-issue-tolerated-stay")
    stay.locator("#formular-issue-tolerated-stay-subtype").select_option("60a")
    stay.locator("#formular-issue-tolerated-stay-ground-code").select_option("no_travel_documents")
    page.fill("#formular-issue-tolerated-stay-valid-from", "2026-01-01")
    page.fill("#formular-issue-tolerated-stay-valid-until", "2026-12-31")
    page.check("#formular-issue-tolerated-stay-work-permitted")
    page.check("#formular-issue-tolerated-stay-residence-condition-2")
    stay.get_by_role("button", name="Duldung erteilen – speichern").click()
    expect(page.get_by_text("„Duldung erteilen“ ist gespeichert")).to_be_visible()

    page.locator("summary").filter(has_text=re.compile("^Identität geklärt$")).click()
    page.fill("#formular-clarify-identity-clarified-on", "2026-02-01")
    page.locator("#formular-clarify-identity-method").select_option("passport")
    page.locator("#formular-clarify-identity").get_by_role("button", name="Identität geklärt – speichern").click()
    expect(page.get_by_text("„Identität geklärt“ ist gespeichert")).to_be_visible()
    checked(page, artifacts, "foreign-office-formular-gespeichert")

    file = fo.api.state.container.app
    topics, start = [], 1
    while section := file.notification_log.select(start, 10):
        topics += [n.topic for n in section]
        start = section[-1].id + 1
    stored = " ".join(topics)
    assert "ToleratedStayIssued" in stored and "IdentityClarified" in stored, stored
    context.close()
