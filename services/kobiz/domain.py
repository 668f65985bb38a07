"""Kobiz's counselling file on a KIM case. Notes, employers and attests never leave it."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class CounsellingFile(Aggregate):
    """The integration centre's record of one case (id = case id)."""

    if TYPE_CHECKING:  # the @event decorators below create these classes; declared for the type checker
        FileOpened: ClassVar[type[Aggregate.Created]]
        PerspectiveCounsellingHeld: ClassVar[type[Aggregate.Event]]
        LanguageCourseEnrolled: ClassVar[type[Aggregate.Event]]
        LanguageCertificateObtained: ClassVar[type[Aggregate.Event]]
        CivicTestPassed: ClassVar[type[Aggregate.Event]]
        IntegrationCourseCompleted: ClassVar[type[Aggregate.Event]]
        SchoolAttendanceEvidenced: ClassVar[type[Aggregate.Event]]
        TrainingContractConcluded: ClassVar[type[Aggregate.Event]]
        TrainingTerminated: ClassVar[type[Aggregate.Event]]
        LivelihoodAssessed: ClassVar[type[Aggregate.Event]]
        EmploymentTaken: ClassVar[type[Aggregate.Event]]
        HealthExemptionClaimed: ClassVar[type[Aggregate.Event]]
        RowImported: ClassVar[type[Aggregate.Event]]

    @event("FileOpened")
    def __init__(self, id: UUID) -> None:  # noqa: A002 - eventsourcing takes the id from it
        self.sessions: list[dict[str, Any]] = []
        self.certificates: list[dict[str, Any]] = []
        self.imported_refs: set[str] = set()

    @event("PerspectiveCounsellingHeld")
    def hold_counselling(
        self,
        held_on: date,
        topic_codes: list[str],
        pathways_discussed: list[str],
        next_step_codes: list[str],
        notes: str | None,
        counsellor_id: str,
        corrects: UUID | None = None,
    ) -> None:
        """Record a perspective counselling session, with its confidential notes."""
        self.sessions.append(
            {
                "held_on": held_on,
                "topic_codes": topic_codes,
                "pathways_discussed": pathways_discussed,
                "next_step_codes": next_step_codes,
                "notes": notes,
                "counsellor_id": counsellor_id,
            }
        )

    @event("LanguageCourseEnrolled")
    def enrol_in_language_course(
        self, course_type: str, provider_code: str, starts_on: date, mandatory: bool, corrects: UUID | None
    ) -> None:
        """Enrolment in an integration or vocational language course."""

    @event("LanguageCertificateObtained")
    def record_language_certificate(
        self,
        level: str,
        exam_body: str,
        obtained_on: date,
        oral_only: bool,
        certificate_number: str | None,
        corrects: UUID | None,
    ) -> None:
        """A language certificate (the certificate number stays here)."""
        self.certificates.append({"level": level, "obtained_on": obtained_on, "certificate_number": certificate_number})

    @event("CivicTestPassed")
    def record_civic_test(self, test: str, passed_on: date, corrects: UUID | None) -> None:
        """'Leben in Deutschland' or the naturalisation test passed."""

    @event("IntegrationCourseCompleted")
    def complete_integration_course(self, completed_on: date, corrects: UUID | None) -> None:
        """The integration course was completed."""

    @event("SchoolAttendanceEvidenced")
    def evidence_school_attendance(
        self,
        child_id: UUID,
        school_year: str,
        attending: bool,
        evidenced_on: date,
        school_name: str | None,
        corrects: UUID | None,
    ) -> None:
        """A child's school attendance (the school stays here)."""

    @event("TrainingContractConcluded")
    def conclude_training_contract(
        self,
        occupation_code: str,
        qualified: bool,
        starts_on: date,
        ends_on: date,
        chamber_registered: bool,
        employer: str | None,
        corrects: UUID | None,
    ) -> None:
        """A training contract (the employer stays here)."""

    @event("TrainingTerminated")
    def terminate_training(self, terminated_on: date, reason_code: str, corrects: UUID | None) -> None:
        """Training ended before its term."""

    @event("LivelihoodAssessed")
    def assess_livelihood(
        self, assessed_on: date, coverage_percent: int, receives_sgb2: bool, receives_sgb12: bool, corrects: UUID | None
    ) -> None:
        """How far own income covers the livelihood."""

    @event("EmploymentTaken")
    def take_employment(
        self, since: date, hours_per_week: int, social_insurance: bool, employer: str | None, corrects: UUID | None
    ) -> None:
        """Employment taken up (the employer stays here)."""

    @event("HealthExemptionClaimed")
    def claim_health_exemption(
        self, claimed_on: date, norm: str, attest_ref: str | None, corrects: UUID | None
    ) -> None:
        """A health exemption claimed (Art. 9; the attest stays here)."""

    @event("RowImported")
    def record_import(self, ref: str) -> None:
        """An imported row (stores of earlier versions; imports now keep their row refs as idempotency keys)."""
        self.imported_refs.add(ref)
