"""Intake's case file: the person, referrals, consents, and KIM case management.

The aggregate id is the case id, minted here when the person is registered; every
other service keys its own records of the case by it. Corrections are new events
that name the event they correct; nothing is edited in place.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.errors import DomainRuleViolationError
from shared.events.common import ConsentScope
from shared.events.upcasters import upcast_recipients_v1, upcast_scopes_v1
from shared.policy.consent import Scopes, narrowed, scopes_of, widening
from shared.staffing import Staffing, StaffingError


class CaseAlreadyOpenError(DomainRuleViolationError):
    """A case can be opened once."""


class CaseNotOpenError(DomainRuleViolationError):
    """Case management needs an open case."""


class CaseClosedError(DomainRuleViolationError):
    """A closed case takes no new events except corrections."""


class DuplicateConsentError(DomainRuleViolationError):
    """A consent id can be recorded once."""


class UnknownConsentError(DomainRuleViolationError):
    """The consent is not recorded for this case."""


class ConsentAlreadyRevokedError(DomainRuleViolationError):
    """A consent cannot be revoked twice."""


class ConsentWideningError(DomainRuleViolationError):
    """A scope change only narrows a consent; widening takes a new consent with its own form record."""


def _scopes(scopes: list[dict[str, Any]]) -> Scopes:
    return scopes_of(ConsentScope.model_validate(s) for s in scopes)


def _as_dicts(scopes: Scopes) -> list[dict[str, Any]]:
    return [
        {"recipient": party, "categories": [c.value for c in s.categories], "secrecy_release": s.secrecy_release}
        for party, s in scopes.items()
    ]


STAFF_ID = re.compile(r"st-[a-z0-9]{4,32}")


class Case(Aggregate):
    """A KIM case file at intake."""

    class CaseOpened(Aggregate.Event):
        """The KIM case was opened; version 2 names the case manager only by a pseudonymous staff id."""

        class_version = 2
        opened_on: date
        case_manager_id: str
        person_id: UUID

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 0.1 took any code, at times a name or an e-mail address: not kept.
            if not STAFF_ID.fullmatch(str(state["case_manager_id"])):
                state["case_manager_id"] = "st-unbekannt"

    if TYPE_CHECKING:  # the @event decorators below create these classes; declared for the type checker
        PersonRegistered: ClassVar[type[Aggregate.Created]]
        ReferralReceived: ClassVar[type[Aggregate.Event]]
        CaseClosed: ClassVar[type[Aggregate.Event]]
        IntegrationPlanAgreed: ClassVar[type[Aggregate.Event]]
        CaseConferenceHeld: ClassVar[type[Aggregate.Event]]
        ReturnCounsellingReferred: ClassVar[type[Aggregate.Event]]
        HouseholdRecorded: ClassVar[type[Aggregate.Event]]
        MaritalStatusRecorded: ClassVar[type[Aggregate.Event]]
        RowImported: ClassVar[type[Aggregate.Event]]
        CaseManagerChanged: ClassVar[type[Aggregate.Event]]

    @event("PersonRegistered")
    def __init__(
        self,
        person_id: UUID,
        registered_on: date,
        family_name: str,
        given_names: str,
        birth_date: date,
        languages: list[str],
        claimed_nationalities: list[str],
        contact: str | None,
        import_ref: str | None = None,  # set by imports of earlier versions; kept so that their events load
    ) -> None:
        self.person_id = person_id
        self.registered_on = registered_on
        self.family_name = family_name
        self.given_names = given_names
        self.birth_date = birth_date
        self.languages = languages
        self.claimed_nationalities = claimed_nationalities
        self.contact = contact
        self.consents: dict[str, dict[str, Any]] = {}
        self.opened_on: date | None = None
        self.closed_on: date | None = None
        self.case_manager_id: str | None = None
        self.staffing = Staffing()
        self.imported_refs: set[str] = {import_ref} if import_ref else set()

    @property
    def status(self) -> str:
        """``registered``, ``open`` or ``closed``."""
        if self.closed_on:
            return "closed"
        return "open" if self.opened_on else "registered"

    # --- person and referral -----------------------------------------------------

    def receive_referral(self, received_on: date, source: str, reason_codes: list[str], corrects: UUID | None) -> None:
        self.check_accepts(corrects)
        self._referral_received(received_on=received_on, source=source, reason_codes=reason_codes, corrects=corrects)

    @event("ReferralReceived")
    def _referral_received(
        self, received_on: date, source: str, reason_codes: list[str], corrects: UUID | None
    ) -> None:
        pass

    def record_household(self, recorded_on: date, members: list[dict[str, Any]], corrects: UUID | None) -> None:
        """Who lives in the person's household ([] = the person lives alone)."""
        self.check_accepts(corrects)
        self._household_recorded(recorded_on=recorded_on, members=members, corrects=corrects)

    @event("HouseholdRecorded")
    def _household_recorded(self, recorded_on: date, members: list[dict[str, Any]], corrects: UUID | None) -> None:
        pass

    def record_marital_status(self, recorded_on: date, status: str, corrects: UUID | None) -> None:
        """The person's marital status."""
        self.check_accepts(corrects)
        self._marital_status_recorded(recorded_on=recorded_on, status=status, corrects=corrects)

    @event("MaritalStatusRecorded")
    def _marital_status_recorded(self, recorded_on: date, status: str, corrects: UUID | None) -> None:
        pass

    # --- consent -----------------------------------------------------------------
    # Version 2 of the consent events names recipient parties; version 1 (stored by 0.1)
    # named kinds and is upcast on loading: a department kind is its own party, a partner
    # kind names no party (``<kind>:unbenannt``, fail closed), no secrecy release.

    class ConsentGranted(Aggregate.Event):
        """The person consented: parties with categories and secrecy release, purpose, term, form record."""

        class_version = 2
        consent_id: UUID
        scopes: list[dict[str, Any]]
        purpose: str
        valid_from: date
        valid_until: date
        form_version: str
        language: str
        interpreter_used: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["scopes"] = upcast_scopes_v1(state["scopes"])

    class ConsentScopeChanged(Aggregate.Event):
        """The person narrowed a consent from ``effective_on``."""

        class_version = 2
        consent_id: UUID
        scopes: list[dict[str, Any]]
        effective_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["scopes"] = upcast_scopes_v1(state["scopes"])

    class ConsentRevoked(Aggregate.Event):
        """The person revoked a consent; every party it ever named is told."""

        class_version = 2
        consent_id: UUID
        effective_on: date
        prior_recipients: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["prior_recipients"] = upcast_recipients_v1(state["prior_recipients"])

    def grant_consent(
        self,
        consent_id: UUID,
        scopes: list[dict[str, Any]],
        purpose: str,
        valid_from: date,
        valid_until: date,
        form_version: str,
        language: str,
        interpreter_used: bool,
    ) -> None:
        """Record a consent the person gave (the parties are checked against the registry by the command)."""
        self.check_accepts(None)
        if str(consent_id) in self.consents:
            msg = "Diese Einwilligung ist bereits erfasst."
            raise DuplicateConsentError(msg)
        self._consent_granted(
            consent_id=consent_id,
            scopes=scopes,
            purpose=purpose,
            valid_from=valid_from,
            valid_until=valid_until,
            form_version=form_version,
            language=language,
            interpreter_used=interpreter_used,
        )

    @event(ConsentGranted)
    def _consent_granted(
        self,
        consent_id: UUID,
        scopes: list[dict[str, Any]],
        purpose: str,
        valid_from: date,
        valid_until: date,
        form_version: str,
        language: str,
        interpreter_used: bool,
    ) -> None:
        self.consents[str(consent_id)] = {
            "scopes": scopes,
            "purpose": purpose,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "form_version": form_version,
            "language": language,
            "interpreter_used": interpreter_used,
            "revoked_on": None,
        }

    def change_consent_scope(self, consent_id: UUID, scopes: list[dict[str, Any]], effective_on: date) -> None:
        """Narrow a consent from a date on: every (party, category) and secrecy release in the new
        scope must be in force now. Widening needs a new consent with its own form record."""
        self.check_consent_is_live(consent_id)
        added = widening(_scopes(self.consents[str(consent_id)]["scopes"]), _scopes(scopes))
        if added:
            msg = (
                "Eine Einwilligung kann nur eingeschränkt werden. Nicht freigegeben war bisher: "
                f"{', '.join(added)}. Für eine Erweiterung ist eine neue Einwilligung mit eigenem Formular "
                "(Formularversion, Sprache, Dolmetschung) zu erfassen."
            )
            raise ConsentWideningError(msg)
        self._consent_scope_changed(consent_id=consent_id, scopes=scopes, effective_on=effective_on)

    @event(ConsentScopeChanged)
    def _consent_scope_changed(self, consent_id: UUID, scopes: list[dict[str, Any]], effective_on: date) -> None:
        consent = self.consents[str(consent_id)]
        # Recipients dropped from the scope still received data under it (Art. 19 DSGVO).
        consent["named"] = sorted(set(consent.get("named", [])) | {s["recipient"] for s in consent["scopes"]})
        # What stays released: a widening stored by an earlier version releases nothing new.
        consent["scopes"] = _as_dicts(narrowed(_scopes(consent["scopes"]), _scopes(scopes)))

    def revoke_consent(self, consent_id: UUID, effective_on: date) -> None:
        """Revoke a consent for the future; its record stays as proof."""
        self.check_consent_is_live(consent_id)
        consent = self.consents[str(consent_id)]
        recipients = sorted(set(consent.get("named", [])) | {s["recipient"] for s in consent["scopes"]})
        self._consent_revoked(consent_id=consent_id, effective_on=effective_on, prior_recipients=recipients)

    @event(ConsentRevoked)
    def _consent_revoked(self, consent_id: UUID, effective_on: date, prior_recipients: list[str]) -> None:
        self.consents[str(consent_id)]["revoked_on"] = effective_on

    # --- case management -------------------------------------------------------------

    def open(self, opened_on: date, case_manager_id: str) -> None:
        """Open the KIM case and assign it to a case manager."""
        if self.opened_on is not None:
            msg = "Der Fall ist bereits eröffnet."
            raise CaseAlreadyOpenError(msg)
        self._opened(opened_on=opened_on, case_manager_id=case_manager_id, person_id=self.person_id)

    @event(CaseOpened)
    def _opened(self, opened_on: date, case_manager_id: str, person_id: UUID) -> None:
        self.opened_on = opened_on
        self.case_manager_id = case_manager_id
        self.staffing.assignees[case_manager_id] = opened_on  # the KIM case manager works on the case

    def hand_over(self, from_staff_id: str, to_staff_id: str, handed_over_on: date, by: str | None) -> None:
        """Hand the KIM case over to another case manager (the other departments learn of it)."""
        self.check_open(None)
        if self.case_manager_id is None:
            msg = "Der Fall ist noch nicht eröffnet; die Fallverantwortung entsteht mit der Eröffnung."
            raise CaseNotOpenError(msg)
        if from_staff_id != self.case_manager_id:
            msg = "Übergeben kann nur die zuständige Fallmanagerin oder der zuständige Fallmanager."
            raise StaffingError(msg)
        if to_staff_id == from_staff_id:
            msg = "Übergabe an dieselbe Person ist nicht möglich."
            raise StaffingError(msg)
        self._case_manager_changed(case_manager_id=to_staff_id, changed_on=handed_over_on, changed_by=by)

    @event("CaseManagerChanged")
    def _case_manager_changed(self, case_manager_id: str, changed_on: date, changed_by: str | None) -> None:
        previous = self.case_manager_id
        self.case_manager_id = case_manager_id
        if previous is not None:
            self.staffing.assignees.pop(previous, None)
            self.staffing.deputies = [d for d in self.staffing.deputies if d.for_staff_id != previous]
        self.staffing.assignees[case_manager_id] = changed_on

    def close(self, closed_on: date, reason: str) -> None:
        """Close the case."""
        self.check_open(None)
        self._closed(closed_on=closed_on, reason=reason)

    @event("CaseClosed")
    def _closed(self, closed_on: date, reason: str) -> None:
        self.closed_on = closed_on

    def agree_integration_plan(
        self, agreed_on: date, target_pathway: str, milestones: list[dict[str, Any]], corrects: UUID | None
    ) -> None:
        self.check_open(corrects)
        self._plan_agreed(agreed_on=agreed_on, target_pathway=target_pathway, milestones=milestones, corrects=corrects)

    @event("IntegrationPlanAgreed")
    def _plan_agreed(
        self, agreed_on: date, target_pathway: str, milestones: list[dict[str, Any]], corrects: UUID | None
    ) -> None:
        pass

    def hold_case_conference(
        self,
        held_on: date,
        participants: list[str],
        agreed_action_codes: list[str],
        minutes: str | None,
        corrects: UUID | None,
    ) -> None:
        self.check_open(corrects)
        self._conference_held(
            held_on=held_on,
            participants=participants,
            agreed_action_codes=agreed_action_codes,
            minutes=minutes,
            corrects=corrects,
        )

    @event("CaseConferenceHeld")
    def _conference_held(
        self,
        held_on: date,
        participants: list[str],
        agreed_action_codes: list[str],
        minutes: str | None,
        corrects: UUID | None,
    ) -> None:
        pass

    def refer_to_return_counselling(self, referred_on: date, provider_code: str, corrects: UUID | None) -> None:
        self.check_open(corrects)
        self._return_referred(referred_on=referred_on, provider_code=provider_code, corrects=corrects)

    @event("ReturnCounsellingReferred")
    def _return_referred(self, referred_on: date, provider_code: str, corrects: UUID | None) -> None:
        pass

    @event("RowImported")
    def record_import(self, ref: str) -> None:
        """An imported row (stores of earlier versions; imports now keep their row refs as idempotency keys)."""
        self.imported_refs.add(ref)

    # --- invariants --------------------------------------------------------------------

    def check_accepts(self, corrects: UUID | None) -> None:
        if self.closed_on is not None and corrects is None:
            msg = "Der Fall ist abgeschlossen; nur Berichtigungen sind möglich."
            raise CaseClosedError(msg)

    def check_open(self, corrects: UUID | None) -> None:
        self.check_accepts(corrects)
        if self.opened_on is None:
            msg = "Der Fall ist noch nicht eröffnet."
            raise CaseNotOpenError(msg)

    def check_consent_is_live(self, consent_id: UUID) -> None:
        consent = self.consents.get(str(consent_id))
        if consent is None:
            msg = "Diese Einwilligung ist für den Fall nicht erfasst."
            raise UnknownConsentError(msg)
        if consent["revoked_on"] is not None:
            msg = "Die Einwilligung ist bereits widerrufen."
            raise ConsentAlreadyRevokedError(msg)
