"""The three services' HTTP APIs in-process, on POPO persistence and in-memory views.

What is proven here: accepted commands answer 201/200 with the new version and a
position token; bad input answers 422 naming the offending field; unknown cases and
files answer 404 (a department links its file only to a case its own projection
knows); stale versions and broken domain rules answer 409; a department's file
publishes nothing before its link; the Perspektive of a department's own file
judges its own records, its internal findings and, once linked, its view of the
case; the history read honours ``after``/``wait``; the operational endpoints
answer; and no input of these tests produces a 500.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.intake.application import IntakeApplication
from shared.events import catalogue as ev
from shared.service import Service
from tests.conftest import person
from tests.support.projection_suite import of_case
from tests.support.tokens import OPERATOR
from tests.support.walk import Api, apply, body


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    service = request.param if hasattr(request, "param") else Service.INTAKE
    a = Api(service)
    with a.client:
        yield a
    assert not a.server_errors(), a.server_errors()


def for_service(*services: Service) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("api", services or list(Service), indirect=True, ids=lambda s: s.value)


def locs(body: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {tuple(d["loc"]) for d in body["detail"]}


# --- request bodies -------------------------------------------------------------------


def consent(**overrides: Any) -> dict[str, Any]:
    return {
        "consent_id": str(uuid4()),
        "scopes": [{"recipient": "foreign_office", "categories": ["status", "language_education"]}],
        "purpose": "prepare_application_25b",
        "valid_from": "2026-01-06",
        "valid_until": "2027-12-31",
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": True,
    } | overrides


def opening(**overrides: Any) -> dict[str, Any]:
    return {"opened_on": "2026-01-06"} | overrides  # the case manager: whoever opens the case (the token)


def toleration(**overrides: Any) -> dict[str, Any]:
    return {
        "subtype": "60a",
        "ground_code": "no_travel_documents",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "work_permitted": True,
        "residence_condition": False,
        "remarks": "intern",
    } | overrides


def identity(**overrides: Any) -> dict[str, Any]:
    return {"clarified_on": "2026-02-01", "method": "passport", "document_ref": "ABH-4711"} | overrides


def permit(**overrides: Any) -> dict[str, Any]:
    return {
        "norm": "AufenthG_25b",
        "granted_on": "2026-03-01",
        "valid_from": "2026-03-01",
        "valid_until": "2028-02-29",
        "employment_permitted": True,
        "conditions": None,
        "rule_version_ids": ["AufenthG_25b@2026-01-01"],
    } | overrides


def counselling(**overrides: Any) -> dict[str, Any]:
    return {
        "held_on": "2026-02-15",
        "topic_codes": ["language_course"],
        "pathways_discussed": ["AufenthG_25b"],
        "next_step_codes": ["book_a2_exam"],
        "notes": "vertraulich",
    } | overrides


def accepted(
    body: dict[str, Any], service: Service, version: int, notification_id: int, published: bool = True
) -> UUID:
    assert body["version"] == version
    assert body["position"] == {
        "service": service.value,
        "notification_id": notification_id,
        "token": f"{service.value}:{notification_id}",
        "published": published,
    }
    return UUID(body["case_id"])


def open_file(api: Api, case_id: UUID | None = None) -> UUID:
    """A department's own file (Kobiz's for ``case_id``, if given; the foreign office links it later)."""
    opening = body("open_file", api.service) | ({"case_id": str(case_id)} if case_id else {})
    return UUID(api.post(f"/{api.service.slug}/files", opening, 201)["case_id"])


def link(case_id: UUID, **overrides: Any) -> dict[str, Any]:
    return {"case_id": str(case_id), "linked_on": "2026-01-20"} | overrides


# --- operations ------------------------------------------------------------------------


@for_service()
def test_health_readiness_and_openapi(api: Api) -> None:
    assert api.get("/healthz", 200) == {"status": "ok", "service": api.service.value}
    assert api.get("/readyz", 200)["ready"] is True
    paths = api.get("/openapi.json", 200)["paths"]
    slug = api.service.slug
    views = {f"/{slug}/cases", f"/{slug}/cases/{{case_id}}/history", f"/{slug}/cases/{{case_id}}/perspective"}
    if api.service is Service.INTAKE:
        assert {f"/{slug}/cases/{{case_id}}/file", *views} <= set(paths)
    else:
        # A department's own files, and its view of the KIM cases.
        files = {f"/{slug}/files", f"/{slug}/files/{{file_id}}", f"/{slug}/files/{{file_id}}/perspective"}
        assert files | views <= set(paths), sorted((files | views) - set(paths))
        assert not [p for p in paths if p.startswith(f"/{slug}/cases/{{case_id}}/") and p not in views]
    assert api.get(f"/{slug}/cases", 200) == []
    api.act_as(OPERATOR)
    assert api.get(f"/{slug}/projection/dead-letters", 200) == []


# --- intake ----------------------------------------------------------------------------


def test_intake_accepts_registration_consent_and_opening(api: Api) -> None:
    case_id = accepted(api.post("/intake/cases", person(), 201), Service.INTAKE, 1, 1)
    accepted(api.post(f"/intake/cases/{case_id}/consents", consent(expected_version=1), 201), Service.INTAKE, 2, 2)
    accepted(api.post(f"/intake/cases/{case_id}/opening", opening(), 200), Service.INTAKE, 3, 3)
    other = accepted(api.post("/intake/cases", person(family_name="Zweite"), 201), Service.INTAKE, 1, 4)
    assert other != case_id

    file = api.get(f"/intake/cases/{case_id}/file", 200)
    assert (file["status"], file["version"], file["family_name"]) == ("open", 3, "Testperson")
    assert [(c["purpose"], c["revoked_on"]) for c in file["consents"]] == [("prepare_application_25b", None)]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({k: v for k, v in person().items() if k != "family_name"}, ("body", "family_name")),
        (person(birth_date="1999-13-01"), ("body", "birth_date")),
        (person(registered_on="gestern"), ("body", "registered_on")),
        (person(languages=["Arabisch"]), ("body", "languages", 0)),
        (person(claimed_nationalities=["sy"]), ("body", "claimed_nationalities", 0)),
        (person(nickname="Ami"), ("body", "nickname")),
        (person(family_name=""), ("body", "family_name")),
        (person(family_name="x" * 201), ("body", "family_name")),
        (person(family_name=" \t\u3000"), ("body", "family_name")),
        (person(given_names="x" * 200 + " "), ("body", "given_names")),
        (person(languages=[" ar"]), ("body", "languages", 0)),
        (person(birth_date=0), ("body", "birth_date")),
        (person(birth_date="1999-05-01T00:00:00"), ("body", "birth_date")),
    ],
    ids=[
        "missing",
        "bad-date",
        "not-a-date",
        "language",
        "nationality",
        "extra",
        "empty",
        "too-long",
        "blank",
        "too-long-as-sent",
        "padded-code",
        "timestamp",
        "datetime",
    ],
)
def test_intake_registration_rejects_bad_bodies_naming_the_field(api: Api, body: Any, loc: tuple[Any, ...]) -> None:
    assert loc in locs(api.post("/intake/cases", body, 422))
    assert api.get("/intake/cases", 200) == []


def test_intake_registration_rejects_a_birth_after_the_registration(api: Api) -> None:
    detail = api.post("/intake/cases", person(birth_date="2026-02-01"), 422)["detail"]
    assert detail[0]["loc"] == ["body"] and "birth_date" in detail[0]["msg"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (consent(consent_id="nope"), ("body", "consent_id")),
        (consent(scopes=[]), ("body", "scopes")),
        (consent(scopes=[{"recipient": "police", "categories": ["status"]}]), ("body", "scopes", 0, "recipient")),
        (consent(scopes=[{"recipient": "kobiz", "categories": ["secrets"]}]), ("body", "scopes", 0, "categories", 0)),
        (consent(purpose="free text with spaces"), ("body", "purpose")),
        (consent(valid_from="2026-02-30"), ("body", "valid_from")),
        (consent(interpreter_used="vielleicht"), ("body", "interpreter_used")),
        (consent(interpreter_used=1), ("body", "interpreter_used")),
        (consent(interpreter_used="yes"), ("body", "interpreter_used")),
        (consent(expected_version=-1), ("body", "expected_version")),
        (consent(signature="x"), ("body", "signature")),
    ],
    ids=[
        "consent-id",
        "no-scopes",
        "recipient",
        "category",
        "purpose",
        "date",
        "bool",
        "bool-as-int",
        "bool-as-text",
        "version",
        "extra",
    ],
)
def test_intake_consent_rejects_bad_bodies_naming_the_field(api: Api, body: Any, loc: tuple[Any, ...]) -> None:
    case_id = api.post("/intake/cases", person(), 201)["case_id"]
    assert loc in locs(api.post(f"/intake/cases/{case_id}/consents", body, 422))
    intake = api.container.app
    assert isinstance(intake, IntakeApplication)
    assert intake.get_case(UUID(case_id)).consents == {}, "nothing was stored"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (opening(opened_on="2026-01-32"), ("body", "opened_on")),
        (opening(case_manager_id="Frau Müller"), ("body", "case_manager_id")),
        (opening(expected_version=-3), ("body", "expected_version")),
        (opening(expected_version="eins"), ("body", "expected_version")),
        (opening(expected_version="1"), ("body", "expected_version")),
        (opening(case_manager_id=" cm-test-1"), ("body", "case_manager_id")),
        (opening(status="open"), ("body", "status")),
        ({}, ("body", "opened_on")),
    ],
    ids=[
        "date",
        "actor-in-body",
        "negative-version",
        "version-type",
        "version-as-text",
        "padded-actor",
        "extra",
        "missing",
    ],
)
def test_intake_opening_rejects_bad_bodies_naming_the_field(api: Api, body: Any, loc: tuple[Any, ...]) -> None:
    case_id = api.post("/intake/cases", person(), 201)["case_id"]
    assert loc in locs(api.post(f"/intake/cases/{case_id}/opening", body, 422))
    assert api.get(f"/intake/cases/{case_id}/file", 200)["status"] == "registered"


def test_intake_rejects_malformed_json_and_malformed_case_ids(api: Api) -> None:
    response = api.client.post("/intake/cases", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and locs(response.json()) <= {("body", 1)}
    assert ("path", "case_id") in locs(api.post("/intake/cases/not-a-uuid/opening", opening(), 422))
    assert ("path", "case_id") in locs(api.post("/intake/cases/1234/consents", consent(), 422))
    assert ("path", "case_id") in locs(api.get("/intake/cases/xyz/file", 422))


def test_intake_takes_the_json_its_schema_names(api: Api) -> None:
    # A JSON number with a zero fraction is an integer; required free text is trimmed once valid.
    case_id = api.post("/intake/cases", person(family_name=" Müller ", given_names="Amina\n"), 201)["case_id"]
    api.post(f"/intake/cases/{case_id}/opening", opening(expected_version=1.0), 200)
    file = api.get(f"/intake/cases/{case_id}/file", 200)
    assert (file["family_name"], file["given_names"], file["version"]) == ("Müller", "Amina", 2)


@for_service()
def test_a_wrong_method_answers_405_allowing_every_method_of_the_path(api: Api) -> None:
    slug = api.service.slug
    response = api.client.put(f"/{slug}/cases")
    expected = "GET, POST" if api.service is Service.INTAKE else "GET"
    assert (response.status_code, response.headers["allow"]) == (405, expected)
    own = f"/{slug}/cases/{uuid4()}/file" if api.service is Service.INTAKE else f"/{slug}/files/{uuid4()}"
    response = api.client.delete(own)
    assert (response.status_code, response.headers["allow"]) == (405, "GET")
    if api.service is not Service.INTAKE:
        response = api.client.get(f"/{slug}/files")  # files are opened here, not listed
        assert (response.status_code, response.headers["allow"]) == (405, "POST")


def test_intake_answers_404_for_unknown_cases(api: Api) -> None:
    unknown = uuid4()
    assert api.post(f"/intake/cases/{unknown}/opening", opening(), 404)["error"] == "CaseNotFoundError"
    api.post(f"/intake/cases/{unknown}/consents", consent(), 404)
    api.get(f"/intake/cases/{unknown}/file", 404)


def test_intake_answers_409_on_stale_versions_and_broken_rules(api: Api) -> None:
    case_id = api.post("/intake/cases", person(), 201)["case_id"]
    stale = api.post(f"/intake/cases/{case_id}/opening", opening(expected_version=0), 409)
    assert stale["error"] == "ConcurrentModificationError"
    api.post(f"/intake/cases/{case_id}/opening", opening(expected_version=1), 200)
    again = api.post(f"/intake/cases/{case_id}/opening", opening(), 409)
    assert again["error"] == "CaseAlreadyOpenError" and "bereits eröffnet" in again["detail"]

    body = consent()
    api.post(f"/intake/cases/{case_id}/consents", body, 201)
    twice = api.post(f"/intake/cases/{case_id}/consents", body, 409)
    assert twice["error"] == "DuplicateConsentError"
    api.post(f"/intake/cases/{case_id}/consents", consent(expected_version=2), 409)  # it is 3 now
    file = api.get(f"/intake/cases/{case_id}/file", 200)
    assert (file["version"], len(file["consents"])) == (3, 1)


# --- foreign office ------------------------------------------------------------------------


@for_service(Service.FOREIGN_OFFICE)
def test_foreign_office_works_on_its_own_file_and_publishes_it_once_linked_to_a_known_case(api: Api) -> None:
    fo = Service.FOREIGN_OFFICE
    # Changed on purpose: the file has its own id and needs no KIM case; the answer names the file.
    file_id = accepted(api.post("/foreign-office/files", body("open_file", fo), 201), fo, 1, 1, published=False)
    base = f"/foreign-office/files/{file_id}"
    accepted(api.post(f"{base}/tolerated-stays", toleration(expected_version=1), 201), fo, 2, 2, published=False)
    accepted(api.post(f"{base}/identity-clarification", identity(), 200), fo, 3, 3, published=False)
    case_id = api.know()
    assert accepted(api.post(f"{base}/kim-link", link(case_id), 200), fo, 4, 4) == file_id
    accepted(api.post(f"{base}/residence-permits", permit(expected_version=4), 201), fo, 5, 5)
    file = api.get(base, 200)
    assert (file["file_id"], file["kim_case_id"], file["version"]) == (str(file_id), str(case_id), 5)
    assert file["identity_clarified_on"] == "2026-02-01" and file["family_name"] == "INTERN-Name"
    assert [p["norm"] for p in file["permits"]] == ["AufenthG_25b"]
    assert [d["decided_by"] for d in file["decisions"]] == ["st-abhsb4"]
    assert api.get(f"/foreign-office/files/{uuid4()}", 404)["error"] == "CaseNotFoundError"


@for_service(Service.FOREIGN_OFFICE)
def test_foreign_office_answers_404_for_unknown_files_and_for_links_to_cases_its_projection_does_not_know(
    api: Api,
) -> None:
    base = f"/foreign-office/files/{uuid4()}"
    api.post(f"{base}/tolerated-stays", toleration(), 404)
    api.post(f"{base}/identity-clarification", identity(), 404)
    api.post(f"{base}/residence-permits", permit(), 404)
    api.get(base, 404)
    # Unknown stays unknown whatever version the caller claims to have seen (not a 409).
    api.post(f"{base}/identity-clarification", identity(expected_version=1), 404)
    api.post(f"{base}/kim-link", link(api.know()), 404)

    file_id = open_file(api)
    unknown = uuid4()
    assert api.post(f"/foreign-office/files/{file_id}/kim-link", link(unknown), 404)["error"] == "CaseNotFoundError"
    api.know()  # another case becoming known does not help
    api.post(f"/foreign-office/files/{file_id}/kim-link", link(unknown), 404)
    file = api.get(f"/foreign-office/files/{file_id}", 200)
    assert (file["version"], file["kim_case_id"]) == (1, None), "nothing was stored"


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("tolerated-stays", toleration(subtype="61"), ("body", "subtype")),
        ("tolerated-stays", toleration(valid_from="2026-13-01"), ("body", "valid_from")),
        ("tolerated-stays", toleration(work_permitted="vielleicht"), ("body", "work_permitted")),
        ("tolerated-stays", toleration(ground_code="kein Pass"), ("body", "ground_code")),
        ("tolerated-stays", toleration(ground_code="health_ptsd"), ("body", "ground_code")),
        ("tolerated-stays", toleration(name="Amina"), ("body", "name")),
        ("tolerated-stays", toleration(expected_version=-1), ("body", "expected_version")),
        ("tolerated-stays", toleration(remarks="x" * 2001), ("body", "remarks")),
        ("identity-clarification", identity(method="dna"), ("body", "method")),
        ("identity-clarification", identity(clarified_on=None), ("body", "clarified_on")),
        ("residence-permits", permit(norm="AufenthG_999"), ("body", "norm")),
        ("residence-permits", permit(granted_on="01.03.2026"), ("body", "granted_on")),
        ("residence-permits", {k: v for k, v in permit().items() if k != "valid_until"}, ("body", "valid_until")),
        ("residence-permits", permit(decided_by="abh-sb-4"), ("body", "decided_by")),
        ("residence-permits", permit(decided_by="sb4@abh.example"), ("body", "decided_by")),
        ("kim-link", link(uuid4(), linked_on="bald"), ("body", "linked_on")),
        ("kim-link", {"linked_on": "2026-01-20"}, ("body", "case_id")),
        ("closing", {"closed_on": "2026-06-01", "reason": "umgezogen"}, ("body", "reason")),
    ],
    ids=[
        "subtype",
        "date",
        "bool",
        "code",
        "health-prefix",
        "extra",
        "version",
        "remarks-length",
        "method",
        "null-date",
        "norm",
        "german-date",
        "missing",
        "staff-code",
        "staff-mail",
        "link-date",
        "link-case",
        "closure-reason",
    ],
)
@for_service(Service.FOREIGN_OFFICE)
def test_foreign_office_rejects_bad_bodies_naming_the_field(
    api: Api, path: str, body: Any, loc: tuple[Any, ...]
) -> None:
    file_id = open_file(api)
    assert loc in locs(api.post(f"/foreign-office/files/{file_id}/{path}", body, 422))
    assert api.get(f"/foreign-office/files/{file_id}", 200)["version"] == 1  # nothing was stored


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"family_name": ""}, ("body", "family_name")),
        ({"birth_date": "1999-02-30"}, ("body", "birth_date")),
        ({"nationalities": ["syrisch"]}, ("body", "nationalities", 0)),
        ({"file_reference": "x" * 101}, ("body", "file_reference")),
        ({"case_id": str(uuid4())}, ("body", "case_id")),  # linked by its own command only
    ],
    ids=["empty-name", "date", "nationality", "reference-length", "extra"],
)
@for_service(Service.FOREIGN_OFFICE)
def test_foreign_office_rejects_a_bad_file_opening_naming_the_field(
    api: Api, overrides: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    assert loc in locs(api.post("/foreign-office/files", body("open_file", Service.FOREIGN_OFFICE, **overrides), 422))
    assert api.container.app.recorder.max_notification_id() in (None, 0)


@for_service(Service.FOREIGN_OFFICE)
def test_foreign_office_answers_409_on_stale_versions_and_broken_rules(api: Api) -> None:
    file_id = open_file(api)
    base = f"/foreign-office/files/{file_id}"
    api.post(f"{base}/tolerated-stays", toleration(expected_version=0), 409)  # the file is at version 1
    api.post(f"{base}/identity-clarification", identity(), 200)
    twice = api.post(f"{base}/identity-clarification", identity(), 409)
    assert twice["error"] == "IdentityAlreadyClarifiedError"
    api.post(f"{base}/tolerated-stays", toleration(expected_version=1), 409)
    backwards = api.post(f"{base}/residence-permits", permit(valid_until="2026-02-01"), 422)  # refused at the door
    assert "valid_until" in backwards["detail"][0]["msg"]
    case_id = api.know()
    api.post(f"{base}/kim-link", link(case_id), 200)
    assert api.post(f"{base}/kim-link", link(case_id), 409)["error"] == "AlreadyLinkedError"
    api.post(f"{base}/closing", {"closed_on": "2026-06-30", "reason": "moved_away"}, 200)
    assert api.post(f"{base}/tolerated-stays", toleration(), 409)["error"] == "FileClosedError"
    assert api.get(base, 200)["version"] == 4
    assert ("path", "file_id") in locs(api.post("/foreign-office/files/12/tolerated-stays", toleration(), 422))


@for_service(Service.FOREIGN_OFFICE)
def test_foreign_office_decides_on_its_file_whatever_the_kim_case_and_consent(api: Api) -> None:
    # Changed on purpose: a decision needs an open file, no longer an open KIM case known to the view.
    file_id = open_file(api)
    base = f"/foreign-office/files/{file_id}"
    api.post(f"{base}/residence-permit-applications", {"applied_on": "2026-01-09", "norm": "AufenthG_25b"}, 201)
    refused = api.post(f"{base}/residence-permit-refusals", body("refuse_residence_permit"), 201)
    assert refused["position"]["published"] is False, "an unlinked file publishes nothing"
    case_id = api.know()
    api.post(f"{base}/kim-link", link(case_id), 200)
    api.close_known(case_id)  # the KIM case is closed: the statutory work goes on
    granted = api.post(f"{base}/residence-permits", permit(), 201)
    assert granted["position"]["published"] is True
    decisions = api.get(base, 200)["decisions"]
    assert [(d["outcome"], d["decided_by"]) for d in decisions] == [("refused", "st-abhsb4"), ("granted", "st-abhsb4")]


def pathway_25b(perspective: dict[str, Any]) -> dict[str, str]:
    (pathway,) = [p for p in perspective["pathways"] if p["norm"] == "AufenthG_25b"]
    return {p["key"]: p["status"] for p in pathway["prerequisites"]}


@for_service(Service.FOREIGN_OFFICE)
def test_the_perspective_of_a_foreign_office_file_judges_its_records_its_findings_and_the_linked_case(
    api: Api,
) -> None:
    assert api.get(f"/foreign-office/files/{uuid4()}/perspective", 404)["error"] == "CaseNotFoundError"
    file_id = open_file(api)
    base = f"/foreign-office/files/{file_id}"
    prerequisites = pathway_25b(api.get(f"{base}/perspective", 200, on="2026-06-01"))
    # Its own file is complete knowledge of its own acts: no Duldung issued is known, not unknown.
    assert (prerequisites["status"], prerequisites["german_a2"]) == ("not_met", "unknown")
    api.post(f"{base}/tolerated-stays", body("issue_tolerated_stay"), 201)  # its own record
    api.post(f"{base}/identity-deceptions", body("establish_identity_deception", prevented_removal=True), 201)
    unlinked = api.get(f"{base}/perspective", 200, on="2026-06-01")
    assert (unlinked["file_id"], unlinked["case_id"]) == (str(file_id), None)
    prerequisites = pathway_25b(unlinked)
    assert (prerequisites["status"], prerequisites["no_deception"]) == ("met", "not_met"), "internal findings count"
    assert prerequisites["german_a2"] == "unknown"

    # An A2 certificate in the foreign office's view of the case counts once the file is linked to it.
    case_id = api.know()
    certificate = of_case(
        ev.LanguageCertificateObtained, case_id, level="A2", exam_body="telc", obtained_on=date(2026, 1, 13)
    )
    apply(api.store, api.feed, [api.feed.record(certificate, seconds=3)])
    assert pathway_25b(api.get(f"{base}/perspective", 200, on="2026-06-01"))["german_a2"] == "unknown"
    api.post(f"{base}/kim-link", link(case_id), 200)
    linked = api.get(f"{base}/perspective", 200, on="2026-06-01")
    assert linked["case_id"] == str(case_id) and pathway_25b(linked)["german_a2"] == "met"


# --- kobiz ------------------------------------------------------------------------------------


@for_service(Service.KOBIZ)
def test_kobiz_records_counselling_on_its_file_for_a_known_case_and_keeps_the_notes(api: Api) -> None:
    case_id = api.know()
    kobiz = Service.KOBIZ
    opening = body("open_file", kobiz, case_id=str(case_id))
    file_id = accepted(api.post("/kobiz/files", opening, 201), kobiz, 1, 1, published=False)  # FileOpened stays home
    base = f"/kobiz/files/{file_id}"
    accepted(api.post(f"{base}/counselling-sessions", counselling(expected_version=1), 201), kobiz, 2, 2)
    accepted(api.post(f"{base}/counselling-sessions", counselling(expected_version=2), 201), kobiz, 3, 3)
    file = api.get(base, 200)
    assert (file["file_id"], file["kim_case_id"], file["version"]) == (str(file_id), str(case_id), 3)
    assert [s["notes"] for s in file["sessions"]] == ["vertraulich", "vertraulich"]


@for_service(Service.KOBIZ)
def test_kobiz_counsels_outside_kim_without_publishing_and_links_the_file_later(api: Api) -> None:
    file_id = open_file(api)
    base = f"/kobiz/files/{file_id}"
    assert api.post(f"{base}/counselling-sessions", counselling(), 201)["position"]["published"] is False
    assert api.get(base, 200)["kim_case_id"] is None
    api.post(f"{base}/kim-link", link(uuid4()), 404)  # a case Kobiz's view does not know
    case_id = api.know()
    assert api.post(f"{base}/kim-link", link(case_id), 200)["position"]["published"] is False  # internal
    assert api.post(f"{base}/counselling-sessions", counselling(), 201)["position"]["published"] is True
    assert api.post(f"{base}/kim-link", link(case_id), 409)["error"] == "AlreadyLinkedError"
    # Once the KIM case is closed, Kobiz's file on it takes only corrections.
    api.close_known(case_id)
    assert api.post(f"{base}/counselling-sessions", counselling(), 409)["error"] == "CaseClosedError"
    assert api.get(base, 200)["version"] == 4


@for_service(Service.KOBIZ)
def test_kobiz_answers_404_for_unknown_files_and_cases_and_409_on_stale_versions(api: Api) -> None:
    unknown = uuid4()
    api.post(f"/kobiz/files/{unknown}/counselling-sessions", counselling(), 404)
    api.post(f"/kobiz/files/{unknown}/counselling-sessions", counselling(expected_version=2), 404)
    api.get(f"/kobiz/files/{unknown}", 404)
    # A file for a KIM case needs the case known to Kobiz's view.
    assert api.post("/kobiz/files", body("open_file", Service.KOBIZ, case_id=str(unknown)), 404)["error"] == (
        "CaseNotFoundError"
    )
    assert api.container.app.recorder.max_notification_id() in (None, 0)
    file_id = open_file(api, api.know())
    sessions = f"/kobiz/files/{file_id}/counselling-sessions"
    api.post(sessions, counselling(expected_version=1), 201)
    stale = api.post(sessions, counselling(expected_version=1), 409)
    assert stale["error"] == "ConcurrentModificationError"
    assert len(api.get(f"/kobiz/files/{file_id}", 200)["sessions"]) == 1


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (counselling(held_on="nie"), ("body", "held_on")),
        ({k: v for k, v in counselling().items() if k != "held_on"}, ("body", "held_on")),
        (counselling(counsellor_id="kobiz-3"), ("body", "counsellor_id")),
        (counselling(pathways_discussed=["AufenthG_1"]), ("body", "pathways_discussed", 0)),
        (counselling(topic_codes=["frei formulierter Text"]), ("body", "topic_codes", 0)),
        (counselling(topic_codes=["book_a2_exam"]), ("body", "topic_codes", 0)),
        (counselling(notes="x" * 20001), ("body", "notes")),
        (counselling(expected_version=-1), ("body", "expected_version")),
        (counselling(client_name="Amina"), ("body", "client_name")),
    ],
    ids=["date", "missing", "staff-code", "norm", "code", "topic-vocabulary", "notes-length", "version", "extra"],
)
@for_service(Service.KOBIZ)
def test_kobiz_rejects_bad_bodies_naming_the_field(api: Api, body: Any, loc: tuple[Any, ...]) -> None:
    file_id = open_file(api, api.know())
    assert loc in locs(api.post(f"/kobiz/files/{file_id}/counselling-sessions", body, 422))
    assert ("path", "file_id") in locs(api.post("/kobiz/files/kein-fall/counselling-sessions", counselling(), 422))
    assert api.get(f"/kobiz/files/{file_id}", 200)["version"] == 1


@for_service(Service.KOBIZ)
def test_the_perspective_of_a_kobiz_file_judges_its_own_records_without_a_kim_case(api: Api) -> None:
    file_id = open_file(api)
    base = f"/kobiz/files/{file_id}"
    assert pathway_25b(api.get(f"{base}/perspective", 200, on="2026-06-01"))["german_a2"] == "unknown"
    api.post(f"{base}/language-certificates", body("record_language_certificate"), 201)
    perspective = api.get(f"{base}/perspective", 200, on="2026-06-01")
    assert (perspective["file_id"], perspective["case_id"]) == (str(file_id), None)
    assert pathway_25b(perspective)["german_a2"] == "met"


# --- the case-history read ------------------------------------------------------------------


@for_service()
def test_history_answers_404_for_an_unknown_case_and_422_for_malformed_input(api: Api) -> None:
    slug = api.service.slug
    unknown = uuid4()
    assert api.get(f"/{slug}/cases/{unknown}/history", 404)["error"] == "CaseNotFoundError"
    assert ("path", "case_id") in locs(api.get(f"/{slug}/cases/nope/history", 422))
    for after in ("intake", "intake:", "intake:x", "INTAKE:1", "intake:1:2", "intake:" + "9" * 19, "police:1"):
        assert ("query", "after") in locs(api.get(f"/{slug}/cases/{unknown}/history", 422, after=after)), after
    for wait in ("-1", "61", "lange"):
        assert ("query", "wait") in locs(api.get(f"/{slug}/cases/{unknown}/history", 422, wait=wait)), wait


@for_service()
def test_history_shows_the_case_and_waits_for_a_position_bounded(api: Api) -> None:
    slug = api.service.slug
    case_id = api.know()  # intake:1 (the consent) and intake:2 (the opening) in this projection
    body = api.get(f"/{slug}/cases/{case_id}/history", 200, after="intake:2", wait=5)
    assert body["projection"]["reached"] is True
    assert body["summary"]["case"]["status"] == "open" and body["summary"]["consents"] == 1
    assert [e["type"] for e in body["timeline"]] == [
        "de.nrw.kim.intake.ConsentGranted.v2",
        "de.nrw.kim.intake.CaseOpened.v2",
    ]

    not_yet = api.get(f"/{slug}/cases/{case_id}/history", 200, after="intake:3", wait=0.2)
    assert not_yet["projection"]["reached"] is False
    assert 0.2 <= not_yet["projection"]["waited_s"] < 5
    assert api.get(f"/{slug}/cases/{case_id}/history", 200, after="foreign-office:7")["projection"]["reached"] is False

    # The projection catches up while the read waits: the read returns as soon as it has.
    later = threading.Timer(0.1, lambda: api.know(case_id))
    later.start()
    try:
        caught_up = api.get(f"/{slug}/cases/{case_id}/history", 200, after="intake:4", wait=10)
    finally:
        later.join()
    assert caught_up["projection"]["reached"] is True and caught_up["projection"]["waited_s"] < 10
    assert len(caught_up["timeline"]) == 4
