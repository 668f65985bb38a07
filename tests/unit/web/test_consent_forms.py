"""Intake's consent forms and the forms for lists of nested records, on the case page.

Capturing a consent through its matrix, narrowing and revoking one from the panel
"Einwilligungen", the consent form catalogue (at the API too), repeated groups (a
household with two members), and that every command of every department has a form.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI

from services.bootstrap import command_table, create_app
from services.intake.application import IntakeApplication
from shared.access import Operation
from shared.application.catalogue import NewCaseCommand
from shared.http.access import body_model
from shared.identity.http import get_token_verifier
from shared.identity.roles import Role
from shared.policy.consent_forms import CATALOGUE, consent_form, in_force
from shared.service import Service
from shared.web.auth import WebContext
from shared.web.form_build import NOT_FORM_FIELDS, command_form, form_field
from shared.web.form_model import FormField
from shared.web.forms_labels import FIELDS_DE
from shared.web.mount import install_web
from tests.conftest import person
from tests.support.fakes import InMemoryPipeline
from tests.support.tokens import DATA_PROTECTION_OFFICER, WORKERS, Staff, verifier
from tests.unit.web.support import FakeProvider, log_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

INTAKE = Service.INTAKE
CURRENT = "KIM-EW-2025-1"
GRANT = "formular-grant-consent"


@dataclass
class Intake:
    pipeline: InMemoryPipeline
    api: FastAPI
    ctx: WebContext
    client: TestClient
    case_id: UUID

    @property
    def app(self) -> IntakeApplication:
        app = self.api.state.container.app
        assert isinstance(app, IntakeApplication)
        return app

    def page(self) -> str:
        answer = self.client.get(self.ctx.url(f"/cases/{self.case_id}"))
        assert answer.status_code == 200, answer.text
        return answer.text

    def post(self, name: str, data: dict[str, Any], *, htmx: bool = True) -> Any:
        token = csrf_of(self.page())
        headers = {"X-CSRF-Token": token, "HX-Request": "true"} if htmx else {}
        body = {"subject": str(self.case_id)} | data | ({} if htmx else {"csrf_token": token})
        return self.client.post(
            self.ctx.url(f"/cases/{self.case_id}/forms/{name}"), data=body, headers=headers, follow_redirects=False
        )

    def stored(self, event_type: str) -> list[Any]:
        """The stored events of this type, as domain events (the whole notification log, a section at a time)."""
        found, start = [], 1
        while section := self.app.notification_log.select(start, 10):
            found += [self.app.mapper.to_domain_event(n) for n in section if n.topic.endswith(f".{event_type}")]
            start = section[-1].id + 1
        return found

    def consents(self) -> dict[str, dict[str, Any]]:
        consents: dict[str, dict[str, Any]] = self.app.get_case(self.case_id).consents
        return consents


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found[1]


def web_for(pipeline: InMemoryPipeline, staff: Staff) -> tuple[FastAPI, WebContext]:
    api = create_app(INTAKE, lambda: pipeline.containers[INTAKE], web=False)
    ctx = install_web(api, INTAKE, provider=FakeProvider(staff), base_url="http://testserver")
    api.dependency_overrides[get_token_verifier] = verifier
    return api, ctx


@pytest.fixture
def intake() -> Iterator[Intake]:
    """A KIM case registered and opened at intake (the worker is its case manager), its web views logged in."""
    pipeline = InMemoryPipeline()
    with pipeline.clients() as clients:
        case_id = clients[INTAKE].post("/intake/cases", json=person(family_name="Formular")).json()["case_id"]
        opened = clients[INTAKE].post(f"/intake/cases/{case_id}/opening", json={"opened_on": "2026-01-06"})
        assert opened.status_code == 200, opened.text
    pipeline.settle()
    api, ctx = web_for(pipeline, WORKERS[INTAKE])
    with TestClient(api) as client:
        log_in(client, ctx)
        yield Intake(pipeline, api, ctx, client, UUID(case_id))


def grant_by_api(intake: Intake, scopes: list[dict[str, Any]]) -> str:
    consent_id = str(uuid4())
    day = date.today()
    body = {
        "consent_id": consent_id,
        "scopes": scopes,
        "purpose": "prepare_application_25b",
        "valid_from": (day - timedelta(days=10)).isoformat(),
        "valid_until": (day + timedelta(days=300)).isoformat(),
        "form_version": CURRENT,
        "language": "ar",
        "interpreter_used": True,
    }
    with intake.pipeline.clients() as clients:
        answer = clients[INTAKE].post(f"/intake/cases/{intake.case_id}/consents", json=body)
        assert answer.status_code == 201, answer.text
    intake.pipeline.settle()
    return consent_id


def rows_of(html: str, form_id: str) -> dict[str, int]:
    """The matrix rows of a form: party id → row."""
    form = html.split(f'<form id="{form_id}"')[1].split("</form>")[0]
    return {p: int(r) for r, p in re.findall(r'name="scopes\[(\d+)\]\.recipient" value="([^"]+)"', form)}


def matrix(rows: dict[str, int], chosen: dict[str, list[str]], release: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {"scopes.rows": str(len(rows))}
    for party, r in rows.items():
        data[f"scopes[{r}].recipient"] = party
        if party in chosen:
            data[f"scopes[{r}].categories"] = chosen[party]
        if party in release:
            data[f"scopes[{r}].secrecy_release"] = "ja"
    return data


def with_matrix(data: dict[str, Any], rows: dict[str, Any]) -> dict[str, Any]:
    """The form's data with another matrix (every box of the earlier one taken out)."""
    return {k: v for k, v in data.items() if not k.startswith("scopes")} | rows


def capture(intake: Intake, **overrides: Any) -> dict[str, Any]:
    html = intake.page()
    rows = rows_of(html, GRANT)
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', html.split(f'<form id="{GRANT}"')[1])
    assert consent_id
    day = date.today()
    data = {
        "consent_id": consent_id[1],
        "idempotency_key": uuid4().hex,
        "form_version": CURRENT,
        "language": "ar",
        "interpreter_used": "ja",
        "purpose": "prepare_application_25b",
        "valid_from": day.isoformat(),
        "valid_until": (day + timedelta(days=365)).isoformat(),
        **matrix(
            rows, {"foreign_office": ["status", "case_management"], "kobiz": ["identity", "counselling"]}, ("kobiz",)
        ),
    }
    return data | overrides


# --- capturing a consent -----------------------------------------------------------------


def test_a_consent_captured_through_the_matrix_is_stored_and_listed(intake: Intake) -> None:
    data = capture(intake)
    with intake.pipeline.running():
        answer = intake.post("grant_consent", data)
    assert answer.status_code == 200, answer.text
    assert "„Einwilligung erfassen“ ist gespeichert" in answer.text
    stored = intake.consents()[data["consent_id"]]
    assert stored["scopes"] == [
        {"recipient": "foreign_office", "categories": ["status", "case_management"], "secrecy_release": False},
        {"recipient": "kobiz", "categories": ["identity", "counselling"], "secrecy_release": True},
    ]
    assert (stored["purpose"], stored["form_version"], stored["language"], stored["interpreter_used"]) == (
        "prepare_application_25b",
        CURRENT,
        "ar",
        True,
    )
    # the panel comes anew out of band, with the consent and its state
    panel = answer.text.split('<section id="einwilligungen"')[1]
    assert panel.startswith(' aria-labelledby="einwilligungen-titel" class="kim-section" hx-swap-oob="true"')
    assert "Antrag nach § 25b AufenthG vorbereiten" in panel and ">gültig<" in panel
    assert "Beratungsinhalte" in panel and "Arabisch" in panel
    # the command is logged on the form's route; sent twice with the same key, it is stored once
    logged = [e for e in intake.api.state.container.access_log.entries() if e.route.endswith("/forms/{name}")]
    assert logged and {e.accessor.actor for e in logged} == {WORKERS[INTAKE].staff_id}
    again = intake.post("grant_consent", data)
    assert again.status_code == 200, again.text
    granted = intake.stored("ConsentGranted")
    assert len(granted) == 1


def test_without_javascript_a_captured_consent_answers_with_the_case_page(intake: Intake) -> None:
    answer = intake.post("grant_consent", capture(intake), htmx=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == intake.ctx.url(f"/cases/{intake.case_id}")
    assert len(intake.consents()) == 1


def test_a_nested_error_is_shown_beside_its_row_and_linked_from_the_summary(intake: Intake) -> None:
    data = capture(intake)
    rows = rows_of(intake.page(), GRANT)
    data = with_matrix(data, matrix(rows, {"kobiz": ["status", "counselling"]}))  # counselling, no secrecy release
    answer = intake.post("grant_consent", data)
    assert answer.status_code == 422, answer.text
    assert answer.headers["HX-Retarget"] == f"#{GRANT}"
    field = f"{GRANT}-scopes-{rows['kobiz']}-secrecy-release"
    error = re.search(rf'<p class="kern-error" id="{field}-fehler">([^<]+)</p>', answer.text)
    assert error, answer.text
    assert "Beratungsinhalte" in error[1] and "Schweigepflichtentbindung" in error[1] and "secrecy" not in error[1]
    assert f'href="#{field}"' in answer.text and "Bitte prüfen Sie Ihre Angaben" in answer.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-fehler"', answer.text)
    # what was entered stays: the boxes ticked, the same consent id and key
    kobiz = f"{GRANT}-scopes-{rows['kobiz']}-categories"
    assert re.search(rf'id="{kobiz}-counselling" name="[^"]+" value="counselling" checked', answer.text)
    assert f'value="{data["consent_id"]}"' in answer.text and f'value="{data["idempotency_key"]}"' in answer.text
    assert not intake.consents()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"form_version": "v1"}, "form-version", "nicht bekannt"),
        ({"form_version": "KIM-EW-2019-1"}, "form-version", "nicht mehr"),
        ({"language": "sw"}, "language", "liegt in dieser Sprache nicht vor"),
        ({"valid_until": (date.today() + timedelta(days=800)).isoformat()}, "valid-until", "höchstens 24 Monate"),
        ({"purpose": ""}, "purpose", "Bitte ausfüllen"),
    ],
)
def test_the_form_rejects_what_the_command_rejects_beside_the_field(
    intake: Intake, overrides: dict[str, str], field: str, words: str
) -> None:
    answer = intake.post("grant_consent", capture(intake, **overrides))
    assert answer.status_code == 422, answer.text
    error = re.search(rf'<p class="kern-error" id="{GRANT}-{field}-fehler">([^<]+)</p>', answer.text)
    assert error and words in error[1], answer.text
    assert not intake.consents()


def test_a_widened_matrix_needs_at_least_one_category_per_ticked_row(intake: Intake) -> None:
    rows = rows_of(intake.page(), GRANT)
    data = with_matrix(capture(intake), matrix(rows, {}, ("jobcenter:jc-euskirchen",)))  # the release alone
    answer = intake.post("grant_consent", data)
    assert answer.status_code == 422
    row = rows["jobcenter:jc-euskirchen"]
    assert f'id="{GRANT}-scopes-{row}-categories-fehler">Bitte mindestens eine Datenkategorie' in answer.text
    none = intake.post("grant_consent", with_matrix(capture(intake), matrix(rows, {})))
    assert f'id="{GRANT}-scopes-fehler">Bitte mindestens eine Stelle' in none.text


def test_the_text_of_the_chosen_form_version_is_shown(intake: Intake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIM_CONSENT_FORM_DPO_CONTACT", "Datenschutz im Kreishaus, datenschutz@kreis.example")
    html = intake.page()
    region = html.split(f'id="{GRANT}-form-version-text"')[1].split("</details>")[0]
    assert 'role="region"' in region and 'tabindex="0"' in region
    assert f'data-version="{CURRENT}"' in region
    for words in (
        "Art. 7 Abs. 3 DSGVO",
        "§ 203 Strafgesetzbuch",
        "freiwillig",
        "24 Monate",
        "datenschutz@kreis.example",
    ):
        assert words in region, words
    assert "[Verantwortliche Stelle: vom Kreis einzutragen]" in region  # not configured: still to be filled in
    select = html.split(f'id="{GRANT}-form-version"')[1].split("</select>")[0]
    assert f'<option value="{CURRENT}" selected>' in select and "KIM-EW-2019-1" not in select
    assert f'hx-get="{intake.ctx.url("/consent-forms/text")}"' in select
    # htmx swaps the text when the version changes; without JS the text is a page of its own
    url = intake.ctx.url("/consent-forms/text")
    fragment = intake.client.get(url, params={"form_version": "KIM-EW-2019-1"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'data-version="KIM-EW-2019-1"' in fragment.text
    assert "<html" not in fragment.text
    page = intake.client.get(url, params={"form_version": CURRENT})
    assert page.status_code == 200 and "<h1" in page.text and "Persisch (Farsi/Dari)" in page.text
    assert intake.client.get(url, params={"form_version": "v1"}).status_code == 404


# --- narrowing and revoking -----------------------------------------------------------------


def narrow_form(consent_id: str) -> str:
    return f"formular-change-consent-scope-{consent_id}"


def test_narrowing_is_prefilled_with_the_scope_in_force_and_refuses_a_widening(intake: Intake) -> None:
    consent_id = grant_by_api(
        intake,
        [
            {"recipient": "foreign_office", "categories": ["status", "case_management"]},
            {"recipient": "kobiz", "categories": ["identity"]},
        ],
    )
    html = intake.page()
    form_id = narrow_form(consent_id)
    rows = rows_of(html, form_id)
    form = html.split(f'<form id="{form_id}"')[1].split("</form>")[0]
    checked = set(re.findall(r'name="scopes\[(\d+)\]\.categories" value="([a-z_]+)" checked', form))
    assert checked == {
        (str(rows["foreign_office"]), "status"),
        (str(rows["foreign_office"]), "case_management"),
        (str(rows["kobiz"]), "identity"),
    }
    assert f'id="{form_id}-effective-on"' in form and "Einwilligung einschränken – speichern" in form
    base = {"consent_id": consent_id, "effective_on": date.today().isoformat(), "idempotency_key": uuid4().hex}
    widened = intake.post(
        "change_consent_scope", base | matrix(rows, {"foreign_office": ["status", "identity"], "kobiz": ["identity"]})
    )
    assert widened.status_code == 422, widened.text
    assert widened.headers["HX-Retarget"] == f"#{form_id}"
    field = f"{form_id}-scopes-{rows['foreign_office']}-categories"
    error = re.search(rf'<p class="kern-error" id="{field}-fehler">([^<]+)</p>', widened.text)
    assert error and "Bisher nicht freigegeben: Identität" in error[1] and "neue Einwilligung" in error[1]
    added = intake.post("change_consent_scope", base | matrix(rows, {"jobcenter:jc-euskirchen": ["status"]}))
    assert added.status_code == 422 and "ist in dieser Einwilligung nicht genannt" in added.text
    release = intake.post("change_consent_scope", base | matrix(rows, {"kobiz": ["identity"]}, ("kobiz",)))
    assert release.status_code == 422
    assert f'id="{form_id}-scopes-{rows["kobiz"]}-secrecy-release-fehler"' in release.text
    unchanged = intake.post(
        "change_consent_scope",
        base | matrix(rows, {"foreign_office": ["status", "case_management"], "kobiz": ["identity"]}),
    )
    assert unchanged.status_code == 422 and "Der Umfang ist unverändert" in unchanged.text
    assert len(intake.consents()[consent_id]["scopes"]) == 2  # nothing stored

    with intake.pipeline.running():
        narrowed = intake.post("change_consent_scope", base | matrix(rows, {"foreign_office": ["status"]}))
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.headers["HX-Retarget"] == "#einwilligungen"
    assert narrowed.text.startswith('<section id="einwilligungen"')
    assert "„Einwilligung einschränken“ ist gespeichert" in narrowed.text and ">eingeschränkt<" in narrowed.text
    assert intake.consents()[consent_id]["scopes"] == [
        {"recipient": "foreign_office", "categories": ["status"], "secrecy_release": False}
    ]
    changed = intake.stored("ConsentScopeChanged")
    assert len(changed) == 1


def test_revoking_needs_the_confirmation_and_ends_the_consent(intake: Intake) -> None:
    consent_id = grant_by_api(intake, [{"recipient": "foreign_office", "categories": ["status"]}])
    form_id = f"formular-revoke-consent-{consent_id}"
    html = intake.page()
    assert f'id="{form_id}-confirmed"' in html and "Einwilligung widerrufen – speichern" in html
    base = {"consent_id": consent_id, "effective_on": date.today().isoformat(), "idempotency_key": uuid4().hex}
    unconfirmed = intake.post("revoke_consent", base)
    assert unconfirmed.status_code == 422
    assert f'<p class="kern-error" id="{form_id}-confirmed-fehler">Bitte bestätigen Sie' in unconfirmed.text
    assert intake.consents()[consent_id]["revoked_on"] is None
    with intake.pipeline.running():
        revoked = intake.post("revoke_consent", base | {"confirmed": "ja"})
    assert revoked.status_code == 200, revoked.text
    assert ">widerrufen<" in revoked.text and f"Widerruf wirksam ab {date.today():%d.%m.%Y}" in revoked.text
    assert intake.consents()[consent_id]["revoked_on"] == date.today()
    page = intake.page()  # a revoked consent is listed, without its forms
    assert f'id="einwilligung-{consent_id}"' in page and f'id="{form_id}"' not in page
    assert f'id="{narrow_form(consent_id)}"' not in page
    again = intake.post("revoke_consent", base | {"confirmed": "ja", "idempotency_key": uuid4().hex})
    assert again.status_code == 409 and "bereits widerrufen" in again.text


def test_a_consent_the_case_does_not_have_is_404_and_a_reader_without_write_right_is_refused(intake: Intake) -> None:
    consent_id = grant_by_api(intake, [{"recipient": "foreign_office", "categories": ["status"]}])
    base = {"effective_on": date.today().isoformat(), "confirmed": "ja"}
    assert intake.post("revoke_consent", base | {"consent_id": str(uuid4())}).status_code == 404
    assert intake.post("revoke_consent", base | {"consent_id": "kein-uuid"}).status_code == 404
    token = csrf_of(intake.page())
    other_case = intake.client.post(
        intake.ctx.url(f"/cases/{uuid4()}/forms/revoke_consent"),
        data=base | {"consent_id": consent_id, "subject": str(uuid4())},
        headers={"X-CSRF-Token": token},
    )
    assert other_case.status_code == 404
    # the data-protection officer reads consents but writes none: the panel without forms, a forged post 403
    api, ctx = web_for(intake.pipeline, DATA_PROTECTION_OFFICER)
    with TestClient(api) as client:
        log_in(client, ctx)
        page = client.get(ctx.url(f"/cases/{intake.case_id}"))
        assert page.status_code == 200, page.text
        assert f'id="einwilligung-{consent_id}"' in page.text and "formular-revoke-consent" not in page.text
        forged = client.post(
            ctx.url(f"/cases/{intake.case_id}/forms/revoke_consent"),
            data=base | {"consent_id": consent_id, "subject": str(intake.case_id)},
            headers={"X-CSRF-Token": csrf_of(page.text)},
        )
        assert forged.status_code == 403 and "Kein Zugriff" in forged.text
    # a case manager of other cases does not reach this one: 404
    stranger = Staff("st-fremd01", (Role.KIM_CASE_MANAGER,), (INTAKE,))
    api, ctx = web_for(intake.pipeline, stranger)
    with TestClient(api) as client:
        log_in(client, ctx)
        token = csrf_of(client.get(ctx.url("/")).text)
        refused = client.post(
            ctx.url(f"/cases/{intake.case_id}/forms/revoke_consent"),
            data=base | {"consent_id": consent_id, "subject": str(intake.case_id)},
            headers={"X-CSRF-Token": token},
        )
        assert refused.status_code == 404
    assert intake.consents()[consent_id]["revoked_on"] is None


# --- repeated groups -------------------------------------------------------------------------


def test_a_household_with_two_members_is_recorded_and_empty_rows_are_ignored(intake: Intake) -> None:
    child, spouse = uuid4(), uuid4()
    data = {
        "idempotency_key": uuid4().hex,
        "recorded_on": "2026-02-01",
        "members.rows": "3",
        "members[0].member_ref": str(spouse),
        "members[0].relation": "spouse",
        "members[1].member_ref": str(child),
        "members[1].relation": "child",
        "members[1].birth_date": "2015-04-01",
        "members[2].member_ref": "",
        "members[2].relation": "",
    }
    with intake.pipeline.running():
        answer = intake.post("record_household", data)
    assert answer.status_code == 200, answer.text
    recorded = intake.stored("HouseholdRecorded")
    assert len(recorded) == 1
    event = recorded[0]
    assert [m["member_ref"] for m in event.members] == [str(spouse), str(child)]
    assert event.members[1]["birth_date"] == "2015-04-01"


def test_an_error_in_a_row_is_shown_beside_that_rows_field(intake: Intake) -> None:
    form_id = "formular-record-household"
    data = {
        "recorded_on": "2026-02-01",
        "members.rows": "3",
        "members[0].member_ref": str(uuid4()),
        "members[0].relation": "spouse",
        "members[2].member_ref": str(uuid4()),
        "members[2].relation": "child",
        "members[2].birth_date": "1890-01-01",
        "members[2].living_together_since": "2020-01-01",
        "members[2].living_together_until": "2019-01-01",
    }
    answer = intake.post("record_household", data)
    assert answer.status_code == 422, answer.text
    birth = f"{form_id}-members-2-birth-date"
    assert re.search(rf'<p class="kern-error" id="{birth}-fehler">Bitte ein Datum zwischen', answer.text)
    assert f'href="#{birth}"' in answer.text and "Haushaltsmitglieder, Haushaltsmitglied 3: Geburtsdatum" in answer.text
    assert f'id="{form_id}-members-0-member-ref"' in answer.text  # the rows keep their places
    missing = intake.post("record_household", data | {"members[2].birth_date": "2015-01-01"})
    period = f"{form_id}-members-2-living-together-until"
    assert re.search(rf'<p class="kern-error" id="{period}-fehler">„Im Haushalt bis“ darf nicht vor', missing.text)


def test_weitere_zeile_shows_the_form_with_one_more_row_with_and_without_javascript(intake: Intake) -> None:
    data = {"members.rows": "1", "members[0].member_ref": str(uuid4()), "add_row": "members"}
    with_js = intake.post("record_household", data)
    assert with_js.status_code == 200
    assert with_js.headers["HX-Retarget"] == "#formular-record-household"
    assert 'name="members.rows" value="2"' in with_js.text
    assert re.search(r'id="formular-record-household-members-1-member-ref"[^>]* autofocus', with_js.text)
    assert "Bitte prüfen" not in with_js.text and "Weitere Zeile" in with_js.text
    without_js = intake.post("record_household", data, htmx=False)
    assert without_js.status_code == 200 and "<html" in without_js.text
    assert 'name="members.rows" value="2"' in without_js.text
    assert not intake.stored("HouseholdRecorded")


def test_an_integration_plan_keeps_its_milestones(intake: Intake) -> None:
    data = {
        "agreed_on": "2026-02-01",
        "target_pathway": "AufenthG_25b",
        "milestones.rows": "2",
        "milestones[0].code": "b1_certificate",
        "milestones[0].due_on": "2026-09-30",
    }
    with intake.pipeline.running():
        answer = intake.post("agree_integration_plan", data)
    assert answer.status_code == 200, answer.text
    agreed = intake.stored("IntegrationPlanAgreed")
    event = agreed[0]
    assert event.milestones == [{"code": "b1_certificate", "due_on": "2026-09-30"}]


# --- every command, every department -----------------------------------------------------------


@pytest.mark.parametrize("service", list(Service))
def test_every_command_of_every_department_has_a_form(service: Service) -> None:
    """Nothing is left out; registering a person (no case yet) has a page of its own."""
    without = [c.name for c in command_table(service) if command_form(c) is None]
    assert without == []
    shown = [c.name for c in command_table(service) if not (isinstance(c, NewCaseCommand) and service is INTAKE)]
    assert "register_person" not in shown


def nested_fields() -> Iterator[tuple[str, FormField]]:
    for service in Service:
        for command in command_table(service):
            for name, info in body_model(command.model).model_fields.items():
                if name in NOT_FORM_FIELDS:
                    continue
                f = form_field(name, info, [command.name])
                for sub in f.fields:
                    yield f"{service.value}.{command.name}.{name}", sub


def test_every_field_of_a_row_has_a_german_label() -> None:
    found = list(nested_fields())
    assert {where for where, _ in found} >= {
        "intake.record_household.members",
        "intake.agree_integration_plan.milestones",
        "foreign_office.record_family_member_status.permits",
    }
    missing = sorted(f"{where}.{sub.name}" for where, sub in found if sub.label == sub.name)
    assert not missing, f"fields of rows without a German label in shared/web/forms_labels.py: {missing}"
    assert all(sub.name in FIELDS_DE or any(k.endswith(f".{sub.name}") for k in FIELDS_DE) for _, sub in found)


def test_the_page_names_nothing_as_left_out(intake: Intake) -> None:
    html = intake.page()
    assert "Noch nicht in dieser Ansicht" not in html
    assert 'href="#einwilligungen"' in html  # narrowing and revoking are with each consent


# --- the catalogue --------------------------------------------------------------------------------


def test_the_catalogue_has_one_version_in_force_and_every_text_says_what_a_consent_must_say() -> None:
    assert [f.id for f in in_force(date.today())] == [CURRENT]
    for form in CATALOGUE:
        assert form.languages[0] == "de" and consent_form(form.id) is form
        text = form.text_de()
        for words in ("Art. 7 Abs. 3 DSGVO", "§ 203", "freiwillig", "24 Monate", "Zweck", "widerrufen"):
            assert words in text, (form.id, words)
        assert "[Kontaktdaten der oder des behördlichen Datenschutzbeauftragten" in text
        assert "$" not in text


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"form_version": "v1"}, "form_version", "nicht bekannt"),
        ({"form_version": "KIM-EW-2019-1"}, "form_version", "nicht mehr"),
        ({"language": "sw"}, "language", "liegt in dieser Sprache nicht vor"),
    ],
)
def test_the_api_refuses_a_form_version_not_in_force_at_the_field(
    overrides: dict[str, str], field: str, words: str
) -> None:
    pipeline = InMemoryPipeline()
    with pipeline.clients() as clients:
        case_id = clients[INTAKE].post("/intake/cases", json=person()).json()["case_id"]
        body = {
            "consent_id": str(uuid4()),
            "scopes": [{"recipient": "foreign_office", "categories": ["status"]}],
            "purpose": "prepare_application_25b",
            "valid_from": date.today().isoformat(),
            "valid_until": (date.today() + timedelta(days=300)).isoformat(),
            "form_version": CURRENT,
            "language": "ar",
            "interpreter_used": False,
        }
        answer = clients[INTAKE].post(f"/intake/cases/{case_id}/consents", json=body | overrides)
        assert answer.status_code == 422, answer.text
        errors = answer.json()["detail"]
        assert [e["loc"] for e in errors] == [["body", field]]
        assert words in errors[0]["msg"]
        assert "v1" not in errors[0]["msg"] or field != "form_version"
        backdated = body | {"valid_from": "2024-06-01", "valid_until": "2025-06-01", "form_version": "KIM-EW-2019-1"}
        assert clients[INTAKE].post(f"/intake/cases/{case_id}/consents", json=backdated).status_code == 201


def test_a_clerk_who_may_not_read_consents_takes_a_revocation_of_all_of_them(intake: Intake) -> None:
    first = grant_by_api(intake, [{"recipient": "foreign_office", "categories": ["status"]}])
    second = grant_by_api(intake, [{"recipient": "kobiz", "categories": ["identity"]}])
    clerk = Staff("st-empfang1", (Role.INTAKE_CLERK,), (INTAKE,))  # writes consents, reads none (docs/access.md)
    api, ctx = web_for(intake.pipeline, clerk)
    form_id = "formular-revoke-all-consents"
    with TestClient(api) as client:
        log_in(client, ctx)
        page = client.get(ctx.url(f"/cases/{intake.case_id}")).text
        panel = page.split('<section id="einwilligungen"')[1].split("</section>")[0]
        assert "nicht einsehbar" in panel and f'id="{form_id}"' in panel
        assert first not in page and second not in page and "Antrag nach § 25b" not in panel
        url = ctx.url(f"/cases/{intake.case_id}/consents/revocation")
        assert f'action="{url}"' in panel
        headers = {"X-CSRF-Token": csrf_of(page), "HX-Request": "true"}
        body = {"effective_on": date.today().isoformat(), "idempotency_key": uuid4().hex}
        unconfirmed = client.post(url, data=body, headers=headers)
        assert unconfirmed.status_code == 422
        assert unconfirmed.headers["HX-Retarget"] == f"#{form_id}"
        assert f'id="{form_id}-confirmed-fehler">Bitte bestätigen Sie' in unconfirmed.text
        no_date = client.post(url, data=body | {"effective_on": "", "confirmed": "ja"}, headers=headers)
        assert no_date.status_code == 422 and f'id="{form_id}-effective-on-fehler">Bitte ausfüllen.' in no_date.text
        assert all(c["revoked_on"] is None for c in intake.consents().values())
        revoked = client.post(url, data=body | {"confirmed": "ja"}, headers=headers)
        assert revoked.status_code == 200, revoked.text
        assert revoked.headers["HX-Retarget"] == "#einwilligungen" and "Der Widerruf ist erfasst" in revoked.text
        assert first not in revoked.text and second not in revoked.text
    assert {c["revoked_on"] for c in intake.consents().values()} == {date.today()}
    assert len(intake.stored("ConsentRevoked")) == 2
    logged = [e for e in intake.api.state.container.access_log.entries() if e.accessor.actor == "st-empfang1"]
    writes = [e for e in logged if e.route.endswith("/consents/revocation") and e.operation is Operation.WRITE]
    assert len(writes) == 2  # one per revoked consent, written with its event
