"""Jinja2 rendering of the pages: one layout, German error pages, htmx fragments."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request

from shared.web import labels

if TYPE_CHECKING:
    from shared.web.auth import PageCaller, WebContext

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOCAL_TIME = ZoneInfo("Europe/Berlin")

ERRORS_DE = {
    400: ("Anfrage nicht möglich", "Die Anfrage konnte nicht bearbeitet werden."),
    403: ("Kein Zugriff", "Ihre Rollen berechtigen nicht zum Lesen in dieser Dienststelle."),
    404: ("Nicht gefunden", "Diesen Fall gibt es in Ihrer Sicht nicht, oder er liegt außerhalb Ihrer Zuständigkeit."),
    409: ("Nicht auswertbar", "Der gespeicherte Verlauf lässt sich nicht bewerten."),
    503: ("Vorübergehend nicht erreichbar", "Die Anmeldung kann gerade nicht geprüft werden. Bitte später erneut."),
}


def date_de(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TIME).strftime("%d.%m.%Y, %H:%M Uhr")
    return value.strftime("%d.%m.%Y")


class Renderer:
    """The service's templates."""

    def __init__(self, identity_origin: str = "", directory: Path = TEMPLATES) -> None:
        self.identity_origin = identity_origin
        """The logout form is redirected there: the Content-Security-Policy's form-action names it."""
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["date_de"] = date_de
        self.env.globals.update(labels=labels)

    def _context(self, request: Request, ctx: WebContext, caller: PageCaller | None) -> dict[str, Any]:
        session = caller.session if caller else None
        return {
            "request": request,
            "web": ctx,
            "static": f"/{ctx.service.slug}/static",
            "caller": caller,
            "staff_id": session.staff_id if session else None,
            "roles": [labels.ROLES_DE.get(r, r) for r in session.roles if r in labels.ROLES_DE] if session else [],
            "csrf_token": session.csrf_token if session else "",
            "department": labels.DEPARTMENTS_DE[ctx.service],
        }

    def render(
        self, request: Request, ctx: WebContext, template: str, values: dict[str, Any], caller: PageCaller | None
    ) -> str:
        return self.env.get_template(template).render(self._context(request, ctx, caller) | values)

    def page(
        self,
        request: Request,
        ctx: WebContext,
        template: str,
        values: dict[str, Any],
        caller: PageCaller | None,
        status: int = 200,
    ) -> HTMLResponse:
        response = HTMLResponse(self.render(request, ctx, template, values, caller), status_code=status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            f"frame-ancestors 'none'; form-action 'self' {self.identity_origin}".rstrip()
        )
        return response

    def error(
        self,
        request: Request,
        ctx: WebContext,
        status: int,
        detail: str | None = None,
        caller: PageCaller | None = None,
    ) -> HTMLResponse:
        title, text = ERRORS_DE.get(status, ERRORS_DE[400])
        values = {"title": title, "detail": detail or text, "status": status}
        return self.page(request, ctx, "error.html", values, caller, status=status)
