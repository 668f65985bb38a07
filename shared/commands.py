"""Commands as data: one spec per command gives its HTTP route, its model and its handler.

Each department's API, its file import and its tests use the same table, so a new
event needs one domain method, one command model and one line here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from shared.api import CONFLICT, NOT_FOUND, UNAVAILABLE, UNPARSABLE, CommandAccepted, accepted
from shared.deps import get_application

NOT_BLANK = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
"""Some character that is not whitespace (spelled out, so JSON Schema, pydantic and Python agree)."""


def text(max_length: int) -> Any:
    """Required free text: not blank, at most ``max_length`` characters as sent; trimmed once valid."""
    return Annotated[
        str, StringConstraints(min_length=1, max_length=max_length, pattern=NOT_BLANK), AfterValidator(str.strip)
    ]


class Command(BaseModel):
    """Base of every command body.

    Validated as sent: no whitespace is stripped before the constraints apply, so
    the OpenAPI schema's lengths and patterns are exactly what the API accepts.
    """

    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(
        None, ge=0, description="Optimistic concurrency: the version the caller last saw (0: no file yet)."
    )


class Correctable(Command):
    """A command whose event may correct an earlier one of the same kind."""

    corrects: UUID | None = Field(None, description="The event id (from the case history) this entry corrects.")


@dataclass(frozen=True)
class CommandSpec:
    """One command: name (the application method), route segment, body model, status, German summary."""

    name: str
    path: str
    model: type[Command]
    status: int
    summary: str
    creates_case: bool = False


def add_command_routes(router: APIRouter, specs: Sequence[CommandSpec]) -> None:
    """``POST /cases/{case_id}/<path>`` for every spec (or ``POST /cases`` if it creates the case)."""
    for spec in specs:
        _add_route(router, spec)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$",
        description="Retry-safe: a repeated command with the same key stores nothing new and answers 200.",
    ),
]


REPEATED: dict[int | str, dict[str, Any]] = {
    200: {
        "model": CommandAccepted,
        "description": "Accepted (for commands answering 200), or a repeat under an Idempotency-Key already "
        "accepted: nothing new was stored, `duplicate` is true and `position` null.",
    },
}


def command_responses(spec: CommandSpec) -> dict[int | str, dict[str, Any]]:
    """Every answer of a command route besides its own status and FastAPI's 422."""
    # Creating a case: no case to miss; a 409 only if two identical retries race.
    return REPEATED | UNPARSABLE | ({} if spec.creates_case else NOT_FOUND) | CONFLICT | UNAVAILABLE


def as_json(model: type[BaseModel]) -> Any:
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


def _add_route(router: APIRouter, spec: CommandSpec) -> None:
    model = spec.model
    responses = command_responses(spec)
    Strict = Annotated[ValidationError | None, Depends(as_json(model))]

    if spec.creates_case:

        def create(
            cmd: model,
            response: Response,
            strict: Strict,  # type: ignore[valid-type]
            key: IdempotencyKey = None,
            app: Any = Depends(get_application),
        ) -> CommandAccepted:
            cmd = strictly(cmd, strict)
            if key is None:
                return accepted(app.handle(spec.name, None, cmd))
            saved, duplicate = app.register_once(cmd, f"http:{key}")
            if duplicate:
                response.status_code = 200
                return CommandAccepted(case_id=saved, version=app.current_version(saved), position=None, duplicate=True)
            return accepted(saved)

        create.__doc__ = spec.model.__doc__
        router.add_api_route(
            f"/cases{spec.path}",
            create,
            methods=["POST"],
            status_code=spec.status,
            summary=spec.summary,
            name=spec.name,
            response_model=CommandAccepted,
            responses=responses,
        )
        return

    def command(
        case_id: UUID,
        cmd: model,
        response: Response,
        strict: Strict,  # type: ignore[valid-type]
        key: IdempotencyKey = None,
        app: Any = Depends(get_application),
    ) -> CommandAccepted:
        cmd = strictly(cmd, strict)
        saved = app.handle(spec.name, case_id, cmd, import_ref=f"http:{key}" if key else None)
        if saved is None:  # the same command was accepted before: store nothing new
            response.status_code = 200
            return CommandAccepted(case_id=case_id, version=app.current_version(case_id), position=None, duplicate=True)
        return accepted(saved)

    command.__doc__ = spec.model.__doc__
    router.add_api_route(
        f"/cases/{{case_id}}/{spec.path}",
        command,
        methods=["POST"],
        status_code=spec.status,
        summary=spec.summary,
        name=spec.name,
        response_model=CommandAccepted,
        responses=responses,
    )
