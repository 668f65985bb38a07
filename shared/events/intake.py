"""Events published by intake (the KIM front door and KIM case management)."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.events.base import IntegrationEvent, WireModel
from shared.events.common import (
    Code,
    ConferenceParticipant,
    ConsentScope,
    IsoCountry,
    IsoLanguage,
    Norm,
    PartyId,
    Purpose,
)
from shared.events.vocabulary import StaffId
from shared.events.vocabulary_facts import HouseholdRelation, MaritalStatus
from shared.service import Service


class IntakeEvent(IntegrationEvent):
    owner = Service.INTAKE


class PersonRegistered(IntakeEvent):
    """A person was registered; names and contact details stay with intake."""

    person_id: UUID
    registered_on: date
    birth_date: date | None = None
    languages: list[IsoLanguage] = Field(default_factory=list, max_length=10)
    claimed_nationalities: list[IsoCountry] = Field(default_factory=list, max_length=5)

    def valid_on(self) -> date:
        return self.registered_on


class ReferralReceived(IntakeEvent):
    """Someone referred the person to KIM case management."""

    received_on: date
    source: Literal["self", "foreign_office", "jobcenter", "welfare_organisation", "school", "other"]
    reason_codes: list[Code] = Field(default_factory=list, max_length=10)

    def valid_on(self) -> date:
        return self.received_on


class ConsentGranted(IntakeEvent):
    """The person consented to sharing: parties by name, with categories and secrecy release; a purpose; a term."""

    # Version 2 names parties (``jobcenter:jc-euskirchen``) where version 1 named kinds
    # (shared/events/upcasters.py). The form record: form_version, language, interpreter_used.
    version = 2

    consent_id: UUID
    scopes: list[ConsentScope] = Field(min_length=1, max_length=10)
    purpose: Purpose
    valid_from: date
    valid_until: date
    form_version: Code
    language: IsoLanguage
    interpreter_used: bool

    def valid_on(self) -> date:
        return self.valid_from


class ConsentScopeChanged(IntakeEvent):
    """The person narrowed a consent (widening takes a new consent); the new scope applies from ``effective_on``."""

    # Every (party, category) and secrecy release in it was in force before. Version 2 names parties.
    version = 2

    consent_id: UUID
    scopes: list[ConsentScope] = Field(min_length=1, max_length=10)
    effective_on: date

    def valid_on(self) -> date:
        return self.effective_on


class ConsentRevoked(IntakeEvent):
    """The person revoked a consent, effective for the future (Art. 7(3) DSGVO); every party it named is told."""

    # Art. 19 DSGVO: ``prior_recipients`` are the parties the consent ever named. Version 2 names parties.
    version = 2

    consent_id: UUID
    effective_on: date
    prior_recipients: list[PartyId] = Field(default_factory=list, max_length=20)

    def valid_on(self) -> date:
        return self.effective_on


class CaseOpened(IntakeEvent):
    """A KIM case was opened and assigned to a case manager (version 2: a pseudonymous staff id)."""

    version = 2
    person_id: UUID
    opened_on: date
    case_manager_id: StaffId

    def valid_on(self) -> date:
        return self.opened_on


class CaseManagerChanged(IntakeEvent):
    """The KIM case was handed over to another case manager (a pseudonymous staff id)."""

    case_manager_id: StaffId
    changed_on: date

    def valid_on(self) -> date:
        return self.changed_on


class CaseClosed(IntakeEvent):
    """The KIM case was closed."""

    closed_on: date
    reason: Literal["goal_reached", "moved", "departed", "naturalised", "consent_revoked", "other"]

    def valid_on(self) -> date:
        return self.closed_on


class Milestone(WireModel):
    code: Code
    due_on: date


class IntegrationPlanAgreed(IntakeEvent):
    """An integration plan with a target pathway, milestones and deadlines was agreed."""

    agreed_on: date
    target_pathway: Norm
    milestones: list[Milestone] = Field(default_factory=list, max_length=20)

    def valid_on(self) -> date:
        return self.agreed_on


class CaseConferenceHeld(IntakeEvent):
    """A case conference took place with the named organisations."""

    held_on: date
    participants: list[ConferenceParticipant] = Field(min_length=1, max_length=7)
    agreed_action_codes: list[Code] = Field(default_factory=list, max_length=20)

    def valid_on(self) -> date:
        return self.held_on


class ReturnCounsellingReferred(IntakeEvent):
    """The person was referred to return counselling."""

    referred_on: date
    provider_code: Code

    def valid_on(self) -> date:
        return self.referred_on


class HouseholdMemberRecord(WireModel):
    """One member of the person's household, by a pseudonymous reference (names stay with intake)."""

    member_ref: UUID
    """The same in every record about the member (e.g. the member's own KIM case id)."""
    relation: HouseholdRelation
    """What the member is to the person."""
    birth_date: date | None = None
    living_together_since: date | None = None
    living_together_until: date | None = None


class HouseholdRecorded(IntakeEvent):
    """Who lives in the person's household (minor children with birth dates); ``[]``: the person lives alone."""

    recorded_on: date
    members: list[HouseholdMemberRecord] = Field(max_length=20)

    def valid_on(self) -> date:
        return self.recorded_on


class MaritalStatusRecorded(IntakeEvent):
    """The person's marital status (§ 104c Abs. 2 AufenthG turns on it)."""

    recorded_on: date
    status: MaritalStatus

    def valid_on(self) -> date:
        return self.recorded_on


INTAKE_EVENTS: tuple[type[IntegrationEvent], ...] = (
    PersonRegistered,
    ReferralReceived,
    ConsentGranted,
    ConsentScopeChanged,
    ConsentRevoked,
    CaseOpened,
    CaseManagerChanged,
    CaseClosed,
    IntegrationPlanAgreed,
    CaseConferenceHeld,
    ReturnCounsellingReferred,
    HouseholdRecorded,
    MaritalStatusRecorded,
)
