"""Break-glass routes of one service: ask, approve or refuse, end, review, list (docs/access.md "Break-glass").

Who acts is the token's member of staff (a token without a staff id: 403); nothing in
a body names an actor. 403: no role of the caller may use or decide break-glass here,
the requester decides their own request, a team lead of another department, a review
by anyone but the data-protection officer. 404: an unknown request, or one the caller
may not see (the requester sees their own, approvers of the department all), the same
answer for both. 409: a request not in a state for the action. 422 names the field.
Each route's ``x-kim-access`` is ``{"kind": "break-glass", "action": …}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from shared.access import roles_of
from shared.access.break_glass import (
    Approver,
    BreakGlass,
    BreakGlassInputError,
    State,
    approves_in,
)
from shared.access.table import BREAK_GLASS
from shared.application.break_glass import (
    BreakGlassApplication,
    RefuseBreakGlass,
    RequestBreakGlass,
    ReviewBreakGlass,
)
from shared.http.access import AUTHENTICATED, forbidden
from shared.http.errors import TOO_LARGE, UNAVAILABLE, UNPARSABLE, ErrorPublic
from shared.identity.http import CurrentPrincipal
from shared.identity.principal import Principal
from shared.service import Service

RESPONSES: dict[int | str, dict[str, Any]] = (
    AUTHENTICATED
    | {
        404: {"model": ErrorPublic, "description": "Unknown request, or not one the caller may see."},
        409: {"model": ErrorPublic, "description": "The request is not in a state for this action."},
    }
    | UNAVAILABLE
)
COMMAND_RESPONSES = RESPONSES | UNPARSABLE | TOO_LARGE
"""A POST besides: a body that is not text (400), too large (413)."""


class BreakGlassPublic(BaseModel):
    """A break-glass request and, once granted, the grant. Staff appear by pseudonymous staff id."""

    id: UUID
    service: Service
    subject_id: UUID = Field(description="The KIM case or department file it is about.")
    requester: str
    role: str = Field(description="The role the request was made in.")
    reason: str
    minutes: int
    emergency: bool = Field(description="In force at once, without prior approval; reviewed afterwards.")
    state: State = Field(description="pending, lapsed, refused, withdrawn, active, ended or expired (now).")
    requested_at: datetime
    starts_at: datetime | None = Field(description="When it came into force (null: not granted).")
    ends_at: datetime | None = Field(description="When it stops (or stopped) being in force.")
    approved_by: str | None
    refused_by: str | None
    refusal_note: str | None
    ended_by: str | None
    needs_review: bool = Field(description="Granted and not yet reviewed by the data-protection officer.")
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    version: int


def _public(grant: BreakGlass, service: Service, now: datetime) -> BreakGlassPublic:
    return BreakGlassPublic(
        id=grant.id,
        service=service,
        subject_id=grant.subject_id,
        requester=grant.requester,
        role=grant.role,
        reason=grant.reason,
        minutes=grant.minutes,
        emergency=grant.emergency,
        state=grant.state(now),
        requested_at=grant.requested_at,
        starts_at=grant.starts_at,
        ends_at=grant.ends_at,
        approved_by=grant.approved_by,
        refused_by=grant.refused_by,
        refusal_note=grant.refusal_note,
        ended_by=grant.ended_by,
        needs_review=grant.needs_review,
        reviewed_by=grant.reviewed_by,
        reviewed_at=grant.reviewed_at,
        review_note=grant.review_note,
        version=grant.version,
    )


def _approver(principal: Principal, service: Service) -> Approver:
    """The caller, if any of their roles may use or decide break-glass in this service (else 403)."""
    if principal.staff_id is None:
        raise forbidden("Break-Glass ist Mitarbeitenden vorbehalten (keine Personalkennung im Token).")
    who = Approver(principal.staff_id, roles_of(principal.roles), principal.departments)
    if not (who.roles & set(BREAK_GLASS) or approves_in(who, service.value)):
        raise forbidden()
    return who


@contextmanager
def _answers() -> Iterator[None]:
    """A rule on a field that depends on the role: 422 naming the field (403, 404, 409: the app's handlers)."""
    try:
        yield
    except BreakGlassInputError as exc:
        error = {"loc": ("body", exc.field), "msg": str(exc), "type": "value_error", "input": None}
        raise RequestValidationError([error]) from None


def _app(request: Request) -> BreakGlassApplication:
    app: BreakGlassApplication = request.app.state.container.break_glass
    return app


def _access(action: str) -> dict[str, Any]:
    return {"x-kim-access": {"kind": "break-glass", "action": action}}


def break_glass_router(service: Service) -> APIRouter:
    """The break-glass routes of ``service``."""
    router = APIRouter(prefix=f"/{service.slug}/break-glass", tags=[f"{service.slug} break-glass"])

    def run(
        request: Request, principal: Principal, act: Callable[[BreakGlassApplication, Approver], BreakGlass]
    ) -> Any:
        app = _app(request)
        who = _approver(principal, service)
        with _answers():
            grant = act(app, who)
        return _public(grant, service, app.now())

    @router.post(
        "",
        status_code=201,
        summary="Break-Glass-Zugriff beantragen",
        responses=COMMAND_RESPONSES,
        openapi_extra=_access("request"),
    )
    def request_access(request: Request, principal: CurrentPrincipal, body: RequestBreakGlass) -> BreakGlassPublic:
        """Ask to read a case or file beyond one's reach: a reason, a duration, approval by a second person.

        An emergency request (only for roles allowed to) is in force at once and reviewed afterwards.
        404 if the case or file is unknown to this service.
        """
        result: BreakGlassPublic = run(request, principal, lambda app, who: app.request(who, body))
        return result

    @router.get("", summary="Break-Glass-Anträge", responses=RESPONSES, openapi_extra=_access("list"))
    def list_requests(
        request: Request,
        principal: CurrentPrincipal,
        state: Annotated[Literal["pending", "active", "to-review"], Query()] = "pending",
    ) -> list[BreakGlassPublic]:
        """Open requests, grants in force, or grants awaiting review; approvers see all, others their own."""
        app = _app(request)
        who = _approver(principal, service)
        now = app.now()
        return [_public(g, service, now) for g in app.listed(who, state)]

    @router.get("/{grant_id}", summary="Ein Break-Glass-Antrag", responses=RESPONSES, openapi_extra=_access("read"))
    def read(request: Request, principal: CurrentPrincipal, grant_id: UUID) -> BreakGlassPublic:
        """One request, for its requester and the approvers of the department."""
        result: BreakGlassPublic = run(request, principal, lambda app, who: app.get(grant_id, who))
        return result

    @router.post(
        "/{grant_id}/approval",
        summary="Antrag freigeben",
        responses=COMMAND_RESPONSES,
        openapi_extra=_access("approve"),
    )
    def approve(request: Request, principal: CurrentPrincipal, grant_id: UUID) -> BreakGlassPublic:
        """Approve (team lead of the department or data-protection officer, never the requester)."""
        result: BreakGlassPublic = run(request, principal, lambda app, who: app.approve(grant_id, who))
        return result

    @router.post(
        "/{grant_id}/refusal", summary="Antrag ablehnen", responses=COMMAND_RESPONSES, openapi_extra=_access("refuse")
    )
    def refuse(
        request: Request, principal: CurrentPrincipal, grant_id: UUID, body: RefuseBreakGlass
    ) -> BreakGlassPublic:
        """Refuse an open request (same people as the approval)."""
        result: BreakGlassPublic = run(request, principal, lambda app, who: app.refuse(grant_id, who, body))
        return result

    @router.post(
        "/{grant_id}/end", summary="Zugriff beenden", responses=COMMAND_RESPONSES, openapi_extra=_access("end")
    )
    def end(request: Request, principal: CurrentPrincipal, grant_id: UUID) -> BreakGlassPublic:
        """End a grant early or withdraw an open request (the requester), or revoke it (an approver)."""
        result: BreakGlassPublic = run(request, principal, lambda app, who: app.end(grant_id, who))
        return result

    @router.post(
        "/{grant_id}/review", summary="Zugriff prüfen", responses=COMMAND_RESPONSES, openapi_extra=_access("review")
    )
    def review(
        request: Request, principal: CurrentPrincipal, grant_id: UUID, body: ReviewBreakGlass
    ) -> BreakGlassPublic:
        """The data-protection officer's review of a grant no longer in force, with a note."""
        result: BreakGlassPublic = run(request, principal, lambda app, who: app.review(grant_id, who, body))
        return result

    return router
