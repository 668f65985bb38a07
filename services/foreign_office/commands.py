"""The foreign office's commands: the validated input of its use cases."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from shared.application.commands import Command, Correctable, Text200, Text300, Text500, Text5000
from shared.events.base import Code
from shared.events.common import IsoCountry, Norm
from shared.events.vocabulary import (
    CooperationAct,
    DeceptionEffect,
    DeceptionKind,
    DepartureBasis,
    EmploymentScope,
    FileClosureReason,
    RefusalGround,
    SanctionKind,
    StaffId,
    ToleranceGround,
)


class OpenResidenceFile(Command):
    """Open the foreign office's own file on a person (statutory task; no consent involved)."""

    family_name: Text200
    given_names: Text200
    birth_date: date
    nationalities: list[IsoCountry] = Field(default_factory=list, max_length=5)
    file_reference: str | None = Field(None, max_length=100, description="Internal file number; never leaves.")


class LinkToKimCase(Command):
    """Link the file to the person's KIM case (the case must be known to the foreign office's view)."""

    case_id: UUID
    linked_on: date


class CloseResidenceFile(Command):
    """Close the file; afterwards it takes only corrections."""

    closed_on: date
    reason: FileClosureReason


class RecordEntry(Correctable):
    """Record the date of (the last relevant) entry into Germany."""

    entered_on: date


class RecordPassportCooperation(Correctable):
    """Record whether the person cooperates in obtaining a passport (§ 48 Abs. 3, § 60b AufenthG)."""

    assessed_on: date
    cooperated: bool
    all_reasonable_steps: bool = Field(description="All reasonable steps to clarify identity were taken in time.")


class _Period(Correctable):
    valid_from: date
    valid_until: date

    @model_validator(mode="after")
    def _check_period(self) -> _Period:
        if self.valid_until < self.valid_from:
            msg = "valid_until must not be before valid_from"
            raise ValueError(msg)
        return self


class IssueToleratedStay(Correctable):
    """Issue a Duldung (§ 60a/60b/60c/60d AufenthG)."""

    subtype: Literal["60a", "60b", "60c", "60d"]
    ground_code: ToleranceGround
    health_ground: bool = Field(
        False, description="The ground is the person's health (§ 60a Abs. 2c): Art. 9 data, shared only on consent."
    )
    valid_from: date
    valid_until: date
    work_permitted: bool
    residence_condition: bool
    remarks: str | None = Field(None, max_length=2000, description="Internal; never leaves the foreign office.")


class NotifyCooperationDuty(Correctable):
    """Tell the person which acts of cooperation are owed and by when."""

    notified_on: date
    required_act_codes: list[CooperationAct] = Field(min_length=1, max_length=len(CooperationAct))
    deadline: date
    instruction_text: str | None = Field(None, max_length=5000, description="Internal.")


class SubmitIdentityDocument(Correctable):
    """Record a submitted identity document."""

    submitted_on: date
    document_type: Literal["passport", "id_card", "birth_certificate", "other"]
    valid_until: date | None = None
    document_ref: str | None = Field(None, max_length=200, description="Internal file reference.")


class ClarifyIdentity(Correctable):
    """Record that the identity is clarified."""

    clarified_on: date
    method: Literal["passport", "id_card", "other_document", "substitute_evidence"]
    document_ref: str | None = Field(None, max_length=200, description="Internal file reference.")


class EstablishIdentityDeception(Command):
    """Internal finding of identity deception; never shared."""

    established_on: date
    finding: Text5000
    kind: DeceptionKind = DeceptionKind.DECEPTION
    effect_code: DeceptionEffect
    own_conduct: bool | None = Field(None, description="The person's own conduct (not e.g. the parents').")
    prevented_removal: bool | None = Field(None, description="It prevented or delayed removal.")


class ApplyForResidencePermit(Correctable):
    """Record an application for a residence title."""

    applied_on: date
    norm: Norm


class IssueFictionCertificate(Correctable):
    """Issue a Fiktionsbescheinigung."""

    issued_on: date
    subsection: Literal["81_3", "81_4", "81_5"]
    valid_until: date


class _Decision(Correctable):
    decided_by: StaffId = Field(description="The member of staff who decided (Art. 22 DSGVO), pseudonymously.")
    rule_version_ids: list[Code] = Field(
        default_factory=list, max_length=20, description="The Perspektive rule versions shown when deciding."
    )


class GrantResidencePermit(_Decision):
    """Grant a residence permit under a norm."""

    norm: Norm
    granted_on: date
    valid_from: date
    valid_until: date
    employment_permitted: bool
    conditions: str | None = Field(None, max_length=2000, description="Internal; never leaves the foreign office.")


class GrantSettlementPermit(_Decision):
    """Grant a settlement permit (§ 9 or § 26 Abs. 4)."""

    norm: Literal[Norm.AUFENTHG_9, Norm.AUFENTHG_26_4]
    granted_on: date


class RefuseResidencePermit(_Decision):
    """Refuse a pending application; only the outcome is shared."""

    norm: Norm
    refused_on: date
    ground_codes: list[RefusalGround] = Field(default_factory=list, max_length=len(RefusalGround))
    conviction_ground: bool = False


class GrantEmploymentPermission(Correctable):
    """Permit employment."""

    granted_on: date
    scope_code: EmploymentScope
    valid_until: date | None = None
    employer: str | None = Field(None, max_length=300, description="Internal.")
    ba_consent_ref: str | None = Field(None, max_length=100, description="Internal.")


class NotifyCriminalConviction(Command):
    """Internal (Art. 10): a conviction reported under MiStra Nr. 42."""

    convicted_on: date
    court: Text300
    sanction_code: SanctionKind
    day_fines: int | None = Field(None, ge=1, le=720)
    prison_months: int | None = Field(None, ge=1, le=600)
    intentional: bool | None = Field(None, description="Intentional offence; negligent offences do not count.")
    foreigner_only_offence: bool = Field(False, description="An offence only foreigners can commit (AufenthG, AsylG).")
    hate_motive: bool = False
    suspended: bool | None = Field(None, description="Custodial sentence suspended on probation.")
    remitted_on: date | None = Field(None, description="Sentence remitted after probation (Straferlass).")


class MakeDepartureEnforceable(Correctable):
    """The obligation to leave became enforceable."""

    enforceable_on: date
    basis_code: DepartureBasis
    departure_deadline: date | None = None


class ScheduleRemoval(Command):
    """SECRET: schedule a removal. Never leaves the foreign office."""

    removal_on: date
    route: Text500


class RecordDeparture(Correctable):
    """The person left Germany."""

    departed_on: date
    kind: Literal["voluntary", "assisted", "deported"]


class ApplyForNaturalisation(Correctable):
    """Record an application for naturalisation."""

    applied_on: date
    basis: Literal[Norm.STAG_8, Norm.STAG_9, Norm.STAG_10]


class AssessNaturalisationRequirement(Command):
    """Internal: record the assessment of one naturalisation requirement."""

    requirement: Code
    met: bool
    rule_version_id: Code
    assessed_by: StaffId


class HandOverNaturalisationCertificate(Correctable):
    """The naturalisation certificate was handed over."""

    handed_over_on: date
