"""Kobiz's use cases.

Each command in ``schemas.COMMANDS`` calls the ``CounsellingFile`` method of the
same name with the command's fields (see ``CaseApplication.handle``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.kobiz.domain import CounsellingFile
from shared.application import DepartmentApplication
from shared.events import catalogue as ev
from shared.settings import Service


class KobizApplication(DepartmentApplication):
    """The integration centre: counselling, language, school, training, work."""

    name = "Kobiz"
    service = Service.KOBIZ

    def load_for(self, name: str, case_id: UUID | None, cmd: Any) -> Aggregate:
        return self.file_for(case_id, CounsellingFile, cmd)

    def get_file(self, case_id: UUID) -> CounsellingFile:
        return self.get_aggregate(case_id, CounsellingFile)

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


INTERNAL_EVENTS: tuple[type[Any], ...] = (CounsellingFile.FileOpened, CounsellingFile.RowImported)
