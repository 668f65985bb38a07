"""The layout's navigation: the pages of this service the caller's roles open, nothing else.

Each entry names its page and the check the page itself makes, so a link is shown exactly
when following it does not end on the 403 page (an operator or a data-protection officer
without a department's read right sees no "Meine Fälle").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.http.access import may_read_in_service
from shared.identity.principal import Principal
from shared.service import Service
from shared.web.auth import PageCaller, WebContext


@dataclass(frozen=True)
class Link:
    path: str
    label: str


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    opens: Callable[[Principal, Service], bool]
    services: frozenset[Service] = frozenset(Service)


NAV_ITEMS: list[NavItem] = [
    NavItem("/", "Meine Fälle", may_read_in_service),
    NavItem("/fristen", "Fristen", may_read_in_service),
]
"""The department's pages, in the order shown; modules add theirs (``register``) when imported by ``install_web``."""


def register(item: NavItem) -> None:
    if all(existing.path != item.path for existing in NAV_ITEMS):
        NAV_ITEMS.append(item)


def department_links(ctx: WebContext, caller: PageCaller | None) -> list[Link]:
    """The department's pages the caller may open (none without a login)."""
    if caller is None:
        return []
    principal = caller.principal
    return [
        Link(ctx.url(item.path), item.label)
        for item in NAV_ITEMS
        if ctx.service in item.services and item.opens(principal, ctx.service)
    ]


def install_navigation(ctx: WebContext) -> None:
    ctx.renderer.env.globals["department_links"] = lambda caller: department_links(ctx, caller)
