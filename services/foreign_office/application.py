"""The foreign office's use cases (incl. naturalisation), on its own files.

The foreign office works on its own file under its statutory task: a Duldung, a
decision or the Perspektive never depend on the person's consent to KIM. A file
is linked to a KIM case only once the case is known to the foreign office's view,
i.e. on the basis the sharing policy names; only then does anything of it leave.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.foreign_office import commands as c
from services.foreign_office import events as e
from services.foreign_office import fact_commands as fc
from services.foreign_office.domain import ResidenceFile
from shared import staffing
from shared.application.catalogue import AnyCommand, CaseCommand, NewCaseCommand
from shared.application.department import DepartmentApplication
from shared.application.results import Saved
from shared.application.staffing import staffing_commands
from shared.events import catalogue as ev
from shared.service import Service


class ForeignOfficeApplication(DepartmentApplication[ResidenceFile]):
    """The Ausländerbehörde's (and Einbürgerungsbehörde's) files."""

    name = "ForeignOffice"
    service = Service.FOREIGN_OFFICE
    file_class = ResidenceFile
    link_event = e.KimCaseLinked

    def open_file(self, cmd: c.OpenResidenceFile) -> Saved:
        return self.start(ResidenceFile.open(cmd))

    def link_to_kim_case(self, file_id: UUID, cmd: c.LinkToKimCase) -> Saved:
        return self.link(file_id, cmd, cmd.case_id, cmd.linked_on)

    def close_file(self, file_id: UUID, cmd: c.CloseResidenceFile) -> Saved:
        return self.change(file_id, cmd, lambda file: file.close(cmd))

    def record_entry(self, file_id: UUID, cmd: c.RecordEntry) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_entry(cmd))

    def record_passport_cooperation(self, file_id: UUID, cmd: c.RecordPassportCooperation) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_passport_cooperation(cmd))

    def issue_tolerated_stay(self, file_id: UUID, cmd: c.IssueToleratedStay) -> Saved:
        return self.change(file_id, cmd, lambda file: file.issue_tolerated_stay(cmd))

    def notify_cooperation_duty(self, file_id: UUID, cmd: c.NotifyCooperationDuty) -> Saved:
        return self.change(file_id, cmd, lambda file: file.notify_cooperation_duty(cmd))

    def submit_identity_document(self, file_id: UUID, cmd: c.SubmitIdentityDocument) -> Saved:
        return self.change(file_id, cmd, lambda file: file.submit_identity_document(cmd))

    def clarify_identity(self, file_id: UUID, cmd: c.ClarifyIdentity) -> Saved:
        return self.change(file_id, cmd, lambda file: file.clarify_identity(cmd))

    def establish_identity_deception(self, file_id: UUID, cmd: c.EstablishIdentityDeception) -> Saved:
        return self.change(file_id, cmd, lambda file: file.establish_identity_deception(cmd))

    def apply_for_residence_permit(self, file_id: UUID, cmd: c.ApplyForResidencePermit) -> Saved:
        return self.change(file_id, cmd, lambda file: file.apply_for_residence_permit(cmd))

    def issue_fiction_certificate(self, file_id: UUID, cmd: c.IssueFictionCertificate) -> Saved:
        return self.change(file_id, cmd, lambda file: file.issue_fiction_certificate(cmd))

    def grant_residence_permit(self, file_id: UUID, cmd: c.GrantResidencePermit) -> Saved:
        return self.change(file_id, cmd, lambda file: file.grant_residence_permit(cmd))

    def grant_settlement_permit(self, file_id: UUID, cmd: c.GrantSettlementPermit) -> Saved:
        return self.change(file_id, cmd, lambda file: file.grant_settlement_permit(cmd))

    def refuse_residence_permit(self, file_id: UUID, cmd: c.RefuseResidencePermit) -> Saved:
        return self.change(file_id, cmd, lambda file: file.refuse_residence_permit(cmd))

    def grant_employment_permission(self, file_id: UUID, cmd: c.GrantEmploymentPermission) -> Saved:
        return self.change(file_id, cmd, lambda file: file.grant_employment_permission(cmd))

    def notify_criminal_conviction(self, file_id: UUID, cmd: c.NotifyCriminalConviction) -> Saved:
        return self.change(file_id, cmd, lambda file: file.notify_criminal_conviction(cmd))

    def make_departure_enforceable(self, file_id: UUID, cmd: c.MakeDepartureEnforceable) -> Saved:
        return self.change(file_id, cmd, lambda file: file.make_departure_enforceable(cmd))

    def schedule_removal(self, file_id: UUID, cmd: c.ScheduleRemoval) -> Saved:
        return self.change(file_id, cmd, lambda file: file.schedule_removal(cmd))

    def record_departure(self, file_id: UUID, cmd: c.RecordDeparture) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_departure(cmd))

    def apply_for_naturalisation(self, file_id: UUID, cmd: c.ApplyForNaturalisation) -> Saved:
        return self.change(file_id, cmd, lambda file: file.apply_for_naturalisation(cmd))

    def assess_naturalisation_requirement(self, file_id: UUID, cmd: c.AssessNaturalisationRequirement) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_naturalisation_requirement(cmd))

    def hand_over_naturalisation_certificate(self, file_id: UUID, cmd: c.HandOverNaturalisationCertificate) -> Saved:
        return self.change(file_id, cmd, lambda file: file.hand_over_naturalisation_certificate(cmd))

    # --- the facts the decisions turn on ------------------------------------------------------

    def record_asylum_permission(self, file_id: UUID, cmd: fc.RecordAsylumPermission) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_asylum_permission(cmd))

    def record_asylum_decision(self, file_id: UUID, cmd: fc.RecordAsylumDecision) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_asylum_decision(cmd))

    def assess_identity(self, file_id: UUID, cmd: fc.AssessIdentity) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_identity(cmd))

    def assess_employment_ban(self, file_id: UUID, cmd: fc.AssessEmploymentBan) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_employment_ban(cmd))

    def record_employment_agency_consent(self, file_id: UUID, cmd: fc.RecordEmploymentAgencyConsent) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_employment_agency_consent(cmd))

    def assess_departure_obstacle(self, file_id: UUID, cmd: fc.AssessDepartureObstacle) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_departure_obstacle(cmd))

    def record_declarations(self, file_id: UUID, cmd: fc.RecordDeclarations) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_declarations(cmd))

    def assess_renunciation(self, file_id: UUID, cmd: fc.AssessRenunciation) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_renunciation(cmd))

    def assess_security(self, file_id: UUID, cmd: fc.AssessSecurity) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_security(cmd))

    def assess_removal_measures(self, file_id: UUID, cmd: fc.AssessRemovalMeasures) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_removal_measures(cmd))

    def assess_integration_prognosis(self, file_id: UUID, cmd: fc.AssessIntegrationPrognosis) -> Saved:
        return self.change(file_id, cmd, lambda file: file.assess_integration_prognosis(cmd))

    def record_family_member_status(self, file_id: UUID, cmd: fc.RecordFamilyMemberStatus) -> Saved:
        return self.change(file_id, cmd, lambda file: file.record_family_member_status(cmd))

    published = {
        e.KimCaseLinked: ev.ResidenceFileLinked,
        e.EntryRecorded: ev.EntryRecorded,
        e.PassportCooperationRecorded: ev.PassportCooperationRecorded,
        e.ToleratedStayIssued: ev.ToleratedStayIssued,
        e.CooperationDutyNotified: ev.CooperationDutyNotified,
        e.IdentityDocumentSubmitted: ev.IdentityDocumentSubmitted,
        e.IdentityClarified: ev.IdentityClarified,
        e.ResidencePermitApplied: ev.ResidencePermitApplied,
        e.FictionCertificateIssued: ev.FictionCertificateIssued,
        e.ResidencePermitGranted: ev.ResidencePermitGranted,
        e.SettlementPermitGranted: ev.SettlementPermitGranted,
        e.ResidencePermitRefused: ev.ResidencePermitRefused,  # outcome only, no grounds
        e.EmploymentPermissionGranted: ev.EmploymentPermissionGranted,
        e.DepartureObligationEnforceable: ev.DepartureObligationEnforceable,
        e.DepartureRecorded: ev.DepartureRecorded,
        e.NaturalisationApplied: ev.NaturalisationApplied,
        e.NaturalisationCertificateHandedOver: ev.NaturalisationCertificateHandedOver,
        e.AsylumPermissionRecorded: ev.AsylumPermissionRecorded,
        e.AsylumDecisionRecorded: ev.AsylumDecisionRecorded,
        e.IdentityAssessed: ev.IdentityAssessed,
        e.EmploymentBanAssessed: ev.EmploymentBanAssessed,  # without the ground
        e.EmploymentAgencyConsentRecorded: ev.EmploymentAgencyConsentRecorded,  # without the reference
        e.DepartureObstacleAssessed: ev.DepartureObstacleAssessed,
    }


FO = ForeignOfficeApplication
COMMANDS: tuple[AnyCommand[ForeignOfficeApplication], ...] = (
    NewCaseCommand(c.OpenResidenceFile, FO.open_file, "Akte anlegen"),
    CaseCommand("kim-link", c.LinkToKimCase, FO.link_to_kim_case, "Mit KIM-Fall verknüpfen", adds_entry=False),
    CaseCommand("closing", c.CloseResidenceFile, FO.close_file, "Akte schließen", adds_entry=False),
    CaseCommand("entries", c.RecordEntry, FO.record_entry, "Einreisedatum erfassen"),
    CaseCommand(
        "passport-cooperation",
        c.RecordPassportCooperation,
        FO.record_passport_cooperation,
        "Mitwirkung bei der Passbeschaffung erfassen",
    ),
    CaseCommand("tolerated-stays", c.IssueToleratedStay, FO.issue_tolerated_stay, "Duldung erteilen"),
    CaseCommand(
        "cooperation-duties", c.NotifyCooperationDuty, FO.notify_cooperation_duty, "Mitwirkungspflicht belehren"
    ),
    CaseCommand(
        "identity-documents", c.SubmitIdentityDocument, FO.submit_identity_document, "Identitätsdokument erfassen"
    ),
    CaseCommand(
        "identity-clarification", c.ClarifyIdentity, FO.clarify_identity, "Identität geklärt", adds_entry=False
    ),
    CaseCommand(
        "identity-deceptions",
        c.EstablishIdentityDeception,
        FO.establish_identity_deception,
        "Identitätstäuschung feststellen (intern)",
    ),
    CaseCommand(
        "residence-permit-applications",
        c.ApplyForResidencePermit,
        FO.apply_for_residence_permit,
        "Antrag auf Aufenthaltstitel erfassen",
    ),
    CaseCommand(
        "fiction-certificates",
        c.IssueFictionCertificate,
        FO.issue_fiction_certificate,
        "Fiktionsbescheinigung ausstellen",
    ),
    CaseCommand(
        "residence-permits", c.GrantResidencePermit, FO.grant_residence_permit, "Aufenthaltserlaubnis erteilen"
    ),
    CaseCommand(
        "settlement-permits", c.GrantSettlementPermit, FO.grant_settlement_permit, "Niederlassungserlaubnis erteilen"
    ),
    CaseCommand("residence-permit-refusals", c.RefuseResidencePermit, FO.refuse_residence_permit, "Antrag ablehnen"),
    CaseCommand(
        "employment-permissions", c.GrantEmploymentPermission, FO.grant_employment_permission, "Beschäftigung erlauben"
    ),
    CaseCommand(
        "criminal-convictions",
        c.NotifyCriminalConviction,
        FO.notify_criminal_conviction,
        "Verurteilung erfassen (intern)",
    ),
    CaseCommand(
        "departure-enforceability",
        c.MakeDepartureEnforceable,
        FO.make_departure_enforceable,
        "Vollziehbare Ausreisepflicht erfassen",
    ),
    CaseCommand("removals", c.ScheduleRemoval, FO.schedule_removal, "Abschiebung terminieren (geheim)"),
    CaseCommand("departures", c.RecordDeparture, FO.record_departure, "Ausreise erfassen"),
    CaseCommand(
        "naturalisation-applications",
        c.ApplyForNaturalisation,
        FO.apply_for_naturalisation,
        "Einbürgerungsantrag erfassen",
    ),
    CaseCommand(
        "naturalisation-assessments",
        c.AssessNaturalisationRequirement,
        FO.assess_naturalisation_requirement,
        "Einbürgerungsvoraussetzung bewerten (intern)",
    ),
    CaseCommand(
        "naturalisation-certificates",
        c.HandOverNaturalisationCertificate,
        FO.hand_over_naturalisation_certificate,
        "Einbürgerungsurkunde ausgehändigt",
    ),
    CaseCommand(
        "asylum-permissions", fc.RecordAsylumPermission, FO.record_asylum_permission, "Aufenthaltsgestattung erfassen"
    ),
    CaseCommand("asylum-decisions", fc.RecordAsylumDecision, FO.record_asylum_decision, "Asylentscheidung erfassen"),
    CaseCommand(
        "identity-assessments",
        fc.AssessIdentity,
        FO.assess_identity,
        "Identität, Staatsangehörigkeit und Pass bewerten",
    ),
    CaseCommand(
        "employment-ban-assessments",
        fc.AssessEmploymentBan,
        FO.assess_employment_ban,
        "Beschäftigungsverbot (§ 60a Abs. 6 AufenthG) bewerten",
    ),
    CaseCommand(
        "employment-agency-consents",
        fc.RecordEmploymentAgencyConsent,
        FO.record_employment_agency_consent,
        "Zustimmung der Bundesagentur für Arbeit erfassen",
    ),
    CaseCommand(
        "departure-obstacle-assessments",
        fc.AssessDepartureObstacle,
        FO.assess_departure_obstacle,
        "Ausreisehindernis bewerten (§ 25 Abs. 5 AufenthG)",
    ),
    CaseCommand("declarations", fc.RecordDeclarations, FO.record_declarations, "Bekenntnisse erfassen (intern)"),
    CaseCommand(
        "renunciation-assessments",
        fc.AssessRenunciation,
        FO.assess_renunciation,
        "Aufgabe der bisherigen Staatsangehörigkeit bewerten (intern)",
    ),
    CaseCommand(
        "security-assessments",
        fc.AssessSecurity,
        FO.assess_security,
        "Sicherheitsbedenken und Ausweisungsinteresse bewerten (intern)",
    ),
    CaseCommand(
        "removal-measure-assessments",
        fc.AssessRemovalMeasures,
        FO.assess_removal_measures,
        "Konkrete Maßnahmen zur Aufenthaltsbeendigung bewerten (intern)",
    ),
    CaseCommand(
        "integration-prognoses",
        fc.AssessIntegrationPrognosis,
        FO.assess_integration_prognosis,
        "Integrationsprognose bewerten (intern)",
    ),
    CaseCommand(
        "family-member-statuses",
        fc.RecordFamilyMemberStatus,
        FO.record_family_member_status,
        "Aufenthaltsrechtliche Stellung eines Haushaltsmitglieds erfassen (intern)",
    ),
    *staffing_commands(FO),
)
"""Every foreign-office command with its use case; the API and the import are built from it."""

INTERNAL_EVENTS: tuple[type[Any], ...] = (
    e.FileOpened,
    e.FileClosed,
    e.IdentityDeceptionEstablished,
    e.CriminalConvictionNotified,
    e.RemovalScheduled,
    e.NaturalisationRequirementAssessed,
    e.DeclarationsRecorded,
    e.RenunciationAssessed,
    e.SecurityAssessed,
    e.RemovalMeasuresAssessed,
    e.IntegrationPrognosisAssessed,
    e.FamilyMemberStatusRecorded,
    e.RowImported,
    staffing.StaffAssigned,
    staffing.StaffReleased,
    staffing.StaffHandedOver,
    staffing.DeputyNamed,
)
"""Events that never leave the foreign office."""
