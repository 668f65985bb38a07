"""Request bodies are limited in size: 413 beyond the service's limit, with nothing stored.

A body whose ``Content-Length`` is beyond the limit is refused before any of it is
read. A body streamed without one (``Transfer-Encoding: chunked``) is counted while
the route reads it, by Starlette's ``RequestBodyLimitMiddleware``; its 413 reaches the
error handlers (``shared/http/errors.py``), which answer it in the same form.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.http.errors import too_large


class BodyLimit:
    """ASGI middleware: no request body beyond ``limit(scope)`` bytes."""

    def __init__(self, app: ASGIApp, limit: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await too_large(limit)(scope, receive, send)
            return
        await RequestBodyLimitMiddleware(self.app, max_body_size=limit)(scope, receive, send)


def container_limit(scope: Scope) -> int:
    """The limit of the service whose app serves the request (``KIM_<SERVICE>_HTTP_BODY_MAX_BYTES``)."""
    return int(scope["app"].state.container.http_body_max_bytes)
