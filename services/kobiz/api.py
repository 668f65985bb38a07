"""Kobiz over HTTP: its own counselling files (commands from the command table, the file,
its Perspektive) under ``/kobiz/files``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.kobiz.application import COMMANDS, KobizApplication
from services.kobiz.schemas import CounsellingFilePublic
from shared.http.commands import FILES, add_command_routes
from shared.http.deps import get_application
from shared.http.errors import READ_RESPONSES
from shared.http.file_views import file_perspective_router
from shared.service import Service

router = APIRouter(prefix="/kobiz", tags=["kobiz"])
App = Annotated[KobizApplication, Depends(get_application)]
add_command_routes(router, COMMANDS, FILES)


@router.get("/files/{file_id}", summary="Beratungsakte (vertraulich)", responses=READ_RESPONSES)
def get_file(file_id: UUID, app: App) -> CounsellingFilePublic:
    """Kobiz's own counselling file, with the notes."""
    file = app.get_file(file_id)
    return CounsellingFilePublic(
        file_id=file.id,
        version=file.version,
        kim_case_id=file.kim_case_id,
        opened_on=file.opened_on,
        sessions=file.sessions,
        certificates=file.certificates,
    )


router.include_router(file_perspective_router(Service.KOBIZ))
