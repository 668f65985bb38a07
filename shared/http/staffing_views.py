"""``GET /<service>/inbox``: the team lead's inbox of open cases or files nobody is assigned to.

It names ids only (random case and file ids): no person-level data, so nothing to log.
A team lead sees the inbox of their own department's service only.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shared.access import roles_of
from shared.http.access import AUTHENTICATED, ReachDep, forbidden
from shared.http.errors import LIST_RESPONSES
from shared.identity.http import CurrentPrincipal
from shared.identity.roles import Role
from shared.service import Service


class InboxItemPublic(BaseModel):
    """An open case (intake: registered, not yet opened) or department file without anyone assigned."""

    subject_id: UUID = Field(description="Intake: the case; the departments: their own file.")
    case_id: UUID | None = Field(description="The KIM case it belongs to (a department's file: once linked).")


def staffing_router(service: Service) -> APIRouter:
    router = APIRouter(prefix=f"/{service.slug}", tags=[f"{service.slug} staffing"])

    @router.get(
        "/inbox",
        summary="Eingang: Fälle ohne Zuständigkeit",
        responses=AUTHENTICATED | LIST_RESPONSES,
        openapi_extra={"x-kim-access": {"kind": "team-inbox"}},
    )
    def inbox(
        principal: CurrentPrincipal,
        reach: ReachDep,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[InboxItemPublic]:
        """Open cases or files of this department that nobody is assigned to, longest waiting first.

        For the department's team lead, who assigns them (``POST …/assignments``).
        """
        if Role.TEAM_LEAD not in roles_of(principal.roles) or service.value not in principal.departments:
            raise forbidden("Der Eingang ist der Teamleitung dieser Dienststelle vorbehalten.")
        return [InboxItemPublic(subject_id=s, case_id=c) for s, c in reach.unassigned(limit, offset)]

    return router
