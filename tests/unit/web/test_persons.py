"""Intake's pages "Person suchen" and "Person erfassen" and the case page's panel "Person" (shared/web/persons.py):
the API's rules on the pages, the duplicate check before a registration, German errors beside the fields."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI

from services.bootstrap import Container, build_container, create_app
from services.intake.application import IntakeApplication
from services.intake.commands import RegisterPerson
from shared.access.log import AccessEntry
from shared.clock import today
from shared.identity.http import get_token_verifier
from shared.persistence.access_log import MemoryAccessLog
from shared.persons import Registration
from shared.service import Service
from shared.settings import get_settings
from shared.web.auth import WebContext
from shared.web.mount import install_web
from shared.web.persons import checked_digest
from tests.support.fakes import InMemoryPipeline
from tests.support.tokens import DATA_PROTECTION_OFFICER, OPERATOR, TEAM_LEADS, WORKERS, Staff, verifier
from tests.unit.web.support import FakeProvider, log_in, web_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

INTAKE = Service.INTAKE
CLERK = WORKERS[INTAKE]
SEARCH_IDS = ("personensuche", "suche-family-name", "suche-given-names", "suche-birth-date", "suche-case-number")
FORM = "formular-register-person"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found[1]


def key_of(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found, html
    return found[1]


def main_of(html: str) -> str:
    return html.split("<main", 1)[1]


def register(app: Any, family: str, given: str, born: date, languages: list[str] | None = None) -> UUID:
    assert isinstance(app, IntakeApplication)
    cmd = RegisterPerson(
        family_name=family,
        given_names=given,
        birth_date=born,
        registered_on=date(2026, 1, 5),
        languages=languages or [],
        claimed_nationalities=["SYR"],
    )
    return app.register_person(cmd).case_id


@dataclass
class Pages:
    api: FastAPI
    ctx: WebContext
    client: TestClient

    @property
    def container(self) -> Container:
        container: Container = self.api.state.container
        return container

    def stored(self) -> int:
        return len(self.container.app.recorder.select_notifications(start=1, limit=10_000))

    def entries(self) -> list[AccessEntry]:
        log = self.container.access_log
        assert isinstance(log, MemoryAccessLog)
        return log.entries()

    def logged(self, route: str) -> list[tuple[UUID | None, str, str]]:
        return [(e.subject_id, e.field_group, e.operation.value) for e in self.entries() if e.route == route]


@pytest.fixture
def pages() -> Iterator[Pages]:
    api, ctx, _ = web_app(INTAKE, CLERK)
    with TestClient(api) as client:
        log_in(client, ctx)
        yield Pages(api, ctx, client)


def pages_as(staff: Staff) -> tuple[FastAPI, WebContext, TestClient]:
    api, ctx, _ = web_app(INTAKE, staff)
    return api, ctx, TestClient(api)


# --- "Person suchen" --------------------------------------------------------------------------------


def test_the_search_finds_tolerantly_links_each_case_and_logs_each_shown_one(pages: Pages) -> None:
    app = pages.container.app
    mueller = register(app, "Müller", "Anna", date(1990, 3, 4))
    spelled = register(app, "Mueller", "Anna Maria", date(1990, 4, 3))
    register(app, "Schmidt", "Jonas", date(1985, 1, 1))
    page = pages.client.get(pages.ctx.url("/personen"), params={"family_name": "Mueller"})
    assert page.status_code == 200, page.text
    results = main_of(page.text).split('id="suchergebnis"')[1]
    assert results.index("Mueller, Anna Maria") < results.index("Müller, Anna")  # the same spelling first
    assert f'href="/intake/ui/cases/{mueller}"' in results and f'href="/intake/ui/cases/{spelled}"' in results
    assert f"Fall {str(mueller)[:8]}" in results and "04.03.1990" in results and "05.01.2026" in results
    assert "Familienname gleich bis auf Schreibweise (Umlaute, Akzente, Bindestriche)" in results
    assert "erfasst, noch nicht eröffnet" in results and "Schmidt" not in results
    for header in ("Name", "Geburtsdatum", "Erfasst am", "Fall", "Stand", "Treffer wegen"):
        assert f'class="kern-table__header">{header}</th>' in results
    assert sorted(pages.logged("GET /intake/ui/personen")) == sorted(
        (case_id, group, "read") for case_id in (mueller, spelled) for group in ("case_management", "identity_core")
    )


def test_the_empty_form_an_empty_result_and_the_link_to_register(pages: Pages) -> None:
    page = pages.client.get(pages.ctx.url("/personen"))
    assert page.status_code == 200
    for dom_id in SEARCH_IDS:
        assert f'id="{dom_id}"' in page.text
    assert 'for="suche-family-name">Familienname</label>' in page.text
    assert '<html lang="de">' in page.text
    assert 'id="suchergebnis"' not in page.text
    assert 'id="neue-person" href="/intake/ui/personen/neu"' in page.text and "Neue Person erfassen" in page.text
    head = page.text.split("<main")[0]
    assert 'href="/intake/ui/personen" aria-current="page">Person suchen</a>' in head
    nothing = pages.client.get(pages.ctx.url("/personen"), params={"family_name": "Nowak"})
    assert nothing.status_code == 200
    assert "Keine Person gefunden, die allen Kriterien entspricht." in nothing.text
    assert pages.logged("GET /intake/ui/personen") == []


def test_the_case_number_as_the_pages_show_it(pages: Pages) -> None:
    case_id = register(pages.container.app, "Nowak", "Jan", date(1970, 1, 1))
    for number in (f"Fall {str(case_id)[:8]}", str(case_id).upper(), f" {case_id.hex[:8]} "):
        page = pages.client.get(pages.ctx.url("/personen"), params={"case_number": number})
        assert page.status_code == 200 and f'href="/intake/ui/cases/{case_id}"' in page.text, number
        assert "Fallnummer" in main_of(page.text).split('id="suchergebnis"')[1]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"birth_date": "31.02.1990"}, "birth-date", "Bitte ein Datum im Format TT.MM.JJJJ"),
        ({"birth_date": "1890-01-01"}, "birth-date", "Bitte ein Datum im Format TT.MM.JJJJ"),
        ({"case_number": "Fall 3f2b"}, "case-number", "Bitte die ersten 8 Zeichen der Fallnummer"),
        ({"family_name": "x" * 201}, "family-name", "Höchstens 200 Zeichen."),
    ],
)
def test_bad_search_input_is_shown_beside_the_field(
    pages: Pages, params: dict[str, str], field: str, message: str
) -> None:
    page = pages.client.get(pages.ctx.url("/personen"), params=params)
    assert page.status_code == 422
    fid = f"suche-{field}"
    assert f'<p class="kern-error" id="{fid}-fehler">{message}' in page.text
    assert re.search(rf'id="{fid}"[^>]*aria-describedby="[^"]*{fid}-fehler"[^>]*aria-invalid="true"', page.text)
    assert f'href="#{fid}"' in page.text and "Bitte prüfen Sie Ihre Angaben" in page.text
    assert 'id="suchergebnis"' not in page.text


def test_a_search_without_any_criterion_says_so(pages: Pages) -> None:
    page = pages.client.get(pages.ctx.url("/personen"), params={"family_name": "", "birth_date": ""})
    assert page.status_code == 422
    assert '<a class="kern-link" href="#suche-family-name">Bitte mindestens ein Suchkriterium angeben.</a>' in page.text


def test_a_role_without_the_right_gets_the_403_page_and_no_link() -> None:
    for staff in (DATA_PROTECTION_OFFICER, OPERATOR, WORKERS[Service.FOREIGN_OFFICE]):
        api, ctx, client = pages_as(staff)
        with client:
            log_in(client, ctx)
            for params in ({}, {"family_name": "Müller"}):
                page = client.get(ctx.url("/personen"), params=params)
                assert page.status_code == 403 and "Kein Zugriff" in page.text, staff.roles
            assert client.get(ctx.url("/personen/neu")).status_code == 403
            assert 'href="/intake/ui/personen"' not in client.get(ctx.url("/betrieb")).text.split("<main")[0]
            denied = [(e.route, e.outcome.value) for e in api.state.container.access_log.entries()]
            assert denied == [("GET /intake/ui/personen", "denied")], staff.roles  # the search, not the empty form


def test_the_team_lead_searches_but_does_not_register() -> None:
    api, ctx, client = pages_as(TEAM_LEADS[INTAKE])
    with client:
        case_id = register(api.state.container.app, "Müller", "Anna", date(1990, 3, 4))
        log_in(client, ctx)
        page = client.get(ctx.url("/personen"), params={"family_name": "Müller"})
        assert page.status_code == 200 and f'href="/intake/ui/cases/{case_id}"' in page.text
        assert 'id="neue-person"' not in page.text
        assert client.get(ctx.url("/personen/neu")).status_code == 403
        body = {
            "family_name": "Neu",
            "given_names": "Person",
            "birth_date": "1999-01-01",
            "registered_on": "2026-01-05",
        }
        forged = client.post(ctx.url("/personen/neu"), data=body | {"csrf_token": csrf_of(page.text)})
        assert forged.status_code == 403 and "Kein Zugriff" in forged.text
        assert ("POST /intake/ui/personen/neu", "identity_core", "denied") in [
            (e.route, e.field_group, e.outcome.value) for e in api.state.container.access_log.entries()
        ]


# --- "Person erfassen" ---------------------------------------------------------------------------------


def test_the_register_form_has_a_labelled_field_for_every_part_of_the_command(pages: Pages) -> None:
    page = pages.client.get(pages.ctx.url("/personen/neu"))
    assert page.status_code == 200
    for name, label in [
        ("family-name", "Familienname"),
        ("given-names", "Vornamen"),
        ("birth-date", "Geburtsdatum"),
        ("registered-on", "Erfasst am"),
        ("languages", "Sprachen"),
        ("claimed-nationalities", "Angegebene Staatsangehörigkeiten"),
        ("contact", "Kontakt"),
    ]:
        assert f'id="{FORM}-{name}"' in page.text and f'for="{FORM}-{name}">{label}' in page.text
    assert re.search(rf'id="{FORM}-registered-on"[^>]*value="{today().isoformat()}"', page.text)
    assert f'id="{FORM}-speichern"' in page.text and "Person erfassen – speichern" in page.text
    assert f'id="{FORM}-bestaetigen"' not in page.text


def test_an_invalid_registration_shows_the_german_messages_beside_the_fields(pages: Pages) -> None:
    page = pages.client.get(pages.ctx.url("/personen/neu"))
    stored = pages.stored()
    body = {"family_name": "Muster", "birth_date": "1890-01-01", "registered_on": "2026-01-05"}
    answer = pages.client.post(
        pages.ctx.url("/personen/neu"),
        data=body | {"csrf_token": csrf_of(page.text), "idempotency_key": key_of(page.text)},
    )
    assert answer.status_code == 422, answer.text
    html = answer.text
    given = f"{FORM}-given-names"
    assert f'class="kern-error" id="{given}-fehler">Bitte ausfüllen.' in html
    assert re.search(rf'id="{given}"[^>]*aria-describedby="[^"]*{given}-fehler"[^>]*aria-invalid="true"', html)
    assert f'href="#{FORM}-birth-date"' in html and "Bitte prüfen Sie Ihre Angaben" in html
    assert 'value="Muster"' in html and f'value="{key_of(page.text)}"' in html
    assert pages.stored() == stored


def test_a_registration_needs_the_csrf_token(pages: Pages) -> None:
    stored = pages.stored()
    body = {"family_name": "Neu", "given_names": "Person", "birth_date": "1999-01-01", "registered_on": "2026-01-05"}
    assert pages.client.post(pages.ctx.url("/personen/neu"), data=body).status_code == 403
    assert pages.client.post(pages.ctx.url("/personen/neu"), data=body | {"csrf_token": "x"}).status_code == 403
    assert pages.stored() == stored


@pytest.fixture
def pipeline_pages() -> Iterator[tuple[InMemoryPipeline, Pages]]:
    """Intake's pages on the in-memory pipeline: its view learns of a new case when the pipeline runs."""
    pipeline = InMemoryPipeline()
    api = create_app(INTAKE, lambda: pipeline.containers[INTAKE], web=False)
    ctx = install_web(api, INTAKE, provider=FakeProvider(CLERK), base_url="http://testserver")
    api.dependency_overrides[get_token_verifier] = verifier
    with TestClient(api) as client:
        log_in(client, ctx)
        yield pipeline, Pages(api, ctx, client)


def test_a_likely_duplicate_is_shown_and_registering_anyway_needs_the_confirmation(
    pipeline_pages: tuple[InMemoryPipeline, Pages],
) -> None:
    pipeline, pages = pipeline_pages
    earlier = register(pages.container.app, "Müller", "Anna", date(1990, 3, 4))
    form = pages.client.get(pages.ctx.url("/personen/neu"))
    entered = {
        "family_name": "Mueller",
        "given_names": "Anna",
        "birth_date": "1990-03-04",
        "registered_on": "2026-02-02",
        "languages": "ar\nde",
        "claimed_nationalities": "SYR",
        "csrf_token": csrf_of(form.text),
        "idempotency_key": key_of(form.text),
    }
    stored = pages.stored()
    first = pages.client.post(pages.ctx.url("/personen/neu"), data=entered)
    assert first.status_code == 200, first.text
    matches = main_of(first.text).split('id="moegliche-dubletten"')[1].split("</section>")[0]
    assert "Diese Person ist möglicherweise schon erfasst" in matches
    assert f'href="/intake/ui/cases/{earlier}"' in matches and "Müller, Anna" in matches
    assert "Familienname gleich bis auf Schreibweise" in matches and "Geburtsdatum gleich" in matches
    digest = checked_digest(Registration("Mueller", "Anna", date(1990, 3, 4)))
    assert re.search(rf'id="{FORM}-bestaetigen" name="keine_dublette" value="{digest}"', first.text)
    assert "Keine dieser Personen ist die zu erfassende Person – neu erfassen" in first.text
    assert 'value="Mueller"' in first.text and f'value="{entered["idempotency_key"]}"' in first.text
    assert pages.stored() == stored  # nothing registered yet
    assert pages.logged("POST /intake/ui/personen/neu") == [
        (earlier, "case_management", "read"),
        (earlier, "identity_core", "read"),
    ]
    # A confirmation given for other values checks again.
    other = pages.client.post(
        pages.ctx.url("/personen/neu"), data=entered | {"given_names": "Anna ", "keine_dublette": "0" * 32}
    )
    assert other.status_code == 200 and 'id="moegliche-dubletten"' in other.text
    assert pages.stored() == stored
    with pipeline.running():
        confirmed = pages.client.post(
            pages.ctx.url("/personen/neu"), data=entered | {"keine_dublette": digest}, follow_redirects=False
        )
        assert confirmed.status_code == 303, confirmed.text
        location = confirmed.headers["location"]
        case_id = UUID(location.rsplit("/", 1)[1])
        assert location == f"/intake/ui/cases/{case_id}" and case_id != earlier
        again = pages.client.post(
            pages.ctx.url("/personen/neu"), data=entered | {"keine_dublette": digest}, follow_redirects=False
        )
        assert again.status_code == 303 and again.headers["location"] == location  # the same form: stored once
        case_page = pages.client.get(location)
    assert pages.stored() == stored + 1
    assert case_page.status_code == 200, case_page.text
    panel = main_of(case_page.text).split('id="person"')[1].split("</section>")[0]
    for shown in ("Mueller", "Anna", "04.03.1990", "ar, de", "SYR"):
        assert shown in panel
    written = [e for e in pages.entries() if e.operation.value == "write"]
    assert [(e.route, e.subject_id, e.field_group) for e in written] == [
        ("POST /intake/ui/personen/neu", case_id, "identity_core")
    ]
    assert (case_id, "identity_core", "read") in pages.logged("GET /intake/ui/cases/{case_id}")
    found = pages.client.get(pages.ctx.url("/personen"), params={"family_name": "Müller", "birth_date": "1990-03-04"})
    assert f'href="/intake/ui/cases/{case_id}"' in found.text and f'href="/intake/ui/cases/{earlier}"' in found.text


def test_without_a_likely_duplicate_the_person_is_registered_at_once(
    pipeline_pages: tuple[InMemoryPipeline, Pages],
) -> None:
    pipeline, pages = pipeline_pages
    register(pages.container.app, "Müller", "Anna", date(1990, 3, 4))
    form = pages.client.get(pages.ctx.url("/personen/neu"))
    body = {"family_name": "Nowak", "given_names": "Jan", "birth_date": "1990-03-04", "registered_on": "2026-02-02"}
    with pipeline.running():
        answer = pages.client.post(
            pages.ctx.url("/personen/neu"),
            data=body | {"csrf_token": csrf_of(form.text), "idempotency_key": key_of(form.text)},
            follow_redirects=False,
        )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/intake/ui/cases/")


def test_a_view_that_has_not_caught_up_gets_a_page_saying_it_is_saved() -> None:
    settings = get_settings(INTAKE).model_copy(update={"read_wait_max_s": 0.05})
    api = create_app(INTAKE, lambda: build_container(INTAKE, settings, in_memory=True), web=False)
    ctx = install_web(api, INTAKE, provider=FakeProvider(CLERK), base_url="http://testserver")
    api.dependency_overrides[get_token_verifier] = verifier
    with TestClient(api) as client:
        log_in(client, ctx)
        form = client.get(ctx.url("/personen/neu"))
        body = {"family_name": "Nowak", "given_names": "Jan", "birth_date": "1990-03-04", "registered_on": "2026-02-02"}
        answer = client.post(
            ctx.url("/personen/neu"),
            data=body | {"csrf_token": csrf_of(form.text), "idempotency_key": key_of(form.text)},
        )
        assert answer.status_code == 200, answer.text
        assert "Person erfasst" in answer.text and "Die Person ist erfasst" in answer.text
        link = re.search(r'id="neuer-fall" href="/intake/ui/cases/([0-9a-f-]+)"', answer.text)
        assert link, answer.text
        assert api.state.container.app.person_index.entry(UUID(link[1])) is not None


# --- the case page's panel "Person" ------------------------------------------------------------------


def test_the_panel_shows_the_person_only_to_who_may_read_it(pipeline_pages: tuple[InMemoryPipeline, Pages]) -> None:
    pipeline, pages = pipeline_pages
    case_id = register(pages.container.app, "Haddad", "Samira", date(1995, 7, 1), languages=["ar"])
    pipeline.settle()
    page = pages.client.get(pages.ctx.url(f"/cases/{case_id}"))
    assert page.status_code == 200, page.text
    panel = main_of(page.text).split('id="person"')[1].split("</section>")[0]
    assert 'id="person-titel">Person</h2>' in panel
    for label, value in [
        ("Familienname", "Haddad"),
        ("Vornamen", "Samira"),
        ("Geburtsdatum", "01.07.1995"),
        ("Sprachen", "ar"),
        ("Angegebene Staatsangehörigkeiten", "SYR"),
    ]:
        assert re.search(rf">{label}</dt><dd[^>]*>{value}</dd>", panel), label
    reads = pages.logged("GET /intake/ui/cases/{case_id}").count((case_id, "identity_core", "read"))
    pages.ctx.case_panels.clear()  # the same page without the panel logs one read of the person less
    pages.client.get(pages.ctx.url(f"/cases/{case_id}"))
    assert pages.logged("GET /intake/ui/cases/{case_id}").count((case_id, "identity_core", "read")) == 2 * reads - 1
    # The data-protection officer reads consents here, never the person: the page without the panel.
    api = create_app(INTAKE, lambda: pipeline.containers[INTAKE], web=False)
    ctx = install_web(api, INTAKE, provider=FakeProvider(DATA_PROTECTION_OFFICER), base_url="http://testserver")
    api.dependency_overrides[get_token_verifier] = verifier
    with TestClient(api) as client:
        log_in(client, ctx)
        other = client.get(ctx.url(f"/cases/{case_id}"))
        assert 'id="person"' not in other.text and "Haddad" not in other.text
