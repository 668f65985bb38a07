"""The case page's command forms: generated from every command table, German labels, the API's rules."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI

from services.bootstrap import command_table, create_app
from shared.application.catalogue import NewCaseCommand
from shared.http.access import body_model
from shared.identity.http import get_token_verifier
from shared.identity.roles import Role
from shared.service import Service
from shared.web.auth import WebContext
from shared.web.form_build import NOT_FORM_FIELDS, command_form, new_state
from shared.web.forms_labels import FIELDS_DE
from shared.web.mount import install_web
from tests.conftest import person
from tests.support.fakes import InMemoryPipeline
from tests.support.tokens import OPERATOR, WORKERS, Staff, verifier
from tests.unit.web.support import FakeProvider, log_in, seed_case, web_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FO, INTAKE, KOBIZ = Service.FOREIGN_OFFICE, Service.INTAKE, Service.KOBIZ
DULDUNG = {
    "subtype": "60a",
    "ground_code": "no_travel_documents",
    "valid_from": "2026-01-01",
    "valid_until": "2026-12-31",
    "work_permitted": "ja",
    "residence_condition": "nein",
}


def fields_of_all_commands() -> Iterator[tuple[Service, str, str]]:
    for service in Service:
        for command in command_table(service):
            for name in body_model(command.model).model_fields:
                if name not in NOT_FORM_FIELDS:
                    yield service, command.name, name


def test_every_command_field_of_every_service_has_a_german_label() -> None:
    missing = sorted({f"{s.value}.{c}.{n}" for s, c, n in fields_of_all_commands() if n not in FIELDS_DE})
    assert not missing, f"fields without a German label in shared/web/forms_labels.py: {missing}"


@pytest.mark.parametrize("service", list(Service))
def test_every_command_renders_a_form_with_a_label_for_each_field(service: Service) -> None:
    api, ctx, _ = web_app(service, WORKERS[service])
    for command in command_table(service):
        form = command_form(command)
        assert form is not None, f"{command.name} has no form"
        state = new_state(form, None if isinstance(command, NewCaseCommand) else uuid4())
        html = ctx.renderer.env.get_template("forms/_form.html").render(
            state=state, case_id=uuid4(), web=ctx, csrf_token=uuid4().hex
        )
        assert f"{form.title} – speichern" in html
        for f in form.fields:
            field_id = state.field_id(f.name)
            if f.kind == "hidden":
                assert f'name="{f.name}"' in html and 'type="hidden"' in html
                continue
            assert f'id="{field_id}"' in html, (command.name, f.name)
            assert f'for="{field_id}"' in html or "<legend" in html, (command.name, f.name)
            assert f.label in html
            if f.kind == "group":  # one empty row: its fields named by row
                for sub in f.fields:
                    assert f'name="{f.name}[0].{sub.name}"' in html, (command.name, sub.name)
                    assert f'id="{state.field_id(f"{f.name}[0].{sub.name}")}"' in html
                assert f'name="{f.name}.rows" value="1"' in html and "Weitere Zeile" in html
            elif f.kind == "matrix":
                assert f'name="{f.name}[0].recipient"' in html and f'name="{f.name}[0].categories"' in html
            else:
                assert f'name="{f.name}"' in html
            if f.kind == "date":
                assert re.search(rf'id="{field_id}"[^>]*type="date" min="1900-01-01" max="2100-12-31"', html)
        for actor in ("decided_by", "assessed_by", "counsellor_id", "case_manager_id", "actor"):
            assert f'name="{actor}"' not in html


def test_the_case_page_shows_only_the_forms_the_caller_may_use() -> None:
    api, ctx, _ = web_app(FO, WORKERS[FO])
    with TestClient(api) as client:
        case = seed_case(api, FO)
        log_in(client, ctx)
        page = client.get(ctx.url(f"/cases/{case}"))
        assert page.status_code == 200, page.text
        # No file of the foreign office on this case yet: the form to open one.
        assert "Akte anlegen – speichern" in page.text and "Duldung erteilen – speichern" not in page.text
    api, ctx, _ = web_app(KOBIZ, WORKERS[KOBIZ])
    with TestClient(api) as client:
        case = seed_case(api, KOBIZ)
        log_in(client, ctx)
        page = client.get(ctx.url(f"/cases/{case}"))
        forms = page.text.split('id="formulare"')[1].split('id="verlauf"')[0]
        assert "Beratungsakte anlegen – speichern" in forms and "Duldung" not in forms


def test_a_user_without_the_right_sees_no_form_and_a_forged_post_is_refused() -> None:
    reader = Staff("st-lesend1", (Role.AUDITOR, Role.TEAM_LEAD), (Service.KOBIZ,))
    api, ctx, _ = web_app(FO, reader)
    with TestClient(api) as client:
        case = seed_case(api, FO)
        log_in(client, ctx)
        page = client.get(ctx.url(f"/cases/{case}"))
        assert "– speichern" not in page.text
        forged = client.post(
            ctx.url(f"/cases/{case}/forms/open_file"),
            data={"family_name": "X", "given_names": "Y", "birth_date": "1990-01-01"},
            headers={"X-CSRF-Token": csrf_of(page.text)} if csrf_of(page.text) else {},
        )
        assert forged.status_code in (403, 404)
    api, ctx, _ = web_app(FO, OPERATOR)
    with TestClient(api) as client:
        log_in(client, ctx)
        token = csrf_of(client.get(ctx.url("/")).text)
        forged = client.post(
            ctx.url(f"/cases/{uuid4()}/forms/open_file"),
            data={"family_name": "X", "given_names": "Y", "birth_date": "1990-01-01", "csrf_token": token},
        )
        assert forged.status_code == 403 and "Kein Zugriff" in forged.text
        other = client.post(
            ctx.url(f"/cases/{uuid4()}/forms/issue_tolerated_stay"),
            data=DULDUNG | {"subject": str(uuid4()), "csrf_token": token},
        )
        assert other.status_code in (403, 404)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found[1] if found else ""


def test_a_form_post_needs_the_csrf_token() -> None:
    api, ctx, _ = web_app(FO, WORKERS[FO])
    with TestClient(api) as client:
        case = seed_case(api, FO)
        log_in(client, ctx)
        body = {"family_name": "X", "given_names": "Y", "birth_date": "1990-01-01"}
        refused = client.post(ctx.url(f"/cases/{case}/forms/open_file"), data=body)
        assert refused.status_code == 403
        wrong = client.post(ctx.url(f"/cases/{case}/forms/open_file"), data=body | {"csrf_token": "falsch"})
        assert wrong.status_code == 403
        assert not api.state.container.app.notification_log.select(1, 10)


def test_an_invalid_form_shows_the_german_message_beside_the_field_and_a_summary() -> None:
    api, ctx, _ = web_app(FO, WORKERS[FO])
    with TestClient(api) as client:
        case = seed_case(api, FO)
        log_in(client, ctx)
        token = csrf_of(client.get(ctx.url(f"/cases/{case}")).text)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        answer = client.post(
            ctx.url(f"/cases/{case}/forms/open_file"),
            data={"family_name": "Muster", "birth_date": "1890-01-01", "idempotency_key": "k1"},
            headers=headers,
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["HX-Retarget"] == "#formular-open-file"
        html = answer.text
        field = 'id="formular-open-file-given-names"'
        assert field in html and 'aria-describedby="formular-open-file-given-names-fehler"' in html
        assert 'class="kern-error" id="formular-open-file-given-names-fehler">Bitte ausfüllen.' in html
        assert "kern-form-input--error" in html and 'aria-invalid="true"' in html
        assert 'href="#formular-open-file-birth-date"' in html and "Bitte prüfen Sie Ihre Angaben" in html
        assert 'value="Muster"' in html and 'value="k1"' in html  # what was entered stays; the same key
        assert not api.state.container.app.notification_log.select(1, 10)


@pytest.fixture
def pipeline_case() -> Iterator[tuple[InMemoryPipeline, FastAPI, WebContext, TestClient, UUID]]:
    """A KIM case opened at intake with consent for the foreign office, known to its view; its web views."""
    pipeline = InMemoryPipeline()
    with pipeline.clients() as clients:
        intake = clients[INTAKE]
        case_id = intake.post("/intake/cases", json=person(family_name="Formular")).json()["case_id"]
        assert intake.post(f"/intake/cases/{case_id}/opening", json={"opened_on": "2026-01-06"}).status_code == 200
        assert intake.post(f"/intake/cases/{case_id}/consents", json=consent()).status_code == 201
    pipeline.settle()
    api = create_app(FO, lambda: pipeline.containers[FO], web=False)
    ctx = install_web(api, FO, provider=FakeProvider(WORKERS[FO]), base_url="http://testserver")
    api.dependency_overrides[get_token_verifier] = verifier
    with TestClient(api) as client:
        log_in(client, ctx)
        yield pipeline, api, ctx, client, UUID(case_id)


def consent() -> dict[str, Any]:
    from tests.unit.test_pipeline_in_memory import consent_body

    return consent_body()


def test_a_valid_submit_stores_the_event_and_shows_it_in_the_timeline_without_a_reload(
    pipeline_case: tuple[InMemoryPipeline, FastAPI, WebContext, TestClient, UUID],
) -> None:
    pipeline, api, ctx, client, case = pipeline_case
    page = client.get(ctx.url(f"/cases/{case}"))
    token = csrf_of(page.text)
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    with pipeline.running():
        opened = client.post(
            ctx.url(f"/cases/{case}/forms/open_file"),
            data={"family_name": "Muster", "given_names": "Eva", "birth_date": "1990-01-01", "idempotency_key": "a1"},
            headers=headers,
        )
        assert opened.status_code == 200, opened.text
        assert "Akte anlegen“ ist gespeichert" in opened.text
        file_id = re.search(r'name="subject" value="([^"]+)"', opened.text)
        assert file_id, opened.text
        linked = client.post(
            ctx.url(f"/cases/{case}/forms/link_to_kim_case"),
            data={"linked_on": "2026-01-20", "subject": file_id[1], "idempotency_key": "a2"},
            headers=headers,
        )
        assert linked.status_code == 200, linked.text
        stay = client.post(
            ctx.url(f"/cases/{case}/forms/issue_tolerated_stay"),
            data=DULDUNG | {"subject": file_id[1], "idempotency_key": "a3"},
            headers=headers,
        )
        assert stay.status_code == 200, stay.text
        assert "ist gespeichert und steht im Verlauf" in stay.text
        assert 'id="verlauf"' in stay.text and 'hx-swap-oob="true"' in stay.text
        assert "Duldung erteilt" in stay.text.split('id="verlauf"')[1]
        # the same form sent twice (the same key): stored once
        again = client.post(
            ctx.url(f"/cases/{case}/forms/issue_tolerated_stay"),
            data=DULDUNG | {"subject": file_id[1], "idempotency_key": "a3"},
            headers=headers,
        )
        assert again.status_code == 200
        # the same key with other values: the form again with a German notice and a fresh key, nothing stored
        changed = client.post(
            ctx.url(f"/cases/{case}/forms/issue_tolerated_stay"),
            data=DULDUNG | {"valid_until": "2026-11-30", "subject": file_id[1], "idempotency_key": "a3"},
            headers=headers,
        )
        assert changed.status_code == 422, changed.text
        assert "bereits mit anderen Angaben gespeichert" in changed.text
        assert 'name="idempotency_key" value="a3"' not in changed.text
    stays = [e for e in api.state.container.store.timeline(case) if "ToleratedStayIssued" in e.type]
    assert len(stays) == 1
    logged = [e for e in api.state.container.access_log.entries() if e.route.endswith("/forms/{name}")]
    assert logged and {e.accessor.actor for e in logged} == {WORKERS[FO].staff_id}
    # the page now offers the commands on the linked file
    page = client.get(ctx.url(f"/cases/{case}"))
    assert "Identität geklärt – speichern" in page.text and "Akte anlegen – speichern" not in page.text


def test_a_broken_rule_409_is_explained_with_a_reload_to_retry(
    pipeline_case: tuple[InMemoryPipeline, FastAPI, WebContext, TestClient, UUID],
) -> None:
    _, api, ctx, client, case = pipeline_case
    token = csrf_of(client.get(ctx.url(f"/cases/{case}")).text)
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    opened = client.post(
        ctx.url(f"/cases/{case}/forms/open_file"),
        data={"family_name": "Muster", "given_names": "Eva", "birth_date": "1990-01-01"},
        headers=headers,
    )
    file_id = re.search(r'name="subject" value="([^"]+)"', opened.text)
    assert file_id
    closing = {"closed_on": "2026-02-01", "reason": "moved_away", "subject": file_id[1]}
    first = client.post(
        ctx.url(f"/cases/{case}/forms/close_file"), data=closing | {"idempotency_key": "c1"}, headers=headers
    )
    assert first.status_code == 200, first.text
    second = client.post(
        ctx.url(f"/cases/{case}/forms/close_file"), data=closing | {"idempotency_key": "c2"}, headers=headers
    )
    assert second.status_code == 409, second.text
    assert "Nicht gespeichert" in second.text and "Fall neu laden und erneut versuchen" in second.text
    assert f'href="/foreign-office/ui/cases/{case}"' in second.text
