"""Requests and answers of the intake API."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events.base import Code
from shared.events.catalogue import ConsentScope, IsoCountry, IsoLanguage


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    expected_version: int | None = Field(
        None, ge=0, description="Optimistic concurrency: the case version the caller last saw."
    )


class RegisterPerson(BaseModel):
    """Register a person; this creates the case file and mints the case id."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    family_name: str = Field(min_length=1, max_length=200)
    given_names: str = Field(min_length=1, max_length=200)
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


class GrantConsent(Command):
    """Record a consent: named recipients with categories, a concrete purpose, a term."""

    consent_id: UUID
    scopes: list[ConsentScope] = Field(min_length=1, max_length=10)
    purpose: Code
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
        return self


class OpenCase(Command):
    """Open the KIM case and assign a case manager."""

    opened_on: date
    case_manager_id: Code


class IntakeCasePublic(BaseModel):
    """Intake's own record of a case (personal data: only for intake staff)."""

    case_id: UUID
    version: int
    status: str
    person_id: UUID
    family_name: str
    given_names: str
    birth_date: date
    registered_on: date
    languages: list[str]
    claimed_nationalities: list[str]
    opened_on: date | None
    case_manager_id: str | None
    consents: int
