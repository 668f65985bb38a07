"""The domain events of the foreign office's file, each with how it changes the file.

They are stored in the foreign office's event store and never leave it as they are:
what may leave is translated into the published language (``shared/events/``) by
the relay. Version 0.1 declared these events inside the aggregate
(``services.foreign_office.domain:ResidenceFile.<Name>``); those stored topics are
registered here, so that old stores still load.
"""

from __future__ import annotations

from eventsourcing.utils import register_topic

from services.foreign_office.events.facts import (
    AsylumDecisionRecorded,
    AsylumPermissionRecorded,
    DepartureObstacleAssessed,
    EmploymentAgencyConsentRecorded,
    EmploymentBanAssessed,
    IdentityAssessed,
)
from services.foreign_office.events.file import (
    EntryRecorded,
    FileClosed,
    FileEvent,
    FileOpened,
    KimCaseLinked,
    PassportCooperationRecorded,
    RowImported,
)
from services.foreign_office.events.internal import (
    CriminalConvictionNotified,
    DeclarationsRecorded,
    FamilyMemberStatusRecorded,
    IdentityDeceptionEstablished,
    IntegrationPrognosisAssessed,
    NaturalisationRequirementAssessed,
    RemovalMeasuresAssessed,
    RemovalScheduled,
    RenunciationAssessed,
    SecurityAssessed,
)
from services.foreign_office.events.naturalisation import (
    NaturalisationApplied,
    NaturalisationCertificateHandedOver,
)
from services.foreign_office.events.status import (
    CooperationDutyNotified,
    DepartureObligationEnforceable,
    DepartureRecorded,
    EmploymentPermissionGranted,
    FictionCertificateIssued,
    IdentityClarified,
    IdentityDocumentSubmitted,
    ResidencePermitApplied,
    ResidencePermitGranted,
    ResidencePermitRefused,
    SettlementPermitGranted,
    ToleratedStayIssued,
)

HISTORIC = "services.foreign_office.domain:ResidenceFile."
for _event in (
    FileOpened,
    ToleratedStayIssued,
    CooperationDutyNotified,
    IdentityDocumentSubmitted,
    IdentityClarified,
    IdentityDeceptionEstablished,
    ResidencePermitApplied,
    FictionCertificateIssued,
    ResidencePermitGranted,
    SettlementPermitGranted,
    ResidencePermitRefused,
    EmploymentPermissionGranted,
    CriminalConvictionNotified,
    DepartureObligationEnforceable,
    RemovalScheduled,
    DepartureRecorded,
    NaturalisationApplied,
    NaturalisationRequirementAssessed,
    NaturalisationCertificateHandedOver,
    RowImported,
):
    register_topic(HISTORIC + _event.__name__, _event)

__all__ = [
    "AsylumDecisionRecorded",
    "AsylumPermissionRecorded",
    "DeclarationsRecorded",
    "DepartureObstacleAssessed",
    "EmploymentAgencyConsentRecorded",
    "EmploymentBanAssessed",
    "FamilyMemberStatusRecorded",
    "IdentityAssessed",
    "IntegrationPrognosisAssessed",
    "RemovalMeasuresAssessed",
    "RenunciationAssessed",
    "SecurityAssessed",
    "CooperationDutyNotified",
    "CriminalConvictionNotified",
    "DepartureObligationEnforceable",
    "DepartureRecorded",
    "EmploymentPermissionGranted",
    "EntryRecorded",
    "FictionCertificateIssued",
    "FileClosed",
    "FileEvent",
    "FileOpened",
    "IdentityClarified",
    "IdentityDeceptionEstablished",
    "IdentityDocumentSubmitted",
    "KimCaseLinked",
    "NaturalisationApplied",
    "NaturalisationCertificateHandedOver",
    "NaturalisationRequirementAssessed",
    "PassportCooperationRecorded",
    "RemovalScheduled",
    "ResidencePermitApplied",
    "ResidencePermitGranted",
    "ResidencePermitRefused",
    "RowImported",
    "SettlementPermitGranted",
    "ToleratedStayIssued",
]
