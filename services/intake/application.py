"""Intake's use cases: one ``do_<command>`` per command in ``schemas.COMMANDS``."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from services.intake import schemas
from services.intake.domain import IMPORT_NAMESPACE, Case
from shared.application import CaseApplication
from shared.events import catalogue as ev
from shared.settings import Service


class IntakeApplication(CaseApplication):
    """The KIM front door and case management: registration, consent, the case itself."""

    name = "Intake"
    service = Service.INTAKE

    def load_for(self, name: str, case_id: UUID | None, cmd: Any) -> Aggregate:
        if name == "register_person":
            return Case(person_id=uuid4(), **cmd.model_dump())
        assert case_id is not None
        return self.get_case(case_id)

    def import_registration(self, cmd: schemas.RegisterPerson, ref: str) -> UUID | None:
        """Register an imported person under a case id derived from the row, once."""
        if self.find_aggregate(uuid5(IMPORT_NAMESPACE, ref), Case) is not None:
            return None
        case = Case(person_id=uuid5(IMPORT_NAMESPACE, f"person:{ref}"), import_ref=ref, **cmd.model_dump())
        return self.save_case(case).case_id

    def register_once(self, cmd: schemas.RegisterPerson, ref: str) -> tuple[Any, bool]:
        """Register under a case id derived from ``ref``: a retry finds the case it created.

        Returns (Saved, False) for a new case, (case id, True) for a repeat."""
        case_id = uuid5(IMPORT_NAMESPACE, ref)
        if self.find_aggregate(case_id, Case) is not None:
            return case_id, True
        return self.save_case(Case(person_id=uuid4(), import_ref=ref, **cmd.model_dump())), False

    def get_case(self, case_id: UUID) -> Case:
        return self.get_aggregate(case_id, Case)

    # --- commands (the aggregate is loaded and saved by ``handle``) ---------------

    def do_register_person(self, case: Case, cmd: schemas.RegisterPerson) -> None:
        """Nothing more to do: registration created the case."""

    def do_receive_referral(self, case: Case, cmd: schemas.ReceiveReferral) -> None:
        case.receive_referral(cmd.received_on, cmd.source, cmd.reason_codes, cmd.corrects)

    def do_grant_consent(self, case: Case, cmd: schemas.GrantConsent) -> None:
        case.grant_consent(
            cmd.consent_id,
            scopes=[s.model_dump(mode="json") for s in cmd.scopes],
            purpose=cmd.purpose.value,
            valid_from=cmd.valid_from,
            valid_until=cmd.valid_until,
            form_version=cmd.form_version,
            language=cmd.language,
            interpreter_used=cmd.interpreter_used,
        )

    def do_change_consent_scope(self, case: Case, cmd: schemas.ChangeConsentScope) -> None:
        case.change_consent_scope(cmd.consent_id, [s.model_dump(mode="json") for s in cmd.scopes], cmd.effective_on)

    def do_revoke_consent(self, case: Case, cmd: schemas.RevokeConsent) -> None:
        case.revoke_consent(cmd.consent_id, cmd.effective_on)

    def do_open_case(self, case: Case, cmd: schemas.OpenCase) -> None:
        case.open(opened_on=cmd.opened_on, case_manager_id=cmd.case_manager_id)

    def do_close_case(self, case: Case, cmd: schemas.CloseCase) -> None:
        case.close(closed_on=cmd.closed_on, reason=cmd.reason)

    def do_agree_integration_plan(self, case: Case, cmd: schemas.AgreeIntegrationPlan) -> None:
        case.agree_integration_plan(
            cmd.corrects,
            agreed_on=cmd.agreed_on,
            target_pathway=cmd.target_pathway.value,
            milestones=[m.model_dump(mode="json") for m in cmd.milestones],
        )

    def do_hold_case_conference(self, case: Case, cmd: schemas.HoldCaseConference) -> None:
        case.hold_case_conference(
            cmd.corrects,
            held_on=cmd.held_on,
            participants=[p.value for p in cmd.participants],
            agreed_action_codes=cmd.agreed_action_codes,
            minutes=cmd.minutes,
        )

    def do_refer_to_return_counselling(self, case: Case, cmd: schemas.ReferToReturnCounselling) -> None:
        case.refer_to_return_counselling(cmd.referred_on, cmd.provider_code, cmd.corrects)

    published = {
        Case.PersonRegistered: ev.PersonRegistered,
        Case.ReferralReceived: ev.ReferralReceived,
        Case.ConsentGranted: ev.ConsentGranted,
        Case.ConsentScopeChanged: ev.ConsentScopeChanged,
        Case.ConsentRevoked: ev.ConsentRevoked,
        Case.CaseOpened: ev.CaseOpened,
        Case.CaseClosed: ev.CaseClosed,
        Case.IntegrationPlanAgreed: ev.IntegrationPlanAgreed,
        Case.CaseConferenceHeld: ev.CaseConferenceHeld,  # the minutes stay with intake
        Case.ReturnCounsellingReferred: ev.ReturnCounsellingReferred,
    }


INTERNAL_EVENTS: tuple[type[Any], ...] = (Case.RowImported,)
