"""The domain events of Kobiz's counselling file, each with how it changes the file.

They stay in Kobiz's event store; what may leave is translated into the published
language by the relay (codes only: notes, employers, schools, attests and
certificate numbers are not fields of any integration event). Version 0.1 declared
these events inside the aggregate (``services.kobiz.domain:CounsellingFile.<Name>``);
those stored topics are registered at the end of this module, so old stores load.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

if TYPE_CHECKING:  # pragma: nocover
    from services.kobiz.domain import CounsellingFile


class FileEvent(Aggregate.Event):
    """An entry that changes nothing the file itself keeps (a fact for the record)."""

    def apply(self, aggregate: Any) -> None:
        """Nothing to keep in the aggregate's state."""


class FileOpened(Aggregate.Created):
    """The file was opened; version 2 has its own id and names the KIM case it belongs to, if any;
    version 3 names who opened it (from then on assigned to it)."""

    class_version = 3
    opened_on: date | None
    kim_case_id: UUID | None
    opened_by: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        # Version 0.1 kept one file per KIM case, under the case's id: it is the case's.
        state["opened_on"] = None
        state["kim_case_id"] = state["originator_id"]

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["opened_by"] = None  # not recorded: the file has no assignee until one is named


class KimCaseLinked(Aggregate.Event):
    """A file opened outside KIM was linked to the person's KIM case."""

    case_id: UUID
    linked_on: date

    def apply(self, file: CounsellingFile) -> None:
        file.kim_case_id = self.case_id
        file.linked_in_version = self.originator_version


class PerspectiveCounsellingHeld(Aggregate.Event):
    """A perspective counselling session, with its confidential notes."""

    held_on: date
    topic_codes: list[str]
    pathways_discussed: list[str]
    next_step_codes: list[str]
    notes: str | None
    counsellor_id: str
    corrects: UUID | None

    def apply(self, file: CounsellingFile) -> None:
        file.sessions.append(
            {
                "held_on": self.held_on,
                "topic_codes": self.topic_codes,
                "pathways_discussed": self.pathways_discussed,
                "next_step_codes": self.next_step_codes,
                "notes": self.notes,
                "counsellor_id": self.counsellor_id,
            }
        )


class LanguageCourseEnrolled(FileEvent):
    """Enrolment in an integration or vocational language course."""

    course_type: str
    provider_code: str
    starts_on: date
    mandatory: bool
    corrects: UUID | None


class LanguageCertificateObtained(Aggregate.Event):
    """A language certificate (the certificate number stays here)."""

    level: str
    exam_body: str
    obtained_on: date
    oral_only: bool
    certificate_number: str | None
    corrects: UUID | None

    def apply(self, file: CounsellingFile) -> None:
        file.certificates.append(
            {"level": self.level, "obtained_on": self.obtained_on, "certificate_number": self.certificate_number}
        )


class CivicTestPassed(FileEvent):
    """'Leben in Deutschland' or the naturalisation test passed."""

    test: str
    passed_on: date
    corrects: UUID | None


class IntegrationCourseCompleted(FileEvent):
    """The integration course was completed."""

    completed_on: date
    corrects: UUID | None


class SchoolAttendanceEvidenced(FileEvent):
    """A child's school attendance (the school stays here)."""

    child_id: UUID
    school_year: str
    attending: bool
    evidenced_on: date
    school_name: str | None
    corrects: UUID | None


class TrainingContractConcluded(FileEvent):
    """A training contract (the employer stays here); version 2 says whether it is a shortage occupation,
    version 3 whether it is a helper training and began under the Gestattung."""

    class_version = 3
    occupation_code: str
    qualified: bool
    shortage_occupation: bool
    helper_training: bool | None
    started_under_gestattung: bool | None
    starts_on: date
    ends_on: date
    chamber_registered: bool
    employer: str | None
    corrects: UUID | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["shortage_occupation"] = False  # not asked before version 2

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state.update(helper_training=None, started_under_gestattung=None)  # not asked before: unknown


class TrainingTerminated(FileEvent):
    """Training ended before its term."""

    terminated_on: date
    reason_code: str
    corrects: UUID | None


class LivelihoodAssessed(FileEvent):
    """How far own income covers the livelihood; version 2 with open answers and what the pathways ask."""

    class_version = 2
    assessed_on: date
    coverage_percent: int | None
    receives_sgb2: bool | None
    receives_sgb12: bool | None
    public_benefits_last_12_months: bool | None
    expected_to_be_secured: bool | None
    benefits_not_attributable: bool | None
    guest_worker_generation: bool | None
    fulltime_months_last_24: int | None
    spouse_fulltime_with_minor_child: bool | None
    corrects: UUID | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.update(dict.fromkeys(LIVELIHOOD_V2))  # not asked before version 2: unknown


class EmploymentTaken(FileEvent):
    """Employment taken up (the employer stays here); version 2 says whether it is qualified
    and matches a recognised degree."""

    class_version = 2
    since: date
    hours_per_week: int
    social_insurance: bool
    qualified: bool | None
    matches_degree: bool | None
    employer: str | None
    corrects: UUID | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.update(qualified=None, matches_degree=None)  # not asked before version 2: unknown


class HealthExemptionClaimed(FileEvent):
    """A health exemption claimed (Art. 9; the attest stays here)."""

    claimed_on: date
    norm: str
    attest_ref: str | None
    corrects: UUID | None


class PensionContributionsRecorded(FileEvent):
    """Months of pension contributions (settlement permit, § 9 Abs. 2 Nr. 3 AufenthG)."""

    recorded_on: date
    months: int
    corrects: UUID | None


class HousingAssessed(FileEvent):
    """Whether the housing is adequate (§ 9 Abs. 2 Nr. 9 AufenthG)."""

    assessed_on: date
    adequate: bool
    corrects: UUID | None


class SpecialIntegrationAchieved(FileEvent):
    """A special integration achievement (§ 10 Abs. 3 StAG a. F.)."""

    achieved_on: date
    kind: str
    corrects: UUID | None


class CivicKnowledgeEvidenced(FileEvent):
    """Evidence of basic knowledge of the legal and social order."""

    evidenced_on: date
    evidence: str
    corrects: UUID | None


LIVELIHOOD_V2 = (
    "public_benefits_last_12_months",
    "expected_to_be_secured",
    "benefits_not_attributable",
    "guest_worker_generation",
    "fulltime_months_last_24",
    "spouse_fulltime_with_minor_child",
)


class SchoolingAssessed(FileEvent):
    """The person's own schooling in Germany (None: not assessed)."""

    assessed_on: date
    successful_years: float | None
    attending: bool | None
    german_qualification: bool | None
    corrects: UUID | None


class QualificationsAssessed(FileEvent):
    """German vocational qualification and recognised foreign degree (None: not assessed)."""

    assessed_on: date
    german_vocational_qualification: bool | None
    foreign_degree_recognised: bool | None
    corrects: UUID | None


class BasicKnowledgeAssessed(FileEvent):
    """Integration course completed, civic test passed (None: not assessed)."""

    assessed_on: date
    integration_course_completed: bool | None
    civic_test_passed: bool | None
    corrects: UUID | None


class SpecialIntegrationAssessed(FileEvent):
    """Whether the person shows special integration achievements."""

    assessed_on: date
    achieved: bool
    corrects: UUID | None


class EmploymentHistoryAssessed(FileEvent):
    """Whether the person has been employed in Germany at all."""

    assessed_on: date
    employed_in_germany: bool
    corrects: UUID | None


class RowImported(Aggregate.Event):
    """An imported row (stores of earlier versions; imports now keep their row refs as idempotency keys)."""

    ref: str

    def apply(self, file: CounsellingFile) -> None:
        file.imported_refs.add(self.ref)


HISTORIC = "services.kobiz.domain:CounsellingFile."
for _event in (
    FileOpened,
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
    RowImported,
):
    register_topic(HISTORIC + _event.__name__, _event)
