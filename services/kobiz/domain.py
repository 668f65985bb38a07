"""Kobiz's own counselling file on a person, under its own id, linked to the KIM case.

Counselling in KIM is part of the case management (docs/domain.md §1, §3 row 9): a
file opened for a KIM case is linked to it from the start; a file opened outside KIM
can be linked later by an event. Notes, employers, schools, attests and certificate
numbers never leave the file. The events themselves are in ``events.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import BaseModel

from services.kobiz import commands as c
from services.kobiz import events as e
from shared.errors import DomainRuleViolationError
from shared.staffing import Staffing


class AlreadyLinkedError(DomainRuleViolationError):
    """A file is linked to one KIM case, once."""


def values(cmd: BaseModel) -> dict[str, Any]:
    """A command's fields as its event records them (without the concurrency token)."""
    return cmd.model_dump(exclude={"expected_version"})


class CounsellingFile(Aggregate):
    """The integration centre's counselling file on one person, under its own id."""

    def __init__(self, opened_on: date | None, kim_case_id: UUID | None, opened_by: str | None = None) -> None:
        self.staffing = Staffing()
        if opened_by:  # whoever opened the file works on it
            self.staffing.assignees[opened_by] = opened_on
        self.opened_on = opened_on
        self.kim_case_id = kim_case_id
        self.linked_in_version: int | None = 1 if kim_case_id else None
        self.sessions: list[dict[str, Any]] = []
        self.certificates: list[dict[str, Any]] = []
        self.imported_refs: set[str] = set()

    @classmethod
    def open(cls, cmd: c.OpenCounsellingFile) -> CounsellingFile:
        """Open a counselling file, for a KIM case or outside KIM."""
        return cls._create(e.FileOpened, opened_on=cmd.opened_on, kim_case_id=cmd.case_id, opened_by=cmd.actor)

    def link_to_kim_case(self, case_id: UUID, linked_on: date) -> None:
        """Link the file to the person's KIM case."""
        if self.kim_case_id is not None:
            msg = "Die Beratungsakte ist bereits mit einem KIM-Fall verknüpft."
            raise AlreadyLinkedError(msg)
        self.trigger_event(e.KimCaseLinked, case_id=case_id, linked_on=linked_on)

    def check_open(self, corrects: UUID | None) -> None:
        """A counselling file has no closure of its own; its KIM case's closure is checked by the use case."""

    def _record(self, event_class: type[Aggregate.Event], cmd: BaseModel) -> None:
        """An entry that needs no check beyond the command's own validation."""
        self.trigger_event(event_class, **values(cmd))

    def hold_counselling(self, cmd: c.HoldCounselling) -> None:
        """Record a perspective counselling session, with its confidential notes."""
        self._record(e.PerspectiveCounsellingHeld, cmd)

    def enrol_in_language_course(self, cmd: c.EnrolInLanguageCourse) -> None:
        """Enrolment in an integration or vocational language course."""
        self._record(e.LanguageCourseEnrolled, cmd)

    def record_language_certificate(self, cmd: c.RecordLanguageCertificate) -> None:
        """A language certificate (the certificate number stays here)."""
        self._record(e.LanguageCertificateObtained, cmd)

    def record_civic_test(self, cmd: c.RecordCivicTest) -> None:
        """'Leben in Deutschland' or the naturalisation test passed."""
        self._record(e.CivicTestPassed, cmd)

    def complete_integration_course(self, cmd: c.CompleteIntegrationCourse) -> None:
        """The integration course was completed."""
        self._record(e.IntegrationCourseCompleted, cmd)

    def evidence_school_attendance(self, cmd: c.EvidenceSchoolAttendance) -> None:
        """A child's school attendance (the school stays here)."""
        self._record(e.SchoolAttendanceEvidenced, cmd)

    def conclude_training_contract(self, cmd: c.ConcludeTrainingContract) -> None:
        """A training contract (the employer stays here)."""
        self._record(e.TrainingContractConcluded, cmd)

    def terminate_training(self, cmd: c.TerminateTraining) -> None:
        """Training ended before its term."""
        self._record(e.TrainingTerminated, cmd)

    def assess_livelihood(self, cmd: c.AssessLivelihood) -> None:
        """How far own income covers the livelihood."""
        self._record(e.LivelihoodAssessed, cmd)

    def take_employment(self, cmd: c.TakeEmployment) -> None:
        """Employment taken up (the employer stays here)."""
        self._record(e.EmploymentTaken, cmd)

    def claim_health_exemption(self, cmd: c.ClaimHealthExemption) -> None:
        """A health exemption claimed (Art. 9; the attest stays here)."""
        self._record(e.HealthExemptionClaimed, cmd)

    def record_pension_contributions(self, cmd: c.RecordPensionContributions) -> None:
        """Months of pension contributions (settlement permit)."""
        self._record(e.PensionContributionsRecorded, cmd)

    def assess_housing(self, cmd: c.AssessHousing) -> None:
        """Whether the housing is adequate (settlement permit)."""
        self._record(e.HousingAssessed, cmd)

    def record_special_integration_achievement(self, cmd: c.RecordSpecialIntegrationAchievement) -> None:
        """A special integration achievement (§ 10 Abs. 3 StAG a. F.)."""
        self._record(e.SpecialIntegrationAchieved, cmd)

    def record_civic_knowledge_evidence(self, cmd: c.RecordCivicKnowledgeEvidence) -> None:
        """Evidence of basic knowledge of the legal and social order."""
        self._record(e.CivicKnowledgeEvidenced, cmd)

    def assess_schooling(self, cmd: c.AssessSchooling) -> None:
        """The person's own schooling in Germany."""
        self._record(e.SchoolingAssessed, cmd)

    def assess_qualifications(self, cmd: c.AssessQualifications) -> None:
        """German vocational qualification, recognised foreign degree."""
        self._record(e.QualificationsAssessed, cmd)

    def assess_basic_knowledge(self, cmd: c.AssessBasicKnowledge) -> None:
        """Integration course completed, civic test passed (a recorded "no" included)."""
        self._record(e.BasicKnowledgeAssessed, cmd)

    def assess_special_integration(self, cmd: c.AssessSpecialIntegration) -> None:
        """Special integration achievements, yes or no."""
        self._record(e.SpecialIntegrationAssessed, cmd)

    def assess_employment_history(self, cmd: c.AssessEmploymentHistory) -> None:
        """Employed in Germany at all, yes or no."""
        self._record(e.EmploymentHistoryAssessed, cmd)
