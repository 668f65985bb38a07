"""``install_web``: the web views of one service, mounted next to its API (called by the composition root).

    api = build_api(...)
    install_web(api, service)

mounts ``/<slug>/ui/…`` (pages, login, logout), ``/<slug>/static/vendor/…`` (the pinned KERN
UX and htmx files, deploy/web-assets.sh) and ``/<slug>/static/kim/…`` (our own stylesheet).
The sessions live in the service's schema (``web_sessions``, created by ``kim migrate``)
when the container has a PostgreSQL pool, in memory otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from shared.identity.settings import IdentitySettings
from shared.service import Service
from shared.settings import get_settings
from shared.web.auth import WebContext, auth_router, exception_handlers
from shared.web.consents import install_consents
from shared.web.forms import forms_router
from shared.web.labels import DEPARTMENTS_DE
from shared.web.navigation import install_navigation
from shared.web.oidc import AuthlibProvider, IdentityProvider
from shared.web.oversight import oversight_router
from shared.web.pages import pages_router
from shared.web.persons import install_persons
from shared.web.rendering import Renderer
from shared.web.sessions import MemorySessionStore, SessionStore
from shared.web.settings import WebSettings

OWN_STATIC = Path(__file__).resolve().parent / "static"
VENDOR_FILES = ("kern/kern.min.css", "kern/fonts/fira-sans.css", "kern/js/kern-kopfzeile.js", "htmx/htmx.min.js")


def session_store_of(container: Any) -> SessionStore:
    """PostgreSQL in the service's schema when the container has a pool; in memory otherwise."""
    pool = getattr(container, "pool", None)
    if pool is None:
        return MemorySessionStore()
    from shared.persistence.web_sessions import PostgresSessionStore

    return PostgresSessionStore(pool, container.settings.pg_schema)


def check_assets(directory: Path) -> None:
    missing = [name for name in VENDOR_FILES if not (directory / name).is_file()]
    if missing:
        names = ", ".join(missing)
        msg = f"the web views' assets are missing in {directory} ({names}): run `bash deploy/web-assets.sh`"
        raise RuntimeError(msg)


def install_web(
    api: FastAPI,
    service: Service,
    *,
    settings: WebSettings | None = None,
    provider: IdentityProvider | None = None,
    session_store: Callable[[Any], SessionStore] = session_store_of,
    base_url: str | None = None,
) -> WebContext:
    """Mount the service's web views on ``api``; returns what they share (tests use it)."""
    settings = settings or WebSettings()
    check_assets(settings.assets_dir)
    identity = IdentitySettings()
    if base_url is None:
        service_settings = get_settings(service)
        base_url = settings.base_url or f"http://{service_settings.http_host}:{service_settings.http_port}"
    ctx = WebContext(
        service=service,
        title=f"KIM – {DEPARTMENTS_DE[service]}",
        settings=settings,
        session_store=session_store,
        provider=provider or AuthlibProvider(settings, identity),
        renderer=Renderer(identity.issuer.split("/realms/")[0]),
        base_url=base_url.rstrip("/"),
    )
    api.state.web = ctx
    for error, handler in exception_handlers(ctx).items():
        api.add_exception_handler(error, handler)
    api.include_router(auth_router(ctx))
    api.include_router(pages_router(ctx))
    api.include_router(forms_router(ctx))
    api.include_router(oversight_router(ctx))
    install_persons(api, ctx)  # intake: person search and registration, the case page's panel "Person"
    install_consents(api, ctx)  # intake: the case page's panel "Einwilligungen", narrowing and revoking
    install_navigation(ctx)
    api.mount(f"/{service.slug}/static/vendor", StaticFiles(directory=settings.assets_dir), name=f"{service}-vendor")
    api.mount(f"/{service.slug}/static/kim", StaticFiles(directory=OWN_STATIC), name=f"{service}-static")
    return ctx
