"""Command routes, built from a service's command table.

``POST /<service>/<collection>`` for the use case that starts a case or file, and
``POST /<service>/<collection>/{<id>}/<resource>`` for every other one; the
collection is ``cases`` (intake: the KIM case) or ``files`` (a department's own
files). Each route
validates its body (strictly, as JSON), runs its use case at most once per
``Idempotency-Key`` and answers where the events were stored.
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

from shared.application.catalogue import AnyCommand, CaseCommand, NewCaseCommand
from shared.application.idempotency import Idempotency, IdempotencyScope, fingerprint
from shared.application.results import Saved
from shared.http.deps import AppDep, get_caller, get_idempotency
from shared.http.errors import CONFLICT, NOT_FOUND, UNAVAILABLE, UNPARSABLE
from shared.http.schemas import CommandAccepted, accepted

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
CallerDep = Annotated[str, Depends(get_caller)]

REPEATED: dict[int | str, dict[str, Any]] = {
    200: {
        "model": CommandAccepted,
        "description": "Accepted (for commands answering 200), or a repeat under an Idempotency-Key already "
        "accepted: nothing new was stored, `duplicate` is true and the answer is the first one.",
    },
}


@dataclass(frozen=True)
class Collection:
    """Where a service's commands live: ``cases/{case_id}`` or ``files/{file_id}``."""

    path: str
    id_param: str


CASES = Collection("cases", "case_id")
FILES = Collection("files", "file_id")


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

    def endpoint(  # the body's, the strict check's and the id's names and types are set per command below
        subject_id: UUID,
        cmd: Any,
        strict: Any,
        response: Response,
        app: AppDep,
        idempotency: IdempotencyDep,
        caller: CallerDep,
        key: IdempotencyKey = None,
    ) -> CommandAccepted:
        body = strictly(cmd, strict)
        call = Call(idempotency, caller, operation, key, response)
        return call.run(subject_id, body, lambda: command.handler(app, subject_id, body))

    router.add_api_route(
        f"/{collection.path}/{{{collection.id_param}}}/{command.resource}",
        with_body(endpoint, command.model, collection.id_param),
        methods=["POST"],
        status_code=201 if command.adds_entry else 200,
        summary=command.summary_de,
        description=command.model.__doc__,
        name=command.name,
        response_model=CommandAccepted,
        responses=REPEATED | UNPARSABLE | NOT_FOUND | CONFLICT | UNAVAILABLE,
    )


def _add_new_case_route(
    router: APIRouter, service: str, collection: Collection, command: NewCaseCommand[Any, Any]
) -> None:
    operation = f"{service}.{command.name}"

    def endpoint(
        cmd: Any,
        strict: Any,
        response: Response,
        app: AppDep,
        idempotency: IdempotencyDep,
        caller: CallerDep,
        key: IdempotencyKey = None,
    ) -> CommandAccepted:
        body = strictly(cmd, strict)
        call = Call(idempotency, caller, operation, key, response)
        return call.run(None, body, lambda: command.handler(app, body))

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
        responses=REPEATED | UNPARSABLE | (NOT_FOUND if names_a_case else {}) | CONFLICT | UNAVAILABLE,
    )


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
    strict = Annotated[ValidationError | None, Depends(as_json(model))]
    replaced: dict[str, dict[str, Any]] = {
        "cmd": {"annotation": model},
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
