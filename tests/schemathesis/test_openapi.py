"""Hostile input: Schemathesis over each service's OpenAPI document, with all its checks.

Each service runs in-process (ASGI) on POPO persistence and an in-memory view;
Schemathesis drives its lifespan itself (started on the first request of an
operation, ended after each test item, so every operation starts from a freshly
seeded container). For every operation it sends examples, schema-derived
coverage cases and property-based positive and negative data, and validates each
answer with every built-in check that is enabled by default — all of them:
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``, ``response_headers_conformance``,
``positive_data_acceptance``, ``negative_data_rejection``, ``missing_required_header``,
``unsupported_method``, ``allow_header_conformance``, ``use_after_free``,
``ensure_resource_availability``, ``ignored_auth`` and ``object_level_authorization``
(the last four have nothing to act on here: no DELETE, no links, no security scheme).

- **Bounded**: ``KIM_SCHEMATHESIS_EXAMPLES`` (default 20) property-based examples per
  operation (positive and negative drawn together), plus the deterministic coverage
  cases Schemathesis derives from the schema (boundaries, missing and wrong-typed
  fields, undeclared methods).
- **A known case**: each container is seeded with one open case, known to the
  service (intake: registered and opened in its own store; every service: shared
  into its projection as ``tests/unit/walk.py`` ``know`` does), and a valid
  ``case_id`` is swapped for that case half of the time. So the accepted paths
  (201/200, 409 on a stale version or a broken rule) are exercised too; an unknown
  case answers 404, which is documented.
- **One exemption**, narrow: ``positive_data_acceptance`` may see a 422 whose every
  error sits at ``loc == ["body"]`` (or at one item of a list in it, ``["body",
  "members", 3]``) with type ``value_error``: a rule across fields of the body or of
  the item (an end date before its start, a recipient named twice), which JSON Schema
  cannot express. A 422 naming a field is still a failure, with one exception of the same
  kind: ``corrects`` (type ``invalid_reference``) names an event that must exist in this
  case of this service, which no schema can know.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import hypothesis
import psycopg
import pytest
import schemathesis
from hypothesis import strategies as st

from services.bootstrap import Container, build_container, create_app
from services.foreign_office import events as fo_events
from services.foreign_office.application import ForeignOfficeApplication
from services.foreign_office.commands import LinkToKimCase
from services.foreign_office.domain import ResidenceFile
from services.intake.application import IntakeApplication
from services.intake.commands import OpenCase
from services.intake.domain import Case
from services.kobiz import events as kobiz_events
from services.kobiz.application import KobizApplication
from services.kobiz.domain import CounsellingFile
from shared.application.catalogue import NewCaseCommand
from shared.application.commands import ACROSS_FIELDS
from shared.events import catalogue as ev
from shared.events.common import Norm
from shared.identity.http import get_token_verifier
from shared.service import Service
from shared.settings import get_settings
from tests.support import tokens
from tests.support.projection_suite import Feed, toleration
from tests.support.walk import FILE_SERVICES, SPECS, apply, body, know, route

pytestmark = pytest.mark.schemathesis

EXAMPLES = int(os.environ.get("KIM_SCHEMATHESIS_EXAMPLES", "20"))
KNOWN_CASE = UUID("5eed0000-0000-4000-8000-000000000001")
"""The seeded case, the same in all three services (the product itself only mints random ids)."""
KNOWN_FILE = UUID("5eed0000-0000-4000-8000-000000000002")
"""The foreign office's and Kobiz's seeded file on the person, linked to the seeded case."""

STATUSES: dict[Service, Counter[tuple[str, int]]] = {s: Counter() for s in Service}
"""Answers per service: (method path, status) -> count, for the summary and the last test."""


def seeded(service: Service) -> Container:
    """A service's in-memory container holding one open case its own view knows."""
    # A read waiting for a position that never comes waits at most this long.
    settings = get_settings(service).model_copy(update={"read_wait_max_s": 0.05})
    container = build_container(service, settings, in_memory=True)
    if service is Service.INTAKE:
        # A registration under the fixed id (eventsourcing's constructor of a new aggregate).
        person = Case._create(  # noqa: SLF001 - the library's documented way to give an aggregate its id
            Case.PersonRegistered,
            id=KNOWN_CASE,
            person_id=uuid4(),
            registered_on=date(2026, 1, 5),
            family_name="Seed",
            given_names="Case",
            birth_date=date(1999, 5, 1),
            languages=[],
            claimed_nationalities=[],
            contact=None,
            import_ref=None,
        )
        intake = container.app
        assert isinstance(intake, IntakeApplication)
        intake.start(person)
        intake.open_case(
            KNOWN_CASE, OpenCase(opened_on=date(2026, 1, 6), case_manager_id="st-cm0001", actor="st-cm0001")
        )
    feed = Feed(service)
    know(container.store, feed, KNOWN_CASE)
    seed_file(container)
    # Facts for the Perspektive engine and the summary, and one parked record for the dead letters.
    fo, kobiz = Feed(Service.FOREIGN_OFFICE), Feed(Service.KOBIZ)
    apply(
        container.store,
        feed,
        [
            fo.record(toleration(KNOWN_CASE, date(2019, 3, 1)), seconds=2),
            fo.record(
                ev.IdentityClarified(
                    case_id=KNOWN_CASE, file_id=KNOWN_FILE, clarified_on=date(2020, 2, 1), method="passport"
                ),
                seconds=3,
            ),
            kobiz.record(
                ev.PerspectiveCounsellingHeld(
                    case_id=KNOWN_CASE,
                    file_id=KNOWN_FILE,
                    held_on=date(2021, 2, 15),
                    pathways_discussed=[Norm.AUFENTHG_25B],
                ),
                seconds=4,
            ),
            feed.poison(),
        ],
    )
    return container


def seed_file(container: Container) -> None:
    """The department's own file on the person, under the fixed id, linked to the seeded case."""
    app = container.app
    if isinstance(app, ForeignOfficeApplication):
        file = ResidenceFile._create(  # noqa: SLF001 - the library's documented way to give an aggregate its id
            fo_events.FileOpened,
            id=KNOWN_FILE,
            family_name="Seed",
            given_names="Case",
            birth_date=date(1999, 5, 1),
            nationalities=["SYR"],
            file_reference=None,
            kim_case_id=None,
            opened_by=None,
        )
        app.start(file)
        app.link_to_kim_case(KNOWN_FILE, LinkToKimCase(case_id=KNOWN_CASE, linked_on=date(2026, 1, 6)))
    elif isinstance(app, KobizApplication):
        app.start(
            CounsellingFile._create(  # noqa: SLF001 - as above
                kobiz_events.FileOpened,
                id=KNOWN_FILE,
                opened_on=date(2026, 1, 6),
                kim_case_id=KNOWN_CASE,
                opened_by=None,
            )
        )


APPS = {s: create_app(s, partial(seeded, s)) for s in Service}
for _app in APPS.values():
    _app.dependency_overrides[get_token_verifier] = tokens.verifier


SCHEMAS = {s: schemathesis.openapi.from_asgi("/openapi.json", app) for s, app in APPS.items()}


def worker_token(service: Service) -> type[Any]:
    """An auth provider: the service's worker (tests/support/tokens.py), whose reach holds the seeded case
    and file. Schemathesis leaves it out where a case tests a missing Authorization header."""

    class WorkerToken:
        def get(self, case: schemathesis.Case[Any], context: Any) -> str:
            return tokens.WORKERS[service].token()

        def set(self, case: schemathesis.Case[Any], data: str, context: Any) -> None:
            case.headers["Authorization"] = f"Bearer {data}"

    return WorkerToken


for _service, _schema in SCHEMAS.items():
    _schema.auth()(worker_token(_service))


def known_case_sometimes(_context: schemathesis.HookContext, path_parameters: dict[str, Any] | None) -> Any:
    """Swap a well-formed ``case_id`` (``file_id``) for the seeded case (file) half of the time."""
    for name, known in (("case_id", KNOWN_CASE), ("file_id", KNOWN_FILE)):
        if not path_parameters or name not in path_parameters:
            continue
        try:
            UUID(str(path_parameters[name]))
        except ValueError:  # negative data for the path: leave it malformed
            return st.just(path_parameters)
        return st.sampled_from([path_parameters, {**path_parameters, name: str(known)}])
    return st.just(path_parameters)


KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")


def fresh_key(_context: schemathesis.HookContext, case: schemathesis.Case[Any], **_kwargs: Any) -> None:
    """A well-formed Idempotency-Key becomes a fresh one, as a careful client sends it.

    Generated keys repeat ("0", "A", …) across different bodies, which the API rightly
    refuses (422, a key names one request); the reuse rules have a behaviour suite of
    their own (tests/support/idempotency_suite.py). Malformed keys stay, as negative data.
    Done just before each call, so that every phase (coverage, fuzzing, stateful) gets it.
    """
    key = case.headers.get("Idempotency-Key") if case.headers else None
    if isinstance(key, str) and KEY.fullmatch(key):
        case.headers["Idempotency-Key"] = f"st-{uuid4().hex}"


def cross_field_rule_only(
    _context: schemathesis.HookContext, failure: Any, _case: schemathesis.Case[Any], response: schemathesis.Response
) -> bool:
    """Keep every failure except a 422 for schema-valid data caused only by a rule across fields."""
    if failure.code == "ST201" and response.status_code == 413:  # ST201: schema-violating request accepted
        return False  # it was not accepted: the body limit refused it before anything else (documented 413)
    if failure.code != "ST202" or response.status_code != 422:  # ST202: schema-valid request rejected
        return True
    try:
        errors = json.loads(response.content)["detail"]
    except (ValueError, KeyError, TypeError):
        return True
    across_fields = all(
        (_whole_object(e.get("loc")) and e.get("type") == "value_error")
        or e.get("type") == ACROSS_FIELDS
        or _stored_reference(e)
        for e in errors
    )
    return not (errors and across_fields)


def _stored_reference(error: dict[str, Any]) -> bool:
    """``corrects`` names no earlier event of this case and kind (a valid UUID all the same)."""
    return error.get("loc") == ["body", "corrects"] and error.get("type") == "invalid_reference"


def _whole_object(loc: Any) -> bool:
    """An error about an object as a whole: the body, or one item of a list in it (never a named field)."""
    return isinstance(loc, list) and loc[:1] == ["body"] and (len(loc) == 1 or isinstance(loc[-1], int))


def _count(service: Service) -> Any:
    def after_call(
        _context: schemathesis.HookContext, case: schemathesis.Case[Any], response: schemathesis.Response
    ) -> None:
        STATUSES[service][(f"{case.method} {case.path}", response.status_code)] += 1

    return after_call


schemathesis.hook("before_call")(fresh_key)  # a global-scope hook in Schemathesis 4
for _service, _schema in SCHEMAS.items():
    _schema.hook("flatmap_path_parameters")(known_case_sometimes)
    _schema.hook("filter_failure")(cross_field_rule_only)
    _schema.hook("after_call")(_count(_service))

SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # the same bounded run everywhere; a failure prints its seed
    suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.filter_too_much],
)


# No ``checks=``: every built-in check enabled in the default configuration runs.


@SCHEMAS[Service.INTAKE].parametrize()
@SETTINGS
def test_intake(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


@SCHEMAS[Service.FOREIGN_OFFICE].parametrize()
@SETTINGS
def test_foreign_office(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


@SCHEMAS[Service.KOBIZ].parametrize()
@SETTINGS
def test_kobiz(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


def test_all_checks_are_enabled() -> None:
    """Nothing in the configuration switched a built-in check off."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    expected = {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
        "object_level_authorization",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
    }
    assert expected <= {getattr(c, "__name__", "") for c in CHECKS.get_all()}
    for schema in SCHEMAS.values():
        config = schema.config.checks_config_for()
        assert [name for name in expected if not config.get_by_name(name=name).enabled] == []


def test_the_accepted_paths_were_exercised() -> None:
    """Runs after the three above: each accepted some commands for the seeded case; none answered 5xx."""
    ran = {service: statuses for service, statuses in STATUSES.items() if statuses}
    if not ran:
        pytest.skip("the Schemathesis runs were not selected")
    for service, statuses in ran.items():
        totals: Counter[int] = Counter()
        for (_, status), n in statuses.items():
            totals[status] += n
        print(f"\n{service.value}: " + ", ".join(f"{status}: {n}" for status, n in sorted(totals.items())))
        assert not [k for k in statuses if k[1] >= 500], statuses
        if EXAMPLES >= 10:  # with fewer, a service may by chance have no accepted command
            accepted = {op for (op, status) in statuses if op.startswith("POST") and status in (200, 201)}
            assert accepted, f"{service.value}: no command was accepted"


# --- the database down: every operation answers the documented 503 -----------------------


class Down:
    """An application or view whose database is unreachable."""

    def __getattr__(self, name: str) -> Any:
        def unreachable(*_args: Any, **_kwargs: Any) -> Any:
            raise psycopg.OperationalError("connection refused (test)")

        return unreachable

    def close(self) -> None:
        """Nothing to close."""


def down(service: Service) -> Container:
    container = build_container(service, in_memory=True)
    container.app.close()
    container.app, container.store, container.reach = Down(), Down(), Down()  # type: ignore[assignment]
    return container


@pytest.mark.parametrize("service", list(Service), ids=lambda s: s.value)
def test_with_the_database_down_every_operation_answers_the_documented_503(service: Service) -> None:
    """Not reachable in memory otherwise: 503, ErrorPublic and Retry-After, as each operation documents."""
    from schemathesis.checks import not_a_server_error

    app = create_app(service, lambda: down(service))
    app.dependency_overrides[get_token_verifier] = tokens.verifier
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    subject = {"file_id": str(KNOWN_FILE)} if service in FILE_SERVICES else {"case_id": str(KNOWN_CASE)}
    requests: list[tuple[str, str, dict[str, Any], Any]] = [
        (
            "POST",
            route(service, spec.name, "{" + next(iter(subject)) + "}"),
            {} if isinstance(spec, NewCaseCommand) else subject,
            body(spec.name, service, case_id=str(KNOWN_CASE))
            if spec.name == "link_to_kim_case"
            else body(spec.name, service),
        )
        for spec in SPECS[service].values()
    ]
    slug = service.slug
    own = (
        (f"/{slug}/files/{{file_id}}", f"/{slug}/files/{{file_id}}/perspective")
        if service in FILE_SERVICES
        else (f"/{slug}/cases/{{case_id}}/file",)
    )
    requests += [
        (
            "GET",
            path,
            {k: v for k, v in ({"case_id": str(KNOWN_CASE)} | subject).items() if "{" + k + "}" in path},
            None,
        )
        for path in (
            f"/{slug}/cases",
            f"/{slug}/cases/{{case_id}}/history",
            f"/{slug}/cases/{{case_id}}/perspective",
            *own,
            f"/{slug}/projection/dead-letters",
        )
    ]
    for method, path, path_parameters, payload in requests:
        operation = schema[path][method]
        if payload is None:
            case = operation.Case(path_parameters=path_parameters)
        else:
            case = operation.Case(path_parameters=path_parameters, body=payload)
        # The operator's routes need the operator; everything else the service's worker.
        staff = tokens.OPERATOR if "/projection/" in path else tokens.WORKERS[service]
        response = case.call(headers={"Authorization": f"Bearer {staff.token()}"})
        assert response.status_code == 503, (method, path, response.status_code, response.text)
        assert response.headers["retry-after"] == ["1"]
        # Every check but the one that, by definition, fails on a 5xx.
        case.validate_response(response, excluded_checks=[not_a_server_error])
