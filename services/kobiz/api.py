"""Kobiz's commands and its own counselling file over HTTP."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.kobiz import schemas
from services.kobiz.application import KobizApplication
from shared.api import READ_RESPONSES
from shared.commands import add_command_routes
from shared.deps import get_application

router = APIRouter(prefix="/kobiz", tags=["kobiz"])
App = Annotated[KobizApplication, Depends(get_application)]
add_command_routes(router, schemas.COMMANDS)


@router.get("/cases/{case_id}/file", summary="Beratungsakte (vertraulich)", responses=READ_RESPONSES)
def get_file(case_id: UUID, app: App) -> schemas.CounsellingFilePublic:
    """Kobiz's own counselling file, with the notes."""
    file = app.get_file(case_id)
    return schemas.CounsellingFilePublic(
        case_id=str(file.id), version=file.version, sessions=file.sessions, certificates=file.certificates
    )
