"""Events published by intake (the KIM front door and KIM case management)."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.events.base import IntegrationEvent, WireModel
from shared.events.common import Code, ConsentScope, IsoCountry, IsoLanguage, Norm, Purpose, Recipient
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
    """The person consented to sharing: named recipients, categories, purpose, term."""

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
    """The person narrowed or widened a consent; the new scope replaces the old one from ``effective_on``."""

    consent_id: UUID
    scopes: list[ConsentScope] = Field(min_length=1, max_length=10)
    effective_on: date

    def valid_on(self) -> date:
        return self.effective_on


class ConsentRevoked(IntakeEvent):
    """The person revoked a consent, effective for the future (Art. 7(3) DSGVO)."""

    consent_id: UUID
    effective_on: date
    prior_recipients: list[Recipient] = Field(default_factory=list, max_length=10)

    def valid_on(self) -> date:
        return self.effective_on


class CaseOpened(IntakeEvent):
    """A KIM case was opened and assigned to a case manager."""

    person_id: UUID
    opened_on: date
    case_manager_id: Code

    def valid_on(self) -> date:
        return self.opened_on


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
    participants: list[Recipient] = Field(min_length=1, max_length=7)
    agreed_action_codes: list[Code] = Field(default_factory=list, max_length=20)

    def valid_on(self) -> date:
        return self.held_on


class ReturnCounsellingReferred(IntakeEvent):
    """The person was referred to return counselling."""

    referred_on: date
    provider_code: Code

    def valid_on(self) -> date:
        return self.referred_on


INTAKE_EVENTS: tuple[type[IntegrationEvent], ...] = (
    PersonRegistered,
    ReferralReceived,
    ConsentGranted,
    ConsentScopeChanged,
    ConsentRevoked,
    CaseOpened,
    CaseClosed,
    IntegrationPlanAgreed,
    CaseConferenceHeld,
    ReturnCounsellingReferred,
)
