"""German names of what the pages show: event types, departments, roles, statuses."""

from __future__ import annotations

from shared.perspective.results import PathwayStatus, Status
from shared.service import Service

DEPARTMENTS_DE = {
    Service.INTAKE: "KIM-Fallannahme",
    Service.FOREIGN_OFFICE: "Ausländerbehörde",
    Service.KOBIZ: "Kobiz – Perspektivberatung",
}

ROLES_DE = {
    "intake_clerk": "Fallannahme",
    "foreign_office_caseworker": "Sachbearbeitung Ausländerbehörde",
    "naturalisation_caseworker": "Sachbearbeitung Einbürgerung",
    "kim_case_manager": "KIM-Case-Management",
    "kobiz_counsellor": "Beratung Kobiz",
    "team_lead": "Teamleitung",
    "data_protection_officer": "Datenschutzbeauftragte Person",
    "auditor": "Prüfung",
    "operator": "IT-Betrieb",
}

EVENTS_DE = {
    "PersonRegistered": "Person erfasst",
    "ReferralReceived": "Zuweisung eingegangen",
    "ConsentGranted": "Einwilligung erteilt",
    "ConsentScopeChanged": "Einwilligung eingeschränkt",
    "ConsentRevoked": "Einwilligung widerrufen",
    "CaseOpened": "KIM-Fall eröffnet",
    "CaseManagerChanged": "Case-Management übergeben",
    "CaseClosed": "KIM-Fall abgeschlossen",
    "IntegrationPlanAgreed": "Integrationsplan vereinbart",
    "CaseConferenceHeld": "Fallkonferenz durchgeführt",
    "ReturnCounsellingReferred": "An Rückkehrberatung verwiesen",
    "HouseholdRecorded": "Haushalt erfasst",
    "MaritalStatusRecorded": "Familienstand erfasst",
    "ResidenceFileLinked": "Ausländerakte verknüpft",
    "EntryRecorded": "Einreise erfasst",
    "PassportCooperationRecorded": "Mitwirkung bei der Passbeschaffung erfasst",
    "ToleratedStayIssued": "Duldung erteilt",
    "CooperationDutyNotified": "Mitwirkungspflichten mitgeteilt",
    "IdentityDocumentSubmitted": "Identitätsdokument vorgelegt",
    "IdentityClarified": "Identität geklärt",
    "ResidencePermitApplied": "Aufenthaltserlaubnis beantragt",
    "FictionCertificateIssued": "Fiktionsbescheinigung ausgestellt",
    "ResidencePermitGranted": "Aufenthaltserlaubnis erteilt",
    "SettlementPermitGranted": "Niederlassungserlaubnis erteilt",
    "ResidencePermitRefused": "Antrag abgelehnt",
    "EmploymentPermissionGranted": "Beschäftigung erlaubt",
    "DepartureObligationEnforceable": "Ausreisepflicht vollziehbar",
    "DepartureRecorded": "Ausreise erfasst",
    "NaturalisationApplied": "Einbürgerung beantragt",
    "NaturalisationCertificateHandedOver": "Einbürgerungsurkunde ausgehändigt",
    "AsylumPermissionRecorded": "Aufenthaltsgestattung erfasst",
    "AsylumDecisionRecorded": "Asylentscheidung erfasst",
    "IdentityAssessed": "Identität bewertet",
    "EmploymentBanAssessed": "Beschäftigungsverbot bewertet",
    "EmploymentAgencyConsentRecorded": "Zustimmung der Bundesagentur erfasst",
    "DepartureObstacleAssessed": "Ausreisehindernis bewertet",
    "PerspectiveCounsellingHeld": "Perspektivberatung durchgeführt",
    "LanguageCourseEnrolled": "Sprachkurs begonnen",
    "LanguageCertificateObtained": "Sprachzertifikat erworben",
    "CivicTestPassed": "Test bestanden",
    "IntegrationCourseCompleted": "Integrationskurs abgeschlossen",
    "SchoolAttendanceEvidenced": "Schulbesuch nachgewiesen",
    "TrainingContractConcluded": "Ausbildungsvertrag geschlossen",
    "TrainingTerminated": "Ausbildung beendet",
    "LivelihoodAssessed": "Lebensunterhalt bewertet",
    "EmploymentTaken": "Beschäftigung aufgenommen",
    "HealthExemptionClaimed": "Gesundheitliche Ausnahme geltend gemacht",
    "PensionContributionsRecorded": "Rentenbeiträge erfasst",
    "HousingAssessed": "Wohnraum bewertet",
    "SpecialIntegrationAchieved": "Besondere Integrationsleistung erbracht",
    "CivicKnowledgeEvidenced": "Grundkenntnisse nachgewiesen",
    "SchoolingAssessed": "Schulbildung bewertet",
    "QualificationsAssessed": "Qualifikationen bewertet",
    "BasicKnowledgeAssessed": "Grundkenntnisse bewertet",
    "SpecialIntegrationAssessed": "Besondere Integration bewertet",
    "EmploymentHistoryAssessed": "Beschäftigungszeiten bewertet",
}

CASE_STATUS_DE = {"open": "offen", "closed": "abgeschlossen", None: "kein KIM-Fall"}

PREREQUISITE_DE = {Status.MET: "erfüllt", Status.NOT_MET: "nicht erfüllt", Status.UNKNOWN: "unbekannt"}

PATHWAY_DE = {
    PathwayStatus.ELIGIBLE: "Voraussetzungen erfüllt",
    PathwayStatus.NOT_ELIGIBLE: "Voraussetzungen nicht erfüllt",
    PathwayStatus.OPEN: "offen",
}


def event_name(wire_type: str) -> str:
    """``de.nrw.kim.kobiz.EmploymentTaken.v3`` → ``EmploymentTaken``."""
    parts = wire_type.split(".")
    return parts[-2] if len(parts) >= 2 else wire_type


def event_de(wire_type: str) -> str:
    name = event_name(wire_type)
    return EVENTS_DE.get(name, name)
