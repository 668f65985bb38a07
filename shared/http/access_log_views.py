"""``GET /<service>/access-log``: the data-protection officer's and the auditors' view of the access log.

By case, by actor, by period, by outcome; paged by entry id. These reads are logged
themselves (field group ``access_log``, one entry per case the answer names).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

from shared.access import FieldGroup, Operation, Relation
from shared.access.log import AccessQuery, LoggedAccess, Outcome
from shared.http.access import AUTHENTICATED, Authorised, forbidden, rights_of
from shared.http.access_log import AccessDep
from shared.http.errors import LIST_RESPONSES
from shared.identity.http import CurrentPrincipal
from shared.service import Service

ISO_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}.*")


def query_date_time(value: object) -> object:
    """A query time is written out (``2026-01-06T10:00:00+01:00``), as OpenAPI's ``date-time`` says; never a
    number read as a timestamp (``?until=0.5``). Pydantic then checks the rest, the time zone included."""
    if isinstance(value, str) and not ISO_DATE_TIME.fullmatch(value):
        msg = "Zeitpunkt im Format JJJJ-MM-TTThh:mm:ss mit Zeitzone erwartet"
        raise ValueError(msg)
    return value


QueryDateTime = Annotated[AwareDatetime | None, BeforeValidator(query_date_time)]


class AccessLogEntryPublic(BaseModel):
    """One access: who, what, why, on which basis, with which outcome. Names only pseudonyms and ids."""

    id: int = Field(description="Position in this service's log; page with `after`.")
    at: datetime
    service: Service
    actor: str = Field(description="Pseudonymous staff id, or `client:<id>` for a service account.")
    roles: list[str]
    departments: list[str]
    client_id: str
    correlation_id: str = Field(description="The request's X-Request-ID.")
    operation: str = Field(description="read or write")
    route: str = Field(description="Method and route template.")
    subject_id: UUID | None = Field(description="The case (intake) or the department's file addressed.")
    case_id: UUID | None = Field(description="The KIM case it belongs to, if known.")
    field_group: str = Field(description="The field group read or written; `*` for a refusal before any.")
    purpose: str
    grant: str = Field(description="Why the caller could: `<roles>/<relation>` or `break-glass:<grant id>`.")
    basis: str = Field(description="What the service holds the data by: own_task, a legal basis, consent:<id>.")
    outcome: Outcome

    @classmethod
    def of(cls, logged: LoggedAccess) -> AccessLogEntryPublic:
        e, a = logged.entry, logged.entry.accessor
        return cls(
            id=logged.id,
            at=e.at,
            service=e.service,
            actor=a.actor,
            roles=list(a.roles),
            departments=list(a.departments),
            client_id=a.client_id,
            correlation_id=a.correlation_id,
            operation=e.operation.value,
            route=e.route,
            subject_id=e.subject_id,
            case_id=e.case_id,
            field_group=e.field_group,
            purpose=e.purpose,
            grant=e.grant,
            basis=e.basis,
            outcome=e.outcome,
        )


def access_log_router(service: Service) -> APIRouter:
    router = APIRouter(prefix=f"/{service.slug}", tags=[f"{service.slug} access log"])

    @router.get(
        "/access-log",
        summary="Zugriffsprotokoll",
        responses=AUTHENTICATED | LIST_RESPONSES,
        openapi_extra={"x-kim-access": {"kind": "oversight", "group": FieldGroup.ACCESS_LOG.value}},
    )
    def access_log(
        principal: CurrentPrincipal,
        access: AccessDep,
        case_id: UUID | None = None,
        actor: Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9:._-]+$")] = None,
        since: QueryDateTime = None,
        until: QueryDateTime = None,
        outcome: Outcome | None = None,
        after: Annotated[int, Query(ge=0, description="Entries after this id (paging).")] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[AccessLogEntryPublic]:
        """Entries of this service's access log, oldest first: for the data-protection officer, auditors and the
        department's team lead (whoever the access table lets read the field group ``access_log`` here).

        Filter by case (the KIM case or the department's file), by actor (staff id), by period
        (``since`` inclusive, ``until`` exclusive, with time zone) and by outcome.
        """
        rights = rights_of(principal, service)
        if not rights.may(FieldGroup.ACCESS_LOG, Operation.READ, Relation.DEPARTMENT):
            raise forbidden("Das Zugriffsprotokoll ist Datenschutz, Prüfung und der Teamleitung vorbehalten.")
        query = AccessQuery(case_id, actor, since, until, outcome, after, limit)
        found = access.log.query(query)
        who = Authorised(principal, rights, Relation.DEPARTMENT)
        subjects = {e.entry.subject_id for e in found} | ({case_id} if case_id else set())
        for subject in sorted(s for s in subjects if s is not None):
            access.shown(who, subject, frozenset({FieldGroup.ACCESS_LOG}), {FieldGroup.ACCESS_LOG: "oversight"})
        return access.answer(lambda: [AccessLogEntryPublic.of(e) for e in found])

    return router
