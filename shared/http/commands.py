"""Command routes, built from a service's command table.

``POST /<service>/cases`` for the use case that starts a case and
``POST /<service>/cases/{case_id}/<resource>`` for every other one. Each route
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
from shared.http.deps import get_application, get_caller, get_idempotency
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
AppDep = Annotated[Any, Depends(get_application)]
IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
CallerDep = Annotated[str, Depends(get_caller)]

REPEATED: dict[int | str, dict[str, Any]] = {
    200: {
        "model": CommandAccepted,
        "description": "Accepted (for commands answering 200), or a repeat under an Idempotency-Key already "
        "accepted: nothing new was stored, `duplicate` is true and the answer is the first one.",
    },
}


def add_command_routes(router: APIRouter, commands: Sequence[AnyCommand[Any]]) -> None:
    """One route per row of a service's command table."""
    service = router.prefix.strip("/")
    for command in commands:
        if isinstance(command, NewCaseCommand):
            _add_new_case_route(router, service, command)
        else:
            _add_case_route(router, service, command)


def _add_case_route(router: APIRouter, service: str, command: CaseCommand[Any, Any]) -> None:
    operation = f"{service}.{command.name}"

    def endpoint(  # the body's and the strict check's annotations are set per command below
        case_id: UUID,
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
        return call.run(case_id, body, lambda: command.handler(app, case_id, body))

    router.add_api_route(
        f"/cases/{{case_id}}/{command.resource}",
        with_body(endpoint, command.model),
        methods=["POST"],
        status_code=201 if command.adds_entry else 200,
        summary=command.summary_de,
        description=command.model.__doc__,
        name=command.name,
        response_model=CommandAccepted,
        responses=REPEATED | UNPARSABLE | NOT_FOUND | CONFLICT | UNAVAILABLE,
    )


def _add_new_case_route(router: APIRouter, service: str, command: NewCaseCommand[Any, Any]) -> None:
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

    # Starting a case: no case to miss; a 409 only for a retry still in progress.
    router.add_api_route(
        "/cases",
        with_body(endpoint, command.model),
        methods=["POST"],
        status_code=201,
        summary=command.summary_de,
        description=command.model.__doc__,
        name=command.name,
        response_model=CommandAccepted,
        responses=REPEATED | UNPARSABLE | CONFLICT | UNAVAILABLE,
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


def with_body(endpoint: Callable[..., CommandAccepted], model: type[BaseModel]) -> Callable[..., CommandAccepted]:
    """Give ``endpoint`` its command model as body and the strict JSON check of it as a dependency.

    FastAPI reads the body's model from the signature; setting ``__signature__``
    keeps the endpoint itself typed and spares a dynamic annotation.
    """
    signature = inspect.signature(endpoint)
    strict = Annotated[ValidationError | None, Depends(as_json(model))]
    parameters = [
        p.replace(annotation=model) if p.name == "cmd" else p.replace(annotation=strict) if p.name == "strict" else p
        for p in signature.parameters.values()
    ]
    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]  # read by FastAPI
    return endpoint


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
