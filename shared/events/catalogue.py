"""Integration events of the first slice of the catalogue (DOMAIN.md §3).

Each model is the whole of what its event may ever say to another service. Adding
an event means adding a model here, a rule in :mod:`shared.policy` and a
translation in the owning service.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, model_validator

from shared.events.base import Code, IntegrationEvent, WireModel
from shared.settings import Service


class Norm(StrEnum):
    """Legal norms that residence pathways and permits refer to."""

    AUFENTHG_16G = "AufenthG_16g"
    AUFENTHG_19D = "AufenthG_19d"
    AUFENTHG_25A = "AufenthG_25a"
    AUFENTHG_25B = "AufenthG_25b"
    AUFENTHG_25_5 = "AufenthG_25_5"
    AUFENTHG_26_4 = "AufenthG_26_4"
    AUFENTHG_9 = "AufenthG_9"
    AUFENTHG_104C = "AufenthG_104c"
    AUFENTHG_60C = "AufenthG_60c"
    AUFENTHG_60D = "AufenthG_60d"
    STAG_10 = "StAG_10"


class Recipient(StrEnum):
    """Who may receive events: the departments and the partner types."""

    INTAKE = "intake"
    FOREIGN_OFFICE = "foreign_office"
    KOBIZ = "kobiz"
    JOBCENTER = "jobcenter"
    EMPLOYMENT_AGENCY = "employment_agency"
    COURSE_PROVIDER = "course_provider"
    WELFARE_ORGANISATION = "welfare_organisation"


class DataCategory(StrEnum):
    """Data categories a consent covers, per recipient (DOMAIN.md §5)."""

    IDENTITY = "identity"
    STATUS = "status"
    LANGUAGE_EDUCATION = "language_education"
    WORK_INCOME = "work_income"
    SCHOOL_ATTENDANCE = "school_attendance"
    HEALTH = "health"


IsoLanguage = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
IsoCountry = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


# --- intake -----------------------------------------------------------------


class PersonRegistered(IntegrationEvent):
    """A person was registered at intake; names, birth date and contact stay there."""

    owner = Service.INTAKE
    person_id: UUID
    registered_on: date
    languages: list[IsoLanguage] = Field(default_factory=list, max_length=10)
    claimed_nationalities: list[IsoCountry] = Field(default_factory=list, max_length=5)

    def valid_on(self) -> date:
        return self.registered_on


class ConsentScope(WireModel):
    """One named recipient and the data categories the person released to it."""

    recipient: Recipient
    categories: list[DataCategory] = Field(min_length=1)


class ConsentGranted(IntegrationEvent):
    """The person consented to sharing: named recipients, categories, purpose, term."""

    owner = Service.INTAKE
    consent_id: UUID
    scopes: list[ConsentScope] = Field(min_length=1, max_length=10)
    purpose: Code
    valid_from: date
    valid_until: date
    form_version: Code
    language: IsoLanguage
    interpreter_used: bool

    @model_validator(mode="after")
    def _check_term(self) -> ConsentGranted:
        if self.valid_until < self.valid_from:
            msg = "valid_until must not be before valid_from"
            raise ValueError(msg)
        return self

    def valid_on(self) -> date:
        return self.valid_from


class CaseOpened(IntegrationEvent):
    """A KIM case was opened and assigned to a case manager."""

    owner = Service.INTAKE
    person_id: UUID
    opened_on: date
    case_manager_id: Code

    def valid_on(self) -> date:
        return self.opened_on


# --- foreign office ---------------------------------------------------------


class ToleratedStayIssued(IntegrationEvent):
    """A Duldung was issued (§ 60a, § 60b, § 60c or § 60d AufenthG)."""

    owner = Service.FOREIGN_OFFICE
    subtype: Literal["60a", "60b", "60c", "60d"]
    ground_code: Code
    valid_from: date
    valid_until: date
    work_permitted: bool
    residence_condition: bool

    def valid_on(self) -> date:
        return self.valid_from


class IdentityClarified(IntegrationEvent):
    """The person's identity is clarified (§ 48 Abs. 3 AufenthG)."""

    owner = Service.FOREIGN_OFFICE
    clarified_on: date
    method: Literal["passport", "id_card", "other_document", "substitute_evidence"]

    def valid_on(self) -> date:
        return self.clarified_on


class ResidencePermitGranted(IntegrationEvent):
    """A residence permit under a named norm was granted."""

    owner = Service.FOREIGN_OFFICE
    norm: Norm
    granted_on: date
    valid_from: date
    valid_until: date
    employment_permitted: bool

    def valid_on(self) -> date:
        return self.valid_from


# --- kobiz ------------------------------------------------------------------


class PerspectiveCounsellingHeld(IntegrationEvent):
    """A perspective counselling session took place; its notes stay in kobiz."""

    owner = Service.KOBIZ
    held_on: date
    topic_codes: list[Code] = Field(default_factory=list, max_length=20)
    pathways_discussed: list[Norm] = Field(default_factory=list, max_length=11)
    next_step_codes: list[Code] = Field(default_factory=list, max_length=20)

    def valid_on(self) -> date:
        return self.held_on


ALL_EVENTS: tuple[type[IntegrationEvent], ...] = (
    PersonRegistered,
    ConsentGranted,
    CaseOpened,
    ToleratedStayIssued,
    IdentityClarified,
    ResidencePermitGranted,
    PerspectiveCounsellingHeld,
)
