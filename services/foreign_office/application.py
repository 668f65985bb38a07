"""The foreign office's use cases."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from services.foreign_office import schemas
from services.foreign_office.domain import ResidenceFile
from shared.application import DepartmentApplication, Saved, check_expected_version
from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.settings import Service


class ForeignOfficeApplication(DepartmentApplication):
    """The Ausländerbehörde: tolerations, identity, permits."""

    name = "ForeignOffice"
    service = Service.FOREIGN_OFFICE

    def issue_tolerated_stay(self, case_id: UUID, cmd: schemas.IssueToleratedStay) -> Saved:
        file = self._file(case_id, cmd.expected_version)
        file.issue_tolerated_stay(**cmd.model_dump(exclude={"expected_version"}))
        return self.save_case(file)

    def clarify_identity(self, case_id: UUID, cmd: schemas.ClarifyIdentity) -> Saved:
        file = self._file(case_id, cmd.expected_version)
        file.clarify_identity(**cmd.model_dump(exclude={"expected_version"}))
        return self.save_case(file)

    def grant_residence_permit(self, case_id: UUID, cmd: schemas.GrantResidencePermit) -> Saved:
        file = self._file(case_id, cmd.expected_version)
        terms = cmd.model_dump(exclude={"expected_version"})
        terms["norm"] = cmd.norm.value
        file.grant_residence_permit(**terms)
        return self.save_case(file)

    def get_file(self, case_id: UUID) -> ResidenceFile:
        return self.get_aggregate(case_id, ResidenceFile)

    def _file(self, case_id: UUID, expected_version: int | None) -> ResidenceFile:
        existing = self.find_aggregate(case_id, ResidenceFile)
        file = existing or self.file_for(case_id, ResidenceFile)  # unknown case: 404 before any version check
        check_expected_version(existing, expected_version)
        return file

    @singledispatchmethod
    def translate(self, domain_event: Any) -> IntegrationEvent | None:
        return None

    @translate.register
    def _(self, e: ResidenceFile.ToleratedStayIssued) -> IntegrationEvent:
        return ev.ToleratedStayIssued(
            case_id=e.originator_id,
            subtype=e.subtype,
            ground_code=e.ground_code,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            work_permitted=e.work_permitted,
            residence_condition=e.residence_condition,
        )

    @translate.register
    def _(self, e: ResidenceFile.IdentityClarified) -> IntegrationEvent:
        return ev.IdentityClarified(case_id=e.originator_id, clarified_on=e.clarified_on, method=e.method)

    @translate.register
    def _(self, e: ResidenceFile.ResidencePermitGranted) -> IntegrationEvent:
        return ev.ResidencePermitGranted(
            case_id=e.originator_id,
            norm=e.norm,
            granted_on=e.granted_on,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            employment_permitted=e.employment_permitted,
        )


INTERNAL_EVENTS: tuple[type[Any], ...] = (ResidenceFile.FileOpened,)
