"""Kobiz's use cases: counselling, language, school, training, work, livelihood and settlement facts.

Kobiz's work on a file is KIM work once the file belongs to a KIM case: when the
case is closed, the file takes only corrections.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.kobiz import commands as c
from services.kobiz import events as e
from services.kobiz.domain import CounsellingFile
from shared import staffing
from shared.application.catalogue import AnyCommand, CaseCommand, NewCaseCommand
from shared.application.department import DepartmentApplication
from shared.application.results import Saved
from shared.application.staffing import staffing_commands
from shared.events import catalogue as ev
from shared.service import Service


class KobizApplication(DepartmentApplication[CounsellingFile]):
    """The integration centre's counselling files."""

    name = "Kobiz"
    service = Service.KOBIZ
    file_class = CounsellingFile
    link_event = e.KimCaseLinked
    closes_with_kim_case = True

    def open_file(self, cmd: c.OpenCounsellingFile) -> Saved:
        if cmd.case_id is not None:
            self.open_case(cmd.case_id)
        return self.start(CounsellingFile.open(cmd))

    def link_to_kim_case(self, file_id: UUID, cmd: c.LinkToKimCase) -> Saved:
        return self.link(file_id, cmd, cmd.case_id, cmd.linked_on)

    def hold_counselling(self, file_id: UUID, cmd: c.HoldCounselling) -> Saved:
        return self.change(file_id, cmd, lambda file: file.hold_counselling(cmd))

    def enrol_in_language_course(self, file_id: UUID, cmd: c.EnrolInLanguageCourse) -> Saved:
        return self.change(file_id, cmd, lambda file: file.enrol_in_language_course(cmd))

    def record_language_certificate(self, file_id: UUID, cmd: c.RecordLanguageCertificate) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_language_certificate(cmd))

    def record_civic_test(self, file_id: UUID, cmd: c.RecordCivicTest) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_civic_test(cmd))

    def complete_integration_course(self, file_id: UUID, cmd: c.CompleteIntegrationCourse) -> Saved:
        return self.change(file_id, cmd, lambda file: file.complete_integration_course(cmd))

    def evidence_school_attendance(self, file_id: UUID, cmd: c.EvidenceSchoolAttendance) -> Saved:
        return self.change(file_id, cmd, lambda file: file.evidence_school_attendance(cmd))

    def conclude_training_contract(self, file_id: UUID, cmd: c.ConcludeTrainingContract) -> Saved:
        return self.change(file_id, cmd, lambda file: file.conclude_training_contract(cmd))

    def terminate_training(self, file_id: UUID, cmd: c.TerminateTraining) -> Saved:
        return self.change(file_id, cmd, lambda file: file.terminate_training(cmd))

    def assess_livelihood(self, file_id: UUID, cmd: c.AssessLivelihood) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_livelihood(cmd))

    def take_employment(self, file_id: UUID, cmd: c.TakeEmployment) -> Saved:
        return self.change(file_id, cmd, lambda file: file.take_employment(cmd))

    def claim_health_exemption(self, file_id: UUID, cmd: c.ClaimHealthExemption) -> Saved:
        return self.change(file_id, cmd, lambda file: file.claim_health_exemption(cmd))

    def record_pension_contributions(self, file_id: UUID, cmd: c.RecordPensionContributions) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_pension_contributions(cmd))

    def assess_housing(self, file_id: UUID, cmd: c.AssessHousing) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_housing(cmd))

    def record_special_integration_achievement(
        self, file_id: UUID, cmd: c.RecordSpecialIntegrationAchievement
    ) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_special_integration_achievement(cmd))

    def record_civic_knowledge_evidence(self, file_id: UUID, cmd: c.RecordCivicKnowledgeEvidence) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_civic_knowledge_evidence(cmd))

    def assess_schooling(self, file_id: UUID, cmd: c.AssessSchooling) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_schooling(cmd))

    def assess_qualifications(self, file_id: UUID, cmd: c.AssessQualifications) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_qualifications(cmd))

    def assess_basic_knowledge(self, file_id: UUID, cmd: c.AssessBasicKnowledge) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_basic_knowledge(cmd))

    def assess_special_integration(self, file_id: UUID, cmd: c.AssessSpecialIntegration) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_special_integration(cmd))

    def assess_employment_history(self, file_id: UUID, cmd: c.AssessEmploymentHistory) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_employment_history(cmd))

    # Codes only: notes, counsellor, employers, schools, attests and certificate
    # numbers are not fields of any integration event (§ 88 AufenthG, Art. 9).
    published = {
        e.PerspectiveCounsellingHeld: ev.PerspectiveCounsellingHeld,
        e.LanguageCourseEnrolled: ev.LanguageCourseEnrolled,
        e.LanguageCertificateObtained: ev.LanguageCertificateObtained,
        e.CivicTestPassed: ev.CivicTestPassed,
        e.IntegrationCourseCompleted: ev.IntegrationCourseCompleted,
        e.SchoolAttendanceEvidenced: ev.SchoolAttendanceEvidenced,
        e.TrainingContractConcluded: ev.TrainingContractConcluded,
        e.TrainingTerminated: ev.TrainingTerminated,
        e.LivelihoodAssessed: ev.LivelihoodAssessed,
        e.EmploymentTaken: ev.EmploymentTaken,
        e.HealthExemptionClaimed: ev.HealthExemptionClaimed,
        e.PensionContributionsRecorded: ev.PensionContributionsRecorded,
        e.HousingAssessed: ev.HousingAssessed,
        e.SpecialIntegrationAchieved: ev.SpecialIntegrationAchieved,
        e.CivicKnowledgeEvidenced: ev.CivicKnowledgeEvidenced,
        e.SchoolingAssessed: ev.SchoolingAssessed,
        e.QualificationsAssessed: ev.QualificationsAssessed,
        e.BasicKnowledgeAssessed: ev.BasicKnowledgeAssessed,
        e.SpecialIntegrationAssessed: ev.SpecialIntegrationAssessed,
        e.EmploymentHistoryAssessed: ev.EmploymentHistoryAssessed,
    }


K = KobizApplication
COMMANDS: tuple[AnyCommand[KobizApplication], ...] = (
    NewCaseCommand(c.OpenCounsellingFile, K.open_file, "Beratungsakte anlegen"),
    CaseCommand("kim-link", c.LinkToKimCase, K.link_to_kim_case, "Mit KIM-Fall verknüpfen", adds_entry=False),
    CaseCommand("counselling-sessions", c.HoldCounselling, K.hold_counselling, "Perspektivberatung erfassen"),
    CaseCommand("language-courses", c.EnrolInLanguageCourse, K.enrol_in_language_course, "Sprachkurs-Anmeldung"),
    CaseCommand(
        "language-certificates", c.RecordLanguageCertificate, K.record_language_certificate, "Sprachzertifikat erfassen"
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
        "health-exemptions", c.ClaimHealthExemption, K.claim_health_exemption, "Gesundheitliche Ausnahme geltend machen"
    ),
    CaseCommand(
        "pension-contributions",
        c.RecordPensionContributions,
        K.record_pension_contributions,
        "Rentenbeitragsmonate erfassen",
    ),
    CaseCommand("housing-assessments", c.AssessHousing, K.assess_housing, "Ausreichenden Wohnraum bewerten"),
    CaseCommand(
        "special-integration-achievements",
        c.RecordSpecialIntegrationAchievement,
        K.record_special_integration_achievement,
        "Besondere Integrationsleistung erfassen",
    ),
    CaseCommand(
        "civic-knowledge-evidence",
        c.RecordCivicKnowledgeEvidence,
        K.record_civic_knowledge_evidence,
        "Nachweis Rechts- und Gesellschaftsordnung erfassen",
    ),
    CaseCommand("schooling-assessments", c.AssessSchooling, K.assess_schooling, "Schulbildung in Deutschland bewerten"),
    CaseCommand(
        "qualification-assessments",
        c.AssessQualifications,
        K.assess_qualifications,
        "Berufliche Qualifikation bewerten",
    ),
    CaseCommand(
        "basic-knowledge-assessments",
        c.AssessBasicKnowledge,
        K.assess_basic_knowledge,
        "Integrationskurs und Test (LiD/Einbürgerungstest) bewerten",
    ),
    CaseCommand(
        "special-integration-assessments",
        c.AssessSpecialIntegration,
        K.assess_special_integration,
        "Besondere Integrationsleistungen bewerten",
    ),
    CaseCommand(
        "employment-history-assessments",
        c.AssessEmploymentHistory,
        K.assess_employment_history,
        "Beschäftigungsverlauf bewerten",
    ),
    *staffing_commands(K),
)
"""Every Kobiz command with its use case; the API and the import are built from it."""

INTERNAL_EVENTS: tuple[type[Any], ...] = (
    e.FileOpened,
    e.KimCaseLinked,
    e.RowImported,
    staffing.StaffAssigned,
    staffing.StaffReleased,
    staffing.StaffHandedOver,
    staffing.DeputyNamed,
)
