"""The foreign office's use cases.

Each command in ``schemas.COMMANDS`` calls the ``ResidenceFile`` method of the same
name with the command's fields (see ``CaseApplication.handle``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.foreign_office import schemas
from services.foreign_office.domain import ResidenceFile
from shared.application import DepartmentApplication
from shared.events import catalogue as ev
from shared.settings import Service


class ForeignOfficeApplication(DepartmentApplication):
    """The Ausländerbehörde (incl. naturalisation): status, identity, applications, decisions."""

    name = "ForeignOffice"
    service = Service.FOREIGN_OFFICE

    def load_for(self, name: str, case_id: UUID | None, cmd: Any) -> Aggregate:
        file = self.file_for(case_id, ResidenceFile, cmd)
        if name in schemas.DECISIONS and getattr(cmd, "corrects", None) is None:
            assert case_id is not None
            self.require_open_case(case_id)
        return file

    def get_file(self, case_id: UUID) -> ResidenceFile:
        return self.get_aggregate(case_id, ResidenceFile)

    published = {
        ResidenceFile.ToleratedStayIssued: ev.ToleratedStayIssued,
        ResidenceFile.CooperationDutyNotified: ev.CooperationDutyNotified,
        ResidenceFile.IdentityDocumentSubmitted: ev.IdentityDocumentSubmitted,
        ResidenceFile.IdentityClarified: ev.IdentityClarified,
        ResidenceFile.ResidencePermitApplied: ev.ResidencePermitApplied,
        ResidenceFile.FictionCertificateIssued: ev.FictionCertificateIssued,
        ResidenceFile.ResidencePermitGranted: ev.ResidencePermitGranted,
        ResidenceFile.SettlementPermitGranted: ev.SettlementPermitGranted,
        ResidenceFile.ResidencePermitRefused: ev.ResidencePermitRefused,  # outcome only, no grounds
        ResidenceFile.EmploymentPermissionGranted: ev.EmploymentPermissionGranted,
        ResidenceFile.DepartureObligationEnforceable: ev.DepartureObligationEnforceable,
        ResidenceFile.DepartureRecorded: ev.DepartureRecorded,
        ResidenceFile.NaturalisationApplied: ev.NaturalisationApplied,
        ResidenceFile.NaturalisationCertificateHandedOver: ev.NaturalisationCertificateHandedOver,
    }


INTERNAL_EVENTS: tuple[type[Any], ...] = (
    ResidenceFile.FileOpened,
    ResidenceFile.IdentityDeceptionEstablished,
    ResidenceFile.CriminalConvictionNotified,
    ResidenceFile.RemovalScheduled,
    ResidenceFile.NaturalisationRequirementAssessed,
    ResidenceFile.RowImported,
)
