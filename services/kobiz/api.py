"""Kobiz over HTTP: its own counselling files (commands from the command table, the file,
its Perspektive) under ``/kobiz/files``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.kobiz.application import COMMANDS, KobizApplication
from services.kobiz.schemas import SECTIONS, CounsellingFilePublic
from shared.http.access import AUTHENTICATED, ReachDep
from shared.http.access_log import AccessDep, groups_of_record
from shared.http.commands import FILES, add_command_routes
from shared.http.deps import get_application
from shared.http.errors import READ_RESPONSES
from shared.http.file_views import file_perspective_router
from shared.http.visibility import visible_fields
from shared.identity.http import CurrentPrincipal
from shared.service import Service

router = APIRouter(prefix="/kobiz", tags=["kobiz"])
App = Annotated[KobizApplication, Depends(get_application)]
add_command_routes(router, COMMANDS, FILES)


@router.get(
    "/files/{file_id}",
    summary="Beratungsakte (vertraulich)",
    responses=AUTHENTICATED | READ_RESPONSES,
    openapi_extra={"x-kim-access": {"kind": "read", "subject": "file_id"}},
)
def get_file(
    file_id: UUID, app: App, principal: CurrentPrincipal, reach: ReachDep, access: AccessDep
) -> CounsellingFilePublic:
    """Kobiz's own counselling file, with the notes for whoever may read them (the counsellors of the file)."""
    who = access.read(principal, reach, file_id, by_case=False)
    readable = who.readable()
    file = app.get_file(file_id)
    record = {
        "file_id": file.id,
        "version": file.version,
        "kim_case_id": file.kim_case_id,
        "opened_on": file.opened_on,
        "sessions": file.sessions,
        "certificates": file.certificates,
    }
    shown = visible_fields(record, SECTIONS, readable)
    access.shown(who, file_id, groups_of_record(shown, SECTIONS))
    return access.answer(lambda: CounsellingFilePublic.model_validate(shown))


router.include_router(file_perspective_router(Service.KOBIZ))
