"""Intake's commands and its own case record over HTTP."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.intake import schemas
from services.intake.application import IntakeApplication
from shared.api import CommandAccepted, accepted
from shared.deps import get_application

router = APIRouter(prefix="/intake", tags=["intake"])
App = Annotated[IntakeApplication, Depends(get_application)]


@router.post("/cases", status_code=201, summary="Person erfassen (neue Fallakte)")
def register_person(cmd: schemas.RegisterPerson, app: App) -> CommandAccepted:
    """Register a person; the answer carries the new case id."""
    return accepted(app.register_person(cmd))


@router.post("/cases/{case_id}/consents", status_code=201, summary="Einwilligung erfassen")
def grant_consent(case_id: UUID, cmd: schemas.GrantConsent, app: App) -> CommandAccepted:
    """Record a consent with named recipients, categories, purpose and term."""
    return accepted(app.grant_consent(case_id, cmd))


@router.post("/cases/{case_id}/opening", status_code=200, summary="Fall eröffnen")
def open_case(case_id: UUID, cmd: schemas.OpenCase, app: App) -> CommandAccepted:
    """Open the KIM case and assign the case manager."""
    return accepted(app.open_case(case_id, cmd))


@router.get("/cases/{case_id}/file", summary="Fallakte der Fallannahme")
def get_case_file(case_id: UUID, app: App) -> schemas.IntakeCasePublic:
    """Intake's own record of the case, with the person's details."""
    case = app.get_case(case_id)
    return schemas.IntakeCasePublic(
        case_id=case.id,
        version=case.version,
        status=case.status,
        person_id=case.person_id,
        family_name=case.family_name,
        given_names=case.given_names,
        birth_date=case.birth_date,
        registered_on=case.registered_on,
        languages=case.languages,
        claimed_nationalities=case.claimed_nationalities,
        opened_on=case.opened_on,
        case_manager_id=case.case_manager_id,
        consents=len(case.consents),
    )
