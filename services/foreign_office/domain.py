"""The foreign office's file on a KIM case: status, identity, applications, decisions.

Some of what is recorded here never leaves the foreign office: identity deception
findings, criminal convictions (MiStra), removal dates (secret, § 59 Abs. 1 S. 8
AufenthG) and naturalisation requirement assessments. Those events exist here and
have no integration event at all.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.errors import DomainRuleViolationError


class InvalidPeriodError(DomainRuleViolationError):
    """A validity period ends before it starts."""


class IdentityAlreadyClarifiedError(DomainRuleViolationError):
    """Identity is clarified once; corrections are separate events."""


class NoPendingApplicationError(DomainRuleViolationError):
    """A refusal needs a pending application under the same norm."""


class ResidenceFile(Aggregate):
    """The Ausländerbehörde's (and naturalisation authority's) record of one case (id = case id)."""

    if TYPE_CHECKING:  # the @event decorators below create these classes; declared for the type checker
        FileOpened: ClassVar[type[Aggregate.Created]]
        ToleratedStayIssued: ClassVar[type[Aggregate.Event]]
        CooperationDutyNotified: ClassVar[type[Aggregate.Event]]
        IdentityDocumentSubmitted: ClassVar[type[Aggregate.Event]]
        IdentityClarified: ClassVar[type[Aggregate.Event]]
        IdentityDeceptionEstablished: ClassVar[type[Aggregate.Event]]
        ResidencePermitApplied: ClassVar[type[Aggregate.Event]]
        FictionCertificateIssued: ClassVar[type[Aggregate.Event]]
        ResidencePermitGranted: ClassVar[type[Aggregate.Event]]
        SettlementPermitGranted: ClassVar[type[Aggregate.Event]]
        ResidencePermitRefused: ClassVar[type[Aggregate.Event]]
        EmploymentPermissionGranted: ClassVar[type[Aggregate.Event]]
        CriminalConvictionNotified: ClassVar[type[Aggregate.Event]]
        DepartureObligationEnforceable: ClassVar[type[Aggregate.Event]]
        RemovalScheduled: ClassVar[type[Aggregate.Event]]
        DepartureRecorded: ClassVar[type[Aggregate.Event]]
        NaturalisationApplied: ClassVar[type[Aggregate.Event]]
        NaturalisationRequirementAssessed: ClassVar[type[Aggregate.Event]]
        NaturalisationCertificateHandedOver: ClassVar[type[Aggregate.Event]]
        RowImported: ClassVar[type[Aggregate.Event]]

    @event("FileOpened")
    def __init__(self, id: UUID) -> None:  # noqa: A002 - eventsourcing takes the id from it
        self.tolerated_stays: list[dict[str, Any]] = []
        self.identity_clarified_on: date | None = None
        self.pending_applications: dict[str, date] = {}
        self.permits: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.internal_findings: list[dict[str, Any]] = []
        self.imported_refs: set[str] = set()

    # --- status ----------------------------------------------------------------------

    def issue_tolerated_stay(
        self,
        subtype: str,
        ground_code: str,
        valid_from: date,
        valid_until: date,
        work_permitted: bool,
        residence_condition: bool,
        remarks: str | None,
        corrects: UUID | None,
    ) -> None:
        """Issue a Duldung for a period."""
        check_period(valid_from, valid_until)
        self._tolerated_stay_issued(
            subtype=subtype,
            ground_code=ground_code,
            valid_from=valid_from,
            valid_until=valid_until,
            work_permitted=work_permitted,
            residence_condition=residence_condition,
            remarks=remarks,
            corrects=corrects,
        )

    @event("ToleratedStayIssued")
    def _tolerated_stay_issued(
        self,
        subtype: str,
        ground_code: str,
        valid_from: date,
        valid_until: date,
        work_permitted: bool,
        residence_condition: bool,
        remarks: str | None,
        corrects: UUID | None,
    ) -> None:
        self.tolerated_stays.append({"subtype": subtype, "valid_from": valid_from, "valid_until": valid_until})

    @event("CooperationDutyNotified")
    def notify_cooperation_duty(
        self,
        notified_on: date,
        required_act_codes: list[str],
        deadline: date,
        instruction_text: str | None,
        corrects: UUID | None,
    ) -> None:
        """Tell the person which acts of cooperation are owed, and by when (Belehrung)."""

    @event("IdentityDocumentSubmitted")
    def submit_identity_document(
        self,
        submitted_on: date,
        document_type: str,
        valid_until: date | None,
        document_ref: str | None,
        corrects: UUID | None,
    ) -> None:
        """Record a submitted identity document (the document stays here)."""

    def clarify_identity(
        self, clarified_on: date, method: str, document_ref: str | None, corrects: UUID | None = None
    ) -> None:
        """Record that the person's identity is clarified."""
        if self.identity_clarified_on is not None and corrects is None:
            msg = "Die Identität ist bereits als geklärt erfasst."
            raise IdentityAlreadyClarifiedError(msg)
        self._identity_clarified(clarified_on=clarified_on, method=method, document_ref=document_ref, corrects=corrects)

    @event("IdentityClarified")
    def _identity_clarified(
        self, clarified_on: date, method: str, document_ref: str | None, corrects: UUID | None
    ) -> None:
        self.identity_clarified_on = clarified_on

    @event("IdentityDeceptionEstablished")
    def establish_identity_deception(self, established_on: date, finding: str, effect_code: str) -> None:
        """Internal: a finding of identity deception (ABH/EBB only)."""
        self.internal_findings.append({"kind": "deception", "on": established_on, "effect": effect_code})

    # --- applications and decisions -----------------------------------------------

    @event("ResidencePermitApplied")
    def apply_for_residence_permit(self, applied_on: date, norm: str, corrects: UUID | None) -> None:
        """Record an application for a residence title."""
        self.pending_applications[norm] = applied_on

    @event("FictionCertificateIssued")
    def issue_fiction_certificate(
        self, issued_on: date, subsection: str, valid_until: date, corrects: UUID | None
    ) -> None:
        """Issue a Fiktionsbescheinigung (§ 81 Abs. 3–5)."""

    def grant_residence_permit(
        self,
        norm: str,
        granted_on: date,
        valid_from: date,
        valid_until: date,
        employment_permitted: bool,
        conditions: str | None,
        decided_by: str,
        rule_version_ids: list[str],
        corrects: UUID | None,
    ) -> None:
        """Grant a residence permit under a norm (a decision by a person)."""
        check_period(valid_from, valid_until)
        self._permit_granted(
            norm=norm,
            granted_on=granted_on,
            valid_from=valid_from,
            valid_until=valid_until,
            employment_permitted=employment_permitted,
            conditions=conditions,
            decided_by=decided_by,
            rule_version_ids=rule_version_ids,
            corrects=corrects,
        )

    @event("ResidencePermitGranted")
    def _permit_granted(
        self,
        norm: str,
        granted_on: date,
        valid_from: date,
        valid_until: date,
        employment_permitted: bool,
        conditions: str | None,
        decided_by: str,
        rule_version_ids: list[str],
        corrects: UUID | None,
    ) -> None:
        self.pending_applications.pop(norm, None)
        self.permits.append({"norm": norm, "valid_from": valid_from, "valid_until": valid_until})
        self.decisions.append(
            {"norm": norm, "outcome": "granted", "decided_by": decided_by, "rule_version_ids": rule_version_ids}
        )

    @event("SettlementPermitGranted")
    def grant_settlement_permit(
        self, norm: str, granted_on: date, decided_by: str, rule_version_ids: list[str], corrects: UUID | None
    ) -> None:
        """Grant a settlement permit (a decision by a person)."""
        self.pending_applications.pop(norm, None)
        self.permits.append({"norm": norm, "valid_from": granted_on, "valid_until": None})
        self.decisions.append(
            {"norm": norm, "outcome": "granted", "decided_by": decided_by, "rule_version_ids": rule_version_ids}
        )

    def refuse_residence_permit(
        self,
        norm: str,
        refused_on: date,
        ground_codes: list[str],
        conviction_ground: bool,
        decided_by: str,
        rule_version_ids: list[str],
        corrects: UUID | None,
    ) -> None:
        """Refuse a pending application (a decision by a person)."""
        if norm not in self.pending_applications and corrects is None:
            msg = "Für diese Rechtsgrundlage liegt kein offener Antrag vor."
            raise NoPendingApplicationError(msg)
        self._permit_refused(
            norm=norm,
            refused_on=refused_on,
            ground_codes=ground_codes,
            conviction_ground=conviction_ground,
            decided_by=decided_by,
            rule_version_ids=rule_version_ids,
            corrects=corrects,
        )

    @event("ResidencePermitRefused")
    def _permit_refused(
        self,
        norm: str,
        refused_on: date,
        ground_codes: list[str],
        conviction_ground: bool,
        decided_by: str,
        rule_version_ids: list[str],
        corrects: UUID | None,
    ) -> None:
        self.pending_applications.pop(norm, None)
        self.decisions.append(
            {"norm": norm, "outcome": "refused", "decided_by": decided_by, "rule_version_ids": rule_version_ids}
        )

    @event("EmploymentPermissionGranted")
    def grant_employment_permission(
        self,
        granted_on: date,
        scope_code: str,
        valid_until: date | None,
        employer: str | None,
        ba_consent_ref: str | None,
        corrects: UUID | None,
    ) -> None:
        """Permit employment (the employer stays here)."""

    # --- things that never leave the foreign office -------------------------------------

    @event("CriminalConvictionNotified")
    def notify_criminal_conviction(
        self,
        convicted_on: date,
        court: str,
        sanction_code: str,
        day_fines: int | None,
        prison_months: int | None,
        foreigner_only_offence: bool,
        hate_motive: bool,
    ) -> None:
        """Internal (Art. 10): a conviction reported under MiStra Nr. 42."""
        self.internal_findings.append({"kind": "conviction", "on": convicted_on, "day_fines": day_fines})

    @event("DepartureObligationEnforceable")
    def make_departure_enforceable(
        self, enforceable_on: date, basis_code: str, departure_deadline: date | None, corrects: UUID | None
    ) -> None:
        """The obligation to leave became enforceable."""

    @event("RemovalScheduled")
    def schedule_removal(self, removal_on: date, route: str) -> None:
        """SECRET: a scheduled removal; never published, never projected elsewhere."""

    @event("DepartureRecorded")
    def record_departure(self, departed_on: date, kind: str, corrects: UUID | None) -> None:
        """The person left Germany."""

    # --- naturalisation ------------------------------------------------------------------

    @event("NaturalisationApplied")
    def apply_for_naturalisation(self, applied_on: date, basis: str, corrects: UUID | None) -> None:
        """Record an application for naturalisation."""

    @event("NaturalisationRequirementAssessed")
    def assess_naturalisation_requirement(
        self, requirement: str, met: bool, rule_version_id: str, assessed_by: str
    ) -> None:
        """Internal: one requirement assessed, with the rule version shown."""

    @event("NaturalisationCertificateHandedOver")
    def hand_over_naturalisation_certificate(self, handed_over_on: date, corrects: UUID | None) -> None:
        """The certificate was handed over: the person is a German citizen."""

    @event("RowImported")
    def record_import(self, ref: str) -> None:
        """An imported row (stores of earlier versions; imports now keep their row refs as idempotency keys)."""
        self.imported_refs.add(ref)


def check_period(valid_from: date, valid_until: date) -> None:
    if valid_until < valid_from:
        msg = "Das Ende der Gültigkeit liegt vor ihrem Beginn."
        raise InvalidPeriodError(msg)
