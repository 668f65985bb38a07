"""Status, identity, applications and decisions on the file."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

if TYPE_CHECKING:  # pragma: nocover
    from services.foreign_office.domain import ResidenceFile

from services.foreign_office.events.file import FileEvent


class ToleratedStayIssued(Aggregate.Event):
    """A Duldung was issued; version 2 says explicitly whether its ground is the person's health."""

    class_version = 2
    subtype: str
    ground_code: str
    health_ground: bool
    valid_from: date
    valid_until: date
    work_permitted: bool
    residence_condition: bool
    remarks: str | None
    corrects: UUID | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        # Version 0.1 told a health ground by the code's prefix ("health_…").
        state["health_ground"] = str(state["ground_code"]).startswith("health")

    def apply(self, file: ResidenceFile) -> None:
        file.tolerated_stays.append(
            {"subtype": self.subtype, "valid_from": self.valid_from, "valid_until": self.valid_until}
        )


class CooperationDutyNotified(FileEvent):
    """The person was told which acts of cooperation are owed, and by when (Belehrung)."""

    notified_on: date
    required_act_codes: list[str]
    deadline: date
    instruction_text: str | None
    corrects: UUID | None


class IdentityDocumentSubmitted(FileEvent):
    """An identity document was submitted (the document stays here)."""

    submitted_on: date
    document_type: str
    valid_until: date | None
    document_ref: str | None
    corrects: UUID | None


class IdentityClarified(Aggregate.Event):
    """The person's identity is clarified."""

    clarified_on: date
    method: str
    document_ref: str | None
    corrects: UUID | None

    def apply(self, file: ResidenceFile) -> None:
        file.identity_clarified_on = self.clarified_on


class ResidencePermitApplied(Aggregate.Event):
    """An application for a residence title."""

    applied_on: date
    norm: str
    corrects: UUID | None

    def apply(self, file: ResidenceFile) -> None:
        file.pending_applications[self.norm] = self.applied_on


class FictionCertificateIssued(FileEvent):
    """A Fiktionsbescheinigung (§ 81 Abs. 3–5 AufenthG)."""

    issued_on: date
    subsection: str
    valid_until: date
    corrects: UUID | None


class ResidencePermitGranted(Aggregate.Event):
    """A residence permit was granted (a decision by a person)."""

    norm: str
    granted_on: date
    valid_from: date
    valid_until: date
    employment_permitted: bool
    conditions: str | None
    decided_by: str
    rule_version_ids: list[str]
    corrects: UUID | None

    def apply(self, file: ResidenceFile) -> None:
        file.pending_applications.pop(self.norm, None)
        file.permits.append({"norm": self.norm, "valid_from": self.valid_from, "valid_until": self.valid_until})
        file.decide(self.norm, "granted", self.decided_by, self.rule_version_ids)


class SettlementPermitGranted(Aggregate.Event):
    """A settlement permit was granted (a decision by a person)."""

    norm: str
    granted_on: date
    decided_by: str
    rule_version_ids: list[str]
    corrects: UUID | None

    def apply(self, file: ResidenceFile) -> None:
        file.pending_applications.pop(self.norm, None)
        file.permits.append({"norm": self.norm, "valid_from": self.granted_on, "valid_until": None})
        file.decide(self.norm, "granted", self.decided_by, self.rule_version_ids)


class ResidencePermitRefused(Aggregate.Event):
    """A pending application was refused (a decision by a person)."""

    norm: str
    refused_on: date
    ground_codes: list[str]
    conviction_ground: bool
    decided_by: str
    rule_version_ids: list[str]
    corrects: UUID | None

    def apply(self, file: ResidenceFile) -> None:
        file.pending_applications.pop(self.norm, None)
        file.decide(self.norm, "refused", self.decided_by, self.rule_version_ids)


class EmploymentPermissionGranted(FileEvent):
    """Employment was permitted (the employer stays here)."""

    granted_on: date
    scope_code: str
    valid_until: date | None
    employer: str | None
    ba_consent_ref: str | None
    corrects: UUID | None


class DepartureObligationEnforceable(FileEvent):
    """The obligation to leave became enforceable."""

    enforceable_on: date
    basis_code: str
    departure_deadline: date | None
    corrects: UUID | None


class DepartureRecorded(FileEvent):
    """The person left Germany."""

    departed_on: date
    kind: str
    corrects: UUID | None
