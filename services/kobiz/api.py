"""Kobiz over HTTP: its commands (from the command table) and its own counselling file."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.kobiz.application import COMMANDS, KobizApplication
from services.kobiz.schemas import CounsellingFilePublic
from shared.http.commands import add_command_routes
from shared.http.deps import get_application
from shared.http.errors import READ_RESPONSES

router = APIRouter(prefix="/kobiz", tags=["kobiz"])
App = Annotated[KobizApplication, Depends(get_application)]
add_command_routes(router, COMMANDS)


@router.get("/cases/{case_id}/file", summary="Beratungsakte (vertraulich)", responses=READ_RESPONSES)
def get_file(case_id: UUID, app: App) -> CounsellingFilePublic:
    """Kobiz's own counselling file, with the notes."""
    file = app.get_file(case_id)
    return CounsellingFilePublic(
        case_id=str(file.id), version=file.version, sessions=file.sessions, certificates=file.certificates
    )
