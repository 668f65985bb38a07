"""The foreign office over HTTP: its own files (commands from the command table, the file,
its Perspektive) under ``/foreign-office/files``."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from services.foreign_office.application import COMMANDS, ForeignOfficeApplication
from services.foreign_office.domain import ResidenceFile
from services.foreign_office.schemas import ResidenceFilePublic
from shared.http.commands import FILES, add_command_routes
from shared.http.deps import get_application
from shared.http.errors import READ_RESPONSES
from shared.http.file_views import file_perspective_router
from shared.perspective.derive import internal_facts
from shared.service import Service

router = APIRouter(prefix="/foreign-office", tags=["foreign-office"])
App = Annotated[ForeignOfficeApplication, Depends(get_application)]
add_command_routes(router, COMMANDS, FILES)


@router.get("/files/{file_id}", summary="Akte der Ausländerbehörde", responses=READ_RESPONSES)
def get_file(file_id: UUID, app: App) -> ResidenceFilePublic:
    """The foreign office's own file on a person."""
    file = app.get_file(file_id)
    return ResidenceFilePublic(
        file_id=file.id,
        version=file.version,
        kim_case_id=file.kim_case_id,
        family_name=file.family_name,
        given_names=file.given_names,
        birth_date=file.birth_date,
        nationalities=file.nationalities,
        closed_on=file.closed_on,
        entry_on=file.entry_on,
        tolerated_stays=file.tolerated_stays,
        identity_clarified_on=file.identity_clarified_on,
        pending_applications=file.pending_applications,
        permits=file.permits,
        decisions=file.decisions,
    )


def _internal(file: Any) -> dict[str, Any]:
    residence_file: ResidenceFile = file
    return internal_facts(residence_file.convictions, residence_file.deceptions)


router.include_router(file_perspective_router(Service.FOREIGN_OFFICE, _internal))
