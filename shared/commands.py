"""Commands as data: one spec per command gives its HTTP route, its model and its handler.

Each department's API, its file import and its tests use the same table, so a new
event needs one domain method, one command model and one line here.
"""


from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from shared.api import CommandAccepted, accepted
from shared.deps import get_application


class Command(BaseModel):
    """Base of every command body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

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
    Header(alias="Idempotency-Key", max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$",
           description="Retry-safe: a repeated command with the same key stores nothing new and answers 200."),
]


def _add_route(router: APIRouter, spec: CommandSpec) -> None:
    model = spec.model

    if spec.creates_case:

        def create(cmd: model, response: Response, key: IdempotencyKey = None,  # type: ignore[valid-type]
                   app: Any = Depends(get_application)) -> CommandAccepted:
            if key is None:
                return accepted(app.handle(spec.name, None, cmd))
            saved, duplicate = app.register_once(cmd, f"http:{key}")
            if duplicate:
                response.status_code = 200
                return CommandAccepted(case_id=saved, version=app.current_version(saved), position=None, duplicate=True)
            return accepted(saved)

        create.__doc__ = spec.model.__doc__
        router.add_api_route(f"/cases{spec.path}", create, methods=["POST"], status_code=spec.status,
                             summary=spec.summary, name=spec.name, response_model=CommandAccepted)
        return

    def command(case_id: UUID, cmd: model, response: Response, key: IdempotencyKey = None,  # type: ignore[valid-type]
                app: Any = Depends(get_application)) -> CommandAccepted:
        saved = app.handle(spec.name, case_id, cmd, import_ref=f"http:{key}" if key else None)
        if saved is None:  # the same command was accepted before: store nothing new
            response.status_code = 200
            return CommandAccepted(case_id=case_id, version=app.current_version(case_id), position=None, duplicate=True)
        return accepted(saved)

    command.__doc__ = spec.model.__doc__
    router.add_api_route(f"/cases/{{case_id}}/{spec.path}", command, methods=["POST"], status_code=spec.status,
                         summary=spec.summary, name=spec.name, response_model=CommandAccepted)
