"""At the front desk: the intake clerk finds no person, registers two with a duplicate check, and captures a consent.

The clerk searches for a person who is not registered yet ("Keine Person gefunden"), opens
"Neue Person erfassen", sends the form empty first (German errors beside the fields), then
registers the person and lands on the new case. A second person with the same birth date and a
similar name (Müller/Mueller) is shown the likely duplicate before anything is stored; the clerk
confirms that it is somebody else and lands on that case. The search then finds the person by
name, by birth date and by the 8-character case number. On the case page the clerk reads the
consent form's text and captures the consent: first with counselling for the foreign office but
without the secrecy release (the German error beside that row), then as the person signed it.
The clerk may record consents but not read them (docs/access.md), so the panel offers only the
revocation; intake's team lead, who reads the department's consents, sees it listed with its
recipients and categories, and intake's file read through the API holds it with the chosen
scopes. Every page reached is checked with axe-core and photographed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

from shared.service import Service
from tests.browser.conftest import Server
from tests.browser.helpers import checked, login_as, matrix_row, new_context, reload_until
from tests.browser.world import CLERK, INTAKE_LEAD, Api

FAMILY_NAME, GIVEN_NAMES = "Müller", "Leyla Amal"
"""The first person; the second is registered as "Mueller, Leyla" with the same birth date."""
BIRTH_DATE = "1991-03-14"
CASE_PAGE = re.compile(r"/intake/ui/cases/([0-9a-f-]{36})$")
FORM_VERSION = "KIM-EW-2025-1"
CHOSEN = ["identity", "status", "language_education"]


def fill_person(page: Page, family_name: str, given_names: str) -> None:
    prefix = "#formular-register-person"
    page.fill(f"{prefix}-family-name", family_name)
    page.fill(f"{prefix}-given-names", given_names)
    page.fill(f"{prefix}-birth-date", BIRTH_DATE)
    page.fill(f"{prefix}-languages", "ar")
    page.fill(f"{prefix}-claimed-nationalities", "SYR")


def landed_on_case(page: Page, artifacts: Path, name: str) -> str:
    """After a registration: the new case's page (at once, or through the page "Person erfasst"); its id."""
    saved = page.locator("#neuer-fall")
    expect(page.locator("#person").or_(saved)).to_be_visible(timeout=30_000)
    if saved.count():
        checked(page, artifacts, f"{name}-gespeichert")
        saved.click()
        reload_until(page, lambda: page.locator("#person").count() == 1, "the new case in intake's view")
    found = CASE_PAGE.search(page.url)
    assert found, page.url
    case_id = found[1]
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Fall {case_id[:8]}")
    checked(page, artifacts, name)
    return case_id


def search(page: Page, intake: Server, **criteria: str) -> None:
    """The search page, the criteria typed in, "Suchen"."""
    page.goto(intake.url("/personen"))
    for name, value in criteria.items():
        page.fill(f"#suche-{name.replace('_', '-')}", value)
    page.click("#personensuche-suchen")
    expect(page.locator("#suchergebnis")).to_be_visible()


def case_link(page: Page, case_id: str) -> Locator:
    return page.locator("#suchergebnis").get_by_role("link", name=re.compile(f"^Fall {case_id[:8]}"))


def test_the_front_desk_registers_a_person_with_a_duplicate_check_and_captures_a_consent(
    browser: Browser, servers: dict[Service, Server], api: Api, artifacts: Path
) -> None:
    intake = servers[Service.INTAKE]
    desk = new_context(browser)
    page = desk.new_page()
    page.goto(intake.url("/personen"))
    login_as(page, CLERK)
    expect(page.get_by_role("heading", name="Person suchen")).to_be_visible()
    checked(page, artifacts, "intake-personensuche")

    # Not registered yet: the search says so and offers the registration.
    search(page, intake, family_name=FAMILY_NAME, birth_date=BIRTH_DATE)
    results = page.locator("#suchergebnis")
    expect(results).to_contain_text("Keine Person gefunden, die allen Kriterien entspricht.")
    expect(results.get_by_role("row")).to_have_count(0)
    checked(page, artifacts, "intake-personensuche-ohne-treffer")

    page.click("#neue-person")
    expect(page.get_by_role("heading", name="Person erfassen", level=1)).to_be_visible()
    register = page.locator("#formular-register-person")
    expect(page.locator("#formular-register-person-registered-on")).to_have_value(date.today().isoformat())
    checked(page, artifacts, "intake-person-erfassen")

    # Sent empty: German errors beside the required fields, a summary linking to them; nothing stored.
    page.click("#formular-register-person-speichern")
    for field in ("family-name", "given-names", "birth-date"):
        expect(page.locator(f"#formular-register-person-{field}-fehler")).to_have_text("Bitte ausfüllen.")
        expect(page.locator(f"#formular-register-person-{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("link", name="Familienname: Bitte ausfüllen.")).to_be_visible()
    expect(page.locator("#moegliche-dubletten")).to_have_count(0)
    checked(page, artifacts, "intake-person-erfassen-fehler")

    fill_person(page, FAMILY_NAME, GIVEN_NAMES)
    page.click("#formular-register-person-speichern")
    first = landed_on_case(page, artifacts, "intake-fall-neu")
    panel = page.locator("#person")
    expect(panel).to_contain_text(FAMILY_NAME)
    expect(panel).to_contain_text("14.03.1991")

    # Another person, the same birth date and a name spelled alike: the likely duplicate first, nothing stored.
    page.goto(intake.url("/personen/neu"))
    fill_person(page, "Mueller", "Leyla")
    page.click("#formular-register-person-speichern")
    duplicates = page.locator("#moegliche-dubletten")
    expect(duplicates).to_be_visible()
    expect(duplicates).to_contain_text("Diese Person ist möglicherweise schon erfasst")
    expect(duplicates.get_by_role("link", name=re.compile(f"^Fall {first[:8]}"))).to_be_visible()
    expect(duplicates.get_by_role("row").filter(has_text=f"{FAMILY_NAME}")).to_have_count(1)
    expect(page.locator("#formular-register-person-speichern")).to_have_text("Angaben erneut prüfen und speichern")
    confirm = page.locator("#formular-register-person-bestaetigen")
    expect(confirm).to_have_text("Keine dieser Personen ist die zu erfassende Person – neu erfassen")
    expect(register.locator("#formular-register-person-family-name")).to_have_value("Mueller")
    checked(page, artifacts, "intake-moegliche-dubletten")
    confirm.click()
    second = landed_on_case(page, artifacts, "intake-fall-nach-dublettenpruefung")
    assert second != first
    expect(page.locator("#person")).to_contain_text("Mueller")

    # The search finds the person by name, by birth date and by the case number as the pages show it.
    search(page, intake, family_name="Mueller", given_names="Leyla")
    expect(case_link(page, second)).to_be_visible()
    expect(case_link(page, first)).to_be_visible()  # Müller, folded alike
    checked(page, artifacts, "intake-personensuche-nach-name")
    search(page, intake, birth_date=BIRTH_DATE)
    expect(case_link(page, second)).to_be_visible()
    expect(page.locator("#suchergebnis tbody tr")).to_have_count(2)
    checked(page, artifacts, "intake-personensuche-nach-geburtsdatum")
    search(page, intake, case_number=second[:8])
    expect(page.locator("#suchergebnis tbody tr")).to_have_count(1)
    case_link(page, second).click()
    expect(page).to_have_url(CASE_PAGE)
    assert second in page.url
    capture_consent(page, artifacts)
    desk.close()

    # Intake's team lead reads the department's consents: the one captured, as the person gave it.
    office = new_context(browser)
    lead = office.new_page()
    lead.goto(intake.url(f"/cases/{second}"))
    login_as(lead, INTAKE_LEAD)
    consents = lead.locator("#einwilligungen article.kim-consent")
    expect(consents).to_have_count(1)
    listed = consents.first
    expect(listed).to_contain_text("gültig")
    expect(listed).to_contain_text(FORM_VERSION)
    row = listed.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text("Identität, Aufenthaltsstatus, Sprache und Bildung")
    expect(row.locator("td").nth(1)).to_have_text("nein")
    expect(listed.locator("details")).to_have_count(0)  # reading, not narrowing or revoking
    checked(lead, artifacts, "intake-einwilligung-leitung")
    consent_id = (listed.get_attribute("id") or "").removeprefix("einwilligung-")
    # The team lead's "Fristen": the team's deadlines and the cases nobody is assigned to.
    lead.get_by_role("navigation", name="Dienststelle").get_by_role("link", name="Fristen").click()
    expect(lead.get_by_role("heading", name="Ohne Zuständigkeit")).to_be_visible()
    checked(lead, artifacts, "intake-fristen-leitung")
    # The consent form's text as a page of its own (what a browser without JavaScript opens).
    lead.goto(intake.url(f"/consent-forms/text?form_version={FORM_VERSION}"))
    expect(lead.locator("main")).to_contain_text("widerrufen")
    checked(lead, artifacts, "intake-einwilligungstext")
    office.close()

    answer = api.client(INTAKE_LEAD, Service.INTAKE).get(f"/intake/cases/{second}/file")
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert [c["consent_id"] for c in record["consents"]] == [consent_id]
    consent = record["consents"][0]
    assert consent["scopes"] == [{"recipient": "foreign_office", "categories": CHOSEN, "secrecy_release": False}]
    assert consent["purpose"] == "prepare_application_25b"
    assert (consent["form_version"], consent["language"], consent["interpreter_used"]) == (FORM_VERSION, "ar", True)
    assert consent["valid_from"] == date.today().isoformat()
    assert consent["valid_until"] == (date.today() + timedelta(days=365)).isoformat()
    assert consent["revoked_on"] is None


def capture_consent(page: Page, artifacts: Path) -> None:
    """The form "Einwilligung erfassen" on intake's case page: the form's text read, one refusal, then saved."""
    page.locator("summary").filter(has_text=re.compile("^Einwilligung erfassen$")).click()
    form = page.locator("#formular-grant-consent")
    expect(form).to_be_visible()
    form.locator("#formular-grant-consent-form-version").select_option(FORM_VERSION)
    text = form.locator("#formular-grant-consent-form-version-text")
    expect(text).to_be_hidden()
    form.locator("#formular-grant-consent-form-version-details summary").click()
    expect(text).to_be_visible()
    expect(text.locator(f'[data-version="{FORM_VERSION}"]')).to_contain_text("Verantwortliche Stelle")
    form.locator("#formular-grant-consent-language").select_option("ar")
    form.locator("#formular-grant-consent-interpreter-used").check()
    form.locator("#formular-grant-consent-purpose").select_option("prepare_application_25b")
    form.locator("#formular-grant-consent-valid-from").fill(date.today().isoformat())
    form.locator("#formular-grant-consent-valid-until").fill((date.today() + timedelta(days=365)).isoformat())
    r = matrix_row(form, "foreign_office")
    box = f"#formular-grant-consent-scopes-{r}"
    for category in [*CHOSEN, "counselling"]:
        form.locator(f"{box}-categories-{category.replace('_', '-')}").check()
    checked(page, artifacts, "intake-einwilligung-formular")

    # Counselling without the secrecy release: refused beside that row's box, nothing stored.
    form.get_by_role("button", name="Einwilligung erfassen – speichern").click()
    error = page.locator(f"{box}-secrecy-release-fehler")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Schweigepflichtentbindung")
    expect(error).to_contain_text("Beratungsinhalte")  # the category by its German name, not its code
    expect(error).not_to_contain_text("secrecy_release")
    expect(page.locator(f"{box}-secrecy-release")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"{box}-categories-counselling")).to_be_checked()  # what was entered stays
    checked(page, artifacts, "intake-einwilligung-fehler")

    page.locator(f"{box}-categories-counselling").uncheck()
    page.locator("#formular-grant-consent").get_by_role("button", name="Einwilligung erfassen – speichern").click()
    expect(page.get_by_text("„Einwilligung erfassen“ ist gespeichert")).to_be_visible()
    # The front desk records consents without reading them (docs/access.md): the panel offers the revocation only.
    panel = page.locator("#einwilligungen")
    expect(panel).to_contain_text("nicht einsehbar")
    expect(panel.locator("article.kim-consent")).to_have_count(0)
    expect(panel.locator("#formular-revoke-all-consents")).to_be_visible()
    checked(page, artifacts, "intake-einwilligung-gespeichert")
