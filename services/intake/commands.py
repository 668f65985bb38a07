"""Intake's commands: the validated input of its use cases."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.application.commands import Command, Correctable, Text200
from shared.events.base import Code
from shared.events.common import ConsentScope, IsoCountry, IsoLanguage, Norm, Purpose, Recipient
from shared.events.intake import Milestone


class RegisterPerson(BaseModel):
    """Register a person; this creates the case file and mints the case id."""

    model_config = ConfigDict(extra="forbid")

    family_name: Text200
    given_names: Text200
    birth_date: date
    registered_on: date
    languages: list[IsoLanguage] = Field(default_factory=list, max_length=10)
    claimed_nationalities: list[IsoCountry] = Field(default_factory=list, max_length=5)
    contact: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _check_dates(self) -> RegisterPerson:
        if self.birth_date > self.registered_on:
            msg = "birth_date must not be after registered_on"
            raise ValueError(msg)
        return self


class ReceiveReferral(Correctable):
    """Record who referred the person and why."""

    received_on: date
    source: Literal["self", "foreign_office", "jobcenter", "welfare_organisation", "school", "other"]
    reason_codes: list[Code] = Field(default_factory=list, max_length=10)


class GrantConsent(Command):
    """Record a consent: named recipients with categories, a concrete purpose, a term."""

    consent_id: UUID
    scopes: list[ConsentScope] = Field(min_length=1, max_length=10)
    purpose: Purpose
    valid_from: date
    valid_until: date
    form_version: Code
    language: IsoLanguage
    interpreter_used: bool

    @model_validator(mode="after")
    def _check_term(self) -> GrantConsent:
        if self.valid_until < self.valid_from:
            msg = "valid_until must not be before valid_from"
            raise ValueError(msg)
        if self.valid_until >= _years_later(self.valid_from, 2):
            msg = "a consent is valid for at most 24 months, then it must be renewed"
            raise ValueError(msg)
        if len({s.recipient for s in self.scopes}) != len(self.scopes):
            msg = "each recipient may be named once"
            raise ValueError(msg)
        return self


def _years_later(day: date, years: int) -> date:
    """The same calendar day ``years`` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class ChangeConsentScope(Command):
    """Replace the scope of a consent from a date on."""

    consent_id: UUID
    scopes: list[ConsentScope] = Field(min_length=1, max_length=10)
    effective_on: date


class RevokeConsent(Command):
    """Revoke a consent, effective for the future."""

    consent_id: UUID
    effective_on: date


class OpenCase(Command):
    """Open the KIM case and assign a case manager."""

    opened_on: date
    case_manager_id: Code


class CloseCase(Command):
    """Close the KIM case."""

    closed_on: date
    reason: Literal["goal_reached", "moved", "departed", "naturalised", "consent_revoked", "other"]


class AgreeIntegrationPlan(Correctable):
    """Agree an integration plan: target pathway, milestones with due dates."""

    agreed_on: date
    target_pathway: Norm
    milestones: list[Milestone] = Field(default_factory=list, max_length=20)


class HoldCaseConference(Correctable):
    """Record a case conference; the minutes stay with intake."""

    held_on: date
    participants: list[Recipient] = Field(min_length=1, max_length=7)
    agreed_action_codes: list[Code] = Field(default_factory=list, max_length=20)
    minutes: str | None = Field(None, max_length=20000, description="Internal; never leaves intake.")


class ReferToReturnCounselling(Correctable):
    """Refer the person to return counselling."""

    referred_on: date
    provider_code: Code
