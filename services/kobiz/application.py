"""Kobiz's use cases."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from services.kobiz import schemas
from services.kobiz.domain import CounsellingFile
from shared.application import DepartmentApplication, Saved, check_expected_version
from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.settings import Service


class KobizApplication(DepartmentApplication):
    """The integration centre: perspective counselling."""

    name = "Kobiz"
    service = Service.KOBIZ

    def record_counselling(self, case_id: UUID, cmd: schemas.RecordCounselling) -> Saved:
        existing = self.find_aggregate(case_id, CounsellingFile)
        file = existing or self.file_for(case_id, CounsellingFile)  # unknown case: 404 before any version check
        check_expected_version(existing, cmd.expected_version)
        data = cmd.model_dump(exclude={"expected_version"})
        data["pathways_discussed"] = [n.value for n in cmd.pathways_discussed]
        file.hold_counselling(**data)
        return self.save_case(file)

    def get_file(self, case_id: UUID) -> CounsellingFile:
        return self.get_aggregate(case_id, CounsellingFile)

    @singledispatchmethod
    def translate(self, domain_event: Any) -> IntegrationEvent | None:
        return None

    @translate.register
    def _(self, e: CounsellingFile.PerspectiveCounsellingHeld) -> IntegrationEvent:
        # Codes only: the notes and the counsellor stay in kobiz (§ 88 AufenthG).
        return ev.PerspectiveCounsellingHeld(
            case_id=e.originator_id,
            held_on=e.held_on,
            topic_codes=e.topic_codes,
            pathways_discussed=e.pathways_discussed,
            next_step_codes=e.next_step_codes,
        )


INTERNAL_EVENTS: tuple[type[Any], ...] = (CounsellingFile.FileOpened,)
