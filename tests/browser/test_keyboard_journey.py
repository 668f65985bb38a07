"""The Kobiz counsellor's journey with the keyboard alone: no clicks, no filled-in fields.

Login at Keycloak by typing, the skip link on "Meine Fälle", the case by Tab and Enter, a
counselling session (first sent empty: the error summary's link leads to the field), then a
language certificate: Tab and Shift+Tab between the stops, Enter and Space on summaries,
checkboxes and buttons, arrow keys in selects and lists, typing in fields — a date typed as
digits lands in the German field order (tt.mm.jjjj). At every stop on our pages the focused
element shows its focus (``:focus-visible`` with an outline or a box shadow). Every state is
checked with axe-core and photographed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import uuid4

from playwright.sync_api import Browser, Page, expect

from shared.service import Service
from tests.browser.conftest import TEST_SECRET, Server
from tests.browser.helpers import checked, focused_matches, new_context, press, submit_by_key, tab_to
from tests.browser.world import COUNSELLOR, Api, days_ago, seed_case

SESSION = "#formular-hold-counselling"
CERTIFICATE = "#formular-record-language-certificate"
SAVED = "#formulare .kern-alert--success"
"""The notice that a form was saved: it takes the focus after the answer is swapped in."""


def type_date(page: Page, day: date) -> None:
    """Digits only: the field moves on from day to month to year by itself."""
    page.keyboard.type(day.strftime("%d%m%Y"))


def keycloak_login_by_keyboard(page: Page, username: str) -> None:
    expect(page.locator("#username")).to_be_visible()
    for _ in range(10):  # Keycloak's form: its own focus order (not our pages)
        if focused_matches(page, "#username"):
            break
        press(page, "Tab", check_focus=False)
    assert focused_matches(page, "#username")
    page.keyboard.type(username)
    press(page, "Tab", check_focus=False)
    assert focused_matches(page, "#password")
    page.keyboard.type(TEST_SECRET)
    page.keyboard.press("Enter")


def skip_to_content(page: Page) -> None:
    """The first stop is the skip link; Enter moves the focus to the page's main content."""
    press(page, "Tab")
    assert focused_matches(page, "a.kim-skip-link"), "the first Tab stop is the skip link"
    press(page, "Enter", check_focus=False)
    expect(page.locator("main#inhalt")).to_be_focused()


def choose_by_arrows(page: Page, selector: str, value: str, limit: int = 40) -> None:
    """ArrowDown in the focused select until it holds ``value``."""
    for _ in range(limit):
        if page.locator(selector).input_value() == value:
            return
        press(page, "ArrowDown")
    assert page.locator(selector).input_value() == value, selector


def test_the_counsellors_journey_works_with_the_keyboard_alone(
    browser: Browser, servers: dict[Service, Server], api: Api, artifacts: Path
) -> None:
    kobiz = servers[Service.KOBIZ]
    case = seed_case(api)
    notes = f"Vertraulich {uuid4().hex[:8]}"
    context = new_context(browser)
    page = context.new_page()
    page.goto(kobiz.url("/"))
    keycloak_login_by_keyboard(page, COUNSELLOR)
    expect(page.get_by_role("heading", name="Meine Fälle")).to_be_visible()
    checked(page, artifacts, "kobiz-tastatur-meine-faelle")

    skip_to_content(page)
    tab_to(page, f"a[href$='/cases/{case.case_id}']")
    press(page, "Enter", check_focus=False)
    expect(page.get_by_role("heading", name="Erfassen")).to_be_visible()
    checked(page, artifacts, "kobiz-tastatur-fall")

    # A counselling session, sent empty first: the error summary links to the field.
    skip_to_content(page)
    tab_to(page, f"details:has({SESSION}) > summary")
    press(page, "Enter")
    expect(page.locator(f"details:has({SESSION})")).to_have_attribute("open", "")
    tab_to(page, f"{SESSION} button[type=submit]")
    submit_by_key(page, "Enter", f"{SESSION}-fehler")  # the error summary takes the focus
    expect(page.locator(f"{SESSION}-held-on-fehler")).to_have_text("Bitte ausfüllen.")
    checked(page, artifacts, "kobiz-tastatur-formular-fehler")
    tab_to(page, f"a[href='{SESSION}-held-on']")
    press(page, "Enter")
    assert focused_matches(page, f"{SESSION}-held-on"), "the error's link leads to its field"
    held_on = days_ago(20)
    type_date(page, held_on)
    assert page.locator(f"{SESSION}-held-on").input_value() == held_on.isoformat()
    tab_to(page, f"{SESSION}-topic-codes", limit=2)  # past the date field's calendar button
    press(page, "ArrowDown")
    assert page.locator(f"{SESSION}-topic-codes").input_value() != ""
    press(page, "Tab")
    assert focused_matches(page, f"{SESSION}-pathways-discussed")
    press(page, "ArrowDown")
    press(page, "Tab")
    assert focused_matches(page, f"{SESSION}-next-step-codes")
    page.keyboard.type("book_a2_exam")
    press(page, "Tab")
    assert focused_matches(page, f"{SESSION}-notes")
    page.keyboard.type(notes)
    press(page, "Tab")
    assert focused_matches(page, f"{SESSION} button[type=submit]")
    submit_by_key(page, "Enter", SAVED)
    expect(page.get_by_text("„Perspektivberatung erfassen“ ist gespeichert und steht im Verlauf")).to_be_visible()
    expect(page.locator("#verlauf").get_by_role("heading", name="Perspektivberatung durchgeführt")).to_be_visible()
    checked(page, artifacts, "kobiz-tastatur-beratung-gespeichert")

    # A language certificate: selects by arrow keys, the checkbox by Space, Shift+Tab back and forth.
    tab_to(page, f"details:has({CERTIFICATE}) > summary")
    press(page, "Enter")
    # The open form; its empty date field in German order and placeholders (tt.mm.jjjj), not mm/dd/yyyy.
    checked(page, artifacts, "kobiz-tastatur-zertifikat-formular")
    press(page, "Tab")
    assert focused_matches(page, f"{CERTIFICATE}-level")
    choose_by_arrows(page, f"{CERTIFICATE}-level", "A2")
    press(page, "Tab")
    choose_by_arrows(page, f"{CERTIFICATE}-exam-body", "telc")
    press(page, "Tab")
    assert focused_matches(page, f"{CERTIFICATE}-obtained-on")
    obtained = days_ago(10)
    type_date(page, obtained)
    tab_to(page, f"{CERTIFICATE}-oral-only", limit=2)
    press(page, "Space")
    expect(page.locator(f"{CERTIFICATE}-oral-only")).to_be_checked()
    press(page, "Tab")
    assert focused_matches(page, f"{CERTIFICATE}-certificate-number")
    page.keyboard.type(f"T-{uuid4().hex[:8]}")
    press(page, "Shift+Tab")
    assert focused_matches(page, f"{CERTIFICATE}-oral-only")
    press(page, "Tab")
    press(page, "Tab")
    assert focused_matches(page, f"{CERTIFICATE} button[type=submit]")
    assert page.locator(f"{CERTIFICATE}-obtained-on").input_value() == obtained.isoformat()
    submit_by_key(page, "Space", SAVED)
    expect(page.get_by_text("„Sprachzertifikat erfassen“ ist gespeichert und steht im Verlauf")).to_be_visible()
    expect(page.locator("#verlauf").get_by_role("heading", name="Sprachzertifikat erworben")).to_be_visible()
    checked(page, artifacts, "kobiz-tastatur-zertifikat-gespeichert")
    context.close()
