"""The foreign office's commands and its own file over HTTP."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.foreign_office import schemas
from services.foreign_office.application import ForeignOfficeApplication
from shared.api import READ_RESPONSES
from shared.commands import add_command_routes
from shared.deps import get_application

router = APIRouter(prefix="/foreign-office", tags=["foreign-office"])
App = Annotated[ForeignOfficeApplication, Depends(get_application)]
add_command_routes(router, schemas.COMMANDS)


@router.get("/cases/{case_id}/file", summary="Akte der Ausländerbehörde", responses=READ_RESPONSES)
def get_file(case_id: UUID, app: App) -> schemas.ResidenceFilePublic:
    """The foreign office's own file on the case."""
    file = app.get_file(case_id)
    return schemas.ResidenceFilePublic(
        case_id=str(file.id),
        version=file.version,
        tolerated_stays=file.tolerated_stays,
        identity_clarified_on=file.identity_clarified_on,
        pending_applications=file.pending_applications,
        permits=file.permits,
        decisions=file.decisions,
    )
