"""Command routes, built from a service's command table.

``POST /<service>/<collection>`` for the use case that starts a case or file, and
``POST /<service>/<collection>/{<id>}/<resource>`` for every other one; the
collection is ``cases`` (intake: the KIM case) or ``files`` (a department's own
files). Each route
validates its body (strictly, as JSON), runs its use case at most once per
``Idempotency-Key`` and answers where the events were stored.

Each command's answer carries OpenAPI links (:func:`answer_links`): from the
id it answers to the reads of that case or file, the waiting reads with
``after`` = its ``position.token`` and ``wait`` = :data:`READ_AFTER_WRITE_WAIT_S`,
so a client (or Schemathesis' stateful phase) reading right after the write does
not race the projector.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from shared.access import FieldGroup, command_group
from shared.access.decide import ReachLookup
from shared.application.catalogue import AnyCommand, CaseCommand, NewCaseCommand
from shared.application.idempotency import Idempotency, IdempotencyScope, fingerprint
from shared.application.results import Saved
from shared.http.access import AUTHENTICATED, ReachDep, body_model, command_with_actors
from shared.http.access_log import AccessDep, RequestAccess
from shared.http.deps import AppDep, get_idempotency
from shared.http.errors import CONFLICT, NOT_FOUND, TOO_LARGE, UNAVAILABLE, UNPARSABLE
from shared.http.schemas import CommandAccepted, accepted
from shared.identity.http import CurrentPrincipal
from shared.identity.principal import Principal
from shared.service import Service

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$",
        description="Retry-safe: the same request again under the same key stores nothing new and answers 200 "
        "with the first answer; another request under a used key answers 422. Keys are kept for 24 hours.",
    ),
]
IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]

REPEATED: dict[int | str, dict[str, Any]] = {
    200: {
        "model": CommandAccepted,
        "description": "Accepted (for commands answering 200), or a repeat under an Idempotency-Key already "
        "accepted: nothing new was stored, `duplicate` is true and the answer is the first one.",
    },
}


READ_AFTER_WRITE_WAIT_S = 5
"""``wait`` of the links from a command's answer to the reads that wait for its position (seconds)."""


@dataclass(frozen=True)
class Collection:
    """Where a service's commands live: ``cases/{case_id}`` or ``files/{file_id}``."""

    path: str
    id_param: str
    own_reads: tuple[str, ...] = ()
    """The reads of the subject's own record (from the service's own store, nothing to wait for), as suffixes
    of ``/<path>/{<id_param>}``; every service with this collection serves them."""


CASES = Collection("cases", "case_id", own_reads=("/file",))
FILES = Collection("files", "file_id", own_reads=("", "/perspective"))
WAITING_READS = ("history", "perspective")
"""The reads of ``/cases/{case_id}/…`` in every service (``shared/http/case_views.py``) that take ``after``
and ``wait``."""


def add_command_routes(router: APIRouter, commands: Sequence[AnyCommand[Any]], collection: Collection = CASES) -> None:
    """One route per row of a service's command table."""
    service = router.prefix.strip("/")
    for command in commands:
        if isinstance(command, NewCaseCommand):
            _add_new_case_route(router, service, collection, command)
        else:
            _add_case_route(router, service, collection, command)


def _add_case_route(router: APIRouter, service: str, collection: Collection, command: CaseCommand[Any, Any]) -> None:
    operation = f"{service}.{command.name}"
    owner = Service(service.replace("-", "_"))
    group = command_group(owner, command.name)

    def endpoint(  # the body's, the strict check's and the id's names and types are set per command below
        subject_id: UUID,
        cmd: Any,
        strict: Any,
        response: Response,
        principal: CurrentPrincipal,
        reach: ReachDep,
        access: AccessDep,
        app: AppDep,
        idempotency: IdempotencyDep,
        key: IdempotencyKey = None,
    ) -> CommandAccepted:
        call = Call(idempotency, principal.subject, operation, key, response)
        return run_command(command, group, app, principal, reach, access, call, subject_id, strictly(cmd, strict))

    router.add_api_route(
        f"/{collection.path}/{{{collection.id_param}}}/{command.resource}",
        with_body(endpoint, command.model, collection.id_param),
        methods=["POST"],
        status_code=201 if command.adds_entry else 200,
        summary=command.summary_de,
        description=command.model.__doc__,
        name=command.name,
        response_model=CommandAccepted,
        responses=with_links(
            REPEATED | AUTHENTICATED | UNPARSABLE | NOT_FOUND | CONFLICT | TOO_LARGE | UNAVAILABLE,
            201 if command.adds_entry else 200,
            answer_links(router.prefix, collection, command.model),
        ),
        openapi_extra={"x-kim-access": access_rule(command.model, collection.id_param, group)},
    )


def _add_new_case_route(
    router: APIRouter, service: str, collection: Collection, command: NewCaseCommand[Any, Any]
) -> None:
    operation = f"{service}.{command.name}"
    owner = Service(service.replace("-", "_"))
    group = command_group(owner, command.name)

    def endpoint(
        cmd: Any,
        strict: Any,
        response: Response,
        principal: CurrentPrincipal,
        reach: ReachDep,
        access: AccessDep,
        app: AppDep,
        idempotency: IdempotencyDep,
        key: IdempotencyKey = None,
    ) -> CommandAccepted:
        call = Call(idempotency, principal.subject, operation, key, response)
        return run_command(command, group, app, principal, reach, access, call, None, strictly(cmd, strict))

    # Starting a case or file: nothing to miss, unless it names a KIM case (404 unknown or out of reach,
    # 409 closed); otherwise a 409 only for a retry still in progress.
    names_a_case = "case_id" in command.model.model_fields
    router.add_api_route(
        f"/{collection.path}",
        with_body(endpoint, command.model),
        methods=["POST"],
        status_code=201,
        summary=command.summary_de,
        description=command.model.__doc__,
        name=command.name,
        response_model=CommandAccepted,
        responses=with_links(
            REPEATED
            | AUTHENTICATED
            | UNPARSABLE
            | (NOT_FOUND if names_a_case else {})
            | CONFLICT
            | TOO_LARGE
            | UNAVAILABLE,
            201,
            answer_links(router.prefix, collection, command.model),
        ),
        openapi_extra={"x-kim-access": access_rule(command.model, None, group)},
    )


def answer_links(prefix: str, collection: Collection, model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI links of a command's answer (``CommandAccepted``), by runtime expression.

    - to the subject's waiting reads (intake's cases: ``history``, ``perspective``) with ``after`` =
      ``position.token`` and ``wait`` = :data:`READ_AFTER_WRITE_WAIT_S`, and to its own reads
      (:attr:`Collection.own_reads`);
    - if the body names a KIM case (required, e.g. ``kim-link``): to that case's waiting reads the same way.
    """
    subject = f"{prefix}/{collection.path}/{{{collection.id_param}}}"
    answered = "$response.body#/case_id"
    links: dict[str, Any] = {}

    def waiting_reads(name: str, case_id: str) -> None:
        for read in WAITING_READS:
            links[f"{name}{read.capitalize()}"] = {
                "operationRef": operation_ref(f"{prefix}/cases/{{case_id}}/{read}", "get"),
                "parameters": {
                    "path.case_id": case_id,
                    "query.after": "$response.body#/position/token",
                    "query.wait": READ_AFTER_WRITE_WAIT_S,
                },
                "description": f"Read the case's {read} once this service's view has consumed the command.",
            }

    if collection.id_param == "case_id":
        waiting_reads("case", answered)
    for suffix in collection.own_reads:
        links[f"own{suffix.strip('/').capitalize() or 'Record'}"] = {
            "operationRef": operation_ref(subject + suffix, "get"),
            "parameters": {f"path.{collection.id_param}": answered},
        }
    field = model.model_fields.get("case_id")
    if field is not None and field.is_required() and collection.id_param != "case_id":
        waiting_reads("linkedCase", "$request.body#/case_id")
    return links


def with_links(
    responses: dict[int | str, dict[str, Any]], status: int, links: dict[str, Any]
) -> dict[int | str, dict[str, Any]]:
    """``responses`` with ``links`` on the success answer (copied: the shared answers stay untouched)."""
    return {**responses, status: {**responses.get(status, {}), "links": links}}


def operation_ref(path: str, method: str) -> str:
    """An OpenAPI ``operationRef`` to an operation of this document (JSON Pointer, RFC 6901)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + f"/{method}"


def access_rule(model: type[BaseModel], subject: str | None, group: FieldGroup) -> dict[str, Any]:
    """The route's entry in the access table: the field group it writes, of which subject, and whether its body
    names a KIM case that the same right must reach (:func:`named_case`)."""
    rule: dict[str, Any] = {"kind": "command", "subject": subject, "group": group.value}
    if "case_id" in model.model_fields:
        rule["names_case"] = "required" if model.model_fields["case_id"].is_required() else "optional"
    return rule


def named_case(access: RequestAccess, principal: Principal, group: FieldGroup, reach: ReachLookup, body: Any) -> None:
    """A command that names a KIM case in its body (opening a file for it, linking a file to it) needs the
    same right on that case as on its subject: otherwise a file of one's own would bring any case in reach.
    A case out of the caller's reach answers 404, like an unknown one."""
    named = getattr(body, "case_id", None)
    if isinstance(named, UUID):
        access.write(principal, group, reach, named, by_case=True)


def run_command(
    command: AnyCommand[Any],
    group: FieldGroup,
    app: Any,
    principal: Principal,
    reach: ReachLookup,
    access: RequestAccess,
    call: Call,
    subject_id: UUID | None,
    body: BaseModel,
) -> CommandAccepted:
    """One command, as every route of the table runs it (the web views' forms too, ``shared/web/form_submit.py``):
    authorise the write (403, or 404 for a subject out of reach; starting a case or file: the function level
    only), put the caller in the actor fields, check a named KIM case, and run the use case at most once per
    key with the command's access-log entry written with its events."""
    if isinstance(command, NewCaseCommand):
        who = access.write(principal, group, None, None)
        new = command_with_actors(command.model, body, principal)
        named_case(access, principal, group, reach, new)
        with access.command(who, group, None):
            return call.run(None, new, lambda: command.handler(app, new))
    assert subject_id is not None
    who = access.write(principal, group, reach, subject_id)
    full = command_with_actors(command.model, body, principal)
    named_case(access, principal, group, reach, full)
    with access.command(who, group, subject_id):
        return call.run(subject_id, full, lambda: command.handler(app, subject_id, full))


@dataclass(frozen=True)
class Call:
    """One command request: runs its use case at most once per Idempotency-Key."""

    idempotency: Idempotency
    caller: str
    operation: str
    key: str | None
    response: Response

    def run(self, case_id: UUID | None, body: BaseModel, use_case: Callable[[], Saved]) -> CommandAccepted:
        """The use case's answer; a repeat answers 200 with the first answer."""
        scope = IdempotencyScope(self.caller, self.operation, self.key) if self.key else None
        outcome = self.idempotency.run(scope, fingerprint(self.operation, case_id, body), use_case)
        if outcome.duplicate:
            self.response.status_code = 200
        return accepted(outcome.saved, duplicate=outcome.duplicate)


def with_body(
    endpoint: Callable[..., CommandAccepted], model: type[BaseModel], id_param: str = "subject_id"
) -> Callable[..., CommandAccepted]:
    """Give ``endpoint`` its command model as body, the strict JSON check of it as a dependency,
    and its subject's id the name of the route's path parameter.

    FastAPI reads all three from the signature; a wrapper with its own
    ``__signature__`` keeps the endpoint itself typed and spares dynamic annotations.
    """
    signature = inspect.signature(endpoint)
    body = body_model(model)
    strict = Annotated[ValidationError | None, Depends(as_json(body))]
    replaced: dict[str, dict[str, Any]] = {
        "cmd": {"annotation": body},
        "strict": {"annotation": strict},
        "subject_id": {"name": id_param},
    }
    parameters = [p.replace(**replaced.get(p.name, {})) for p in signature.parameters.values()]

    def route(**kwargs: Any) -> CommandAccepted:
        if id_param in kwargs:
            kwargs["subject_id"] = kwargs.pop(id_param)
        return endpoint(**kwargs)

    route.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]  # read by FastAPI
    route.__name__ = endpoint.__name__
    return route


def as_json(model: type[BaseModel]) -> Callable[[Request], Any]:
    """A dependency validating the body once more, as JSON and strictly.

    FastAPI validates a body in pydantic's lax Python mode, which takes ``0`` for a
    date (a timestamp), ``"5"`` for an integer or ``"yes"``/``1`` for a boolean,
    none of which the OpenAPI schema allows. Strict JSON validation takes exactly
    the JSON types the schema names (dates, ids and codes as strings).
    """

    async def validate(request: Request) -> ValidationError | None:
        try:
            model.model_validate_json(await request.body(), strict=True)
        except ValidationError as exc:
            return exc
        return None

    return validate


def strictly(cmd: Any, strict: ValidationError | None) -> Any:
    """The command if it is valid as JSON too, else FastAPI's 422 for what only lax validation took."""
    if strict is None:
        return cmd
    # A JSON number with a zero fraction is an integer (JSON Schema); lax validation took it exactly.
    errors = [
        e
        for e in strict.errors(include_url=False)
        if not (e["type"] == "int_type" and isinstance(e["input"], float) and e["input"].is_integer())
    ]
    if errors:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors])
    return cmd
