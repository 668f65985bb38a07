"""The foreign office over HTTP: its commands (from the command table) and its own file."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.foreign_office.application import COMMANDS, ForeignOfficeApplication
from services.foreign_office.schemas import ResidenceFilePublic
from shared.http.commands import add_command_routes
from shared.http.deps import get_application
from shared.http.errors import READ_RESPONSES

router = APIRouter(prefix="/foreign-office", tags=["foreign-office"])
App = Annotated[ForeignOfficeApplication, Depends(get_application)]
add_command_routes(router, COMMANDS)


@router.get("/cases/{case_id}/file", summary="Akte der Ausländerbehörde", responses=READ_RESPONSES)
def get_file(case_id: UUID, app: App) -> ResidenceFilePublic:
    """The foreign office's own file on the case."""
    file = app.get_file(case_id)
    return ResidenceFilePublic(
        case_id=str(file.id),
        version=file.version,
        tolerated_stays=file.tolerated_stays,
        identity_clarified_on=file.identity_clarified_on,
        pending_applications=file.pending_applications,
        permits=file.permits,
        decisions=file.decisions,
    )
