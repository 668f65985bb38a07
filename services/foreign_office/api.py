"""The foreign office's commands and its own file over HTTP."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.foreign_office import schemas
from services.foreign_office.application import ForeignOfficeApplication
from shared.api import CommandAccepted, accepted
from shared.deps import get_application

router = APIRouter(prefix="/foreign-office", tags=["foreign-office"])
App = Annotated[ForeignOfficeApplication, Depends(get_application)]


@router.post("/cases/{case_id}/tolerated-stays", status_code=201, summary="Duldung erteilen")
def issue_tolerated_stay(case_id: UUID, cmd: schemas.IssueToleratedStay, app: App) -> CommandAccepted:
    """Issue a Duldung for a known case."""
    return accepted(app.issue_tolerated_stay(case_id, cmd))


@router.post("/cases/{case_id}/identity-clarification", status_code=200, summary="Identität geklärt")
def clarify_identity(case_id: UUID, cmd: schemas.ClarifyIdentity, app: App) -> CommandAccepted:
    """Record that the identity is clarified."""
    return accepted(app.clarify_identity(case_id, cmd))


@router.post("/cases/{case_id}/residence-permits", status_code=201, summary="Aufenthaltserlaubnis erteilen")
def grant_residence_permit(case_id: UUID, cmd: schemas.GrantResidencePermit, app: App) -> CommandAccepted:
    """Grant a residence permit under a norm."""
    return accepted(app.grant_residence_permit(case_id, cmd))


@router.get("/cases/{case_id}/file", summary="Akte der Ausländerbehörde")
def get_file(case_id: UUID, app: App) -> schemas.ResidenceFilePublic:
    """The foreign office's own file on the case."""
    file = app.get_file(case_id)
    return schemas.ResidenceFilePublic(
        case_id=str(file.id),
        version=file.version,
        tolerated_stays=file.tolerated_stays,
        identity_clarified_on=file.identity_clarified_on,
        permits=file.permits,
    )
