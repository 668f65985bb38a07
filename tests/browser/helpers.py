"""What the browser journeys share: axe-core on every state, logins, reloading until a page shows a fact, keys.

``checked`` runs axe-core (WCAG 2.1 A and AA; zero violations) on the page as it is and writes a
screenshot to the artefacts directory. ``press`` sends one key and, on our pages, asserts that
the element it lands on shows its focus (``:focus-visible`` with an outline or a box shadow).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from re import Pattern
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import AXE, TEST_SECRET
from tests.stack import eventually

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof axe !== 'undefined'"):  # once per document: htmx swaps keep it
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def checked(page: Page, artifacts: Path, name: str) -> None:
    """Zero WCAG 2.1 A/AA violations, and a screenshot (once the page's fonts are in)."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def new_context(browser: Browser) -> BrowserContext:
    """A German browser profile; CSP bypassed only so that axe can be injected as a script."""
    return browser.new_context(bypass_csp=True, locale="de-DE", timezone_id="Europe/Berlin")


def login_as(page: Page, username: str) -> None:
    """Keycloak's login form, filled in (the keyboard journey types instead)."""
    expect(page.locator("#username")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", TEST_SECRET)
    page.click("#kc-login")


def reload_until(page: Page, shows: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Load the page again until ``shows()`` holds (the pipeline delivers within the deadline), or fail."""
    if shows():
        return

    def reloaded() -> bool:
        page.reload()
        return shows()

    eventually(reloaded, timeout, 0.25, what=what)


def prerequisite(page: Page, pathway_heading: str | Pattern[str], label: str) -> Locator:
    """The status cell of one prerequisite in the Perspektive panel (pathway by its heading), its
    prerequisites opened as a reader opens them (the summary clicked) if they are closed."""
    pathway = page.locator("article.kim-pathway").filter(has=page.get_by_role("heading", name=pathway_heading))
    if pathway.locator("details").get_attribute("open") is None:
        pathway.locator("summary").click()
    return pathway.locator("tr").filter(has=page.get_by_role("rowheader", name=label)).locator("td").first


FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {visible: false, what: 'body'};
  if (el.matches('input[type=date]') && !el.matches(':focus')) {
    // The date field's calendar button inside the browser's own shadow tree: Chromium draws its focus ring.
    return {visible: true, what: 'input#' + el.id + ' (calendar button)'};
  }
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = !!s.boxShadow && s.boxShadow !== 'none';
  return {
    visible: el.matches(':focus-visible') && (outline || shadow),
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 40),
    outline: s.outline, shadow: s.boxShadow,
  };
}"""


def focus_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(FOCUS)
    return state


def press(page: Page, key: str, *, check_focus: bool = True) -> None:
    """One key; on our pages the element it lands on must show its focus (``check_focus=False``: a key
    that leaves the page, or a stop on Keycloak's pages)."""
    page.keyboard.press(key)
    if check_focus:
        state = focus_state(page)
        assert state["visible"], f"focus not visible after {key}: {state}"


def submit_by_key(page: Page, key: str, lands_on: str) -> None:
    """Send the focused form with ``key``; the answer is swapped in by htmx, which then moves the focus to its
    alert (``autofocus``): wait for the focus to land on ``lands_on``, then require it to be visible."""
    page.keyboard.press(key)
    expect(page.locator(lands_on)).to_be_focused(timeout=15_000)
    state = focus_state(page)
    assert state["visible"], f"focus not visible after sending with {key}: {state}"


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 250) -> None:
    """Tab (or Shift+Tab) from stop to stop, each with a visible focus, until ``selector`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        press(page, key)
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    msg = f"{selector} not reached with {limit} × {key}"
    raise AssertionError(msg)


def focused_matches(page: Page, selector: str) -> bool:
    return bool(page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector))


def matrix_row(form: Locator, party: str, matrix: str = "scopes") -> int:
    """The row of a consent matrix that belongs to ``party`` (its hidden ``scopes[r].recipient``)."""
    recipient = form.locator(f'input[type="hidden"][name$=".recipient"][value="{party}"]')
    expect(recipient).to_have_count(1)
    name = recipient.get_attribute("name") or ""
    found = re.fullmatch(rf"{matrix}\[(\d+)\]\.recipient", name)
    assert found, f"no matrix row for {party}: {name!r}"
    return int(found[1])
