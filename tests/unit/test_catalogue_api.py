"""Every command and every route of every service over HTTP, in-process (POPO persistence, in-memory views).

The commands come from the services' command tables and their bodies from tests/samples.py,
so a new command is covered as soon as it is in its table and has a sample. Proven
for each command: accepted with its status (201/200), the new version and a position
(``published`` False exactly for what stays home: the foreign office's internal
findings, a department's file itself, Kobiz's link); a body with a required field
missing or an unknown field answers 422 naming that field and stores nothing; an
unknown case or file answers 404; a closed case (intake), a closed file (the foreign
office) or the closed KIM case of a file (Kobiz) takes only corrections (409
otherwise). Every route of every service has an entry in the walk (commands from the
walks, reads from ``READS``), and every walk entry answers — and no answer is a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.application.commands import Correctable
from shared.events.base import event_id
from shared.http.access import body_model
from shared.service import Service
from tests.support.tokens import DATA_PROTECTION_OFFICER, OPERATOR, TEAM_LEADS
from tests.support.walk import (
    COMMANDS,
    FILE_SERVICES,
    SPECS,
    STAYS_HOME,
    WALKS,
    Api,
    body,
    route,
    starts_case,
    status,
)

ALL = [(service, spec.name) for service, specs in COMMANDS.items() for spec in specs]
CASE_COMMANDS = [(service, name) for service, name in ALL if not starts_case(service, name)]

# What must have happened on a case (or file) before a command is accepted.
NEEDS: dict[str, list[str]] = {
    "change_consent_scope": ["grant_consent"],
    "revoke_consent": ["grant_consent"],
    "close_case": ["open_case"],
    "agree_integration_plan": ["open_case"],
    "hold_case_conference": ["open_case"],
    "refer_to_return_counselling": ["open_case"],
    "refuse_residence_permit": ["apply_for_residence_permit"],
    "release_staff": ["assign_staff"],
    "hand_over": ["open_case"],  # intake: the case manager hands over (a file's opener is assigned already)
    "name_deputy": ["open_case"],
}


def ids(param: Any) -> str:
    return param.value if isinstance(param, Service) else str(param)


@pytest.fixture(scope="module")
def apis() -> Iterator[dict[Service, Api]]:
    """One in-process app per service for this module; every test works on its own case or file."""
    started = {service: Api(service) for service in Service}
    for api in started.values():
        api.client.__enter__()
    try:
        yield started
    finally:
        for api in started.values():
            api.client.__exit__(None, None, None)
        errors = [e for api in started.values() for e in api.server_errors()]
        assert not errors, errors


def valid(api: Api, name: str, **overrides: Any) -> dict[str, Any]:
    """A valid body for ``name``; a link names a case the department's view knows."""
    if name == "link_to_kim_case":
        overrides = {"case_id": str(api.know())} | overrides
    return body(name, api.service, **overrides)


def run(api: Api, subject_id: UUID, name: str, **overrides: Any) -> dict[str, Any]:
    return api.post(route(api.service, name, subject_id), valid(api, name, **overrides), status(api.service, name))


def open_file(api: Api) -> UUID:
    """A department's own file, not linked to any KIM case."""
    return UUID(api.post(route(api.service, "open_file"), body("open_file", api.service), 201)["case_id"])


def new_subject(api: Api, *, linked: bool = True) -> UUID:
    """What a command works on: a registered case (intake), or a department's own file linked to a case its view
    knows (unless ``linked`` is False)."""
    if api.service is Service.INTAKE:
        return UUID(api.post(route(Service.INTAKE, "register_person"), body("register_person"), 201)["case_id"])
    file_id = open_file(api)
    if linked:
        run(api, file_id, "link_to_kim_case")
    return file_id


def own(api: Api, subject_id: UUID | str) -> str:
    """The service's own record of a case (intake) or a file (the departments)."""
    if api.service is Service.INTAKE:
        return f"/intake/cases/{subject_id}/file"
    return f"/{api.service.slug}/files/{subject_id}"


def version_of(api: Api, subject_id: UUID) -> int:
    """The version of the service's own case or file (0: none)."""
    response = api.client.get(own(api, subject_id))
    if response.status_code == 404:
        return 0
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


@pytest.mark.parametrize(("service", "name"), ALL, ids=ids)
def test_every_command_is_accepted_with_its_status_version_and_position(
    apis: dict[Service, Api], service: Service, name: str
) -> None:
    api = apis[service]
    if starts_case(service, name):
        answer = api.post(route(service, name), body(name, service), status(service, name))
        subject_id, before = UUID(answer["case_id"]), 0
    else:
        subject_id = new_subject(api, linked=name != "link_to_kim_case")
        for needed in [n for n in NEEDS.get(name, []) if n in SPECS[service]]:
            run(api, subject_id, needed)
        before = version_of(api, subject_id)
        answer = api.post(route(service, name, subject_id), valid(api, name), status(service, name))
    # Changed on purpose: a department's answer names its file (the aggregate), not the KIM case.
    assert UUID(answer["case_id"]) == subject_id
    assert answer["version"] == before + 1 == version_of(api, subject_id), "one event per command"
    position = answer["position"]
    assert position["service"] == service.value
    assert position["token"] == f"{service.value}:{position['notification_id']}"
    assert position["published"] is (name not in STAYS_HOME[service])
    recorder = api.container.app.recorder
    assert position["notification_id"] == recorder.max_notification_id()


@pytest.mark.parametrize(("service", "name"), ALL, ids=ids)
def test_a_malformed_body_answers_422_naming_the_field_and_stores_nothing(
    apis: dict[Service, Api], service: Service, name: str
) -> None:
    api, spec = apis[service], SPECS[service][name]
    subject_id = None if starts_case(service, name) else new_subject(api, linked=name != "link_to_kim_case")
    good = valid(api, name)
    before = api.container.app.recorder.max_notification_id()
    required = [f for f, info in body_model(spec.model).model_fields.items() if info.is_required()]
    assert required, name
    for field in required:
        broken = {k: v for k, v in good.items() if k != field}
        answer = api.post(route(service, name, subject_id), broken, 422)
        assert ("body", field) in {tuple(d["loc"]) for d in answer["detail"]}, (field, answer)
    answer = api.post(route(service, name, subject_id), good | {"free_text": "INTERN"}, 422)
    assert {tuple(d["loc"]) for d in answer["detail"]} == {("body", "free_text")}
    answer = api.post(route(service, name, subject_id), good | {"expected_version": -1}, 422)
    assert {tuple(d["loc"]) for d in answer["detail"]} == {("body", "expected_version")}
    assert api.container.app.recorder.max_notification_id() == before


@pytest.mark.parametrize(("service", "name"), CASE_COMMANDS, ids=ids)
def test_an_unknown_case_or_file_answers_404(apis: dict[Service, Api], service: Service, name: str) -> None:
    api = apis[service]
    good = valid(api, name)
    before = api.container.app.recorder.max_notification_id()
    answer = api.post(route(service, name, uuid4()), good, 404)
    assert answer["error"] == "CaseNotFoundError"
    subject = "file_id" if service in FILE_SERVICES else "case_id"
    malformed = api.post(route(service, name, "kein-fall"), good, 422)["detail"]
    assert ("path", subject) in {tuple(d["loc"]) for d in malformed}
    assert api.container.app.recorder.max_notification_id() == before


# Intake: the person may revoke or narrow a consent at any time (Art. 7(3) DSGVO), also
# after the case closed; the closing itself and the opening are not corrections.
ALLOWED_WHEN_CLOSED = {"revoke_consent", "change_consent_scope"}
CLOSING = {Service.INTAKE: "close_case", Service.FOREIGN_OFFICE: "close_file", Service.KOBIZ: None}
REFUSED_AS = {
    Service.INTAKE: {"CaseClosedError", "CaseAlreadyOpenError"},
    Service.FOREIGN_OFFICE: {"FileClosedError"},
    Service.KOBIZ: {"CaseClosedError"},
}


@pytest.mark.parametrize("service", list(Service), ids=ids)
def test_a_closed_case_or_file_takes_only_corrections(apis: dict[Service, Api], service: Service) -> None:
    api = apis[service]
    subject_id = new_subject(api, linked=False)
    walk = [n for n in WALKS[service] if not starts_case(service, n) and n not in (CLOSING[service], "revoke_consent")]
    versions = {name: run(api, subject_id, name)["version"] for name in walk}
    if service is Service.INTAKE:
        run(api, subject_id, "close_case")
        assert api.get(own(api, subject_id), 200)["status"] == "closed"
    else:
        case_id = UUID(api.get(own(api, subject_id), 200)["kim_case_id"])
        api.close_known(case_id)  # intake closed the KIM case; the department's view shows it
        assert api.get(f"/{service.slug}/cases/{case_id}/history", 200)["summary"]["case"]["status"] == "closed"
    if service is Service.FOREIGN_OFFICE:
        # Changed on purpose: the foreign office's statutory work goes on after KIM; closing its file ends it.
        run(api, subject_id, "record_entry")
        run(api, subject_id, "close_file")
        assert api.get(own(api, subject_id), 200)["closed_on"] == "2026-12-31"

    for spec in COMMANDS[service]:
        if starts_case(service, spec.name) or spec.name in ALLOWED_WHEN_CLOSED:
            continue
        version = version_of(api, subject_id)
        refused = api.post(route(service, spec.name, subject_id), valid(api, spec.name), 409)
        assert refused["error"] in REFUSED_AS[service], (spec.name, refused)
        assert version_of(api, subject_id) == version
        if not issubclass(spec.model, Correctable):
            continue
        # A correction names the earlier event it corrects (its CloudEvents id).
        corrects = str(event_id(service, subject_id, versions[spec.name]))
        corrected = run(api, subject_id, spec.name, corrects=corrects)
        assert corrected["version"] == version + 1, spec.name

    if service is Service.INTAKE:
        revoked = run(api, subject_id, "revoke_consent")
        assert revoked["position"]["published"] is True


def test_decisions_need_an_open_file_not_an_open_kim_case(apis: dict[Service, Api]) -> None:
    # Changed on purpose: the foreign office decides on its own file; no KIM case need be known, let alone open.
    api = apis[Service.FOREIGN_OFFICE]
    file_id = open_file(api)
    run(api, file_id, "apply_for_residence_permit")
    run(api, file_id, "refuse_residence_permit")
    run(api, file_id, "apply_for_residence_permit")
    run(api, file_id, "grant_residence_permit")
    run(api, file_id, "grant_settlement_permit")
    decisions = api.get(own(api, file_id), 200)["decisions"]
    assert [(d["norm"], d["outcome"], d["decided_by"]) for d in decisions] == [
        ("AufenthG_25b", "refused", "st-abhsb4"),
        ("AufenthG_25b", "granted", "st-abhsb4"),
        ("AufenthG_26_4", "granted", "st-abhsb4"),
    ]
    run(api, file_id, "close_file")
    for name in ("grant_residence_permit", "grant_settlement_permit", "refuse_residence_permit"):
        refused = api.post(route(Service.FOREIGN_OFFICE, name, file_id), body(name), 409)
        assert refused["error"] == "FileClosedError", name


# --- every route has a walk entry -----------------------------------------------------------

Read = Callable[[Api, UUID, UUID], str]
"""The URL a read takes, given the walked case (or file) and the KIM case."""

READS: dict[Service, dict[tuple[str, str], Read]] = {
    service: {
        ("GET", "/healthz"): lambda api, subject, case: "/healthz",
        ("GET", "/readyz"): lambda api, subject, case: "/readyz",
        ("GET", f"/{service.slug}/cases"): lambda api, subject, case: f"/{api.service.slug}/cases",
        ("GET", f"/{service.slug}/cases/{{case_id}}/history"): (
            lambda api, subject, case: f"/{api.service.slug}/cases/{case}/history"
        ),
        ("GET", f"/{service.slug}/cases/{{case_id}}/perspective"): (
            lambda api, subject, case: f"/{api.service.slug}/cases/{case}/perspective"
        ),
        ("GET", f"/{service.slug}/projection/dead-letters"): (
            lambda api, subject, case: f"/{api.service.slug}/projection/dead-letters"
        ),
        ("GET", f"/{service.slug}/projection/status"): (
            lambda api, subject, case: f"/{api.service.slug}/projection/status"
        ),
        ("GET", f"/{service.slug}/projection/skipped"): (
            lambda api, subject, case: f"/{api.service.slug}/projection/skipped"
        ),
        ("GET", f"/{service.slug}/inbox"): lambda api, subject, case: f"/{api.service.slug}/inbox",
        ("GET", f"/{service.slug}/access-log"): (
            lambda api, subject, case: f"/{api.service.slug}/access-log?case_id={subject}"
        ),
    }
    for service in Service
}
READS[Service.INTAKE][("GET", "/intake/cases/{case_id}/file")] = lambda api, subject, case: own(api, subject)
for _service in FILE_SERVICES:
    READS[_service] |= {
        ("GET", f"/{_service.slug}/files/{{file_id}}"): lambda api, subject, case: own(api, subject),
        ("GET", f"/{_service.slug}/files/{{file_id}}/perspective"): (
            lambda api, subject, case: f"{own(api, subject)}/perspective"
        ),
    }
"""Every read route of every service, with the URL its walk entry takes."""
ELSEWHERE: dict[Service, set[tuple[str, str]]] = {
    service: {
        ("POST", f"/{service.slug}/break-glass"),
        ("GET", f"/{service.slug}/break-glass"),
        ("GET", f"/{service.slug}/break-glass/{{grant_id}}"),
        *(
            ("POST", f"/{service.slug}/break-glass/{{grant_id}}/{step}")
            for step in ("approval", "refusal", "end", "review")
        ),
        ("GET", f"/{service.slug}/admin-events"),
    }
    for service in Service
}
ELSEWHERE[Service.INTAKE] |= {
    ("GET", "/intake/persons"),
    ("POST", "/intake/persons/duplicate-check"),
}  # test_person_api.py
"""Routes off a case's walk, proven in tests/unit/test_break_glass.py: break-glass and Keycloak's admin events."""


def command_routes(service: Service) -> dict[tuple[str, str], str]:
    """The route (method, OpenAPI path) of every command in the walk, to the command's name."""
    subject = "{file_id}" if service in FILE_SERVICES else "{case_id}"
    return {("POST", route(service, name, subject)): name for name in WALKS[service]}


def openapi_routes(api: Api) -> set[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = api.get("/openapi.json", 200)["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


@pytest.mark.parametrize("service", list(Service), ids=ids)
def test_every_route_has_a_walk_entry_and_every_walk_entry_is_a_route(
    apis: dict[Service, Api], service: Service
) -> None:
    walked = set(command_routes(service)) | set(READS[service]) | ELSEWHERE[service]
    routes = openapi_routes(apis[service])
    assert sorted(routes - walked) == [], "routes without a walk entry"
    assert sorted(walked - routes) == [], "walk entries without a route"


@pytest.mark.parametrize("service", list(Service), ids=ids)
def test_the_whole_walk_runs_over_http_in_order(apis: dict[Service, Api], service: Service) -> None:
    """Each command of the walk on one case (intake) or one file, linked on the way (the departments)."""
    api = apis[service]
    subject_id: UUID | None = None
    linked = service is Service.INTAKE
    for name in WALKS[service]:
        answer = api.post(route(service, name, subject_id), valid(api, name), status(service, name))
        subject_id = subject_id or UUID(answer["case_id"])
        assert UUID(answer["case_id"]) == subject_id
        assert answer["version"] == version_of(api, subject_id)
        linked = linked or name == "link_to_kim_case"
        # Nothing of a department's file leaves before its link.
        assert answer["position"]["published"] is (linked and name not in STAYS_HOME[service]), name


def walked_subject(api: Api) -> tuple[UUID, UUID]:
    """A case (intake) or a file linked to a case, with the whole walk on it: (its id, the KIM case)."""
    subject_id: UUID | None = None
    for name in WALKS[api.service]:
        if name in ("close_case", "close_file", "revoke_consent"):
            continue
        answer = api.post(route(api.service, name, subject_id), valid(api, name), status(api.service, name))
        subject_id = UUID(answer["case_id"])
    assert subject_id is not None
    if api.service is Service.INTAKE:
        return subject_id, api.know(subject_id)  # intake's view of its own case, as its projector would build it
    return subject_id, UUID(api.get(own(api, subject_id), 200)["kim_case_id"])


@pytest.mark.parametrize(("service", "read"), [(s, r) for s in Service for r in READS[s]], ids=ids)
def test_every_read_route_answers_on_a_walked_case(
    apis: dict[Service, Api], service: Service, read: tuple[str, str]
) -> None:
    api = apis[service]
    subject_id, case_id = walked_subject(api)
    # The operator's routes (no person data) and the access log are for other roles than the case's worker.
    callers = {"/projection/": OPERATOR, "/access-log": DATA_PROTECTION_OFFICER, "/inbox": TEAM_LEADS[service]}
    caller = next((staff for part, staff in callers.items() if part in read[1]), None)
    headers = caller.headers() if caller else {}
    answer = api.client.request(read[0], READS[service][read](api, subject_id, case_id), headers=headers)
    assert answer.status_code == 200, (read, answer.text)
