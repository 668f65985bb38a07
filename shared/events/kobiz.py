"""Events published by Kobiz (the integration centre)."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.events.base import FileEvent, IntegrationEvent
from shared.events.common import Code, Norm
from shared.events.vocabulary import CounsellingTopic, ExamBody
from shared.service import Service

LanguageLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2"]


class KobizEvent(FileEvent):
    owner = Service.KOBIZ


class PerspectiveCounsellingHeld(KobizEvent):
    """A perspective counselling session took place; its notes stay in Kobiz."""

    held_on: date
    topic_codes: list[CounsellingTopic] = Field(default_factory=list, max_length=len(CounsellingTopic))
    pathways_discussed: list[Norm] = Field(default_factory=list, max_length=14)
    next_step_codes: list[Code] = Field(default_factory=list, max_length=20)

    def valid_on(self) -> date:
        return self.held_on


class LanguageCourseEnrolled(KobizEvent):
    """Enrolment in an integration course (§ 44) or a vocational language course (§ 45a)."""

    course_type: Literal["integration_course", "vocational_language_course"]
    provider_code: Code
    starts_on: date
    mandatory: bool = False

    def valid_on(self) -> date:
        return self.starts_on


class LanguageCertificateObtained(KobizEvent):
    """A language certificate was obtained; the certificate itself stays in Kobiz."""

    level: LanguageLevel
    exam_body: ExamBody
    obtained_on: date
    oral_only: bool = False

    def valid_on(self) -> date:
        return self.obtained_on


class CivicTestPassed(KobizEvent):
    """'Leben in Deutschland' or the naturalisation test was passed."""

    test: Literal["life_in_germany", "naturalisation_test"]
    passed_on: date

    def valid_on(self) -> date:
        return self.passed_on


class IntegrationCourseCompleted(KobizEvent):
    """The integration course was completed."""

    completed_on: date

    def valid_on(self) -> date:
        return self.completed_on


class SchoolAttendanceEvidenced(KobizEvent):
    """A child's school attendance for a school year was evidenced (child by pseudonym)."""

    child_id: UUID
    school_year: str = Field(pattern=r"^\d{4}/\d{2}$")
    attending: bool
    evidenced_on: date

    def valid_on(self) -> date:
        return self.evidenced_on


class TrainingContractConcluded(KobizEvent):
    """A training contract was concluded; the employer stays in Kobiz.

    Version 3 says whether it is a helper training and whether it began while the asylum
    procedure ran (§ 60c Abs. 1, § 16g AufenthG turn on both); None: not recorded.
    """

    version = 3

    occupation_code: Code
    qualified: bool
    shortage_occupation: bool = False
    helper_training: bool | None = None
    started_under_gestattung: bool | None = None
    starts_on: date
    ends_on: date
    chamber_registered: bool

    def valid_on(self) -> date:
        return self.starts_on


class TrainingTerminated(KobizEvent):
    """Training ended before its term (§ 60c Abs. 5)."""

    terminated_on: date
    reason_code: Code

    def valid_on(self) -> date:
        return self.terminated_on


class LivelihoodAssessed(KobizEvent):
    """How far the person's own income covers their livelihood, and what the pathways ask of it.

    Version 3: coverage above 100 % (income beyond the need), every answer may be open
    (None: not assessed), and the answers § 19d, § 25b AufenthG and § 10 StAG turn on.
    """

    version = 3

    assessed_on: date
    coverage_percent: int | None = Field(None, ge=0, le=500)
    receives_sgb2: bool | None = None
    receives_sgb12: bool | None = None
    public_benefits_last_12_months: bool | None = None
    """Public benefits (other than for housing) in the last 12 months (§ 19d Abs. 1 Nr. 1c AufenthG)."""
    expected_to_be_secured: bool | None = None
    """Predominant livelihood by work is expected soon (§ 25b Abs. 1 S. 2 Nr. 3 AufenthG)."""
    benefits_not_attributable: bool | None = None
    """The receipt of benefits is not the person's fault (§ 10 Abs. 1 S. 1 Nr. 3 StAG a. F.)."""
    guest_worker_generation: bool | None = None
    fulltime_months_last_24: int | None = Field(None, ge=0, le=24)
    spouse_fulltime_with_minor_child: bool | None = None

    def valid_on(self) -> date:
        return self.assessed_on


class EmploymentTaken(KobizEvent):
    """Employment was taken up; the employer stays in Kobiz.

    Version 3 says whether it is qualified employment and whether it matches a recognised
    degree (§ 19d Abs. 1 Nr. 1 AufenthG); None: not recorded.
    """

    version = 3

    since: date
    hours_per_week: int = Field(ge=1, le=60)
    social_insurance: bool
    qualified: bool | None = None
    matches_degree: bool | None = None

    def valid_on(self) -> date:
        return self.since


class HealthExemptionClaimed(KobizEvent):
    """The person claims a health exemption from a prerequisite (Art. 9; attest stays local)."""

    claimed_on: date
    norm: Norm

    def valid_on(self) -> date:
        return self.claimed_on


class PensionContributionsRecorded(KobizEvent):
    """Months of pension contributions (settlement permit, § 9 Abs. 2 Nr. 3 AufenthG)."""

    recorded_on: date
    months: int = Field(ge=0, le=600)

    def valid_on(self) -> date:
        return self.recorded_on


class HousingAssessed(KobizEvent):
    """Whether the person's housing is adequate (§ 9 Abs. 2 Nr. 9 AufenthG)."""

    assessed_on: date
    adequate: bool

    def valid_on(self) -> date:
        return self.assessed_on


class SpecialIntegrationAchieved(KobizEvent):
    """A special integration achievement (§ 10 Abs. 3 StAG a. F.)."""

    achieved_on: date
    kind: Literal["volunteering", "vocational_achievement", "educational_achievement", "language_above_b1", "other"]

    def valid_on(self) -> date:
        return self.achieved_on


class CivicKnowledgeEvidenced(KobizEvent):
    """Evidence of basic knowledge of the legal and social order (orientation course, LiD, German school)."""

    evidenced_on: date
    evidence: Literal["orientation_course", "life_in_germany_test", "german_school_degree", "other"]

    def valid_on(self) -> date:
        return self.evidenced_on


KOBIZ_EVENTS: tuple[type[IntegrationEvent], ...] = (
    PerspectiveCounsellingHeld,
    LanguageCourseEnrolled,
    LanguageCertificateObtained,
    CivicTestPassed,
    IntegrationCourseCompleted,
    SchoolAttendanceEvidenced,
    TrainingContractConcluded,
    TrainingTerminated,
    LivelihoodAssessed,
    EmploymentTaken,
    HealthExemptionClaimed,
    PensionContributionsRecorded,
    HousingAssessed,
    SpecialIntegrationAchieved,
    CivicKnowledgeEvidenced,
)
