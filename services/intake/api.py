"""Intake over HTTP: its commands (from the command table) and its own case record."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from services.intake.application import COMMANDS, IntakeApplication
from services.intake.schemas import SECTIONS, IntakeCasePublic
from shared.http.access import AUTHENTICATED, ReachDep
from shared.http.access_log import AccessDep, groups_of_record
from shared.http.commands import add_command_routes
from shared.http.deps import get_application
from shared.http.errors import READ_RESPONSES
from shared.http.visibility import visible_fields
from shared.identity.http import CurrentPrincipal

router = APIRouter(prefix="/intake", tags=["intake"])
App = Annotated[IntakeApplication, Depends(get_application)]
add_command_routes(router, COMMANDS)


@router.get(
    "/cases/{case_id}/file",
    summary="Fallakte der Fallannahme",
    responses=AUTHENTICATED | READ_RESPONSES,
    openapi_extra={"x-kim-access": {"kind": "read", "subject": "case_id"}},
)
def get_case_file(
    case_id: UUID, app: App, principal: CurrentPrincipal, reach: ReachDep, access: AccessDep
) -> IntakeCasePublic:
    """Intake's own record of the case, with the person's details, as far as the caller may read it."""
    who = access.read(principal, reach, case_id, by_case=False)
    case = app.get_case(case_id)
    record = dict(
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
        closed_on=case.closed_on,
        case_manager_id=case.case_manager_id,
        consents=[{"consent_id": k, **v} for k, v in case.consents.items()],
    )
    shown = visible_fields(record, SECTIONS, who.readable())
    access.shown(who, case_id, groups_of_record(shown, SECTIONS))
    return access.answer(lambda: IntakeCasePublic.model_validate(shown))
