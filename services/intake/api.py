"""Intake over HTTP: its commands (from the command table), its own case record, and finding a person."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import ValidationError

from services.intake.application import COMMANDS, IntakeApplication
from services.intake.schemas import SECTIONS, IntakeCasePublic
from shared.access import FieldGroup
from shared.http.access import AUTHENTICATED, ReachDep
from shared.http.access_log import AccessDep, groups_of_record
from shared.http.commands import add_command_routes, as_json, strictly
from shared.http.deps import get_application
from shared.http.errors import LIST_RESPONSES, READ_RESPONSES, TOO_LARGE, UNPARSABLE
from shared.http.person_views import (
    SEARCH_PARAMETERS,
    DuplicateCheck,
    PersonMatchPublic,
    TermsNotEchoed,
    check_duplicates,
    find_persons,
    search_query,
)
from shared.http.visibility import visible_fields
from shared.identity.http import CurrentPrincipal
from shared.persons import MAX_RESULTS, PersonQuery, Registration
from shared.service import Service

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


SEARCH_ACCESS = {"x-kim-access": {"kind": "search", "group": FieldGroup.IDENTITY_CORE.value}}


def search_persons(
    principal: CurrentPrincipal,
    reach: ReachDep,
    access: AccessDep,
    app: App,
    query: Annotated[PersonQuery, Depends(search_query)],
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS, description="Höchstens so viele Treffer.")] = MAX_RESULTS,
) -> list[PersonMatchPublic]:
    """Registered persons by family name, given names, birth date or case number, best first.

    Every criterion given must hold: names tolerantly (the same, spelled alike without umlauts
    and accents, a part of the name, sounding alike by the Kölner Phonetik, similar), the birth
    date exactly, the case number as the full case id or its first 8 hex characters. Whoever may
    read intake's person data searches the department's cases (scope *dept*) or their own
    (scope *own*); each result shown is logged as a read, its status only with the right to read
    the case's management.
    """
    found = find_persons(principal, Service.INTAKE, reach, access, app, query, limit)
    return access.answer(lambda: [m.public for m in found])


DuplicateBody = Annotated[ValidationError | None, Depends(as_json(DuplicateCheck))]


def duplicate_check(
    body: DuplicateCheck,
    strict: DuplicateBody,
    principal: CurrentPrincipal,
    reach: ReachDep,
    access: AccessDep,
    app: App,
) -> list[PersonMatchPublic]:
    """Likely earlier registrations of a person about to be registered, most likely first (stores nothing).

    A registration is likely the same person if it has the same birth date and a similar name
    (family name and given names, or the two swapped), or the same names once umlauts and accents
    are written out and a birth date that differs only by swapped day and month or in one digit.
    Who may search, and in which cases, as ``GET /intake/persons``.
    """
    checked = strictly(body, strict)
    person = Registration(checked.family_name, checked.given_names, checked.birth_date)
    found = check_duplicates(principal, Service.INTAKE, reach, access, app, person)
    return access.answer(lambda: [m.public for m in found])


# Finding a person: a 422 names the field, never what was sent (a search term is no error text).
router.add_api_route(
    "/persons",
    search_persons,
    methods=["GET"],
    summary="Person suchen",
    responses=AUTHENTICATED | LIST_RESPONSES,
    openapi_extra=SEARCH_ACCESS | {"parameters": SEARCH_PARAMETERS},
    route_class_override=TermsNotEchoed,
)
router.add_api_route(
    "/persons/duplicate-check",
    duplicate_check,
    methods=["POST"],
    summary="Vor dem Erfassen: Ist die Person schon erfasst?",
    responses=AUTHENTICATED | UNPARSABLE | TOO_LARGE | LIST_RESPONSES,
    openapi_extra=SEARCH_ACCESS,
    route_class_override=TermsNotEchoed,
)
