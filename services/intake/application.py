"""Intake's use cases: the KIM front door (registration, referral, consent) and case management."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from services.intake import commands as c
from services.intake.domain import Case
from shared import staffing
from shared.application.base import CaseApplication
from shared.application.catalogue import AnyCommand, CaseCommand, NewCaseCommand
from shared.application.commands import Command
from shared.application.results import Saved
from shared.application.staffing import HandOver, NameDeputy
from shared.events import catalogue as ev
from shared.persons import (
    MAX_RESULTS,
    PersonEntry,
    PersonIndex,
    PersonMatch,
    PersonQuery,
    PersonRecord,
    Registration,
    duplicates,
    search,
)
from shared.service import Service

CANDIDATES = 500
"""Rows of the person index a search or duplicate check ranks at most (those sharing most with it first)."""


def person_entry(case: Case) -> PersonEntry:
    """The person index's row of a case, from its state."""
    return PersonEntry(
        case_id=case.id,
        person_id=case.person_id,
        family_name=case.family_name,
        given_names=case.given_names,
        birth_date=case.birth_date,
        registered_on=case.registered_on,
        status=case.status,
    )


CHANGES_PERSON_ENTRY = frozenset({"PersonRegistered", "CaseOpened", "CaseClosed"})
"""The events that change a case's person-index row (names and dates at registration, the status);
a save with none of them leaves the row as it is (``kim migrate`` fills rows missing or outdated)."""


def _everyone(_entry: PersonEntry) -> bool:
    return True


class IntakeApplication(CaseApplication):
    """The KIM front door and case management: registration, consent, the case itself."""

    name = "Intake"
    service = Service.INTAKE

    person_index: PersonIndex | None = None
    """Set by the composition root; without it no rows are written and no person is found."""

    def get_case(self, case_id: UUID) -> Case:
        """Intake's case file, with the person's details."""
        return self.get_aggregate(case_id, Case)

    # --- finding a person (the person index, written with the case's events) -----------------

    def _index_records(self, aggregate: Aggregate) -> tuple[object, ...]:
        records = super()._index_records(aggregate)
        if self.person_index is None or not isinstance(aggregate, Case):
            return records
        if not any(type(e).__name__ in CHANGES_PERSON_ENTRY for e in aggregate.pending_events):
            return records  # the row holds what it held: no write on the command's path
        return (*records, self.person_index.written_with_events(person_entry(aggregate)))

    def search_persons(
        self,
        query: PersonQuery,
        *,
        within: frozenset[UUID] | None = None,
        admit: Callable[[PersonEntry], bool] = _everyone,
        limit: int = MAX_RESULTS,
    ) -> list[PersonMatch]:
        """Registered persons matching every criterion, best first (of the cases ``within``, if given)."""
        if self.person_index is None:
            return []
        return search(query, self.person_index.candidates(query, within, CANDIDATES), admit, limit)

    def likely_duplicates(
        self,
        person: Registration,
        *,
        within: frozenset[UUID] | None = None,
        admit: Callable[[PersonEntry], bool] = _everyone,
        limit: int = MAX_RESULTS,
    ) -> list[PersonMatch]:
        """Persons likely registered already as the one about to be registered, most likely first."""
        if self.person_index is None:
            return []
        return duplicates(person, self.person_index.registered_alike(person, within, CANDIDATES), admit, limit)

    def person_record(self, case_id: UUID) -> PersonRecord:
        """The person of a case as intake registered them (404 if the case is unknown)."""
        case = self.get_case(case_id)
        return PersonRecord(
            case_id=case.id,
            family_name=case.family_name,
            given_names=case.given_names,
            birth_date=case.birth_date,
            registered_on=case.registered_on,
            languages=tuple(case.languages),
            claimed_nationalities=tuple(case.claimed_nationalities),
        )

    def fill_person_index(self, case_ids: Iterable[UUID]) -> int:
        """Write the rows of cases stored before the index existed (``kim migrate``); returns how many."""
        if self.person_index is None:
            return 0
        filled = 0
        for case_id in case_ids:
            case = self.find_aggregate(case_id, Case)
            if case is not None:
                self.person_index.put(person_entry(case), case.version)
                filled += 1
        return filled

    def register_person(self, cmd: c.RegisterPerson) -> Saved:
        """Register a person: this opens a case file under a new, random case id."""
        return self.start(
            Case(
                person_id=uuid4(),
                registered_on=cmd.registered_on,
                family_name=cmd.family_name,
                given_names=cmd.given_names,
                birth_date=cmd.birth_date,
                languages=cmd.languages,
                claimed_nationalities=cmd.claimed_nationalities,
                contact=cmd.contact,
            )
        )

    def receive_referral(self, case_id: UUID, cmd: c.ReceiveReferral) -> Saved:
        return self._change(
            case_id,
            cmd,
            lambda case: case.receive_referral(cmd.received_on, cmd.source, cmd.reason_codes, cmd.corrects),
        )

    def record_household(self, case_id: UUID, cmd: c.RecordHousehold) -> Saved:
        members = [m.model_dump(mode="json") for m in cmd.members]
        return self._change(case_id, cmd, lambda case: case.record_household(cmd.recorded_on, members, cmd.corrects))

    def record_marital_status(self, case_id: UUID, cmd: c.RecordMaritalStatus) -> Saved:
        return self._change(
            case_id, cmd, lambda case: case.record_marital_status(cmd.recorded_on, cmd.status.value, cmd.corrects)
        )

    # --- consent -----------------------------------------------------------------------

    def grant_consent(self, case_id: UUID, cmd: c.GrantConsent) -> Saved:
        return self._change(
            case_id,
            cmd,
            lambda case: case.grant_consent(
                cmd.consent_id,
                scopes=[s.model_dump(mode="json") for s in cmd.scopes],
                purpose=cmd.purpose.value,
                valid_from=cmd.valid_from,
                valid_until=cmd.valid_until,
                form_version=cmd.form_version,
                language=cmd.language,
                interpreter_used=cmd.interpreter_used,
            ),
        )

    def change_consent_scope(self, case_id: UUID, cmd: c.ChangeConsentScope) -> Saved:
        return self._change(
            case_id,
            cmd,
            lambda case: case.change_consent_scope(
                cmd.consent_id, [s.model_dump(mode="json") for s in cmd.scopes], cmd.effective_on
            ),
        )

    def revoke_consent(self, case_id: UUID, cmd: c.RevokeConsent) -> Saved:
        return self._change(case_id, cmd, lambda case: case.revoke_consent(cmd.consent_id, cmd.effective_on))

    # --- case management ---------------------------------------------------------------

    def open_case(self, case_id: UUID, cmd: c.OpenCase) -> Saved:
        return self._change(
            case_id, cmd, lambda case: case.open(opened_on=cmd.opened_on, case_manager_id=cmd.case_manager_id)
        )

    def close_case(self, case_id: UUID, cmd: c.CloseCase) -> Saved:
        return self._change(case_id, cmd, lambda case: case.close(closed_on=cmd.closed_on, reason=cmd.reason))

    def agree_integration_plan(self, case_id: UUID, cmd: c.AgreeIntegrationPlan) -> Saved:
        return self._change(
            case_id,
            cmd,
            lambda case: case.agree_integration_plan(
                agreed_on=cmd.agreed_on,
                target_pathway=cmd.target_pathway.value,
                milestones=[m.model_dump(mode="json") for m in cmd.milestones],
                corrects=cmd.corrects,
            ),
        )

    def hold_case_conference(self, case_id: UUID, cmd: c.HoldCaseConference) -> Saved:
        return self._change(
            case_id,
            cmd,
            lambda case: case.hold_case_conference(
                held_on=cmd.held_on,
                participants=[p.value for p in cmd.participants],
                agreed_action_codes=cmd.agreed_action_codes,
                minutes=cmd.minutes,
                corrects=cmd.corrects,
            ),
        )

    def refer_to_return_counselling(self, case_id: UUID, cmd: c.ReferToReturnCounselling) -> Saved:
        return self._change(
            case_id,
            cmd,
            lambda case: case.refer_to_return_counselling(cmd.referred_on, cmd.provider_code, cmd.corrects),
        )

    # --- who works on the case ------------------------------------------------------------

    def hand_over(self, case_id: UUID, cmd: HandOver) -> Saved:
        return self._change(
            case_id, cmd, lambda case: case.hand_over(cmd.from_staff_id, cmd.to_staff_id, cmd.handed_over_on, cmd.actor)
        )

    def name_deputy(self, case_id: UUID, cmd: NameDeputy) -> Saved:
        def mutate(case: Case) -> None:
            case.check_open(None)
            staffing.name_deputy(case, cmd.deputy_id, cmd.for_staff_id, cmd.from_on, cmd.until_on, cmd.actor)

        return self._change(case_id, cmd, mutate)

    def _change(self, case_id: UUID, cmd: Command, mutate: Callable[[Case], object]) -> Saved:
        return self.update(cmd, lambda: self.get_case(case_id), mutate)

    published = {
        Case.PersonRegistered: ev.PersonRegistered,
        Case.CaseManagerChanged: ev.CaseManagerChanged,
        Case.ReferralReceived: ev.ReferralReceived,
        Case.ConsentGranted: ev.ConsentGranted,
        Case.ConsentScopeChanged: ev.ConsentScopeChanged,
        Case.ConsentRevoked: ev.ConsentRevoked,
        Case.CaseOpened: ev.CaseOpened,
        Case.CaseClosed: ev.CaseClosed,
        Case.IntegrationPlanAgreed: ev.IntegrationPlanAgreed,
        Case.CaseConferenceHeld: ev.CaseConferenceHeld,  # the minutes stay with intake
        Case.ReturnCounsellingReferred: ev.ReturnCounsellingReferred,
        Case.HouseholdRecorded: ev.HouseholdRecorded,
        Case.MaritalStatusRecorded: ev.MaritalStatusRecorded,
    }


IA = IntakeApplication
COMMANDS: tuple[AnyCommand[IntakeApplication], ...] = (
    NewCaseCommand(c.RegisterPerson, IA.register_person, "Person erfassen (neue Fallakte)"),
    CaseCommand("referrals", c.ReceiveReferral, IA.receive_referral, "Zuweisung erfassen"),
    CaseCommand("households", c.RecordHousehold, IA.record_household, "Haushalt erfassen (Kinder mit Geburtsdatum)"),
    CaseCommand("marital-status", c.RecordMaritalStatus, IA.record_marital_status, "Familienstand erfassen"),
    CaseCommand("consents", c.GrantConsent, IA.grant_consent, "Einwilligung erfassen"),
    CaseCommand("consent-scope-changes", c.ChangeConsentScope, IA.change_consent_scope, "Einwilligung ändern"),
    CaseCommand("consent-revocations", c.RevokeConsent, IA.revoke_consent, "Einwilligung widerrufen"),
    CaseCommand("opening", c.OpenCase, IA.open_case, "Fall eröffnen", adds_entry=False),
    CaseCommand("closing", c.CloseCase, IA.close_case, "Fall abschließen", adds_entry=False),
    CaseCommand("integration-plans", c.AgreeIntegrationPlan, IA.agree_integration_plan, "Integrationsplan vereinbaren"),
    CaseCommand("case-conferences", c.HoldCaseConference, IA.hold_case_conference, "Fallkonferenz erfassen"),
    CaseCommand(
        "return-counselling-referrals",
        c.ReferToReturnCounselling,
        IA.refer_to_return_counselling,
        "Rückkehrberatung vermitteln",
    ),
    CaseCommand("deputies", NameDeputy, IA.name_deputy, "Vertretung benennen"),
    CaseCommand("handovers", HandOver, IA.hand_over, "Fall an andere Fallmanagerin / anderen Fallmanager übergeben"),
)
"""Every intake command with its use case; the API and the import are built from it."""

INTERNAL_EVENTS: tuple[type[Any], ...] = (Case.RowImported, staffing.DeputyNamed)
