"""The layout links exactly the pages a role opens: every link shown answers 200, none leads to the 403 page."""

from __future__ import annotations

import re
import warnings

import pytest

from shared.service import Service
from tests.support.tokens import AUDITOR, DATA_PROTECTION_OFFICER, OPERATOR, TEAM_LEADS, WORKERS, Staff
from tests.unit.web.support import log_in, web_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

LINK = re.compile(r'<a class="kern-link" href="([^"]+)"')
ROLES = [WORKERS[s] for s in Service] + [TEAM_LEADS[s] for s in Service] + [OPERATOR, DATA_PROTECTION_OFFICER, AUDITOR]


def _layout_links(text: str) -> list[str]:
    head = text.split("<main")[0]
    return [link for link in LINK.findall(head) if "/ui/" in link]


@pytest.mark.parametrize("service", list(Service))
@pytest.mark.parametrize("staff", ROLES, ids=lambda s: "+".join(sorted(s.roles)))
def test_every_link_of_the_layout_opens_for_the_role_that_sees_it(service: Service, staff: Staff) -> None:
    api, ctx, _ = web_app(service, staff)
    with TestClient(api) as client:
        log_in(client, ctx)
        start = client.get(ctx.url("/"))
        # A role without read rights here gets the 403 page: its layout still shows the links it may follow.
        assert start.status_code in (200, 403)
        links = _layout_links(start.text)
        for link in links:
            # Keycloak's admin events need Keycloak's admin API: without it, the page is a German 503 notice.
            allowed = (200, 503) if link.endswith("/datenschutz/admin-events") else (200,)
            assert client.get(link).status_code in allowed, (link, staff.roles)
        if start.status_code == 403:
            assert ctx.url("/") not in links, "a 403 page links to itself"


def test_an_operator_sees_no_department_pages_and_a_caseworker_sees_them() -> None:
    api, ctx, _ = web_app(Service.FOREIGN_OFFICE, OPERATOR)
    with TestClient(api) as client:
        log_in(client, ctx)
        page = client.get(ctx.url("/betrieb"))
        assert page.status_code == 200
        assert "Meine Fälle" not in page.text.split("<main")[0]
        assert f'href="{ctx.url("/")}"' not in page.text.split("<main")[0]
    api, ctx, _ = web_app(Service.FOREIGN_OFFICE, WORKERS[Service.FOREIGN_OFFICE])
    with TestClient(api) as client:
        log_in(client, ctx)
        head = client.get(ctx.url("/")).text.split("<main")[0]
        assert f'href="{ctx.url("/")}"' in head and f'href="{ctx.url("/fristen")}"' in head
