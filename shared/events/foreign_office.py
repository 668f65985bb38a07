"""Events published by the foreign office (Ausländerbehörde, incl. naturalisation)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.events.base import FileEvent, IntegrationEvent
from shared.events.common import Code, Norm
from shared.events.vocabulary import CooperationAct, DepartureBasis, EmploymentScope, StaffId, ToleranceGround
from shared.service import Service


class ForeignOfficeEvent(FileEvent):
    owner = Service.FOREIGN_OFFICE


class ResidenceFileLinked(ForeignOfficeEvent):
    """The foreign office's file on the person was linked to the KIM case; the file's earlier events
    the recipient may hold precede this event on the topic."""

    linked_on: date

    def valid_on(self) -> date:
        return self.linked_on


class EntryRecorded(ForeignOfficeEvent):
    """The date of (the last relevant) entry into Germany (§ 60d, the identity deadlines)."""

    entered_on: date

    def valid_on(self) -> date:
        return self.entered_on


class PassportCooperationRecorded(ForeignOfficeEvent):
    """Whether the person cooperates in obtaining a passport and took all reasonable steps."""

    assessed_on: date
    cooperated: bool
    all_reasonable_steps: bool

    def valid_on(self) -> date:
        return self.assessed_on


class Decision(ForeignOfficeEvent):
    """A decision made by a person, with the rule versions that were shown (Art. 22 DSGVO)."""

    decided_by: StaffId
    rule_version_ids: list[Code] = Field(default_factory=list, max_length=20)


class ToleratedStayIssued(ForeignOfficeEvent):
    """A Duldung was issued (§ 60a, § 60b, § 60c or § 60d AufenthG)."""

    subtype: Literal["60a", "60b", "60c", "60d"]
    ground_code: ToleranceGround
    health_ground: bool = False
    """A Duldung on health grounds (§ 60a Abs. 2c) is Art. 9 data."""
    valid_from: date
    valid_until: date
    work_permitted: bool
    residence_condition: bool

    def valid_on(self) -> date:
        return self.valid_from


class CooperationDutyNotified(ForeignOfficeEvent):
    """The person was told which acts of cooperation are owed, and by when (§ 82, § 60b Abs. 3)."""

    notified_on: date
    required_act_codes: list[CooperationAct] = Field(min_length=1, max_length=len(CooperationAct))
    deadline: date

    def valid_on(self) -> date:
        return self.notified_on


class IdentityDocumentSubmitted(ForeignOfficeEvent):
    """An identity document was submitted (the document stays with the foreign office)."""

    submitted_on: date
    document_type: Literal["passport", "id_card", "birth_certificate", "other"]
    valid_until: date | None = None

    def valid_on(self) -> date:
        return self.submitted_on


class IdentityClarified(ForeignOfficeEvent):
    """The person's identity is clarified (§ 48 Abs. 3 AufenthG)."""

    clarified_on: date
    method: Literal["passport", "id_card", "other_document", "substitute_evidence"]

    def valid_on(self) -> date:
        return self.clarified_on


class ResidencePermitApplied(ForeignOfficeEvent):
    """An application for a residence title under a norm was filed."""

    applied_on: date
    norm: Norm

    def valid_on(self) -> date:
        return self.applied_on


class FictionCertificateIssued(ForeignOfficeEvent):
    """A Fiktionsbescheinigung was issued (§ 81 Abs. 3–5)."""

    issued_on: date
    subsection: Literal["81_3", "81_4", "81_5"]
    valid_until: date

    def valid_on(self) -> date:
        return self.issued_on


class ResidencePermitGranted(Decision):
    """A residence permit under a named norm was granted."""

    norm: Norm
    granted_on: date
    valid_from: date
    valid_until: date
    employment_permitted: bool

    def valid_on(self) -> date:
        return self.valid_from


class SettlementPermitGranted(Decision):
    """A settlement permit was granted (§ 9, § 26 Abs. 4)."""

    norm: Literal[Norm.AUFENTHG_9, Norm.AUFENTHG_26_4]
    granted_on: date

    def valid_on(self) -> date:
        return self.granted_on


class ResidencePermitRefused(Decision):
    """An application was refused; the grounds stay with the foreign office (outcome only)."""

    norm: Norm
    refused_on: date

    def valid_on(self) -> date:
        return self.refused_on


class EmploymentPermissionGranted(ForeignOfficeEvent):
    """Employment was permitted; the employer stays with the foreign office."""

    granted_on: date
    scope_code: EmploymentScope
    valid_until: date | None = None

    def valid_on(self) -> date:
        return self.granted_on


class DepartureObligationEnforceable(ForeignOfficeEvent):
    """The obligation to leave became enforceable (§ 58 Abs. 2)."""

    enforceable_on: date
    basis_code: DepartureBasis
    departure_deadline: date | None = None

    def valid_on(self) -> date:
        return self.enforceable_on


class DepartureRecorded(ForeignOfficeEvent):
    """The person left Germany."""

    departed_on: date
    kind: Literal["voluntary", "assisted", "deported"]

    def valid_on(self) -> date:
        return self.departed_on


class NaturalisationApplied(ForeignOfficeEvent):
    """An application for naturalisation was filed."""

    applied_on: date
    basis: Literal[Norm.STAG_8, Norm.STAG_9, Norm.STAG_10]

    def valid_on(self) -> date:
        return self.applied_on


class NaturalisationCertificateHandedOver(ForeignOfficeEvent):
    """The naturalisation certificate was handed over; the person is a German citizen."""

    handed_over_on: date

    def valid_on(self) -> date:
        return self.handed_over_on


FOREIGN_OFFICE_EVENTS: tuple[type[IntegrationEvent], ...] = (
    ResidenceFileLinked,
    EntryRecorded,
    PassportCooperationRecorded,
    ToleratedStayIssued,
    CooperationDutyNotified,
    IdentityDocumentSubmitted,
    IdentityClarified,
    ResidencePermitApplied,
    FictionCertificateIssued,
    ResidencePermitGranted,
    SettlementPermitGranted,
    ResidencePermitRefused,
    EmploymentPermissionGranted,
    DepartureObligationEnforceable,
    DepartureRecorded,
    NaturalisationApplied,
    NaturalisationCertificateHandedOver,
)
