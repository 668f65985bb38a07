"""Across departments, in two browsers at once: Kobiz records, the foreign office sees what it may.

The person consented to the foreign office holding the person's, the case's and language facts, but gave no
secrecy release for counselling. A Kobiz counsellor records a counselling session and an A2
certificate through Kobiz's forms. The foreign office's case page first shows the § 25b language
prerequisite as "unbekannt"; once the pipeline (Kobiz's relay, Kafka, the foreign office's
projector) delivers the certificate, a new load shows "erfüllt" — the counselling session never
shows, only the notice that entries are withheld. After the person revokes the consent (the intake
clerk records it on intake's case page), the foreign office's next load shows neither the
certificate nor the met prerequisite. With the secrecy release, the foreign office sees the
counselling codes, never the notes. Every state is checked with axe-core and photographed.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from uuid import uuid4

from playwright.sync_api import Browser, Page, expect

from shared.service import Service
from tests.browser.conftest import Server
from tests.browser.helpers import checked, login_as, new_context, prerequisite, reload_until
from tests.browser.world import (
    CASEWORKER,
    CLERK,
    COUNSELLOR,
    WITH_COUNSELLING,
    Api,
    Case,
    counsel,
    days_ago,
    event_types,
    seed_case,
)

PATHWAY_25B = re.compile(r"\(§ 25b AufenthG\)")
GERMAN_A2 = "Hinreichende mündliche Deutschkenntnisse (A2)"
WITHHELD = "Nicht alle Einträge sind sichtbar"


def a2_status(page: Page) -> str:
    return prerequisite(page, PATHWAY_25B, GERMAN_A2).inner_text().strip()


def record_through_kobiz(page: Page, case: Case, notes: str, certificate: str) -> None:
    """The counsellor's two forms on the Kobiz case page, filled in and sent."""
    page.locator("summary").filter(has_text=re.compile("^Perspektivberatung erfassen$")).click()
    session = page.locator("#formular-hold-counselling")
    session.locator("#formular-hold-counselling-held-on").fill(days_ago(20).isoformat())
    session.locator("#formular-hold-counselling-topic-codes").select_option(["language_course"])
    session.locator("#formular-hold-counselling-pathways-discussed").select_option(["AufenthG_25b"])
    session.locator("#formular-hold-counselling-next-step-codes").fill("book_a2_exam")
    session.locator("#formular-hold-counselling-notes").fill(notes)
    session.get_by_role("button", name="Perspektivberatung erfassen – speichern").click()
    expect(page.get_by_text("„Perspektivberatung erfassen“ ist gespeichert und steht im Verlauf")).to_be_visible()

    page.locator("summary").filter(has_text=re.compile("^Sprachzertifikat erfassen$")).click()
    form = page.locator("#formular-record-language-certificate")
    form.locator("#formular-record-language-certificate-level").select_option("A2")
    form.locator("#formular-record-language-certificate-exam-body").select_option("telc")
    form.locator("#formular-record-language-certificate-obtained-on").fill(days_ago(10).isoformat())
    form.locator("#formular-record-language-certificate-certificate-number").fill(certificate)
    form.get_by_role("button", name="Sprachzertifikat erfassen – speichern").click()
    expect(page.get_by_text("„Sprachzertifikat erfassen“ ist gespeichert und steht im Verlauf")).to_be_visible()
    timeline = page.locator("#verlauf")
    expect(timeline.get_by_role("heading", name="Perspektivberatung durchgeführt")).to_be_visible()
    expect(timeline.get_by_role("heading", name="Sprachzertifikat erworben")).to_be_visible()


def revoke_at_the_front_desk(page: Page, intake: Server, case: Case, artifacts: Path) -> None:
    """The intake clerk records the person's revocation on intake's case page (effective today).

    The clerk may take a revocation but not read consents (docs/access.md): the panel offers one
    form that revokes every live consent of the case.
    """
    page.goto(intake.url(f"/cases/{case.case_id}"))
    login_as(page, CLERK)
    panel = page.locator("#einwilligungen")
    form = panel.locator("#formular-revoke-all-consents")
    expect(form).to_be_visible()
    expect(panel.locator(f"#einwilligung-{case.consent_id}")).to_have_count(0)  # not listed for the clerk
    expect(form.locator("#formular-revoke-all-consents-effective-on")).to_have_value(date.today().isoformat())
    checked(page, artifacts, "intake-widerruf-formular")
    form.locator("#formular-revoke-all-consents-confirmed").check()
    form.get_by_role("button", name="Widerruf aller Einwilligungen erfassen – speichern").click()
    expect(panel.get_by_text("Der Widerruf ist erfasst.")).to_be_visible()
    checked(page, artifacts, "intake-widerruf-gespeichert")


def test_a_certificate_recorded_at_kobiz_meets_the_language_prerequisite_until_the_consent_is_revoked(
    browser: Browser, servers: dict[Service, Server], api: Api, artifacts: Path
) -> None:
    fo, kobiz, intake = servers[Service.FOREIGN_OFFICE], servers[Service.KOBIZ], servers[Service.INTAKE]
    case = seed_case(api)  # consent for the foreign office: case and language facts, no secrecy release
    api.history(CASEWORKER, Service.FOREIGN_OFFICE, case.case_id, case.position)
    notes, certificate = f"Vertraulich {uuid4().hex[:8]}", f"T-{uuid4().hex[:8]}"

    office = new_context(browser)
    fo_page = office.new_page()
    fo_page.goto(fo.url(f"/cases/{case.case_id}"))
    login_as(fo_page, CASEWORKER)
    expect(fo_page.get_by_role("heading", name="Perspektive")).to_be_visible()
    assert a2_status(fo_page) == "unbekannt"
    expect(fo_page.get_by_text(WITHHELD)).to_have_count(0)  # the consent covers all the case holds so far
    checked(fo_page, artifacts, "foreign-office-a2-unbekannt")

    counselling = new_context(browser)
    kobiz_page = counselling.new_page()
    kobiz_page.goto(kobiz.url(f"/cases/{case.case_id}"))
    login_as(kobiz_page, COUNSELLOR)
    expect(kobiz_page.get_by_role("heading", name="Erfassen")).to_be_visible()
    checked(kobiz_page, artifacts, "kobiz-fall-formulare")
    record_through_kobiz(kobiz_page, case, notes, certificate)
    checked(kobiz_page, artifacts, "kobiz-beratung-und-zertifikat-gespeichert")
    counselling.close()

    # The foreign office's next loads, until the pipeline delivered the certificate.
    reload_until(fo_page, lambda: a2_status(fo_page) == "erfüllt", "the A2 prerequisite met at the foreign office")
    timeline = fo_page.locator("#verlauf")
    expect(timeline.get_by_role("heading", name="Sprachzertifikat erworben")).to_be_visible()
    expect(timeline.get_by_role("heading", name="Perspektivberatung durchgeführt")).to_have_count(0)
    expect(fo_page.get_by_text(WITHHELD)).to_be_visible()  # the counselling session, without a trace of content
    content = fo_page.content()
    assert notes not in content and certificate not in content
    checked(fo_page, artifacts, "foreign-office-a2-erfuellt")

    # The person revokes the consent at the KIM front door, through intake's page; the foreign office's view lets go.
    desk = new_context(browser)
    revoke_at_the_front_desk(desk.new_page(), intake, case, artifacts)
    desk.close()
    revoked = timeline.get_by_role("heading", name="Einwilligung widerrufen")
    reload_until(fo_page, lambda: revoked.count() == 1, "the revocation at the foreign office")
    expect(timeline.get_by_role("heading", name="Sprachzertifikat erworben")).to_have_count(0)
    expect(fo_page.get_by_text(WITHHELD)).to_be_visible()
    assert a2_status(fo_page) == "unbekannt"
    checked(fo_page, artifacts, "foreign-office-nach-widerruf")
    office.close()


def test_counselling_codes_reach_the_foreign_office_only_with_the_secrecy_release(
    browser: Browser, servers: dict[Service, Server], api: Api, artifacts: Path
) -> None:
    fo = servers[Service.FOREIGN_OFFICE]
    case = seed_case(api, foreign_office=WITH_COUNSELLING)
    notes = f"Vertraulich {uuid4().hex[:8]}"
    held = api.history(CASEWORKER, Service.FOREIGN_OFFICE, case.case_id, counsel(api, case, notes))
    assert "PerspectiveCounsellingHeld" in event_types(held)

    context = new_context(browser)
    page = context.new_page()
    page.goto(fo.url(f"/cases/{case.case_id}"))
    login_as(page, CASEWORKER)
    entry = page.locator("#verlauf li").filter(has=page.get_by_role("heading", name="Perspektivberatung durchgeführt"))
    expect(entry).to_have_count(1)
    entry.locator("summary").click()
    expect(entry.locator(".kim-fields")).to_contain_text("language_course")  # the topic's code
    assert notes not in page.content()
    expect(page.get_by_text(WITHHELD)).to_have_count(0)
    checked(page, artifacts, "foreign-office-beratung-mit-schweigepflichtentbindung")
    context.close()
