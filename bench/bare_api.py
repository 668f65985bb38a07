"""A bench-only intake API without identity: the baseline of G11 (docs/pipeline.md §7).

``POST /intake/cases`` here is the service's own route minus identity: the same body
model and strict JSON check (``shared.http.commands.with_body``), the same
Idempotency-Key handling (``Call``), the same use case of intake's command table on a
container built by ``services.bootstrap.build_container`` on the same database, the same
body limit and error handlers, served by uvicorn with the same settings as
``kim serve intake api``. What it leaves out is exactly what identity adds: no bearer
token is read or verified, no principal, no function- or object-level check, no
access-log entry in the command's transaction, and no correlation-id middleware (whose
id exists for the access log).

It lives in ``bench/`` only, is started by the benchmark as a process of its own on a
port of its own, and is never part of a service: the product has no switch that turns
identity off.

``python -m bench.bare_api --host 127.0.0.1 --port N`` (the environment names the database).
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Response

from services.bootstrap import build_container
from services.intake.application import COMMANDS
from services.intake.commands import RegisterPerson
from shared.application.catalogue import NewCaseCommand
from shared.http.commands import Call, IdempotencyDep, IdempotencyKey, strictly, with_body
from shared.http.deps import ANONYMOUS, AppDep
from shared.http.errors import install_error_handlers
from shared.http.limits import BodyLimit, container_limit
from shared.http.schemas import CommandAccepted
from shared.service import Service


def register_person_command() -> NewCaseCommand[Any, Any]:
    """The row of intake's command table that ``POST /intake/cases`` runs."""
    for command in COMMANDS:
        if isinstance(command, NewCaseCommand) and command.model is RegisterPerson:
            return command
    msg = "intake's command table has no NewCaseCommand for RegisterPerson"
    raise LookupError(msg)


def create_bare_app() -> FastAPI:
    """Intake's register-person route without identity, on a container built at startup."""
    command = register_person_command()
    operation = f"intake.{command.name}"

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        container = build_container(Service.INTAKE)
        api.state.container = container
        try:
            yield
        finally:
            container.close()

    def endpoint(
        cmd: Any,
        strict: Any,
        response: Response,
        app: AppDep,
        idempotency: IdempotencyDep,
        key: IdempotencyKey = None,
    ) -> CommandAccepted:
        body = strictly(cmd, strict)
        call = Call(idempotency, ANONYMOUS, operation, key, response)
        return call.run(None, body, lambda: command.handler(app, body))

    api = FastAPI(title="bench: intake without identity", lifespan=lifespan)
    api.state.service = Service.INTAKE
    api.add_middleware(BodyLimit, limit=container_limit)
    install_error_handlers(api)

    @api.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    router = APIRouter(prefix="/intake")
    router.add_api_route(
        "/cases",
        with_body(endpoint, command.model),
        methods=["POST"],
        status_code=201,
        response_model=CommandAccepted,
        name=command.name,
    )
    api.include_router(router)
    return api


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    from services.runner import configure_logging

    parser = argparse.ArgumentParser(prog="python -m bench.bare_api", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    configure_logging()
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(create_bare_app(), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
