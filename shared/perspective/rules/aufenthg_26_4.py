"""Settlement permit for humanitarian title holders: § 26 Abs. 4 with § 9 Abs. 2 [V S16, S17]."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import ONE_DAY, add_months, de
from shared.perspective.facts import DULDUNG_KINDS, TITLE_KINDS, CefrLevel, StatusInterval, StatusKind
from shared.perspective.norms import AUFENTHG_26_4, AUFENTHG_104C
from shared.perspective.periods import Category
from shared.perspective.results import EvaluationInstant, PrerequisiteResult, Status
from shared.perspective.rules.common import (
    basic_knowledge,
    describe_statuses,
    flag_predicate,
    language,
    livelihood_secured,
    statuses_on,
)
from shared.perspective.rules.convictions import public_safety_review
from shared.perspective.rules.model import Pathway, Prerequisite, Req, RuleContext, RuleVersion, prerequisite
from shared.perspective.rules.stay import Route, period_predicate, spans_of

REF = "§ 26 Abs. 4 AufenthG"
REF_9 = "§ 9 Abs. 2 S. 1 AufenthG"
PENSION_MONTHS = 60


def title_chain(assumptions: LegalAssumptions) -> Callable[[StatusInterval], Category]:
    """Possession of a humanitarian title: asylum time before it counts, Duldung breaks."""

    def classify(s: StatusInterval) -> Category:
        if s.kind in DULDUNG_KINDS:
            return Category.BREAKS  # § 85; VAB A.85 [V S17]; Duldung never counts [V S16]
        if s.kind is StatusKind.GESTATTUNG:
            return Category.COUNTS  # § 26 Abs. 4 S. 3: the preceding asylum procedure counts [V S16]
        if s.kind is StatusKind.NIEDERLASSUNGSERLAUBNIS:
            return Category.COUNTS
        if s.norm == AUFENTHG_104C:
            # [U] awaiting legal review: § 104c sits outside chapter 2 section 5.
            return Category.COUNTS if assumptions.ne_counts_104c_time else Category.NEUTRAL
        humanitarian = s.is_humanitarian()
        if humanitarian is None:
            return Category.UNKNOWN
        return Category.COUNTS if humanitarian else Category.NEUTRAL

    return classify


HUMANITARIAN = Req(
    "humanitarian_title", "Im Besitz einer humanitären Aufenthaltserlaubnis", REF + " S. 1", facts=("statuses",)
)


@prerequisite(HUMANITARIAN)
def _humanitarian_title(ctx: RuleContext) -> PrerequisiteResult:
    req = HUMANITARIAN
    at = ctx.decision_on
    current = statuses_on(ctx, at)
    detail = describe_statuses(current, at)
    if current is None:
        return req.result(Status.UNKNOWN, detail)
    flags = [s.is_humanitarian() for s in current if s.kind in TITLE_KINDS - {StatusKind.NIEDERLASSUNGSERLAUBNIS}]
    if True in flags:
        return req.result(Status.MET, detail)
    return req.result(Status.UNKNOWN if None in flags else Status.NOT_MET, detail)


PENSION = Req(
    "pension_60_months",
    "60 Monate Pflicht- oder freiwillige Beiträge zur Rentenversicherung",
    REF_9 + " Nr. 3",
    facts=("pension_contributions", "employment"),
)


@prerequisite(PENSION)
def _pension(ctx: RuleContext) -> PrerequisiteResult:
    """60 months of contributions; while insured work goes on, only time is needed."""
    req = PENSION
    record = ctx.facts.pension_contributions
    if record is None:
        return req.result(Status.UNKNOWN, "Versicherungsverlauf nicht erfasst.")
    if record.months >= PENSION_MONTHS:
        return req.result(Status.MET, f"{record.months} Beitragsmonate (Stand {de(record.as_of)}).")
    detail = f"{record.months} von {PENSION_MONTHS} Beitragsmonaten (Stand {de(record.as_of)})."
    insured = [
        j
        for j in ctx.facts.employment or []
        if j.social_insurance and j.since <= ctx.decision_on and (j.until is None or j.until >= ctx.decision_on)
    ]
    if not insured:
        return req.result(Status.NOT_MET, detail)
    reached = add_months(record.as_of, PENSION_MONTHS - record.months)
    if reached <= ctx.decision_on:
        return req.result(
            Status.UNKNOWN,
            detail + f" Bei fortlaufender Beschäftigung seit {de(reached)} erreicht: aktuellen Verlauf anfordern.",
        )
    return req.result(Status.NOT_MET, detail + f" Bei fortlaufender Beschäftigung erreicht am {de(reached)}.", reached)


def _predicates(years: int) -> tuple[Prerequisite, ...]:
    title = Route(
        "Besitz humanitärer Titel",
        12 * years,
        spans_of(lambda ctx: title_chain(ctx.assumptions)),
        lambda ctx: ctx.assumptions.title_chain_gap_tolerance_months,  # [U] awaiting legal review: § 85
    )
    return (
        _humanitarian_title,
        period_predicate(
            Req(
                "title_years", f"Seit {years} Jahren im Besitz humanitärer Aufenthaltserlaubnisse", REF + " S. 1, S. 3"
            ),
            [title],
        ),
        livelihood_secured(Req("livelihood_secured", "Lebensunterhalt gesichert", REF_9 + " Nr. 2")),
        _pension,
        public_safety_review(
            Req("public_safety", "Keine Gründe der öffentlichen Sicherheit oder Ordnung", REF_9 + " Nr. 4")
        ),
        language(Req("german_b1", "Ausreichende Deutschkenntnisse (B1)", REF_9 + " Nr. 7"), CefrLevel.B1),
        basic_knowledge(
            Req("civic_knowledge", "Grundkenntnisse der Rechts- und Gesellschaftsordnung", REF_9 + " Nr. 8")
        ),
        flag_predicate(
            Req("housing", "Ausreichender Wohnraum", REF_9 + " Nr. 9"),
            "housing_sufficient",
            met_de="Wohnraum ausreichend.",
            not_met_de="Wohnraum nicht ausreichend.",
        ),
    )


NOTES = ("Ausnahmen nach § 9 Abs. 2 S. 3–6 (Krankheit, Kindererziehung, Ausbildung) prüft die Behörde.",)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """Seven years until the change, five since [V]; the change date is [U] (2016)."""
    change = assumptions.ne_five_years_from  # [U] awaiting legal review: date of the change
    old = RuleVersion(
        id=f"{AUFENTHG_26_4}@2005-01-01",
        norm=AUFENTHG_26_4,
        label_de="§ 26 Abs. 4 AufenthG (sieben Jahre)",
        valid_from=date(2005, 1, 1),
        valid_to=change - ONE_DAY,
        evaluation_instant=EvaluationInstant.DECISION,
        predicates=_predicates(7),
        notes_de=NOTES,
    )
    new = RuleVersion(
        id=f"{AUFENTHG_26_4}@{change.isoformat()}",
        norm=AUFENTHG_26_4,
        label_de=f"§ 26 Abs. 4 AufenthG i.d.F. vom {de(change)} (fünf Jahre)",
        valid_from=change,
        valid_to=None,
        evaluation_instant=EvaluationInstant.DECISION,
        predicates=_predicates(5),
        notes_de=NOTES,
    )
    return (old, new)


PATHWAY = Pathway(AUFENTHG_26_4, "Niederlassungserlaubnis (§ 26 Abs. 4 i.V.m. § 9 AufenthG)", versions)
