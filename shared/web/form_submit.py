"""Running a command from a page's form, as the API's command routes run it, and what the page shows if refused.

:func:`form_command` is the command as :func:`shared.http.commands.run_command` runs it for the
API: authorisation on both levels, the actors from the login, a named KIM case checked, the
form's idempotency key (one per rendered form, under ``<service>.<command>``) and the
access-log entry written with the events. :func:`submitted` runs such work in a worker thread
and gives either its answer or a :class:`Refused`: the API's 403 and 404 as the German error
pages, a body the command refuses (422) or a conflict (409) as the form again, the message
beside its field or as the form's notice. The case page's forms (``shared/web/forms.py``),
registering a person (``shared/web/persons.py``) and revoking every consent of a case
(``shared/web/consents.py``) submit through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID, uuid4

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from shared.access import command_group
from shared.application.catalogue import AnyCommand
from shared.application.idempotency import IdempotencyKeyReusedError
from shared.errors import CaseNotFoundError, DomainRuleViolationError, InvalidFieldError, KimError
from shared.http.access_log import RequestAccess
from shared.http.commands import Call, run_command
from shared.http.errors import ERROR_STATUS
from shared.http.schemas import CommandAccepted
from shared.web.auth import PageCaller, WebContext
from shared.web.form_errors import GERMAN, german
from shared.web.form_model import FormState

KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")
"""An idempotency key as the API's ``Idempotency-Key`` header takes it (one per rendered form)."""
MISMATCH = "Die Angaben passen nicht zusammen. Bitte prüfen und erneut senden."
"""The form's notice when the command itself refuses a body its form took (its rules across the actors)."""
UNKNOWN_REFERENCE = "Die Angabe verweist auf nichts Bekanntes."
KEY_REUSED = (
    "Dieses Formular wurde bereits mit anderen Angaben gespeichert. Bitte die Angaben prüfen und erneut senden."
)
"""The form's notice when it was sent before with other values (and stored then); it gets a fresh key."""

T = TypeVar("T")


def posted_key(data: FormData) -> str:
    """The idempotency key the form was rendered with; a fresh one if it sent none the API would take."""
    key = str(data.get("idempotency_key", ""))
    return key if KEY.fullmatch(key) else uuid4().hex


def form_command(
    request: Request,
    web: WebContext,
    caller: PageCaller,
    access: RequestAccess,
    command: AnyCommand[Any],
    key: str,
    subject: UUID | None,
    body: BaseModel,
) -> Callable[[], CommandAccepted]:
    """The command as the API's route runs it, under the form's idempotency key; to run by :func:`submitted`
    (or, within work already in a worker thread, directly). ``access`` gets the command's log entry."""
    container = request.app.state.container
    operation = f"{web.service.slug}.{command.name}"
    call = Call(container.idempotency, caller.principal.subject, operation, key, Response())
    group = command_group(web.service, command.name)

    def run() -> CommandAccepted:
        return run_command(
            command, group, container.app, caller.principal, container.reach, access, call, subject, body
        )

    return run


@dataclass(frozen=True)
class Refused:
    """Work a page did not get done: the German error page of ``status`` (403, 404), or with ``form`` the
    form again with the status (422, 409), its state holding the message."""

    status: int
    form: bool = False

    def answer(
        self, request: Request, web: WebContext, caller: PageCaller, form_again: Callable[[int], Response]
    ) -> Response:
        """The page's answer: ``form_again`` given the status, or the error page."""
        if self.form:
            return form_again(self.status)
        return web.renderer.error(request, web, self.status, caller=caller)


async def submitted(
    state: FormState,
    work: Callable[[], T],
    *,
    conflict: str | None = None,
    key_reused: str = KEY_REUSED,
    mismatch: str = MISMATCH,
) -> T | Refused:
    """``work`` (a command, :func:`form_command`) run in a worker thread: its answer, or how the page shows
    its refusal (the message put in ``state``):

    - the API's 403: the German 403 page; a case unknown or out of reach: the 404 page;
    - a body the command itself refuses: ``mismatch`` as the form's notice;
    - a reference to nothing known: beside its field, or as the form's notice if the form has no such field;
    - a key already used with other values: a fresh key and the notice ``key_reused``;
    - a 409 (a change in between, a rule of the case, the same form still being saved): the form's conflict
      notice, ``conflict`` if given, else the error's own message if it is German, else the API's message.

    Anything else is raised, as in the API.
    """
    try:
        return await run_in_threadpool(work)
    except HTTPException as exc:
        if exc.status_code == 403:
            return Refused(403)
        raise
    except CaseNotFoundError:
        return Refused(404)
    except RequestValidationError:
        state.general.append(mismatch)
        return Refused(422, form=True)
    except InvalidFieldError as exc:
        text = german(str(exc), [f.name for f in state.form.fields]) or UNKNOWN_REFERENCE
        if exc.field in state.values:
            state.errors[exc.field] = text
        else:
            state.general.append(text)
        return Refused(422, form=True)
    except IdempotencyKeyReusedError:
        state.key = uuid4().hex  # the form was sent before with other values and stored then
        state.general.append(key_reused)
        return Refused(422, form=True)
    except KimError as exc:
        status, message = next(((s, m) for cls, (s, m) in ERROR_STATUS.items() if isinstance(exc, cls)), (0, ""))
        if status != 409:
            raise
        state.conflict = conflict or _own_conflict(exc, message)
        return Refused(409, form=True)


def _own_conflict(exc: KimError, message: str) -> str:
    """A broken rule's own message if it is German, else the API's message for the error."""
    own = str(exc) if isinstance(exc, DomainRuleViolationError) and str(exc) else None
    return (own or message) if own is None or GERMAN.search(own) else message
