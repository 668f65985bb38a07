"""A member of one department cannot open another department's pages: the German 403 page.

Each service has its own session cookie on its own path, so "opening the foreign office's pages"
means logging in there: a Kobiz counsellor who does so gets the 403 page, as does a foreign-office
caseworker at Kobiz, for the case list and for a case page alike (function level first, so a
case id tells nothing). The page is checked with axe-core and photographed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from shared.service import Service
from tests.browser.conftest import Server
from tests.browser.helpers import checked, login_as, new_context
from tests.browser.world import CASEWORKER, COUNSELLOR, Api, seed_case

REFUSAL = "Ihre Rollen berechtigen nicht zum Lesen in dieser Dienststelle."


@pytest.mark.parametrize(
    ("user", "service", "name"),
    [(COUNSELLOR, Service.FOREIGN_OFFICE, "foreign-office-403-kobiz"), (CASEWORKER, Service.KOBIZ, "kobiz-403-abh")],
)
def test_another_departments_pages_are_a_german_403_page(
    browser: Browser, servers: dict[Service, Server], api: Api, artifacts: Path, user: str, service: Service, name: str
) -> None:
    case = seed_case(api)  # a case both departments hold: the boundary is the role, not the case
    server = servers[service]
    context = new_context(browser)
    page = context.new_page()
    page.goto(server.url("/"))
    login_as(page, user)
    expect(page.get_by_role("heading", name="Kein Zugriff")).to_be_visible()
    expect(page.get_by_text(REFUSAL)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    checked(page, artifacts, name)
    for path in ("/", f"/cases/{case.case_id}"):
        answer = page.goto(server.url(path))
        assert answer is not None and answer.status == 403, path
        expect(page.get_by_role("heading", name="Kein Zugriff")).to_be_visible()
    assert page.get_by_text("Testperson").count() == 0
    context.close()
