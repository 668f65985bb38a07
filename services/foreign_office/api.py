"""The foreign office over HTTP: its own files (commands from the command table, the file,
its Perspektive) under ``/foreign-office/files``."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from services.foreign_office.application import COMMANDS, ForeignOfficeApplication
from services.foreign_office.domain import ResidenceFile
from services.foreign_office.owner import FACT_GROUPS, readable_owner_facts
from services.foreign_office.schemas import SECTIONS, ResidenceFilePublic
from shared.access import FieldGroup
from shared.http.access import AUTHENTICATED, ReachDep
from shared.http.access_log import AccessDep, groups_of_record
from shared.http.commands import FILES, add_command_routes
from shared.http.deps import get_application
from shared.http.errors import READ_RESPONSES
from shared.http.file_views import file_perspective_router
from shared.http.visibility import visible_fields
from shared.identity.http import CurrentPrincipal
from shared.service import Service

router = APIRouter(prefix="/foreign-office", tags=["foreign-office"])
App = Annotated[ForeignOfficeApplication, Depends(get_application)]
add_command_routes(router, COMMANDS, FILES)


@router.get(
    "/files/{file_id}",
    summary="Akte der Ausländerbehörde",
    responses=AUTHENTICATED | READ_RESPONSES,
    openapi_extra={"x-kim-access": {"kind": "read", "subject": "file_id"}},
)
def get_file(
    file_id: UUID, app: App, principal: CurrentPrincipal, reach: ReachDep, access: AccessDep
) -> ResidenceFilePublic:
    """The foreign office's own file on a person, as far as the caller may read it."""
    who = access.read(principal, reach, file_id, by_case=False)
    readable = who.readable()
    file = app.get_file(file_id)
    stays = file.tolerated_stays
    if FieldGroup.HEALTH not in readable:  # a Duldung on health grounds is Art. 9 data
        stays = [s for s in stays if not s.get("health_ground")]
    record = dict(
        file_id=file.id,
        version=file.version,
        kim_case_id=file.kim_case_id,
        family_name=file.family_name,
        given_names=file.given_names,
        birth_date=file.birth_date,
        nationalities=file.nationalities,
        closed_on=file.closed_on,
        entry_on=file.entry_on,
        tolerated_stays=stays,
        identity_clarified_on=file.identity_clarified_on,
        pending_applications=file.pending_applications,
        permits=file.permits,
        decisions=file.decisions,
    )
    shown = visible_fields(record, SECTIONS, readable)
    access.shown(who, file_id, groups_of_record(shown, SECTIONS))
    return access.answer(lambda: ResidenceFilePublic.model_validate(shown))


def _internal(file: Any, readable: frozenset[FieldGroup]) -> dict[str, Any]:
    residence_file: ResidenceFile = file
    return readable_owner_facts(residence_file, readable)


router.include_router(file_perspective_router(Service.FOREIGN_OFFICE, _internal, FACT_GROUPS))
