"""Keycloak's admin events for the data-protection officer: who changed which role or group, when.

``GET /<service>/admin-events`` (role ``data_protection_officer`` only, 403 otherwise) reads
them from Keycloak through the container's :class:`~shared.identity.admin_events.AdminEventSource`
(the service account ``kim-admin-events``, realm-management role ``view-events`` only) and
answers each in the stable shape of :class:`AdminEventPublic`, newest first as Keycloak
returns them. Its ``x-kim-access`` is ``{"kind": "oversight", "roles": ["data_protection_officer"]}``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shared.errors import ServiceUnavailableError
from shared.http.access import AUTHENTICATED, require_any_role
from shared.http.deps import date_query
from shared.http.errors import UNAVAILABLE
from shared.identity.admin_events import RESOURCE_TYPES, AdminEventQuery, AdminEventSource
from shared.identity.roles import Role
from shared.service import Service

ResourceType = Literal[
    "REALM_ROLE_MAPPING", "CLIENT_ROLE_MAPPING", "REALM_ROLE", "CLIENT_ROLE", "GROUP_MEMBERSHIP", "GROUP", "USER"
]
Operation = Literal["CREATE", "UPDATE", "DELETE", "ACTION"]
DPO_ONLY = frozenset({Role.DATA_PROTECTION_OFFICER})


class AdminEventPublic(BaseModel):
    """One change in the realm, as Keycloak recorded it; only role and group names of its representation."""

    time: datetime
    operation: str = Field(description="CREATE, UPDATE, DELETE or ACTION.")
    resource_type: str = Field(description="REALM_ROLE_MAPPING, GROUP_MEMBERSHIP, …")
    resource_path: str = Field(description="What changed, e.g. users/<user id>/role-mappings/realm.")
    actor_user_id: str | None = Field(description="Keycloak's id of the user or service account who changed it.")
    actor_client_id: str | None = Field(description="Keycloak's id of the client they used.")
    actor_realm_id: str | None
    roles: list[str] = Field(description="Role names granted, revoked, created or changed.")
    groups: list[str] = Field(description="Group paths joined, left, created or changed.")
    error: str | None


def admin_events_router(service: Service) -> APIRouter:
    """The data-protection officer's view of role and group changes (the same in every service)."""
    router = APIRouter(prefix=f"/{service.slug}", tags=[f"{service.slug} oversight"])

    @router.get(
        "/admin-events",
        summary="Rollen- und Gruppenänderungen (Keycloak)",
        responses=AUTHENTICATED | UNAVAILABLE,
        dependencies=[require_any_role(DPO_ONLY, "data_protection_officer")],
        openapi_extra={"x-kim-access": {"kind": "oversight", "roles": ["data_protection_officer"]}},
    )
    async def admin_events(
        request: Request,
        resource_type: Annotated[list[ResourceType] | None, Query()] = None,
        operation: Annotated[list[Operation] | None, Query()] = None,
        resource_path: Annotated[str | None, Query(max_length=300, description="`*` as wildcard")] = None,
        date_from: Annotated[date | None, *date_query("Frühester Tag, JJJJ-MM-TT")] = None,
        date_to: Annotated[date | None, *date_query("Spätester Tag, JJJJ-MM-TT")] = None,
        first: Annotated[int, Query(ge=0, le=100_000)] = 0,
        max: Annotated[int, Query(ge=1, le=500)] = 100,  # noqa: A002 - Keycloak's name
    ) -> list[AdminEventPublic]:
        """Keycloak's admin events, by default every role and group change, newest first.

        503 if Keycloak cannot be reached or refuses the service account.
        """
        source: AdminEventSource | None = getattr(request.app.state.container, "admin_events", None)
        if source is None:
            raise ServiceUnavailableError("admin events are not configured")
        query = AdminEventQuery(
            resource_types=resource_type or RESOURCE_TYPES,
            operations=operation or (),
            resource_path=resource_path,
            date_from=date_from,
            date_to=date_to,
            first=first,
            max=max,
        )
        events = await run_in_threadpool(source.admin_events, query)
        return [
            AdminEventPublic(
                time=e.time,
                operation=e.operation,
                resource_type=e.resource_type,
                resource_path=e.resource_path,
                actor_user_id=e.actor_user_id,
                actor_client_id=e.actor_client_id,
                actor_realm_id=e.actor_realm_id,
                roles=list(e.roles),
                groups=list(e.groups),
                error=e.error,
            )
            for e in events
        ]

    return router
