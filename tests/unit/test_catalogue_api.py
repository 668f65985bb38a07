"""Every command of every service over HTTP, in-process (POPO persistence, in-memory views).

The commands come from the services' command tables and their bodies from tests/samples.py,
so a new command is covered as soon as it is in its table and has a sample. Proven
for each command: accepted with its status (201/200), the new version and a position
(``published`` False exactly for the foreign office's internal findings); a body with
a required field missing or an unknown field answers 422 naming that field and stores
nothing; an unknown case answers 404; on a closed case only corrections are accepted
(409 otherwise) — and no answer is a 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.application.commands import Correctable
from shared.bus.wire import event_id
from shared.service import Service
from tests.support.projection_suite import opened
from tests.support.walk import (
    COMMANDS,
    INTERNAL_COMMANDS,
    SPECS,
    WALKS,
    Api,
    apply,
    body,
    route,
    share_everything,
    starts_case,
    status,
)

ALL = [(service, spec.name) for service, specs in COMMANDS.items() for spec in specs]
CASE_COMMANDS = [(service, name) for service, name in ALL if not starts_case(service, name)]

# What must have happened on a case before a command is accepted.
NEEDS: dict[str, list[str]] = {
    "change_consent_scope": ["grant_consent"],
    "revoke_consent": ["grant_consent"],
    "close_case": ["open_case"],
    "agree_integration_plan": ["open_case"],
    "hold_case_conference": ["open_case"],
    "refer_to_return_counselling": ["open_case"],
    "refuse_residence_permit": ["apply_for_residence_permit"],
}


def ids(param: Any) -> str:
    return param.value if isinstance(param, Service) else str(param)


@pytest.fixture(scope="module")
def apis() -> Iterator[dict[Service, Api]]:
    """One in-process app per service for this module; every test works on its own case."""
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


def new_case(api: Api) -> UUID:
    """A case the service may work on: registered (intake) or known to the department's view."""
    if api.service is Service.INTAKE:
        return UUID(api.post(route(Service.INTAKE, "register_person"), body("register_person"), 201)["case_id"])
    return api.know()


def version_of(api: Api, case_id: UUID) -> int:
    """The version of the service's own file on the case (0: none yet)."""
    response = api.client.get(f"/{api.service.slug}/cases/{case_id}/file")
    if response.status_code == 404:
        return 0
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


def run(api: Api, case_id: UUID, name: str, **overrides: Any) -> dict[str, Any]:
    return api.post(route(api.service, name, case_id), body(name, **overrides), status(api.service, name))


@pytest.mark.parametrize(("service", "name"), ALL, ids=ids)
def test_every_command_is_accepted_with_its_status_version_and_position(
    apis: dict[Service, Api], service: Service, name: str
) -> None:
    api = apis[service]
    if starts_case(service, name):
        answer = api.post(route(service, name), body(name), status(service, name))
        case_id, before = UUID(answer["case_id"]), 0
    else:
        case_id = new_case(api)
        for needed in NEEDS.get(name, []):
            run(api, case_id, needed)
        before = version_of(api, case_id)
        answer = api.post(route(service, name, case_id), body(name), status(service, name))
    assert UUID(answer["case_id"]) == case_id
    # One event per command, plus the department's FileOpened on its first command.
    assert answer["version"] == before + (2 if before == 0 and service is not Service.INTAKE else 1)
    assert answer["version"] == version_of(api, case_id)
    position = answer["position"]
    assert position["service"] == service.value
    assert position["token"] == f"{service.value}:{position['notification_id']}"
    assert position["published"] is (name not in INTERNAL_COMMANDS)
    recorder = api.container.app.recorder
    assert position["notification_id"] == recorder.max_notification_id()


@pytest.mark.parametrize(("service", "name"), ALL, ids=ids)
def test_a_malformed_body_answers_422_naming_the_field_and_stores_nothing(
    apis: dict[Service, Api], service: Service, name: str
) -> None:
    api, spec = apis[service], SPECS[service][name]
    case_id = None if starts_case(service, name) else new_case(api)
    before = api.container.app.recorder.max_notification_id()
    required = [f for f, info in spec.model.model_fields.items() if info.is_required()]
    assert required, name
    for field in required:
        broken = {k: v for k, v in body(name).items() if k != field}
        answer = api.post(route(service, name, case_id), broken, 422)
        assert ("body", field) in {tuple(d["loc"]) for d in answer["detail"]}, (field, answer)
    answer = api.post(route(service, name, case_id), body(name, free_text="INTERN"), 422)
    assert ("body", "free_text") in {tuple(d["loc"]) for d in answer["detail"]}
    answer = api.post(route(service, name, case_id), body(name, expected_version=-1), 422)
    assert ("body", "expected_version") in {tuple(d["loc"]) for d in answer["detail"]}
    assert api.container.app.recorder.max_notification_id() == before


@pytest.mark.parametrize(("service", "name"), CASE_COMMANDS, ids=ids)
def test_an_unknown_case_answers_404(apis: dict[Service, Api], service: Service, name: str) -> None:
    api = apis[service]
    before = api.container.app.recorder.max_notification_id()
    answer = api.post(route(service, name, uuid4()), body(name), 404)
    assert answer["error"] == "CaseNotFoundError"
    assert ("path", "case_id") in {
        tuple(d["loc"]) for d in api.post(route(service, name, "kein-fall"), body(name), 422)["detail"]
    }
    assert api.container.app.recorder.max_notification_id() == before


# Intake: the person may revoke or narrow a consent at any time (Art. 7(3) DSGVO), also
# after the case closed; the closing itself and the opening are not corrections.
ALLOWED_WHEN_CLOSED = {"revoke_consent", "change_consent_scope"}


@pytest.mark.parametrize("service", list(Service), ids=ids)
def test_a_closed_case_takes_only_corrections(apis: dict[Service, Api], service: Service) -> None:
    api = apis[service]
    case_id = new_case(api)
    walk = [n for n in WALKS[service] if not starts_case(service, n) and n not in ("close_case", "revoke_consent")]
    versions = {name: run(api, case_id, name)["version"] for name in walk}
    if service is Service.INTAKE:
        run(api, case_id, "close_case")
        assert api.get(f"/intake/cases/{case_id}/file", 200)["status"] == "closed"
    else:
        api.close_known(case_id)  # intake closed it; the department's view shows it
        assert api.get(f"/{service.slug}/cases/{case_id}/history", 200)["summary"]["case"]["status"] == "closed"

    for spec in COMMANDS[service]:
        if starts_case(service, spec.name) or spec.name in ALLOWED_WHEN_CLOSED:
            continue
        version = version_of(api, case_id)
        refused = api.post(route(service, spec.name, case_id), body(spec.name), 409)
        assert refused["error"] in ("CaseClosedError", "CaseAlreadyOpenError"), (spec.name, refused)
        assert version_of(api, case_id) == version
        if not issubclass(spec.model, Correctable):
            continue
        # A correction names the earlier event it corrects (its CloudEvents id).
        corrects = str(event_id(service, case_id, versions[spec.name]))
        corrected = run(api, case_id, spec.name, corrects=corrects)
        assert corrected["version"] == version + 1, spec.name

    if service is Service.INTAKE:
        revoked = run(api, case_id, "revoke_consent")
        assert revoked["position"]["published"] is True


def test_decisions_need_an_open_kim_case_in_the_foreign_offices_view(apis: dict[Service, Api]) -> None:
    api = apis[Service.FOREIGN_OFFICE]
    case_id = uuid4()
    # The consent has arrived, the opening not (yet): the case is known, but not open.
    apply(api.store, api.feed, [api.feed.record(share_everything(case_id))])
    run(api, case_id, "apply_for_residence_permit")
    for name in ("grant_residence_permit", "grant_settlement_permit", "refuse_residence_permit"):
        refused = api.post(route(Service.FOREIGN_OFFICE, name, case_id), body(name), 409)
        assert refused["error"] == "CaseNotOpenError", name
    apply(api.store, api.feed, [api.feed.record(opened(case_id), seconds=1)])
    run(api, case_id, "refuse_residence_permit")
    run(api, case_id, "grant_residence_permit")
    decisions = api.get(f"/foreign-office/cases/{case_id}/file", 200)["decisions"]
    assert [(d["outcome"], d["decided_by"]) for d in decisions] == [("refused", "abh-sb-4"), ("granted", "abh-sb-4")]
