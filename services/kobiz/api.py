"""Kobiz's commands and its own counselling file over HTTP."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.kobiz import schemas
from services.kobiz.application import KobizApplication
from shared.api import CommandAccepted, accepted
from shared.deps import get_application

router = APIRouter(prefix="/kobiz", tags=["kobiz"])
App = Annotated[KobizApplication, Depends(get_application)]


@router.post("/cases/{case_id}/counselling-sessions", status_code=201, summary="Perspektivberatung erfassen")
def record_counselling(case_id: UUID, cmd: schemas.RecordCounselling, app: App) -> CommandAccepted:
    """Record a perspective counselling session; only its codes are shared."""
    return accepted(app.record_counselling(case_id, cmd))


@router.get("/cases/{case_id}/file", summary="Beratungsakte (vertraulich)")
def get_file(case_id: UUID, app: App) -> schemas.CounsellingFilePublic:
    """Kobiz's own counselling file, with the notes."""
    file = app.get_file(case_id)
    return schemas.CounsellingFilePublic(case_id=str(file.id), version=file.version, sessions=file.sessions)
