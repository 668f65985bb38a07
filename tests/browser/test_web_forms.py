"""A foreign-office caseworker opens a file, links it to the KIM case, records a Duldung and clarifies identity.

The forms post with htmx (the layout's CSRF header); a form with errors shows them beside the
fields with a summary linking to them. On the full stack the saved entries travel through the
foreign office's relay, Kafka and its projector: after each submit the page waits, bounded,
for its view and swaps in the timeline with the new entry. axe-core: zero WCAG 2.1 A/AA
violations on the case page with its forms, the form with errors and the page after the saves.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from shared.service import Service
from tests.browser.conftest import Server
from tests.browser.helpers import checked, login_as, new_context
from tests.browser.world import CASEWORKER, Api, days_ago, event_types, seed_case


def test_a_caseworker_records_a_duldung_and_clarifies_identity_through_the_forms(
    browser: Browser, servers: dict[Service, Server], api: Api, artifacts: Path
) -> None:
    fo = servers[Service.FOREIGN_OFFICE]
    case = seed_case(api, counsellor=False)
    api.history(CASEWORKER, Service.FOREIGN_OFFICE, case.case_id, case.position)  # the consent made it known
    context = new_context(browser)
    page = context.new_page()
    page.goto(fo.url(f"/cases/{case.case_id}"))
    login_as(page, CASEWORKER)
    expect(page.get_by_role("heading", name="Erfassen")).to_be_visible()
    expect(page.get_by_text("noch keine Akte")).to_be_visible()
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

    # The file joins the KIM case: from now on its entries reach the case's views.
    page.locator("summary").filter(has_text=re.compile("^Mit KIM-Fall verknüpfen$")).click()
    page.fill("#formular-link-to-kim-case-linked-on", days_ago(1).isoformat())
    page.locator("#formular-link-to-kim-case").get_by_role("button", name="Mit KIM-Fall verknüpfen – speichern").click()
    expect(page.get_by_text("„Mit KIM-Fall verknüpfen“ ist gespeichert und steht im Verlauf")).to_be_visible()
    expect(page.get_by_role("heading", name="Ausländerakte verknüpft")).to_be_visible()

    page.locator("summary").filter(has_text=re.compile("^Duldung erteilen$")).click()
    stay = page.locator("#formular-issue-tolerated-stay")
    stay.locator("#formular-issue-tolerated-stay-subtype").select_option("60a")
    stay.locator("#formular-issue-tolerated-stay-ground-code").select_option("no_travel_documents")
    page.fill("#formular-issue-tolerated-stay-valid-from", days_ago(30).isoformat())
    page.fill("#formular-issue-tolerated-stay-valid-until", days_ago(-300).isoformat())
    page.check("#formular-issue-tolerated-stay-work-permitted")
    page.check("#formular-issue-tolerated-stay-residence-condition-2")
    checked(page, artifacts, "foreign-office-formular-duldung")  # the open form: selects, radios, a checkbox
    stay.get_by_role("button", name="Duldung erteilen – speichern").click()
    expect(page.get_by_text("„Duldung erteilen“ ist gespeichert und steht im Verlauf")).to_be_visible()
    expect(page.get_by_role("heading", name="Duldung erteilt")).to_be_visible()

    page.locator("summary").filter(has_text=re.compile("^Identität geklärt$")).click()
    page.fill("#formular-clarify-identity-clarified-on", days_ago(2).isoformat())
    page.locator("#formular-clarify-identity-method").select_option("passport")
    page.locator("#formular-clarify-identity").get_by_role("button", name="Identität geklärt – speichern").click()
    expect(page.get_by_text("„Identität geklärt“ ist gespeichert und steht im Verlauf")).to_be_visible()
    expect(page.locator("#verlauf").get_by_role("heading", name="Identität geklärt")).to_be_visible()
    checked(page, artifacts, "foreign-office-formular-gespeichert")

    # A new load shows the same: the summary holds the Duldung and the clarified identity.
    page.reload()
    summary = page.locator("section", has=page.get_by_role("heading", name="Zusammenfassung"))
    expect(summary.get_by_text("Beschäftigung erlaubt")).to_be_visible()
    expect(summary.get_by_text("geklärt (")).to_be_visible()
    checked(page, artifacts, "foreign-office-fall-nach-erfassung")
    held = event_types(api.history(CASEWORKER, Service.FOREIGN_OFFICE, case.case_id))
    assert {"ResidenceFileLinked", "ToleratedStayIssued", "IdentityClarified"} <= set(held), held
    context.close()
