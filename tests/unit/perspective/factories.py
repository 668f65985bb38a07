"""Builders for legal scenarios: short names for statuses, flags and baseline cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.perspective import (
    PATHWAYS,
    Application,
    CaseFacts,
    CefrLevel,
    CivicTest,
    Conviction,
    EmploymentSpell,
    Flag,
    HouseholdMember,
    LanguageCertificate,
    LegalAssumptions,
    Livelihood,
    MemberPermit,
    PensionRecord,
    PermitState,
    PrerequisiteResult,
    Relation,
    Schooling,
    StatusInterval,
    StatusKind,
    Training,
    evaluate,
)
from shared.perspective.results import PathwayResult

D = date
SOME_DAY = D(2020, 1, 1)
CONVICTED_ON = D(2021, 1, 1)


def duldung(start: date, end: date | None = None, kind: StatusKind = StatusKind.DULDUNG_60A) -> StatusInterval:
    return StatusInterval(kind=kind, valid_from=start, valid_until=end)


def duldung_light(start: date, end: date | None = None) -> StatusInterval:
    return duldung(start, end, StatusKind.DULDUNG_60B)


def gestattung(start: date, end: date | None = None) -> StatusInterval:
    return StatusInterval(kind=StatusKind.GESTATTUNG, valid_from=start, valid_until=end)


def permit(
    start: date, end: date | None = None, norm: str = "AufenthG_25b", humanitarian: bool | None = None
) -> StatusInterval:
    return StatusInterval(
        kind=StatusKind.AUFENTHALTSERLAUBNIS, valid_from=start, valid_until=end, norm=norm, humanitarian=humanitarian
    )


def fiktion(start: date, end: date | None = None, norm: str | None = "AufenthG_25b") -> StatusInterval:
    return StatusInterval(kind=StatusKind.FIKTION, valid_from=start, valid_until=end, norm=norm)


def yes(since: date | None = None) -> Flag:
    return Flag(value=True, since=since)


def no() -> Flag:
    return Flag(value=False)


def cert(level: str, on: date = SOME_DAY) -> LanguageCertificate:
    return LanguageCertificate(level=CefrLevel(level), obtained_on=on)


def job(since: date, until: date | None = None, hours: float = 40, insured: bool = True, **kw: Any) -> EmploymentSpell:
    return EmploymentSpell(since=since, until=until, hours_per_week=hours, social_insurance=insured, **kw)


def fine(
    rates: int,
    *,
    foreigner_only: bool | None = False,
    intentional: bool | None = True,
    hate: bool | None = False,
    on: date = CONVICTED_ON,
) -> Conviction:
    return Conviction(
        convicted_on=on,
        daily_rates=rates,
        intentional=intentional,
        foreigner_only_offence=foreigner_only,
        hate_motive=hate,
    )


def prison(months: float, *, suspended: bool | None, on: date = CONVICTED_ON) -> Conviction:
    return Conviction(
        convicted_on=on,
        prison_months=months,
        suspended=suspended,
        intentional=True,
        foreigner_only_offence=False,
        hate_motive=False,
    )


def applied(norm: str, on: date) -> Application:
    return Application(norm=norm, filed_on=on)


def granted(norm: str, since: date = SOME_DAY, until: date | None = None) -> MemberPermit:
    """A household member's permit under `norm`, granted on `since`."""
    return MemberPermit(norm=norm, state=PermitState.GRANTED, since=since, valid_until=until)


def applied_for(norm: str, since: date = SOME_DAY) -> MemberPermit:
    """A household member's pending application for `norm`."""
    return MemberPermit(norm=norm, state=PermitState.APPLIED, since=since)


def member(
    relation: Relation,
    *permits: MemberPermit,
    birth: date | None = None,
    since: date | None = None,
    until: date | None = None,
) -> HouseholdMember:
    """A household member: what they are to the person, their permits and days of living together."""
    return HouseholdMember(
        relation=relation, birth_date=birth, household_since=since, household_until=until, permits=list(permits)
    )


def spouse_holding_104c(since: date | None = None, until: date | None = None) -> HouseholdMember:
    """A spouse in the household who holds § 104c Abs. 1 (granted 1.3.2023)."""
    return member(Relation.SPOUSE, granted("AufenthG_104c", D(2023, 3, 1)), since=since, until=until)


CLEAN_RECORD: dict[str, Any] = {
    "convictions": [],
    "deceptions": [],
    "extremism_indications": no(),
    "serious_expulsion_interest": no(),
    "concrete_removal_measures": no(),
    "employment_ban": no(),
    "cooperation_duties": [],
    "applications": [],
}


def case(**overrides: Any) -> CaseFacts:
    """A person with a clean record; everything else as given."""
    return CaseFacts(**(CLEAN_RECORD | overrides))


def integrated(**overrides: Any) -> CaseFacts:
    """A well-integrated adult: every non-status prerequisite of the pathways is met."""
    base: dict[str, Any] = {
        "birth_date": D(1990, 5, 1),
        "entry_on": D(2015, 6, 1),
        "identity_clarified": yes(D(2015, 9, 1)),
        "nationality_clarified": yes(D(2015, 9, 1)),
        "identity_steps_taken": yes(),
        "passport_present": yes(),
        "asylum_granted": no(),
        "fdgo_declaration": yes(D(2019, 1, 1)),
        "historical_responsibility_commitment": yes(D(2024, 7, 1)),
        "integration_course_completed": yes(D(2017, 1, 1)),
        "integration_course_mandatory": yes(D(2016, 1, 1)),
        "language_certificates": [cert("B1", D(2017, 1, 1))],
        "civic_tests": [CivicTest(kind="einbuergerungstest", passed_on=D(2017, 1, 1))],
        "livelihood": Livelihood(
            assessed_on=D(2025, 1, 1),
            coverage_ratio=1.2,
            receives_sgb2_or_12=False,
            public_benefits_last_12_months=False,
        ),
        "employment": [job(D(2016, 1, 1), qualified=True)],
        "pension_contributions": PensionRecord(months=100, as_of=D(2025, 1, 1)),
        "minor_child_in_household": no(),
        "children_attend_school": yes(),
        "housing_sufficient": yes(),
        "integration_prognosis_positive": yes(),
        "german_vocational_qualification": yes(D(2019, 7, 1)),
        "foreign_degree_recognised": no(),
        "employment_agency_consent": yes(),
        "special_integration_achievements": no(),
        "nationality_renunciation_ensured": yes(),
        "schooling": Schooling(as_of=D(2019, 7, 1), successful_years=4, attending=False, german_qualification=True),
        "training": Training(
            contract_on=D(2025, 1, 1),
            starts_on=D(2025, 8, 1),
            qualified=True,
            kammer_registered=True,
            started_under_gestattung=False,
        ),
    }
    return case(**(base | overrides))


def pathway(facts: CaseFacts, on: date, norm: str, assumptions: LegalAssumptions | None = None) -> PathwayResult:
    """One pathway's result."""
    chosen = [p for p in PATHWAYS if p.norm == norm]
    return evaluate(facts, on, assumptions=assumptions or LegalAssumptions(), pathways=chosen).pathway(norm)


def prerequisite(result: PathwayResult, key: str) -> PrerequisiteResult:
    """One prerequisite of a pathway's result, by key."""
    return next(p for p in result.prerequisites if p.key == key)


def prereq(
    facts: CaseFacts, on: date, norm: str, key: str, assumptions: LegalAssumptions | None = None
) -> PrerequisiteResult:
    """One prerequisite of one pathway."""
    return prerequisite(pathway(facts, on, norm, assumptions), key)


def deadlines(result: PathwayResult) -> set[tuple[str, date]]:
    """The deadlines of a pathway's result as (key, date) pairs."""
    return {(d.key, d.on) for d in result.deadlines}


def failing(result: PathwayResult) -> set[str]:
    """Keys of the prerequisites that are not met."""
    return {p.key for p in result.prerequisites if p.status != "met"}
