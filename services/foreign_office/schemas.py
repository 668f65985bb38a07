"""Commands and answers of the foreign office API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shared.commands import Command, CommandSpec, Correctable, text
from shared.events.base import Code
from shared.events.common import Norm


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
    ground_code: Code = Field(description="e.g. no_travel_documents, health_… (Art. 9), training, employment")
    valid_from: date
    valid_until: date
    work_permitted: bool
    residence_condition: bool
    remarks: str | None = Field(None, max_length=2000, description="Internal; never leaves the foreign office.")


class NotifyCooperationDuty(Correctable):
    """Tell the person which acts of cooperation are owed and by when."""

    notified_on: date
    required_act_codes: list[Code] = Field(min_length=1, max_length=20)
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
    finding: text(5000)  # type: ignore[valid-type]
    effect_code: Code


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
    decided_by: Code = Field(description="The person who decided (Art. 22 DSGVO).")
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
    ground_codes: list[Code] = Field(default_factory=list, max_length=20)
    conviction_ground: bool = False


class GrantEmploymentPermission(Correctable):
    """Permit employment."""

    granted_on: date
    scope_code: Code
    valid_until: date | None = None
    employer: str | None = Field(None, max_length=300, description="Internal.")
    ba_consent_ref: str | None = Field(None, max_length=100, description="Internal.")


class NotifyCriminalConviction(Command):
    """Internal (Art. 10): a conviction reported under MiStra Nr. 42."""

    convicted_on: date
    court: text(300)  # type: ignore[valid-type]
    sanction_code: Code
    day_fines: int | None = Field(None, ge=1, le=720)
    prison_months: int | None = Field(None, ge=1, le=600)
    foreigner_only_offence: bool = False
    hate_motive: bool = False


class MakeDepartureEnforceable(Correctable):
    """The obligation to leave became enforceable."""

    enforceable_on: date
    basis_code: Code
    departure_deadline: date | None = None


class ScheduleRemoval(Command):
    """SECRET: schedule a removal. Never leaves the foreign office."""

    removal_on: date
    route: text(500)  # type: ignore[valid-type]


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
    assessed_by: Code


class HandOverNaturalisationCertificate(Correctable):
    """The naturalisation certificate was handed over."""

    handed_over_on: date


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("issue_tolerated_stay", "tolerated-stays", IssueToleratedStay, 201, "Duldung erteilen"),
    CommandSpec(
        "notify_cooperation_duty", "cooperation-duties", NotifyCooperationDuty, 201, "Mitwirkungspflicht belehren"
    ),
    CommandSpec(
        "submit_identity_document", "identity-documents", SubmitIdentityDocument, 201, "Identitätsdokument erfassen"
    ),
    CommandSpec("clarify_identity", "identity-clarification", ClarifyIdentity, 200, "Identität geklärt"),
    CommandSpec(
        "establish_identity_deception",
        "identity-deceptions",
        EstablishIdentityDeception,
        201,
        "Identitätstäuschung feststellen (intern)",
    ),
    CommandSpec(
        "apply_for_residence_permit",
        "residence-permit-applications",
        ApplyForResidencePermit,
        201,
        "Antrag auf Aufenthaltstitel erfassen",
    ),
    CommandSpec(
        "issue_fiction_certificate",
        "fiction-certificates",
        IssueFictionCertificate,
        201,
        "Fiktionsbescheinigung ausstellen",
    ),
    CommandSpec(
        "grant_residence_permit", "residence-permits", GrantResidencePermit, 201, "Aufenthaltserlaubnis erteilen"
    ),
    CommandSpec(
        "grant_settlement_permit", "settlement-permits", GrantSettlementPermit, 201, "Niederlassungserlaubnis erteilen"
    ),
    CommandSpec("refuse_residence_permit", "residence-permit-refusals", RefuseResidencePermit, 201, "Antrag ablehnen"),
    CommandSpec(
        "grant_employment_permission",
        "employment-permissions",
        GrantEmploymentPermission,
        201,
        "Beschäftigung erlauben",
    ),
    CommandSpec(
        "notify_criminal_conviction",
        "criminal-convictions",
        NotifyCriminalConviction,
        201,
        "Verurteilung erfassen (intern)",
    ),
    CommandSpec(
        "make_departure_enforceable",
        "departure-enforceability",
        MakeDepartureEnforceable,
        201,
        "Vollziehbare Ausreisepflicht erfassen",
    ),
    CommandSpec("schedule_removal", "removals", ScheduleRemoval, 201, "Abschiebung terminieren (geheim)"),
    CommandSpec("record_departure", "departures", RecordDeparture, 201, "Ausreise erfassen"),
    CommandSpec(
        "apply_for_naturalisation",
        "naturalisation-applications",
        ApplyForNaturalisation,
        201,
        "Einbürgerungsantrag erfassen",
    ),
    CommandSpec(
        "assess_naturalisation_requirement",
        "naturalisation-assessments",
        AssessNaturalisationRequirement,
        201,
        "Einbürgerungsvoraussetzung bewerten (intern)",
    ),
    CommandSpec(
        "hand_over_naturalisation_certificate",
        "naturalisation-certificates",
        HandOverNaturalisationCertificate,
        201,
        "Einbürgerungsurkunde ausgehändigt",
    ),
)

DECISIONS = frozenset({"grant_residence_permit", "grant_settlement_permit", "refuse_residence_permit"})


class ResidenceFilePublic(BaseModel):
    """The foreign office's own record of a case."""

    case_id: str
    version: int
    tolerated_stays: list[dict[str, object]]
    identity_clarified_on: date | None
    pending_applications: dict[str, date]
    permits: list[dict[str, object]]
    decisions: list[dict[str, object]]
