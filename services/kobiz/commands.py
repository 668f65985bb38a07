"""Kobiz's commands: the validated input of its use cases."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from shared.application.commands import Correctable
from shared.events.base import Code
from shared.events.common import Norm


class HoldCounselling(Correctable):
    """Record a perspective counselling session. Notes stay inside Kobiz."""

    held_on: date
    counsellor_id: Code
    topic_codes: list[Code] = Field(default_factory=list, max_length=20)
    pathways_discussed: list[Norm] = Field(default_factory=list, max_length=14)
    next_step_codes: list[Code] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(None, max_length=20000, description="Confidential (§ 88 AufenthG); never published.")


class EnrolInLanguageCourse(Correctable):
    """Enrol in an integration course (§ 44) or a vocational language course (§ 45a)."""

    course_type: Literal["integration_course", "vocational_language_course"]
    provider_code: Code
    starts_on: date
    mandatory: bool = False


class RecordLanguageCertificate(Correctable):
    """Record a language certificate."""

    level: Literal["A1", "A2", "B1", "B2", "C1", "C2"]
    exam_body: Code
    obtained_on: date
    oral_only: bool = False
    certificate_number: str | None = Field(None, max_length=100, description="Stays in Kobiz.")


class RecordCivicTest(Correctable):
    """Record a passed 'Leben in Deutschland' or naturalisation test."""

    test: Literal["life_in_germany", "naturalisation_test"]
    passed_on: date


class CompleteIntegrationCourse(Correctable):
    """Record that the integration course was completed."""

    completed_on: date


class EvidenceSchoolAttendance(Correctable):
    """Record a child's school attendance for a school year."""

    child_id: UUID
    school_year: str = Field(pattern=r"^\d{4}/\d{2}$")
    attending: bool
    evidenced_on: date
    school_name: str | None = Field(None, max_length=300, description="Stays in Kobiz.")


class ConcludeTrainingContract(Correctable):
    """Record a training contract."""

    occupation_code: Code
    qualified: bool
    starts_on: date
    ends_on: date
    chamber_registered: bool
    employer: str | None = Field(None, max_length=300, description="Stays in Kobiz.")

    @model_validator(mode="after")
    def _check_term(self) -> ConcludeTrainingContract:
        if self.ends_on < self.starts_on:
            msg = "ends_on must not be before starts_on"
            raise ValueError(msg)
        return self


class TerminateTraining(Correctable):
    """Record that training ended before its term."""

    terminated_on: date
    reason_code: Code


class AssessLivelihood(Correctable):
    """Record how far own income covers the livelihood."""

    assessed_on: date
    coverage_percent: int = Field(ge=0, le=100)
    receives_sgb2: bool
    receives_sgb12: bool


class TakeEmployment(Correctable):
    """Record employment taken up."""

    since: date
    hours_per_week: int = Field(ge=1, le=60)
    social_insurance: bool
    employer: str | None = Field(None, max_length=300, description="Stays in Kobiz.")


class ClaimHealthExemption(Correctable):
    """Record a health exemption claim (Art. 9)."""

    claimed_on: date
    norm: Norm
    attest_ref: str | None = Field(None, max_length=200, description="Stays in Kobiz.")
