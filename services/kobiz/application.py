"""Kobiz's use cases: counselling, language, school, training, work and livelihood."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.kobiz import commands as c
from services.kobiz.domain import CounsellingFile
from shared.application.catalogue import AnyCommand, CaseCommand
from shared.application.department import DepartmentApplication
from shared.application.results import Saved
from shared.events import catalogue as ev
from shared.service import Service


class KobizApplication(DepartmentApplication[CounsellingFile]):
    """The integration centre's counselling file on each KIM case."""

    name = "Kobiz"
    service = Service.KOBIZ
    file_class = CounsellingFile

    def hold_counselling(self, case_id: UUID, cmd: c.HoldCounselling) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.hold_counselling(
                held_on=cmd.held_on,
                topic_codes=cmd.topic_codes,
                pathways_discussed=[norm.value for norm in cmd.pathways_discussed],
                next_step_codes=cmd.next_step_codes,
                notes=cmd.notes,
                counsellor_id=cmd.counsellor_id,
                corrects=cmd.corrects,
            ),
        )

    def enrol_in_language_course(self, case_id: UUID, cmd: c.EnrolInLanguageCourse) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.enrol_in_language_course(
                course_type=cmd.course_type,
                provider_code=cmd.provider_code,
                starts_on=cmd.starts_on,
                mandatory=cmd.mandatory,
                corrects=cmd.corrects,
            ),
        )

    def record_language_certificate(self, case_id: UUID, cmd: c.RecordLanguageCertificate) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.record_language_certificate(
                level=cmd.level,
                exam_body=cmd.exam_body,
                obtained_on=cmd.obtained_on,
                oral_only=cmd.oral_only,
                certificate_number=cmd.certificate_number,
                corrects=cmd.corrects,
            ),
        )

    def record_civic_test(self, case_id: UUID, cmd: c.RecordCivicTest) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.record_civic_test(test=cmd.test, passed_on=cmd.passed_on, corrects=cmd.corrects),
        )

    def complete_integration_course(self, case_id: UUID, cmd: c.CompleteIntegrationCourse) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.complete_integration_course(completed_on=cmd.completed_on, corrects=cmd.corrects),
        )

    def evidence_school_attendance(self, case_id: UUID, cmd: c.EvidenceSchoolAttendance) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.evidence_school_attendance(
                child_id=cmd.child_id,
                school_year=cmd.school_year,
                attending=cmd.attending,
                evidenced_on=cmd.evidenced_on,
                school_name=cmd.school_name,
                corrects=cmd.corrects,
            ),
        )

    def conclude_training_contract(self, case_id: UUID, cmd: c.ConcludeTrainingContract) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.conclude_training_contract(
                occupation_code=cmd.occupation_code,
                qualified=cmd.qualified,
                starts_on=cmd.starts_on,
                ends_on=cmd.ends_on,
                chamber_registered=cmd.chamber_registered,
                employer=cmd.employer,
                corrects=cmd.corrects,
            ),
        )

    def terminate_training(self, case_id: UUID, cmd: c.TerminateTraining) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.terminate_training(
                terminated_on=cmd.terminated_on, reason_code=cmd.reason_code, corrects=cmd.corrects
            ),
        )

    def assess_livelihood(self, case_id: UUID, cmd: c.AssessLivelihood) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.assess_livelihood(
                assessed_on=cmd.assessed_on,
                coverage_percent=cmd.coverage_percent,
                receives_sgb2=cmd.receives_sgb2,
                receives_sgb12=cmd.receives_sgb12,
                corrects=cmd.corrects,
            ),
        )

    def take_employment(self, case_id: UUID, cmd: c.TakeEmployment) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.take_employment(
                since=cmd.since,
                hours_per_week=cmd.hours_per_week,
                social_insurance=cmd.social_insurance,
                employer=cmd.employer,
                corrects=cmd.corrects,
            ),
        )

    def claim_health_exemption(self, case_id: UUID, cmd: c.ClaimHealthExemption) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.claim_health_exemption(
                claimed_on=cmd.claimed_on, norm=cmd.norm, attest_ref=cmd.attest_ref, corrects=cmd.corrects
            ),
        )

    # Codes only: notes, counsellor, employers, schools, attests and certificate
    # numbers are not fields of any integration event (§ 88 AufenthG, Art. 9).
    published = {
        CounsellingFile.PerspectiveCounsellingHeld: ev.PerspectiveCounsellingHeld,
        CounsellingFile.LanguageCourseEnrolled: ev.LanguageCourseEnrolled,
        CounsellingFile.LanguageCertificateObtained: ev.LanguageCertificateObtained,
        CounsellingFile.CivicTestPassed: ev.CivicTestPassed,
        CounsellingFile.IntegrationCourseCompleted: ev.IntegrationCourseCompleted,
        CounsellingFile.SchoolAttendanceEvidenced: ev.SchoolAttendanceEvidenced,
        CounsellingFile.TrainingContractConcluded: ev.TrainingContractConcluded,
        CounsellingFile.TrainingTerminated: ev.TrainingTerminated,
        CounsellingFile.LivelihoodAssessed: ev.LivelihoodAssessed,
        CounsellingFile.EmploymentTaken: ev.EmploymentTaken,
        CounsellingFile.HealthExemptionClaimed: ev.HealthExemptionClaimed,
    }


K = KobizApplication
COMMANDS: tuple[AnyCommand[KobizApplication], ...] = (
    CaseCommand("counselling-sessions", c.HoldCounselling, K.hold_counselling, "Perspektivberatung erfassen"),
    CaseCommand("language-courses", c.EnrolInLanguageCourse, K.enrol_in_language_course, "Sprachkurs-Anmeldung"),
    CaseCommand(
        "language-certificates",
        c.RecordLanguageCertificate,
        K.record_language_certificate,
        "Sprachzertifikat erfassen",
    ),
    CaseCommand("civic-tests", c.RecordCivicTest, K.record_civic_test, "Test bestanden (LiD/Einbürgerungstest)"),
    CaseCommand(
        "integration-course-completions",
        c.CompleteIntegrationCourse,
        K.complete_integration_course,
        "Integrationskurs abgeschlossen",
    ),
    CaseCommand(
        "school-attendance", c.EvidenceSchoolAttendance, K.evidence_school_attendance, "Schulbesuch nachgewiesen"
    ),
    CaseCommand(
        "training-contracts", c.ConcludeTrainingContract, K.conclude_training_contract, "Ausbildungsvertrag erfassen"
    ),
    CaseCommand("training-terminations", c.TerminateTraining, K.terminate_training, "Ausbildungsabbruch erfassen"),
    CaseCommand("livelihood-assessments", c.AssessLivelihood, K.assess_livelihood, "Lebensunterhalt bewerten"),
    CaseCommand("employments", c.TakeEmployment, K.take_employment, "Beschäftigung erfassen"),
    CaseCommand(
        "health-exemptions",
        c.ClaimHealthExemption,
        K.claim_health_exemption,
        "Gesundheitliche Ausnahme geltend machen",
    ),
)
"""Every Kobiz command with its use case; the API and the import are built from it."""

INTERNAL_EVENTS: tuple[type[Any], ...] = (CounsellingFile.FileOpened, CounsellingFile.RowImported)
