"""Kobiz's commands: the validated input of its use cases."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, model_validator

from shared.application.commands import Command, Correctable
from shared.events.base import Code
from shared.events.common import Norm
from shared.events.vocabulary import CounsellingTopic, ExamBody, StaffId

PartyId = Annotated[
    str,
    Field(pattern=r"^course_provider:[a-z0-9][a-z0-9-]{1,62}$", description="A registered course provider."),
]


class OpenCounsellingFile(Command):
    """Open Kobiz's counselling file on a person; for a KIM case, linked to it from the start."""

    opened_on: date
    case_id: UUID | None = Field(None, description="The KIM case (known to Kobiz's view), if the person is in KIM.")


class LinkToKimCase(Command):
    """Link a counselling file opened outside KIM to the person's KIM case."""

    case_id: UUID
    linked_on: date


class HoldCounselling(Correctable):
    """Record a perspective counselling session. Notes stay inside Kobiz."""

    held_on: date
    counsellor_id: StaffId
    topic_codes: list[CounsellingTopic] = Field(default_factory=list, max_length=len(CounsellingTopic))
    pathways_discussed: list[Norm] = Field(default_factory=list, max_length=14)
    next_step_codes: list[Code] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(None, max_length=20000, description="Confidential (§ 88 AufenthG); never published.")


class EnrolInLanguageCourse(Correctable):
    """Enrol in an integration course (§ 44) or a vocational language course (§ 45a)."""

    course_type: Literal["integration_course", "vocational_language_course"]
    provider_code: PartyId
    starts_on: date
    mandatory: bool = False


class RecordLanguageCertificate(Correctable):
    """Record a language certificate."""

    level: Literal["A1", "A2", "B1", "B2", "C1", "C2"]
    exam_body: ExamBody
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
    qualified: bool = Field(description="A state-recognised training occupation of at least two years.")
    shortage_occupation: bool = Field(
        False, description="A helper training in an occupation with a shortage of workers (§ 60c Abs. 1 S. 1 Nr. 1 b)."
    )
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


class RecordPensionContributions(Correctable):
    """Record the months of compulsory or voluntary pension contributions (§ 9 Abs. 2 Nr. 3 AufenthG)."""

    recorded_on: date
    months: int = Field(ge=0, le=600)


class AssessHousing(Correctable):
    """Record whether the person has adequate housing for themselves and their family (§ 9 Abs. 2 Nr. 9)."""

    assessed_on: date
    adequate: bool


class RecordSpecialIntegrationAchievement(Correctable):
    """Record special integration achievements (§ 10 Abs. 3 StAG a. F.: e.g. volunteering, vocational success)."""

    achieved_on: date
    kind: Literal["volunteering", "vocational_achievement", "educational_achievement", "language_above_b1", "other"]


class RecordCivicKnowledgeEvidence(Correctable):
    """Record evidence of basic knowledge of the legal and social order (§ 25b Abs. 1 Nr. 2, § 9 Abs. 2 Nr. 8)."""

    evidenced_on: date
    evidence: Literal["orientation_course", "life_in_germany_test", "german_school_degree", "other"]
