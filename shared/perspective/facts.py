"""What a department may know about a case, each fact with its valid time.

Every fact may be unknown: ``None`` means "not known to this department", which is
different from a known "no" (``Flag(value=False)``, an empty list). Valid time is the
date on which a fact became true; the rules ignore facts that became true after the
instant they judge. A service derives these facts from its own projection.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.perspective.household import HouseholdMember, MemberPermit, PermitState, Relation
from shared.perspective.obligations import CooperationDuty, Departure, DepartureObligation
from shared.perspective.records import (
    DULDUNG_KINDS,
    TITLE_KINDS,
    Application,
    CefrLevel,
    CivicTest,
    Conviction,
    Deception,
    EmploymentSpell,
    FactModel,
    Flag,
    LanguageCertificate,
    Livelihood,
    PensionRecord,
    Schooling,
    StatusInterval,
    StatusKind,
    Training,
)


class CaseFacts(FactModel):
    """Everything the engine may use about one case; None = unknown."""

    birth_date: date | None = Field(default=None, description="Date of birth.")
    entry_on: date | None = Field(default=None, description="Date of (last relevant) entry into Germany.")
    statuses: list[StatusInterval] | None = Field(default=None, description="Residence status history.")
    asylum_granted: Flag | None = Field(default=None, description="Asylum or international protection granted.")
    identity_clarified: Flag | None = Field(default=None, description="Identity clarified (§ 48 Abs. 3 AufenthG).")
    nationality_clarified: Flag | None = Field(default=None, description="Nationality clarified (StAG).")
    identity_steps_taken: Flag | None = Field(
        default=None, description="All reasonable steps to clarify identity were taken in time."
    )
    passport_present: Flag | None = Field(default=None, description="A valid passport or passport substitute is held.")
    language_certificates: list[LanguageCertificate] | None = Field(
        default=None, description="German language certificates."
    )
    civic_tests: list[CivicTest] | None = Field(default=None, description="Passed LiD or naturalisation tests.")
    integration_course_completed: Flag | None = Field(
        default=None, description="Integration course completed successfully."
    )
    integration_course_mandatory: Flag | None = Field(
        default=None, description="The person was obliged to attend an integration course."
    )
    fdgo_declaration: Flag | None = Field(
        default=None, description="Written commitment to the free democratic basic order."
    )
    historical_responsibility_commitment: Flag | None = Field(
        default=None, description="StAG 2024 commitment to Germany's historical responsibility."
    )
    extremism_indications: Flag | None = Field(
        default=None, description="Indications of extremist or anti-constitutional activity."
    )
    convictions: list[Conviction] | None = Field(default=None, description="Criminal convictions in Germany.")
    deceptions: list[Deception] | None = Field(default=None, description="Findings of deception or obstruction.")
    serious_expulsion_interest: Flag | None = Field(
        default=None, description="Serious interest in expulsion (§ 54 Abs. 1, Abs. 2 Nr. 1–2 AufenthG)."
    )
    concrete_removal_measures: Flag | None = Field(
        default=None, description="Concrete measures to end the stay are under way."
    )
    employment_ban: Flag | None = Field(default=None, description="Employment is banned (§ 60a Abs. 6 AufenthG).")
    schooling: Schooling | None = Field(default=None, description="School record in Germany.")
    german_vocational_qualification: Flag | None = Field(
        default=None, description="German vocational or academic qualification."
    )
    foreign_degree_recognised: Flag | None = Field(
        default=None, description="Recognised or comparable foreign higher-education degree."
    )
    livelihood: Livelihood | None = Field(default=None, description="Livelihood assessment.")
    employment: list[EmploymentSpell] | None = Field(default=None, description="Employment history.")
    pension_contributions: PensionRecord | None = Field(default=None, description="Pension contribution months.")
    minor_child_in_household: Flag | None = Field(default=None, description="Lives with a minor unmarried child.")
    children_attend_school: Flag | None = Field(
        default=None, description="All children of school age actually attend school (True if none)."
    )
    training: Training | None = Field(default=None, description="Vocational training contract.")
    applications: list[Application] | None = Field(default=None, description="Applications filed, by norm and date.")
    housing_sufficient: Flag | None = Field(default=None, description="Sufficient living space for the family.")
    health_exemption_claimed: Flag | None = Field(
        default=None, description="Exemption for illness or disability claimed (A9; only on request)."
    )
    integration_prognosis_positive: Flag | None = Field(
        default=None, description="Positive integration prognosis (§ 25a)."
    )
    special_integration_achievements: Flag | None = Field(
        default=None, description="Special integration achievements (school, work, volunteering)."
    )
    employment_agency_consent: Flag | None = Field(
        default=None, description="Consent of the Federal Employment Agency."
    )
    unmarried: Flag | None = Field(
        default=None, description="Ledig: neither married nor in a registered partnership (§ 104c Abs. 2)."
    )
    household_members: list[HouseholdMember] | None = Field(
        default=None, description="The people the person lives or lived with; [] = known to live alone."
    )
    departure_impossible: Flag | None = Field(
        default=None, description="Departure (removal and voluntary) impossible in fact or law (§ 25 Abs. 5)."
    )
    departure_obstacle_lasting: Flag | None = Field(
        default=None, description="The obstacle to departure is not expected to end soon (§ 25 Abs. 5 S. 1)."
    )
    cooperation_duties: list[CooperationDuty] | None = Field(
        default=None, description="Acts required to remove obstacles to departure, with deadlines (§ 82)."
    )
    departure_obligations: list[DepartureObligation] | None = Field(
        default=None, description="Enforceable obligations to leave as the foreign office records them."
    )
    departures: list[Departure] | None = Field(default=None, description="Departures that happened; [] = none.")
    nationality_renunciation_ensured: Flag | None = Field(
        default=None, description="Loss of the previous nationality ensured or excused (StAG before 27.6.2024)."
    )

    def statuses_on(self, day: date) -> list[StatusInterval]:
        """Statuses held on `day` (empty if none or unknown)."""
        return [s for s in self.statuses or [] if s.covers(day)]

    def application_for(self, norm: str, by: date) -> date | None:
        """The latest application for `norm` filed by `by`, if recorded."""
        dates = [a.filed_on for a in self.applications or [] if a.norm == norm and a.filed_on <= by]
        return max(dates, default=None)


__all__ = [
    "DULDUNG_KINDS",
    "TITLE_KINDS",
    "Application",
    "CaseFacts",
    "CefrLevel",
    "CivicTest",
    "Conviction",
    "CooperationDuty",
    "Deception",
    "Departure",
    "DepartureObligation",
    "EmploymentSpell",
    "FactModel",
    "Flag",
    "HouseholdMember",
    "LanguageCertificate",
    "Livelihood",
    "MemberPermit",
    "PensionRecord",
    "PermitState",
    "Relation",
    "Schooling",
    "StatusInterval",
    "StatusKind",
    "Training",
]
