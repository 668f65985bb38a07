"""The correlation id of a request: taken from ``X-Request-ID`` if it is well-formed, else made.

It is echoed in the answer's ``X-Request-ID`` and written into every access-log entry
of the request, so that an entry, a process log line and a user's report of an error
can be matched. It is never derived from personal data.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$")

_current: ContextVar[str] = ContextVar("kim_correlation_id", default="-")


def correlation_id() -> str:
    """The current request's correlation id (``-`` outside a request)."""
    return _current.get()


class CorrelationId:
    """ASGI middleware: one correlation id per HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        value = given if WELL_FORMED.match(given) else uuid.uuid4().hex
        token = _current.set(value)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((HEADER.encode(), value.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
