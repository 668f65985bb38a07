"""The sharing policy, as data: who may receive which event, on which basis.

This table is reviewed like code (docs/domain.md §3–§5). For every published event it
gives the sensitivity, the data category a consent must release, and for each
recipient *kind* the legal basis. The relay publishes an event only if it has a rule
with a recipient outside its owning service; each projection keeps an event only if
one of its service's parties is a recipient — on a statutory basis at once, on the
basis of consent only while a live consent for that case names the party, the
category (counselling codes also the secrecy release) and a fitting purpose. The
consent decides which party of a kind receives (``shared/policy/consent.py``,
``shared/policy/parties.py``). Events that must never leave their owner have no
integration event at all and are listed in ``OWNER_ONLY`` for the record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.events.common import DataCategory, Purpose, Recipient
from shared.policy.parties import SERVICE_KINDS
from shared.service import Service


class Sensitivity(StrEnum):
    """docs/domain.md §3 sensitivity classes."""

    NORMAL = "normal"
    ART9 = "art9"
    ART10 = "art10"
    SOCIAL_DATA = "social_data"
    SECRET = "secret"  # noqa: S105 - a sensitivity class (§ 59 Abs. 1 S. 8 AufenthG), not a password


class LegalBasis(StrEnum):
    """docs/domain.md §3 legal bases for holding an event."""

    OWN_TASK = "own_task"
    AUFENTHG_87 = "aufenthg_87"
    AUFENTHG_88A = "aufenthg_88a"
    SGB_X = "sgb_x"
    CONSENT = "consent"
    NAMED_IN_CONSENT = "named_in_consent"
    """Consent records go to the recipients they name (Art. 7(1) DSGVO)."""
    PRIOR_RECIPIENT = "prior_recipient"
    """Art. 19 DSGVO: a notice that ends the processing (the case closed) goes to every party
    that held data of the case, also after the consent it held them by has ended."""

    @property
    def statutory(self) -> bool:
        """A basis that holds without the person's consent, whatever the case's history."""
        return self not in (LegalBasis.CONSENT, LegalBasis.NAMED_IN_CONSENT, LegalBasis.PRIOR_RECIPIENT)


SECRECY_RELEASE_REQUIRED: frozenset[DataCategory] = frozenset({DataCategory.COUNSELLING})
"""Categories a consent releases only together with the secrecy release (Schweigepflichtentbindung):
counselling content comes from professionals bound by § 203 StGB and may reach the ABH/EBB
only so (§ 88 Abs. 2 AufenthG, docs/domain.md §5)."""


Refinement = Callable[[IntegrationEvent], "tuple[Sensitivity, DataCategory, Mapping[Recipient, LegalBasis]] | None"]


@dataclass(frozen=True)
class SharingRule:
    """Sensitivity, consent category and recipients of one integration event type."""

    event: type[IntegrationEvent]
    sensitivity: Sensitivity
    category: DataCategory | None
    recipients: Mapping[Recipient, LegalBasis] = field(default_factory=dict)
    refine: Refinement | None = None
    """Per-event adjustment, e.g. a Duldung on health grounds is Art. 9 data."""
    prior_holders: bool = False
    """Also for every party that held an event of the case (basis ``PRIOR_RECIPIENT``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipients", _with_owner(self.event, self.recipients))

    @property
    def published(self) -> bool:
        """Whether the event leaves its owning service at all."""
        if self.sensitivity is Sensitivity.SECRET:
            return False
        return any(r not in SERVICE_KINDS[self.event.owner] for r in self.recipients)

    def basis_for(self, recipient: Recipient | Service) -> LegalBasis | None:
        """The basis on which ``recipient`` (a kind; a service: its own kind) may hold events of this type."""
        return self.recipients.get(Recipient(recipient.value))

    def for_event(
        self, event: IntegrationEvent
    ) -> tuple[Sensitivity, DataCategory | None, Mapping[Recipient, LegalBasis]]:
        """Sensitivity, category and recipients of one concrete event."""
        if self.refine is not None and (refined := self.refine(event)) is not None:
            sensitivity, category, extra = refined
            return sensitivity, category, _with_owner(self.event, extra)
        return self.sensitivity, self.category, self.recipients


def _with_owner(
    event: type[IntegrationEvent], recipients: Mapping[Recipient, LegalBasis]
) -> Mapping[Recipient, LegalBasis]:
    """The recipients with the owning service's parties holding on their own task.

    The foreign office's events are the Einbürgerungsbehörde's own task too: in Kreis
    Euskirchen it is the same department as the Ausländerbehörde (docs/domain.md §1, §3).
    """
    return MappingProxyType({**{kind: LegalBasis.OWN_TASK for kind in SERVICE_KINDS[event.owner]}, **recipients})


R = Recipient
OWN, C, NAMED = LegalBasis.OWN_TASK, LegalBasis.CONSENT, LegalBasis.NAMED_IN_CONSENT
EBB = R.NATURALISATION_AUTHORITY
N = Sensitivity.NORMAL
CAT = DataCategory
PARTNERS_C = {R.JOBCENTER: C, R.EMPLOYMENT_AGENCY: C, R.COURSE_PROVIDER: C, R.WELFARE_ORGANISATION: C}
KIM_KI_C = {R.INTAKE: C, R.KOBIZ: C}


def _health_toleration(
    event: IntegrationEvent,
) -> tuple[Sensitivity, DataCategory, Mapping[Recipient, LegalBasis]] | None:
    # § 60a Abs. 2c: a Duldung on health grounds reveals health data (Art. 9).
    if isinstance(event, ev.ToleratedStayIssued) and event.health_ground:
        return Sensitivity.ART9, CAT.HEALTH, KIM_KI_C
    return None


def _integration_course(
    event: IntegrationEvent,
) -> tuple[Sensitivity, DataCategory, Mapping[Recipient, LegalBasis]] | None:
    # § 88a AufenthG allows the integration-course data exchange without consent;
    # a vocational language course (§ 45a) needs consent. [U] awaiting legal review.
    if isinstance(event, ev.LanguageCourseEnrolled) and event.course_type == "integration_course":
        return (
            N,
            CAT.LANGUAGE_EDUCATION,
            {
                R.INTAKE: OWN,
                R.FOREIGN_OFFICE: LegalBasis.AUFENTHG_88A,
                R.JOBCENTER: LegalBasis.AUFENTHG_88A,
                R.COURSE_PROVIDER: LegalBasis.AUFENTHG_88A,
            },
        )
    return None


RULES: tuple[SharingRule, ...] = (
    # --- intake ---------------------------------------------------------------
    # The foreign office learns of a registration only with consent, so that
    # intake never becomes a channel for § 87 reports (docs/domain.md §3 row 1, §6).
    SharingRule(ev.PersonRegistered, N, CAT.IDENTITY, {R.KOBIZ: OWN, R.FOREIGN_OFFICE: C}),
    SharingRule(ev.ReferralReceived, N, CAT.CASE_MANAGEMENT, {R.KOBIZ: C}),
    SharingRule(ev.ConsentGranted, N, None, {r: NAMED for r in R if r is not R.INTAKE}),
    SharingRule(ev.ConsentScopeChanged, N, None, {r: NAMED for r in R if r is not R.INTAKE}),
    SharingRule(ev.ConsentRevoked, N, None, {r: NAMED for r in R if r is not R.INTAKE}),
    SharingRule(ev.CaseOpened, N, CAT.CASE_MANAGEMENT, {R.KOBIZ: OWN, R.FOREIGN_OFFICE: C, **PARTNERS_C}),
    # Who manages the case: the departments that hold the opening hold the hand-over too.
    SharingRule(ev.CaseManagerChanged, N, CAT.CASE_MANAGEMENT, {R.KOBIZ: OWN, R.FOREIGN_OFFICE: C, **PARTNERS_C}),
    # The closure ends every consent of the case (its term runs until the case is closed,
    # docs/domain.md §5); the notice itself stays with every party that held data of the case.
    SharingRule(
        ev.CaseClosed,
        N,
        CAT.CASE_MANAGEMENT,
        {R.KOBIZ: OWN, R.FOREIGN_OFFICE: C, **PARTNERS_C},
        prior_holders=True,
    ),
    SharingRule(
        ev.IntegrationPlanAgreed,
        N,
        CAT.CASE_MANAGEMENT,
        {R.KOBIZ: OWN, R.FOREIGN_OFFICE: C, R.JOBCENTER: C, R.EMPLOYMENT_AGENCY: C},
    ),
    SharingRule(ev.CaseConferenceHeld, N, CAT.CASE_MANAGEMENT, {R.KOBIZ: OWN, R.FOREIGN_OFFICE: C, **PARTNERS_C}),
    SharingRule(ev.ReturnCounsellingReferred, N, CAT.CASE_MANAGEMENT, {R.KOBIZ: OWN, R.WELFARE_ORGANISATION: C}),
    # Household (minor children with birth dates) and marital status: identity data the KIM front
    # door records; the ABH decides on them (§§ 25b, 104c Abs. 2, 60a Abs. 2b), so it holds them on
    # consent like the registration (docs/domain.md §3 row 1). Members' names never leave intake.
    SharingRule(ev.HouseholdRecorded, N, CAT.IDENTITY, {R.KOBIZ: OWN, R.FOREIGN_OFFICE: C}),
    SharingRule(ev.MaritalStatusRecorded, N, CAT.IDENTITY, {R.KOBIZ: OWN, R.FOREIGN_OFFICE: C}),
    # --- kobiz ------------------------------------------------------------------
    # Codes only; the notes never leave Kobiz (§ 88 AufenthG) — they are not even
    # a field of the integration event. The codes reach the ABH/EBB only with a consent
    # that includes the secrecy release (category COUNSELLING, SECRECY_RELEASE_REQUIRED).
    SharingRule(ev.PerspectiveCounsellingHeld, N, CAT.COUNSELLING, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C}),
    SharingRule(
        ev.LanguageCourseEnrolled,
        N,
        CAT.LANGUAGE_EDUCATION,
        {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, R.JOBCENTER: C, R.COURSE_PROVIDER: C},
        refine=_integration_course,
    ),
    # docs/domain.md §3 row 11: ABH/EBB, JC on consent.
    SharingRule(
        ev.LanguageCertificateObtained,
        N,
        CAT.LANGUAGE_EDUCATION,
        {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C, R.JOBCENTER: C},
    ),
    SharingRule(
        ev.CivicTestPassed, N, CAT.LANGUAGE_EDUCATION, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C, R.JOBCENTER: C}
    ),
    SharingRule(
        ev.IntegrationCourseCompleted,
        N,
        CAT.LANGUAGE_EDUCATION,
        {R.INTAKE: OWN, R.FOREIGN_OFFICE: LegalBasis.AUFENTHG_88A, R.JOBCENTER: LegalBasis.AUFENTHG_88A},
    ),
    SharingRule(ev.SchoolAttendanceEvidenced, N, CAT.SCHOOL_ATTENDANCE, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C}),
    SharingRule(
        ev.TrainingContractConcluded,
        N,
        CAT.LANGUAGE_EDUCATION,
        {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, R.EMPLOYMENT_AGENCY: C},
    ),
    SharingRule(
        ev.TrainingTerminated, N, CAT.LANGUAGE_EDUCATION, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, R.EMPLOYMENT_AGENCY: C}
    ),
    SharingRule(
        ev.LivelihoodAssessed,
        Sensitivity.SOCIAL_DATA,
        CAT.WORK_INCOME,
        {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, R.JOBCENTER: C},
    ),
    SharingRule(
        ev.EmploymentTaken,
        N,
        CAT.WORK_INCOME,
        {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, R.JOBCENTER: C, R.EMPLOYMENT_AGENCY: C},
    ),
    # Settlement permit facts (§ 9 Abs. 2 Nr. 3, 9 AufenthG): the ABH decides on them.
    SharingRule(ev.PensionContributionsRecorded, N, CAT.WORK_INCOME, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C}),
    SharingRule(ev.HousingAssessed, N, CAT.WORK_INCOME, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C}),
    # § 10 Abs. 3 StAG a. F., § 25b Abs. 1 Nr. 2, § 9 Abs. 2 Nr. 8: ABH and EBB.
    SharingRule(ev.SpecialIntegrationAchieved, N, CAT.LANGUAGE_EDUCATION, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C}),
    SharingRule(ev.CivicKnowledgeEvidenced, N, CAT.LANGUAGE_EDUCATION, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C}),
    # Assessments with explicit answers: a recorded "no" (no German qualification, no test,
    # no employment) is a fact the ABH/EBB decide on, like the evidence itself (rows 11, 14).
    SharingRule(ev.SchoolingAssessed, N, CAT.LANGUAGE_EDUCATION, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C}),
    SharingRule(
        ev.QualificationsAssessed,
        N,
        CAT.LANGUAGE_EDUCATION,
        {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C, R.JOBCENTER: C, R.EMPLOYMENT_AGENCY: C},
    ),
    SharingRule(ev.BasicKnowledgeAssessed, N, CAT.LANGUAGE_EDUCATION, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C}),
    SharingRule(ev.SpecialIntegrationAssessed, N, CAT.LANGUAGE_EDUCATION, {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, EBB: C}),
    SharingRule(
        ev.EmploymentHistoryAssessed,
        N,
        CAT.WORK_INCOME,
        {R.INTAKE: OWN, R.FOREIGN_OFFICE: C, R.JOBCENTER: C, R.EMPLOYMENT_AGENCY: C},
    ),
    # Art. 9: only on the person's own request, i.e. a consent releasing "health" (ABH/EBB, row 15).
    SharingRule(ev.HealthExemptionClaimed, Sensitivity.ART9, CAT.HEALTH, {R.INTAKE: C, R.FOREIGN_OFFICE: C, EBB: C}),
    # --- foreign office -----------------------------------------------------------
    # Each is the EBB's own task as well (same department; row 18 "EBB: own"), see _with_owner.
    # The file joins the KIM case: for the KIM departments, a status fact like the others.
    SharingRule(ev.ResidenceFileLinked, N, CAT.STATUS, KIM_KI_C),
    SharingRule(ev.EntryRecorded, N, CAT.STATUS, KIM_KI_C),
    SharingRule(ev.PassportCooperationRecorded, N, CAT.IDENTITY, KIM_KI_C),
    SharingRule(ev.ToleratedStayIssued, N, CAT.STATUS, KIM_KI_C, refine=_health_toleration),
    SharingRule(ev.CooperationDutyNotified, N, CAT.STATUS, KIM_KI_C),
    SharingRule(ev.IdentityDocumentSubmitted, N, CAT.IDENTITY, KIM_KI_C),
    SharingRule(ev.IdentityClarified, N, CAT.IDENTITY, KIM_KI_C),
    SharingRule(ev.ResidencePermitApplied, N, CAT.STATUS, {**KIM_KI_C, R.JOBCENTER: C}),
    SharingRule(ev.FictionCertificateIssued, N, CAT.STATUS, {**KIM_KI_C, R.JOBCENTER: C}),
    SharingRule(ev.ResidencePermitGranted, N, CAT.STATUS, {**KIM_KI_C, R.JOBCENTER: C, R.EMPLOYMENT_AGENCY: C}),
    SharingRule(ev.SettlementPermitGranted, N, CAT.STATUS, {**KIM_KI_C, R.JOBCENTER: C, R.EMPLOYMENT_AGENCY: C}),
    SharingRule(ev.ResidencePermitRefused, N, CAT.STATUS, KIM_KI_C),
    SharingRule(ev.EmploymentPermissionGranted, N, CAT.WORK_INCOME, {**KIM_KI_C, R.EMPLOYMENT_AGENCY: OWN}),
    SharingRule(ev.DepartureObligationEnforceable, N, CAT.STATUS, KIM_KI_C),
    SharingRule(ev.DepartureRecorded, N, CAT.STATUS, {**KIM_KI_C, R.JOBCENTER: C}),
    SharingRule(ev.NaturalisationApplied, N, CAT.STATUS, KIM_KI_C),
    SharingRule(ev.NaturalisationCertificateHandedOver, N, CAT.STATUS, KIM_KI_C),
    # The facts the ABH's decisions turn on, as assessments: KIM holds the outcome on consent
    # (booleans and codes only; grounds and references stay with the foreign office).
    SharingRule(ev.AsylumPermissionRecorded, N, CAT.STATUS, {**KIM_KI_C, R.JOBCENTER: C}),
    SharingRule(ev.AsylumDecisionRecorded, N, CAT.STATUS, KIM_KI_C),
    SharingRule(ev.IdentityAssessed, N, CAT.IDENTITY, KIM_KI_C),  # row 18: booleans only
    SharingRule(ev.EmploymentBanAssessed, N, CAT.STATUS, KIM_KI_C),
    # The BA's consent is its own procedure (row 23, as EmploymentPermissionGranted).
    SharingRule(ev.EmploymentAgencyConsentRecorded, N, CAT.WORK_INCOME, {**KIM_KI_C, R.EMPLOYMENT_AGENCY: OWN}),
    SharingRule(ev.DepartureObstacleAssessed, N, CAT.STATUS, KIM_KI_C),
)

OWNER_ONLY: Mapping[Service, Mapping[str, Sensitivity]] = MappingProxyType(
    {
        Service.FOREIGN_OFFICE: MappingProxyType(
            {
                "IdentityDeceptionEstablished": N,  # ABH/EBB only (high impact)
                "CriminalConvictionNotified": Sensitivity.ART10,  # inbound MiStra Nr. 42
                "RemovalScheduled": Sensitivity.SECRET,  # § 59 Abs. 1 S. 8 AufenthG: never projected
                "NaturalisationRequirementAssessed": Sensitivity.ART10,  # internal + applicant
                # The foreign office's own assessments, for its own evaluation only:
                "DeclarationsRecorded": N,  # fdGO and historical responsibility (ABH/EBB)
                "RenunciationAssessed": N,  # EBB: loss of the previous nationality
                "SecurityAssessed": N,  # extremism indications, expulsion interest (high impact)
                "RemovalMeasuresAssessed": Sensitivity.SECRET,  # concrete measures to end the stay
                "IntegrationPrognosisAssessed": N,  # § 25a: the authority's prognosis
                "FamilyMemberStatusRecorded": N,  # a family member's permits: a third person's data
            }
        ),
        Service.KOBIZ: MappingProxyType({"counselling notes": Sensitivity.ART9}),
        Service.INTAKE: MappingProxyType({"names, birth details, contact": N}),
    }
)
"""What never leaves its owner; none of it has an integration event."""

PURPOSES: Mapping[Recipient, frozenset[Purpose]] = MappingProxyType(
    {
        R.INTAKE: frozenset(Purpose),
        R.KOBIZ: frozenset(Purpose),
        R.FOREIGN_OFFICE: frozenset(
            {
                Purpose.PREPARE_APPLICATION_25A,
                Purpose.PREPARE_APPLICATION_25B,
                Purpose.PREPARE_APPLICATION_104C,
                Purpose.PREPARE_TOLERATION_60C_60D,
                Purpose.PREPARE_SETTLEMENT_PERMIT,
                Purpose.PREPARE_NATURALISATION,
                Purpose.PASSPORT_PROCUREMENT_SUPPORT,
                Purpose.CASE_CONFERENCE,
            }
        ),
        R.NATURALISATION_AUTHORITY: frozenset({Purpose.PREPARE_NATURALISATION, Purpose.CASE_CONFERENCE}),
        R.JOBCENTER: frozenset({Purpose.LABOUR_MARKET_INTEGRATION, Purpose.CASE_CONFERENCE}),
        R.EMPLOYMENT_AGENCY: frozenset({Purpose.LABOUR_MARKET_INTEGRATION, Purpose.CASE_CONFERENCE}),
        R.COURSE_PROVIDER: frozenset({Purpose.LANGUAGE_COURSE_PLACEMENT}),
        R.WELFARE_ORGANISATION: frozenset({Purpose.RETURN_COUNSELLING, Purpose.CASE_CONFERENCE}),
    }
)
"""For which purposes a consent may release data to each recipient kind."""

RULES_BY_TYPE: Mapping[str, SharingRule] = MappingProxyType({rule.event.wire_type(): rule for rule in RULES})


def rule_for(event: type[IntegrationEvent] | str) -> SharingRule | None:
    """The rule of an event class or wire type; None means: never shared."""
    key = event if isinstance(event, str) else event.wire_type()
    return RULES_BY_TYPE.get(key)


def may_receive(recipient: Recipient | Service, wire_type: str) -> bool:
    """Whether ``recipient`` (a kind, or any party a service serves) may ever hold events of
    ``wire_type`` (on some basis)."""
    rule = rule_for(wire_type)
    if rule is None or not rule.published:
        return False
    kinds = SERVICE_KINDS[recipient] if isinstance(recipient, Service) else (recipient,)
    return rule.prior_holders or any(rule.basis_for(kind) is not None for kind in kinds)


@dataclass(frozen=True)
class Entitlement:
    """How one recipient may hold one concrete event."""

    basis: LegalBasis
    sensitivity: Sensitivity
    category: DataCategory | None


def entitlement(recipient: Recipient | Service, event: IntegrationEvent) -> Entitlement | None:
    """The basis on which ``recipient`` may hold ``event``, before looking at consents."""
    rule = rule_for(type(event))
    if rule is None or not rule.published:
        return None
    sensitivity, category, recipients = rule.for_event(event)
    basis = recipients.get(Recipient(recipient.value))
    if basis is None:
        return None
    return Entitlement(basis, sensitivity, category)
