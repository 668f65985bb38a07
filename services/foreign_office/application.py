"""The foreign office's use cases (incl. naturalisation): status, identity, applications, decisions.

Decisions (granting or refusing a permit) need an open KIM case, as the foreign
office's own view shows it, unless they correct an earlier decision.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.foreign_office import commands as c
from services.foreign_office.domain import ResidenceFile
from shared.application.catalogue import AnyCommand, CaseCommand
from shared.application.department import DepartmentApplication
from shared.application.results import Saved
from shared.events import catalogue as ev
from shared.service import Service


class ForeignOfficeApplication(DepartmentApplication[ResidenceFile]):
    """The Ausländerbehörde's (and naturalisation authority's) file on each KIM case."""

    name = "ForeignOffice"
    service = Service.FOREIGN_OFFICE
    file_class = ResidenceFile

    # --- status and identity -------------------------------------------------------------

    def issue_tolerated_stay(self, case_id: UUID, cmd: c.IssueToleratedStay) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.issue_tolerated_stay(
                subtype=cmd.subtype,
                ground_code=cmd.ground_code,
                valid_from=cmd.valid_from,
                valid_until=cmd.valid_until,
                work_permitted=cmd.work_permitted,
                residence_condition=cmd.residence_condition,
                remarks=cmd.remarks,
                corrects=cmd.corrects,
            ),
        )

    def notify_cooperation_duty(self, case_id: UUID, cmd: c.NotifyCooperationDuty) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.notify_cooperation_duty(
                notified_on=cmd.notified_on,
                required_act_codes=cmd.required_act_codes,
                deadline=cmd.deadline,
                instruction_text=cmd.instruction_text,
                corrects=cmd.corrects,
            ),
        )

    def submit_identity_document(self, case_id: UUID, cmd: c.SubmitIdentityDocument) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.submit_identity_document(
                submitted_on=cmd.submitted_on,
                document_type=cmd.document_type,
                valid_until=cmd.valid_until,
                document_ref=cmd.document_ref,
                corrects=cmd.corrects,
            ),
        )

    def clarify_identity(self, case_id: UUID, cmd: c.ClarifyIdentity) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.clarify_identity(
                clarified_on=cmd.clarified_on, method=cmd.method, document_ref=cmd.document_ref, corrects=cmd.corrects
            ),
        )

    def establish_identity_deception(self, case_id: UUID, cmd: c.EstablishIdentityDeception) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.establish_identity_deception(
                established_on=cmd.established_on, finding=cmd.finding, effect_code=cmd.effect_code
            ),
        )

    # --- applications and decisions ----------------------------------------------------

    def apply_for_residence_permit(self, case_id: UUID, cmd: c.ApplyForResidencePermit) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.apply_for_residence_permit(
                applied_on=cmd.applied_on, norm=cmd.norm, corrects=cmd.corrects
            ),
        )

    def issue_fiction_certificate(self, case_id: UUID, cmd: c.IssueFictionCertificate) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.issue_fiction_certificate(
                issued_on=cmd.issued_on, subsection=cmd.subsection, valid_until=cmd.valid_until, corrects=cmd.corrects
            ),
        )

    def grant_residence_permit(self, case_id: UUID, cmd: c.GrantResidencePermit) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.grant_residence_permit(
                norm=cmd.norm,
                granted_on=cmd.granted_on,
                valid_from=cmd.valid_from,
                valid_until=cmd.valid_until,
                employment_permitted=cmd.employment_permitted,
                conditions=cmd.conditions,
                decided_by=cmd.decided_by,
                rule_version_ids=cmd.rule_version_ids,
                corrects=cmd.corrects,
            ),
            needs_open_case=True,
        )

    def grant_settlement_permit(self, case_id: UUID, cmd: c.GrantSettlementPermit) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.grant_settlement_permit(
                norm=cmd.norm,
                granted_on=cmd.granted_on,
                decided_by=cmd.decided_by,
                rule_version_ids=cmd.rule_version_ids,
                corrects=cmd.corrects,
            ),
            needs_open_case=True,
        )

    def refuse_residence_permit(self, case_id: UUID, cmd: c.RefuseResidencePermit) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.refuse_residence_permit(
                norm=cmd.norm,
                refused_on=cmd.refused_on,
                ground_codes=cmd.ground_codes,
                conviction_ground=cmd.conviction_ground,
                decided_by=cmd.decided_by,
                rule_version_ids=cmd.rule_version_ids,
                corrects=cmd.corrects,
            ),
            needs_open_case=True,
        )

    def grant_employment_permission(self, case_id: UUID, cmd: c.GrantEmploymentPermission) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.grant_employment_permission(
                granted_on=cmd.granted_on,
                scope_code=cmd.scope_code,
                valid_until=cmd.valid_until,
                employer=cmd.employer,
                ba_consent_ref=cmd.ba_consent_ref,
                corrects=cmd.corrects,
            ),
        )

    # --- what never leaves the foreign office, and departure ------------------------------

    def notify_criminal_conviction(self, case_id: UUID, cmd: c.NotifyCriminalConviction) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.notify_criminal_conviction(
                convicted_on=cmd.convicted_on,
                court=cmd.court,
                sanction_code=cmd.sanction_code,
                day_fines=cmd.day_fines,
                prison_months=cmd.prison_months,
                foreigner_only_offence=cmd.foreigner_only_offence,
                hate_motive=cmd.hate_motive,
            ),
        )

    def make_departure_enforceable(self, case_id: UUID, cmd: c.MakeDepartureEnforceable) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.make_departure_enforceable(
                enforceable_on=cmd.enforceable_on,
                basis_code=cmd.basis_code,
                departure_deadline=cmd.departure_deadline,
                corrects=cmd.corrects,
            ),
        )

    def schedule_removal(self, case_id: UUID, cmd: c.ScheduleRemoval) -> Saved:
        return self.change(case_id, cmd, lambda file: file.schedule_removal(removal_on=cmd.removal_on, route=cmd.route))

    def record_departure(self, case_id: UUID, cmd: c.RecordDeparture) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.record_departure(departed_on=cmd.departed_on, kind=cmd.kind, corrects=cmd.corrects),
        )

    # --- naturalisation ------------------------------------------------------------------

    def apply_for_naturalisation(self, case_id: UUID, cmd: c.ApplyForNaturalisation) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.apply_for_naturalisation(
                applied_on=cmd.applied_on, basis=cmd.basis, corrects=cmd.corrects
            ),
        )

    def assess_naturalisation_requirement(self, case_id: UUID, cmd: c.AssessNaturalisationRequirement) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.assess_naturalisation_requirement(
                requirement=cmd.requirement,
                met=cmd.met,
                rule_version_id=cmd.rule_version_id,
                assessed_by=cmd.assessed_by,
            ),
        )

    def hand_over_naturalisation_certificate(self, case_id: UUID, cmd: c.HandOverNaturalisationCertificate) -> Saved:
        return self.change(
            case_id,
            cmd,
            lambda file: file.hand_over_naturalisation_certificate(
                handed_over_on=cmd.handed_over_on, corrects=cmd.corrects
            ),
        )

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


F = ForeignOfficeApplication
COMMANDS: tuple[AnyCommand[ForeignOfficeApplication], ...] = (
    CaseCommand("tolerated-stays", c.IssueToleratedStay, F.issue_tolerated_stay, "Duldung erteilen"),
    CaseCommand(
        "cooperation-duties", c.NotifyCooperationDuty, F.notify_cooperation_duty, "Mitwirkungspflicht belehren"
    ),
    CaseCommand(
        "identity-documents", c.SubmitIdentityDocument, F.submit_identity_document, "Identitätsdokument erfassen"
    ),
    CaseCommand("identity-clarification", c.ClarifyIdentity, F.clarify_identity, "Identität geklärt", adds_entry=False),
    CaseCommand(
        "identity-deceptions",
        c.EstablishIdentityDeception,
        F.establish_identity_deception,
        "Identitätstäuschung feststellen (intern)",
    ),
    CaseCommand(
        "residence-permit-applications",
        c.ApplyForResidencePermit,
        F.apply_for_residence_permit,
        "Antrag auf Aufenthaltstitel erfassen",
    ),
    CaseCommand(
        "fiction-certificates",
        c.IssueFictionCertificate,
        F.issue_fiction_certificate,
        "Fiktionsbescheinigung ausstellen",
    ),
    CaseCommand("residence-permits", c.GrantResidencePermit, F.grant_residence_permit, "Aufenthaltserlaubnis erteilen"),
    CaseCommand(
        "settlement-permits", c.GrantSettlementPermit, F.grant_settlement_permit, "Niederlassungserlaubnis erteilen"
    ),
    CaseCommand("residence-permit-refusals", c.RefuseResidencePermit, F.refuse_residence_permit, "Antrag ablehnen"),
    CaseCommand(
        "employment-permissions", c.GrantEmploymentPermission, F.grant_employment_permission, "Beschäftigung erlauben"
    ),
    CaseCommand(
        "criminal-convictions",
        c.NotifyCriminalConviction,
        F.notify_criminal_conviction,
        "Verurteilung erfassen (intern)",
    ),
    CaseCommand(
        "departure-enforceability",
        c.MakeDepartureEnforceable,
        F.make_departure_enforceable,
        "Vollziehbare Ausreisepflicht erfassen",
    ),
    CaseCommand("removals", c.ScheduleRemoval, F.schedule_removal, "Abschiebung terminieren (geheim)"),
    CaseCommand("departures", c.RecordDeparture, F.record_departure, "Ausreise erfassen"),
    CaseCommand(
        "naturalisation-applications",
        c.ApplyForNaturalisation,
        F.apply_for_naturalisation,
        "Einbürgerungsantrag erfassen",
    ),
    CaseCommand(
        "naturalisation-assessments",
        c.AssessNaturalisationRequirement,
        F.assess_naturalisation_requirement,
        "Einbürgerungsvoraussetzung bewerten (intern)",
    ),
    CaseCommand(
        "naturalisation-certificates",
        c.HandOverNaturalisationCertificate,
        F.hand_over_naturalisation_certificate,
        "Einbürgerungsurkunde ausgehändigt",
    ),
)
"""Every foreign-office command with its use case; the API and the import are built from it."""

INTERNAL_EVENTS: tuple[type[Any], ...] = (
    ResidenceFile.FileOpened,
    ResidenceFile.IdentityDeceptionEstablished,
    ResidenceFile.CriminalConvictionNotified,
    ResidenceFile.RemovalScheduled,
    ResidenceFile.NaturalisationRequirementAssessed,
    ResidenceFile.RowImported,
)
