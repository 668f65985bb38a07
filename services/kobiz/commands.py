"""Kobiz's commands: the validated input of its use cases."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

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
    helper_training: bool = Field(False, description="An assistant or helper training (§ 60c Abs. 1 S. 1 Nr. 1 b).")
    started_under_gestattung: bool | None = Field(
        None, description="The training began while the asylum procedure ran (§ 60c Abs. 2 Nr. 2); None: not asked."
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
    """Record how far own income covers the livelihood, and what the pathways ask of it (None: not assessed)."""

    assessed_on: date
    coverage_percent: int | None = Field(None, ge=0, le=500, description="Own income in per cent of the need.")
    receives_sgb2: bool | None = None
    receives_sgb12: bool | None = None
    public_benefits_last_12_months: bool | None = Field(
        None, description="Public benefits other than for housing in the last 12 months (§ 19d AufenthG)."
    )
    expected_to_be_secured: bool | None = Field(
        None, description="Predominant livelihood by work is expected soon (§ 25b Abs. 1 S. 2 Nr. 3 AufenthG)."
    )
    benefits_not_attributable: bool | None = Field(
        None, description="The benefits are not the person's fault (§ 10 Abs. 1 S. 1 Nr. 3 StAG a. F.)."
    )
    guest_worker_generation: bool | None = Field(None, description="Came as a worker before 1974/1990 (StAG).")
    fulltime_months_last_24: int | None = Field(
        None, ge=0, le=24, description="Months of full-time work in the last 24 months (StAG)."
    )
    spouse_fulltime_with_minor_child: bool | None = Field(
        None, description="The spouse worked full-time 20 of 24 months, with a minor child in the household (StAG)."
    )

    @model_validator(mode="after")
    def _check_answers(self) -> AssessLivelihood:
        _answered(self, *(name for name in type(self).model_fields if name not in ANSWERLESS))
        return self


class TakeEmployment(Correctable):
    """Record employment taken up."""

    since: date
    hours_per_week: int = Field(ge=1, le=60)
    social_insurance: bool
    qualified: bool | None = Field(None, description="Qualified employment (it requires a qualification).")
    matches_degree: bool | None = Field(None, description="It matches the person's recognised degree (§ 19d).")
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


# --- assessments: a recorded "no" is known as such (None: not assessed this time) ------------


ANSWERLESS = frozenset({"expected_version", "corrects", "assessed_on"})


def _answered(model: BaseModel, *names: str) -> None:
    """At least one of the assessment's answers is given."""
    if all(getattr(model, name) is None for name in names):
        msg = f"at least one of {', '.join(names)} must be answered (mindestens eine Angabe ist erforderlich)"
        raise ValueError(msg)


class AssessSchooling(Correctable):
    """Assess the person's own schooling in Germany (§ 25a Abs. 1 Nr. 2 AufenthG, § 10 StAG)."""

    assessed_on: date
    successful_years: float | None = Field(None, ge=0, le=20, description="Years of successful schooling.")
    attending: bool | None = None
    german_qualification: bool | None = Field(None, description="A German school-leaving qualification.")

    @model_validator(mode="after")
    def _check_answers(self) -> AssessSchooling:
        _answered(self, "successful_years", "attending", "german_qualification")
        return self


class AssessQualifications(Correctable):
    """Assess German vocational or academic qualifications and the recognition of a foreign degree."""

    assessed_on: date
    german_vocational_qualification: bool | None = None
    foreign_degree_recognised: bool | None = None

    @model_validator(mode="after")
    def _check_answers(self) -> AssessQualifications:
        _answered(self, "german_vocational_qualification", "foreign_degree_recognised")
        return self


class AssessBasicKnowledge(Correctable):
    """Assess whether the integration course was completed and a civic test (LiD or naturalisation test) passed;
    a passed test itself is recorded with its kind and day (civic-tests)."""

    assessed_on: date
    integration_course_completed: bool | None = None
    civic_test_passed: bool | None = None

    @model_validator(mode="after")
    def _check_answers(self) -> AssessBasicKnowledge:
        _answered(self, "integration_course_completed", "civic_test_passed")
        return self


class AssessSpecialIntegration(Correctable):
    """Assess whether the person shows special integration achievements (§ 10 Abs. 3 StAG);
    each achievement itself is recorded with its kind (special-integration-achievements)."""

    assessed_on: date
    achieved: bool


class AssessEmploymentHistory(Correctable):
    """Assess whether the person has been employed in Germany at all; each job is recorded (employments)."""

    assessed_on: date
    employed_in_germany: bool
