"""The foreign office's own file on a person: status, identity, applications, decisions.

The Ausländerbehörde keeps a file on every person it deals with under its statutory
task, whether or not that person takes part in KIM; the file has its own id. When
the person joins KIM, the file is linked to the KIM case by an event
(``KimCaseLinked``); only from then on, and only as the sharing policy and the
person's consent allow, does anything of the file leave the foreign office.

Some of what is recorded here never leaves the foreign office at all: identity
deception findings, criminal convictions (MiStra), removal dates (secret, § 59
Abs. 1 S. 8 AufenthG), naturalisation requirement assessments, and its own
assessments of declarations, security, removal measures, the integration prognosis
and family members' permits. Those events have no integration event; they feed the
foreign office's own evaluation (``owner.py``). The events themselves are in ``events/``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import BaseModel

from services.foreign_office import commands as c
from services.foreign_office import events as e
from services.foreign_office import fact_commands as fc
from shared.errors import DomainRuleViolationError
from shared.staffing import Staffing


class InvalidPeriodError(DomainRuleViolationError):
    """A validity period ends before it starts."""


class IdentityAlreadyClarifiedError(DomainRuleViolationError):
    """Identity is clarified once; corrections are separate events."""


class NoPendingApplicationError(DomainRuleViolationError):
    """A refusal needs a pending application under the same norm."""


class FileClosedError(DomainRuleViolationError):
    """A closed file takes no new entries except corrections."""


class AlreadyLinkedError(DomainRuleViolationError):
    """A file is linked to one KIM case, once."""


def values(cmd: BaseModel) -> dict[str, Any]:
    """A command's fields as its event records them (without the concurrency token)."""
    return cmd.model_dump(exclude={"expected_version"})


class ResidenceFile(Aggregate):
    """The Ausländerbehörde's (and Einbürgerungsbehörde's) file on one person, under its own id."""

    def __init__(
        self,
        family_name: str | None,
        given_names: str | None,
        birth_date: date | None,
        nationalities: list[str],
        file_reference: str | None,
        kim_case_id: UUID | None,
        opened_by: str | None = None,
    ) -> None:
        self.staffing = Staffing()
        if opened_by:  # whoever opened the file works on it
            self.staffing.assignees[opened_by] = None
        self.family_name, self.given_names, self.birth_date = family_name, given_names, birth_date
        self.nationalities, self.file_reference = nationalities, file_reference
        self.kim_case_id = kim_case_id
        self.linked_in_version: int | None = 1 if kim_case_id else None
        self.closed_on: date | None = None
        self.entry_on: date | None = None
        self.tolerated_stays: list[dict[str, Any]] = []
        self.identity_clarified_on: date | None = None
        self.pending_applications: dict[str, date] = {}
        self.permits: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.convictions: list[dict[str, Any]] = []
        self.deceptions: list[dict[str, Any]] = []
        self.assessments: dict[str, list[tuple[date, bool]]] = {}
        """The foreign office's own yes/no findings by fact (internal), each with the day it was made."""
        self.member_permits: dict[str, tuple[date, list[dict[str, Any]]]] = {}
        """Household members' permits by member reference: the latest record of each (internal)."""
        self.imported_refs: set[str] = set()

    @classmethod
    def open(cls, cmd: c.OpenResidenceFile) -> ResidenceFile:
        """Open a file on a person the foreign office deals with (not yet linked to KIM)."""
        return cls._create(e.FileOpened, **values(cmd), kim_case_id=None, opened_by=cmd.actor)

    # --- the file and its link to KIM ---------------------------------------------------

    def link_to_kim_case(self, case_id: UUID, linked_on: date) -> None:
        """Link the file to the person's KIM case (the person joined KIM)."""
        if self.kim_case_id is not None:
            msg = "Die Akte ist bereits mit einem KIM-Fall verknüpft."
            raise AlreadyLinkedError(msg)
        self.trigger_event(e.KimCaseLinked, case_id=case_id, linked_on=linked_on)

    def close(self, cmd: c.CloseResidenceFile) -> None:
        """Close the file; afterwards it takes only corrections."""
        self.trigger_event(e.FileClosed, closed_on=cmd.closed_on, reason=cmd.reason.value)

    def check_open(self, corrects: UUID | None) -> None:
        """A closed file takes only corrections."""
        if self.closed_on is not None and corrects is None:
            msg = "Die Akte ist geschlossen; nur Berichtigungen sind möglich."
            raise FileClosedError(msg)

    def _record(self, event_class: type[Aggregate.Event], cmd: BaseModel) -> None:
        """An entry that needs no check beyond the command's own validation."""
        self.trigger_event(event_class, **values(cmd))

    # --- status, identity, decisions ---------------------------------------------------------

    def issue_tolerated_stay(self, cmd: c.IssueToleratedStay) -> None:
        """Issue a Duldung for a period."""
        check_period(cmd.valid_from, cmd.valid_until)
        self._record(e.ToleratedStayIssued, cmd)

    def clarify_identity(self, cmd: c.ClarifyIdentity) -> None:
        """Record that the person's identity is clarified (once; later entries correct it)."""
        if self.identity_clarified_on is not None and cmd.corrects is None:
            msg = "Die Identität ist bereits als geklärt erfasst."
            raise IdentityAlreadyClarifiedError(msg)
        self._record(e.IdentityClarified, cmd)

    def grant_residence_permit(self, cmd: c.GrantResidencePermit) -> None:
        """Grant a residence permit under a norm (a decision by a person)."""
        check_period(cmd.valid_from, cmd.valid_until)
        self._record(e.ResidencePermitGranted, cmd)

    def refuse_residence_permit(self, cmd: c.RefuseResidencePermit) -> None:
        """Refuse a pending application (a decision by a person)."""
        if cmd.norm not in self.pending_applications and cmd.corrects is None:
            msg = "Für diese Rechtsgrundlage liegt kein offener Antrag vor."
            raise NoPendingApplicationError(msg)
        self._record(e.ResidencePermitRefused, cmd)

    # --- entries that need no check beyond the command's validation -------------------------

    def record_entry(self, cmd: c.RecordEntry) -> None:
        """Record the date of (the last relevant) entry into Germany (§ 60d, identity deadlines)."""
        self._record(e.EntryRecorded, cmd)

    def record_passport_cooperation(self, cmd: c.RecordPassportCooperation) -> None:
        """Record whether the person cooperates in obtaining a passport (§ 48 Abs. 3, § 60b)."""
        self._record(e.PassportCooperationRecorded, cmd)

    def notify_cooperation_duty(self, cmd: c.NotifyCooperationDuty) -> None:
        """Tell the person which acts of cooperation are owed, and by when (Belehrung)."""
        self._record(e.CooperationDutyNotified, cmd)

    def submit_identity_document(self, cmd: c.SubmitIdentityDocument) -> None:
        """Record a submitted identity document (the document stays here)."""
        self._record(e.IdentityDocumentSubmitted, cmd)

    def establish_identity_deception(self, cmd: c.EstablishIdentityDeception) -> None:
        """Internal: a finding of deception or obstruction of removal (ABH/EBB only)."""
        self._record(e.IdentityDeceptionEstablished, cmd)

    def apply_for_residence_permit(self, cmd: c.ApplyForResidencePermit) -> None:
        """Record an application for a residence title."""
        self._record(e.ResidencePermitApplied, cmd)

    def issue_fiction_certificate(self, cmd: c.IssueFictionCertificate) -> None:
        """Issue a Fiktionsbescheinigung (§ 81 Abs. 3–5)."""
        self._record(e.FictionCertificateIssued, cmd)

    def grant_settlement_permit(self, cmd: c.GrantSettlementPermit) -> None:
        """Grant a settlement permit (a decision by a person)."""
        self._record(e.SettlementPermitGranted, cmd)

    def grant_employment_permission(self, cmd: c.GrantEmploymentPermission) -> None:
        """Permit employment (the employer stays here)."""
        self._record(e.EmploymentPermissionGranted, cmd)

    def notify_criminal_conviction(self, cmd: c.NotifyCriminalConviction) -> None:
        """Internal (Art. 10): a conviction reported under MiStra Nr. 42."""
        self._record(e.CriminalConvictionNotified, cmd)

    def make_departure_enforceable(self, cmd: c.MakeDepartureEnforceable) -> None:
        """The obligation to leave became enforceable."""
        self._record(e.DepartureObligationEnforceable, cmd)

    def schedule_removal(self, cmd: c.ScheduleRemoval) -> None:
        """SECRET: schedule a removal; never published, never projected elsewhere."""
        self._record(e.RemovalScheduled, cmd)

    def record_departure(self, cmd: c.RecordDeparture) -> None:
        """The person left Germany."""
        self._record(e.DepartureRecorded, cmd)

    def apply_for_naturalisation(self, cmd: c.ApplyForNaturalisation) -> None:
        """Record an application for naturalisation."""
        self._record(e.NaturalisationApplied, cmd)

    def assess_naturalisation_requirement(self, cmd: c.AssessNaturalisationRequirement) -> None:
        """Internal: one naturalisation requirement assessed, with the rule version shown."""
        self._record(e.NaturalisationRequirementAssessed, cmd)

    def hand_over_naturalisation_certificate(self, cmd: c.HandOverNaturalisationCertificate) -> None:
        """The certificate was handed over: the person is a German citizen."""
        self._record(e.NaturalisationCertificateHandedOver, cmd)

    # --- the facts the decisions turn on (fact_commands) ------------------------------------

    def record_asylum_permission(self, cmd: fc.RecordAsylumPermission) -> None:
        """The stay is permitted for the asylum procedure (Aufenthaltsgestattung)."""
        self._record(e.AsylumPermissionRecorded, cmd)

    def record_asylum_decision(self, cmd: fc.RecordAsylumDecision) -> None:
        """The outcome of the asylum procedure."""
        self._record(e.AsylumDecisionRecorded, cmd)

    def assess_identity(self, cmd: fc.AssessIdentity) -> None:
        """Identity, nationality and passport as assessed (a recorded "no" included)."""
        self._record(e.IdentityAssessed, cmd)

    def assess_employment_ban(self, cmd: fc.AssessEmploymentBan) -> None:
        """Whether employment is banned under § 60a Abs. 6 (the ground stays here)."""
        self._record(e.EmploymentBanAssessed, cmd)

    def record_employment_agency_consent(self, cmd: fc.RecordEmploymentAgencyConsent) -> None:
        """The Federal Employment Agency's answer to the request for its consent."""
        self._record(e.EmploymentAgencyConsentRecorded, cmd)

    def assess_departure_obstacle(self, cmd: fc.AssessDepartureObstacle) -> None:
        """Whether departure is impossible and the obstacle lasting (§ 25 Abs. 5)."""
        self._record(e.DepartureObstacleAssessed, cmd)

    def record_declarations(self, cmd: fc.RecordDeclarations) -> None:
        """Internal: the commitments made (or refused)."""
        self._record(e.DeclarationsRecorded, cmd)

    def assess_renunciation(self, cmd: fc.AssessRenunciation) -> None:
        """Internal (EBB): the loss of the previous nationality ensured or not."""
        self._record(e.RenunciationAssessed, cmd)

    def assess_security(self, cmd: fc.AssessSecurity) -> None:
        """Internal: extremism indications and a serious interest in expulsion."""
        self._record(e.SecurityAssessed, cmd)

    def assess_removal_measures(self, cmd: fc.AssessRemovalMeasures) -> None:
        """Internal (secret): concrete measures to end the stay under way or not."""
        self._record(e.RemovalMeasuresAssessed, cmd)

    def assess_integration_prognosis(self, cmd: fc.AssessIntegrationPrognosis) -> None:
        """Internal: the integration prognosis (§ 25a)."""
        self._record(e.IntegrationPrognosisAssessed, cmd)

    def record_family_member_status(self, cmd: fc.RecordFamilyMemberStatus) -> None:
        """Internal: a household member's applications and permits ([] = none known)."""
        permits = [p.model_dump(mode="json") for p in cmd.permits]
        self.trigger_event(
            e.FamilyMemberStatusRecorded, recorded_on=cmd.recorded_on, member_ref=cmd.member_ref, permits=permits
        )

    def note(self, fact: str, on: date, value: bool | None) -> None:
        """Keep one of the foreign office's own yes/no findings (None: not assessed this time)."""
        if value is not None:
            self.assessments.setdefault(fact, []).append((on, value))

    def decide(self, norm: str, outcome: str, decided_by: str, rule_version_ids: list[str]) -> None:
        """Keep a decision with who made it and which rule versions were shown (Art. 22 DSGVO)."""
        self.decisions.append(
            {"norm": norm, "outcome": outcome, "decided_by": decided_by, "rule_version_ids": rule_version_ids}
        )


def check_period(valid_from: date, valid_until: date) -> None:
    if valid_until < valid_from:
        msg = "Das Ende der Gültigkeit liegt vor ihrem Beginn."
        raise InvalidPeriodError(msg)
