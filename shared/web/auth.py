"""Login, session and CSRF of the web views: who is asking, checked like the API checks a bearer token.

- ``GET  /<service>/ui/login?next=…``   starts a login: a pending server-side session, then Keycloak.
- ``GET  /<service>/ui/auth/callback``  completes it: tokens, a NEW session id, back to ``next``.
- ``POST /<service>/ui/logout``         (CSRF) ends the session here and, by RP-initiated logout, at Keycloak.
- ``GET  /<service>/ui/logged-out``     where Keycloak sends the browser back.

The cookie holds only the session id: HttpOnly, SameSite=Lax, Secure in production, one
name and path per service (``kim_session_<service>``, ``/<slug>/ui``). Each page verifies the
session's access token with the service's :class:`TokenVerifier` (refreshing it first when it
is about to expire) and so builds the same :class:`Principal` the API builds from a bearer
token; the access rules, the use cases and the access log are the API's.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from shared.identity.http import get_token_verifier
from shared.identity.principal import Principal
from shared.identity.verifier import IdentityUnavailableError, InvalidTokenError, TokenVerifier
from shared.service import Service
from shared.web.oidc import IdentityProvider, LoginFailedError
from shared.web.rendering import Renderer
from shared.web.sessions import Sessions, SessionStore, WebSession
from shared.web.settings import WebSettings

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass
class WebContext:
    """What the web views of one service need; built by ``install_web``."""

    service: Service
    title: str
    settings: WebSettings
    session_store: Callable[[Any], SessionStore]
    """The session store over the service's container (built on startup): PostgreSQL, or in memory."""
    provider: IdentityProvider
    renderer: Renderer
    base_url: str
    case_panels: list[Callable[..., Any]] = field(default_factory=list)
    """Panels a service adds to its case page (``shared.web.pages.CasePanel``), in the order shown."""
    _sessions: tuple[object, Sessions] | None = None

    def sessions(self, request: Request) -> Sessions:
        """The sessions over the app's current container (a restarted app builds a new one)."""
        container = request.app.state.container
        if self._sessions is None or self._sessions[0] is not container:
            self._sessions = (container, Sessions(self.session_store(container), self.settings.policy))
        return self._sessions[1]

    @property
    def prefix(self) -> str:
        return f"/{self.service.slug}/ui"

    @property
    def cookie_name(self) -> str:
        return f"kim_session_{self.service.value}"

    def url(self, path: str = "/") -> str:
        return self.prefix + path

    def set_cookie(self, response: Response, session_id: str) -> None:
        response.set_cookie(
            self.cookie_name,
            session_id,
            path=self.prefix,
            httponly=True,
            samesite="lax",
            secure=self.settings.cookies_secure,
        )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(
            self.cookie_name, path=self.prefix, httponly=True, samesite="lax", secure=self.settings.cookies_secure
        )


class LoginRequiredError(Exception):
    """No valid session: the page sends the browser to the login."""


class CsrfError(Exception):
    """A form without the session's CSRF token (or from another origin)."""


class IdentityDownError(Exception):
    """The identity provider cannot be asked right now."""


def web_context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


WebDep = Annotated[WebContext, Depends(web_context)]


@dataclass(frozen=True)
class PageCaller:
    """The caller of a page: the verified principal and their session."""

    principal: Principal
    session: WebSession
    session_id: str


async def page_caller(
    request: Request, ctx: WebDep, verifier: Annotated[TokenVerifier, Depends(get_token_verifier)]
) -> PageCaller:
    """The signed-in caller; :class:`LoginRequiredError` without a valid session or token."""
    now = datetime.now(UTC)
    sessions = ctx.sessions(request)
    session_id = request.cookies.get(ctx.cookie_name)
    session = await run_in_threadpool(sessions.find, session_id, now)
    if session is None or session.tokens is None or session_id is None:
        raise LoginRequiredError
    tokens = session.tokens
    if tokens.access_expires_at - now <= sessions.policy.refresh_before:
        if not tokens.refresh_token or (tokens.refresh_expires_at is not None and tokens.refresh_expires_at <= now):
            await run_in_threadpool(sessions.end, session_id)
            raise LoginRequiredError
        try:
            fresh = await ctx.provider.refresh(tokens.refresh_token)
        except LoginFailedError:
            await run_in_threadpool(sessions.end, session_id)
            raise LoginRequiredError from None
        session = session.refreshed(fresh)
        await run_in_threadpool(sessions.update, session_id, session)
        tokens = fresh
    try:
        principal = await run_in_threadpool(verifier.verify, tokens.access_token)
    except InvalidTokenError:
        await run_in_threadpool(sessions.end, session_id)
        raise LoginRequiredError from None
    except IdentityUnavailableError:
        raise IdentityDownError from None
    request.state.principal = principal
    return PageCaller(principal, session, session_id)


CallerDep = Annotated[PageCaller, Depends(page_caller)]


async def csrf_checked(request: Request, caller: CallerDep, ctx: WebDep) -> PageCaller:
    """A POST of a signed-in caller carrying the session's CSRF token (form field or htmx header), same origin."""
    origin = request.headers.get("origin")
    if origin and origin != ctx.base_url:
        raise CsrfError
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent.encode(), caller.session.csrf_token.encode()):
        raise CsrfError
    return caller


CsrfDep = Annotated[PageCaller, Depends(csrf_checked)]


def safe_next(ctx: WebContext, target: str | None) -> str:
    """Only a path of this service's pages, never another host (no open redirect)."""
    if not target:
        return ctx.url("/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(ctx.prefix + "/") or "//" in parts.path:
        return ctx.url("/")
    return target


def login_location(ctx: WebContext, request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return ctx.url("/login") + "?next=" + quote(safe_next(ctx, target), safe="")


def auth_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)
    callback = ctx.base_url + ctx.url("/auth/callback")

    @router.get("/login")
    async def login(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query's name
        sessions = ctx.sessions(request)
        session_id, session = await run_in_threadpool(
            sessions.start_login, {"next": safe_next(ctx, next)}, datetime.now(UTC)
        )
        try:
            url = await ctx.provider.login_url(session.login, callback)
        except Exception:  # noqa: BLE001 - any failure to reach the provider is the same page
            log.warning("web: the identity provider cannot be reached for a login", exc_info=True)
            return ctx.renderer.error(request, ctx, 503)
        await run_in_threadpool(sessions.save_login, session_id, session)
        response = RedirectResponse(url, status_code=303)
        ctx.set_cookie(response, session_id)
        return response

    @router.get("/auth/callback")
    async def auth_callback(
        request: Request, verifier: Annotated[TokenVerifier, Depends(get_token_verifier)]
    ) -> Response:
        now = datetime.now(UTC)
        sessions = ctx.sessions(request)
        old_id = request.cookies.get(ctx.cookie_name)
        pending = await run_in_threadpool(sessions.find, old_id, now)
        if pending is None or not pending.pending:
            return ctx.renderer.error(request, ctx, 400, detail="Die Anmeldung ist abgelaufen. Bitte erneut anmelden.")
        login = dict(pending.login)
        try:
            tokens = await ctx.provider.complete_login(login, request)
        except LoginFailedError:
            return ctx.renderer.error(request, ctx, 400, detail="Die Anmeldung ist fehlgeschlagen.")
        try:
            principal = await run_in_threadpool(verifier.verify, tokens.access_token)
        except InvalidTokenError:
            return ctx.renderer.error(request, ctx, 400, detail="Die Anmeldung ist fehlgeschlagen.")
        roles = tuple(sorted(principal.roles))
        session_id, _ = await run_in_threadpool(sessions.sign_in, old_id, tokens, principal.staff_id, roles, now)
        response = RedirectResponse(safe_next(ctx, str(login.get("next") or "")), status_code=303)
        ctx.set_cookie(response, session_id)
        return response

    @router.post("/logout")
    async def logout(request: Request, caller: CsrfDep) -> Response:
        tokens = caller.session.tokens
        await run_in_threadpool(ctx.sessions(request).end, caller.session_id)
        target = ctx.url("/logged-out")
        try:
            target = await ctx.provider.logout_url(tokens.id_token if tokens else None, ctx.base_url + target)
        except Exception:  # noqa: BLE001 - the local session is ended either way
            log.warning("web: the identity provider's logout cannot be reached", exc_info=True)
        response = RedirectResponse(target, status_code=303)
        ctx.clear_cookie(response)
        return response

    @router.get("/logged-out", response_class=HTMLResponse)
    def logged_out(request: Request) -> Response:
        return ctx.renderer.page(request, ctx, "logged_out.html", {}, caller=None)

    return router


def exception_handlers(ctx: WebContext) -> dict[type[Exception], Any]:
    """Answers for the pages' own errors (the API's handlers stay as they are)."""

    async def login_required(request: Request, _exc: Exception) -> Response:
        location = login_location(ctx, request)
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)

    async def csrf(request: Request, _exc: Exception) -> Response:
        detail = "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die Seite neu."
        return ctx.renderer.error(request, ctx, 403, detail=detail)

    async def identity_down(request: Request, _exc: Exception) -> Response:
        return ctx.renderer.error(request, ctx, 503)

    return {LoginRequiredError: login_required, CsrfError: csrf, IdentityDownError: identity_down}
