"""Intake's commands: the validated input of its use cases."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, model_validator

from shared.application.commands import Command, Correctable, DatedModel, Text200, across_fields
from shared.clock import today
from shared.events.base import Code
from shared.events.common import ConferenceParticipant, DataCategory, IsoCountry, IsoLanguage, Norm, Purpose
from shared.events.intake import Milestone
from shared.events.vocabulary import StaffId
from shared.events.vocabulary_facts import HouseholdRelation, MaritalStatus
from shared.policy.consent_forms import CATALOGUE, check_form_version, check_language, consent_form, signed_on
from shared.policy.parties import default_registry
from shared.policy.sharing import SECRECY_RELEASE_REQUIRED


class RegisterPerson(DatedModel):
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


def _known_party(party_id: str) -> str:
    if not default_registry().is_active(party_id):
        msg = (
            f"Unbekannte oder nicht aktive Stelle „{party_id}“. Eine Einwilligung nennt jede Stelle einzeln: "
            "eine Dienststelle (intake, foreign_office, naturalisation_authority, kobiz) oder einen registrierten "
            "Partner wie jobcenter:jc-euskirchen."
        )
        raise ValueError(msg)
    return party_id


KnownParty = Annotated[
    str,
    Field(
        description="The recipient party, by id: a department or a registered, active partner (<kind>:<name>).",
        json_schema_extra={"enum": default_registry().active_ids()},
    ),
    AfterValidator(_known_party),
]
"""A party a consent may name now; an unknown or inactive one answers 422 at ``scopes[i].recipient``."""


class RecipientScope(DatedModel):
    """One named recipient party, the data categories released to it, and the secrecy release."""

    model_config = ConfigDict(extra="forbid")

    recipient: KnownParty
    categories: list[DataCategory] = Field(min_length=1, max_length=len(DataCategory))
    secrecy_release: bool = Field(
        False,
        description=(
            "Schweigepflichtentbindung (§ 203 StGB) towards this party; the category counselling needs it "
            "(§ 88 AufenthG). Form record of its own; a scope change can withdraw it, never add it."
        ),
    )


def _check_scopes(scopes: list[RecipientScope]) -> None:
    """Each party once; counselling only together with the secrecy release."""
    if len({s.recipient for s in scopes}) != len(scopes):
        msg = "each recipient may be named once (jede Stelle darf nur einmal genannt werden)"
        raise ValueError(msg)
    for i, scope in enumerate(scopes):
        needing = sorted(c.value for c in scope.categories if c in SECRECY_RELEASE_REQUIRED)
        if needing and not scope.secrecy_release:
            msg = (
                f"scopes[{i}].secrecy_release: Die Kategorie {', '.join(needing)} darf nur mit "
                "Schweigepflichtentbindung (secrecy_release) freigegeben werden (§ 203 StGB, § 88 AufenthG)."
            )
            raise ValueError(msg)


def _current_form(version: str, info: ValidationInfo) -> str:
    if consent_form(version) is None:
        check_form_version(version, today())  # unknown: an error of the field alone
    try:
        check_form_version(version, signed_on(info.data.get("valid_from"), today()))
    except ValueError as exc:  # known, but not in force on the consent's first day
        raise across_fields(str(exc)) from None
    return version


def _form_language(language: str, info: ValidationInfo) -> str:
    form = consent_form(str(info.data.get("form_version", "")))
    if form is not None:  # an unknown version is reported at form_version
        try:
            check_language(form, language)
        except ValueError as exc:
            raise across_fields(str(exc)) from None
    return language


FormVersion = Annotated[
    Code,
    Field(
        description=(
            "The consent form the person signed, by version id (shared/policy/consent_forms.py): known, and in "
            "force on the consent's first day (or on the day it is recorded, if it begins later)."
        ),
        json_schema_extra={"enum": [form.id for form in CATALOGUE]},
    ),
    AfterValidator(_current_form),
]
FormLanguage = Annotated[
    IsoLanguage,
    Field(description="The language of the form handed to the person: one the form version exists in."),
    AfterValidator(_form_language),
]


class GrantConsent(Command):
    """Record a consent: each recipient party named, with its categories (and secrecy release),
    a concrete purpose, a term, and the form record (form version, language, interpreter)."""

    consent_id: UUID
    scopes: list[RecipientScope] = Field(min_length=1, max_length=10)
    purpose: Purpose
    valid_from: date
    valid_until: date
    form_version: FormVersion
    language: FormLanguage
    interpreter_used: bool

    @model_validator(mode="after")
    def _check_term(self) -> GrantConsent:
        if self.valid_until < self.valid_from:
            msg = "valid_until must not be before valid_from"
            raise ValueError(msg)
        if self.valid_until >= _years_later(self.valid_from, 2):
            msg = "a consent is valid for at most 24 months, then it must be renewed"
            raise ValueError(msg)
        _check_scopes(self.scopes)
        return self


def _years_later(day: date, years: int) -> date:
    """The same calendar day ``years`` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class ChangeConsentScope(Command):
    """Narrow the scope of a consent from a date on (widening takes a new consent)."""

    consent_id: UUID
    scopes: list[RecipientScope] = Field(min_length=1, max_length=10)
    effective_on: date

    @model_validator(mode="after")
    def _check_scopes(self) -> ChangeConsentScope:
        _check_scopes(self.scopes)
        return self


class RevokeConsent(Command):
    """Revoke a consent, effective for the future."""

    consent_id: UUID
    effective_on: date


class OpenCase(Command):
    """Open the KIM case and assign a case manager."""

    opened_on: date
    case_manager_id: StaffId


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
    participants: list[ConferenceParticipant] = Field(min_length=1, max_length=7)
    agreed_action_codes: list[Code] = Field(default_factory=list, max_length=20)
    minutes: str | None = Field(None, max_length=20000, description="Internal; never leaves intake.")


class ReferToReturnCounselling(Correctable):
    """Refer the person to return counselling."""

    referred_on: date
    provider_code: Code


class HouseholdMember(DatedModel):
    """One member of the person's household (names stay out: a pseudonymous reference only)."""

    model_config = ConfigDict(extra="forbid")

    member_ref: UUID = Field(description="The same in every record about the member (e.g. the member's KIM case id).")
    relation: HouseholdRelation = Field(description="What the member is to the person.")
    birth_date: date | None = None
    living_together_since: date | None = None
    living_together_until: date | None = None

    @model_validator(mode="after")
    def _check_period(self) -> HouseholdMember:
        since, until = self.living_together_since, self.living_together_until
        if since is not None and until is not None and until < since:
            msg = "living_together_until must not be before living_together_since"
            raise ValueError(msg)
        return self


class RecordHousehold(Correctable):
    """Record who lives in the person's household, minor children with their birth dates ([] = lives alone)."""

    recorded_on: date
    members: list[HouseholdMember] = Field(max_length=20)

    @model_validator(mode="after")
    def _check_members(self) -> RecordHousehold:
        if len({m.member_ref for m in self.members}) != len(self.members):
            msg = "each member_ref may appear once (jedes Haushaltsmitglied nur einmal)"
            raise ValueError(msg)
        return self


class RecordMaritalStatus(Correctable):
    """Record the person's marital status."""

    recorded_on: date
    status: MaritalStatus
