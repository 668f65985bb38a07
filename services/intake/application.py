"""Intake's use cases."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid4

from services.intake import schemas
from services.intake.domain import Case
from shared.application import CaseApplication, Saved, check_expected_version
from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.settings import Service


class IntakeApplication(CaseApplication):
    """The KIM front door: registration, consent, case opening."""

    name = "Intake"
    service = Service.INTAKE

    def register_person(self, cmd: schemas.RegisterPerson) -> Saved:
        case = Case(person_id=uuid4(), **cmd.model_dump())
        return self.save_case(case)

    def grant_consent(self, case_id: UUID, cmd: schemas.GrantConsent) -> Saved:
        case = self.get_case(case_id)
        check_expected_version(case, cmd.expected_version)
        terms = cmd.model_dump(exclude={"expected_version", "consent_id"}, mode="python")
        terms["scopes"] = [s.model_dump(mode="json") for s in cmd.scopes]
        case.grant_consent(cmd.consent_id, **terms)
        return self.save_case(case)

    def open_case(self, case_id: UUID, cmd: schemas.OpenCase) -> Saved:
        case = self.get_case(case_id)
        check_expected_version(case, cmd.expected_version)
        case.open(opened_on=cmd.opened_on, case_manager_id=cmd.case_manager_id)
        return self.save_case(case)

    def get_case(self, case_id: UUID) -> Case:
        return self.get_aggregate(case_id, Case)

    @singledispatchmethod
    def translate(self, domain_event: Any) -> IntegrationEvent | None:
        return None

    @translate.register
    def _(self, e: Case.PersonRegistered) -> IntegrationEvent:
        return ev.PersonRegistered(
            case_id=e.originator_id,
            person_id=e.person_id,
            registered_on=e.registered_on,
            languages=e.languages,
            claimed_nationalities=e.claimed_nationalities,
        )

    @translate.register
    def _(self, e: Case.ConsentGranted) -> IntegrationEvent:
        return ev.ConsentGranted(
            case_id=e.originator_id,
            consent_id=e.consent_id,
            scopes=e.scopes,
            purpose=e.purpose,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            form_version=e.form_version,
            language=e.language,
            interpreter_used=e.interpreter_used,
        )

    @translate.register
    def _(self, e: Case.CaseOpened) -> IntegrationEvent:
        return ev.CaseOpened(
            case_id=e.originator_id, person_id=e.person_id, opened_on=e.opened_on, case_manager_id=e.case_manager_id
        )


INTERNAL_EVENTS: tuple[type[Any], ...] = ()
