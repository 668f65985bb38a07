"""§ 19d AufenthG: residence for qualified tolerated persons [V S15]."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.facts import DULDUNG_KINDS, CefrLevel, EmploymentSpell
from shared.perspective.norms import AUFENTHG_19D
from shared.perspective.periods import Category
from shared.perspective.results import EvaluationInstant, PrerequisiteResult, Status, any_of
from shared.perspective.rules.common import (
    describe_statuses,
    flag_predicate,
    flag_status,
    holds,
    language,
    no_deception,
    reads,
    statuses_on,
)
from shared.perspective.rules.convictions import conviction_threshold
from shared.perspective.rules.model import Pathway, Req, RuleContext, RuleVersion, prerequisite
from shared.perspective.rules.stay import Route, job_spans, period_predicate

REF = "§ 19d Abs. 1 AufenthG"
QUALIFICATION = Req(
    "qualification",
    "Deutscher Abschluss, ausländischer Hochschulabschluss mit 2 Jahren oder 3 Jahre qualifizierte Beschäftigung",
    REF + " Nr. 1",
    facts=("german_vocational_qualification",),
)


def _jobs_where(attribute: Callable[[EmploymentSpell], bool | None]) -> Callable[[EmploymentSpell], Category]:
    def classify(job: EmploymentSpell) -> Category:
        value = attribute(job)
        return Category.UNKNOWN if value is None else (Category.COUNTS if value else Category.BREAKS)

    return classify


def _no_benefits_last_year(ctx: RuleContext) -> Status:
    livelihood = ctx.facts.livelihood
    if livelihood is None or livelihood.public_benefits_last_12_months is None:
        return Status.UNKNOWN
    return Status.NOT_MET if livelihood.public_benefits_last_12_months else Status.MET


def _tolerance(ctx: RuleContext) -> int:
    return ctx.assumptions.employment_gap_tolerance_months  # [U] awaiting legal review


_WORK_ROUTES = period_predicate(
    QUALIFICATION,
    [
        Route(
            "Anerkannter ausländischer Hochschulabschluss und angemessene Beschäftigung",
            24,
            job_spans(_jobs_where(lambda j: j.matches_degree)),
            _tolerance,
            lambda ctx: flag_status(ctx.facts.foreign_degree_recognised, ctx.decision_on),
            ("foreign_degree_recognised",),
        ),
        Route(
            "Qualifizierte Beschäftigung ohne Leistungsbezug im letzten Jahr",
            36,
            job_spans(_jobs_where(lambda j: j.qualified)),
            _tolerance,
            _no_benefits_last_year,
            ("livelihood",),
        ),
    ],
)


@prerequisite(reads(QUALIFICATION, *_WORK_ROUTES.req.facts))
def _qualification(ctx: RuleContext) -> PrerequisiteResult:
    """One of the three routes of Abs. 1 Nr. 1 [V S15]."""
    german = flag_status(ctx.facts.german_vocational_qualification, ctx.decision_on)
    work = _WORK_ROUTES(ctx)
    head = "Deutscher Berufs- oder Hochschulabschluss liegt vor. " if german is Status.MET else ""
    return QUALIFICATION.result(any_of(german, work.status), head + work.detail_de, work.earliest_met_on)


TOLERATED = Req("tolerated", "Geduldet", REF, facts=("statuses",))


@prerequisite(TOLERATED)
def _tolerated(ctx: RuleContext) -> PrerequisiteResult:
    at = ctx.decision_on
    return TOLERATED.result(holds(ctx, at, DULDUNG_KINDS), describe_statuses(statuses_on(ctx, at), at))


V2020 = RuleVersion(
    id=f"{AUFENTHG_19D}@2020-03-01",
    norm=AUFENTHG_19D,
    label_de="§ 19d AufenthG i.d.F. vom 01.03.2020",
    valid_from=date(2020, 3, 1),
    valid_to=None,
    evaluation_instant=EvaluationInstant.DECISION,
    predicates=(
        _tolerated,
        _qualification,
        flag_predicate(
            Req("housing", "Ausreichender Wohnraum", REF + " Nr. 2"),
            "housing_sufficient",
            met_de="Wohnraum ausreichend.",
            not_met_de="Wohnraum nicht ausreichend.",
        ),
        language(
            Req("german_b1", "Ausreichende Deutschkenntnisse (B1)", REF + " Nr. 3"), CefrLevel.B1, exemptable=False
        ),
        no_deception(
            Req("no_deception", "Keine Täuschung der Behörde und keine Behinderung der Aufenthaltsbeendigung", REF),
            require_prevented=False,
            not_met_de="Vorsätzliche Täuschung oder Behinderung festgestellt.",
        ),
        flag_predicate(
            Req("no_extremism", "Keine Bezüge zu extremistischen oder terroristischen Organisationen", REF),
            "extremism_indications",
            want=False,
            met_de="Keine Anhaltspunkte.",
            not_met_de="Anhaltspunkte liegen vor.",
        ),
        conviction_threshold(Req("convictions", "Keine Verurteilung über der Bagatellgrenze", REF)),
        flag_predicate(
            Req(
                "employment_agency_consent",
                "Zustimmung der Bundesagentur für Arbeit",
                "§ 19d Abs. 1 AufenthG, § 39 AufenthG",
            ),
            "employment_agency_consent",
            met_de="Zustimmung liegt vor.",
            not_met_de="Zustimmung versagt.",
        ),
    ),
    notes_de=(
        "Bis 29.02.2020: § 18a AufenthG a.F. (nicht modelliert).",
        "Abs. 1a (nach Ausbildungsduldung) ist nicht gesondert modelliert.",
    ),
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 19d."""
    return (V2020,)


PATHWAY = Pathway(AUFENTHG_19D, "Aufenthaltserlaubnis für qualifizierte Geduldete (§ 19d AufenthG)", versions)
