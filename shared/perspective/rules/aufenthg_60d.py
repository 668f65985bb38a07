"""§ 60d AufenthG: Beschäftigungsduldung (30 months, then § 25b Abs. 6) [V S9–S12]."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from shared.perspective.assumptions import IdentityDeadline, LegalAssumptions
from shared.perspective.dates import de
from shared.perspective.facts import CefrLevel, EmploymentSpell
from shared.perspective.norms import AUFENTHG_60D
from shared.perspective.periods import Category
from shared.perspective.results import EvaluationInstant, PrerequisiteResult, Status
from shared.perspective.rules.common import (
    flag_predicate,
    integration_course_if_mandatory,
    language,
    livelihood_secured,
)
from shared.perspective.rules.convictions import conviction_threshold
from shared.perspective.rules.identity import DeadlineTable, identity_by_deadline, identity_deadline_rule
from shared.perspective.rules.model import Pathway, Prerequisite, Req, RuleContext, RuleVersion
from shared.perspective.rules.stay import Route, duldung_only, job_spans, period_predicate, spans_of

REF = "§ 60d Abs. 1 AufenthG"
OLD_VERSION_END = date(2024, 2, 26)  # RückfVerbG in force 27.2.2024 (some sources: 1.3.2024) [V S11]

# Identity deadlines from 27.2.2024 [V S9, S12]: entry up to 2016 by the application;
# 2017–2022 by 31.12.2024, or by the application if that is earlier.
IDENTITY_DEADLINES_2024 = (
    IdentityDeadline(entered_until=date(2016, 12, 31), by_application=True),
    IdentityDeadline(
        entered_from=date(2017, 1, 1), entered_until=date(2022, 12, 31), by_application=True, latest=date(2024, 12, 31)
    ),
)


def _entry(latest: date) -> Prerequisite:
    req = Req("entry_date", f"Einreise bis {de(latest)}", REF + " Nr. 1", facts=("entry_on",))

    def check(ctx: RuleContext) -> PrerequisiteResult:
        entry = ctx.facts.entry_on
        if entry is None:
            return req.result(Status.UNKNOWN, "Einreisedatum unbekannt.")
        return req.result(Status.MET if entry <= latest else Status.NOT_MET, f"Einreise am {de(entry)}.")

    return Prerequisite(req, check)


def _qualifying_job(hours: int) -> Callable[[EmploymentSpell], Category]:
    """Jobs subject to social insurance with at least `hours` a week count; others break."""

    def classify(job: EmploymentSpell) -> Category:
        if job.social_insurance is False or (job.hours_per_week is not None and job.hours_per_week < hours):
            return Category.BREAKS
        if job.social_insurance is None or job.hours_per_week is None:
            return Category.UNKNOWN
        return Category.COUNTS

    return classify


def _employment(months: int, hours: int) -> Prerequisite:
    req = Req(
        "employment",
        f"Seit {months} Monaten sozialversicherungspflichtig beschäftigt, mindestens {hours} Std./Woche",
        REF,
    )
    # [U] awaiting legal review: tolerated gap between jobs.
    route = Route(
        "Beschäftigung",
        months,
        job_spans(_qualifying_job(hours)),
        lambda ctx: ctx.assumptions.employment_gap_tolerance_months,
    )
    return period_predicate(req, [route])


def _predicates(entry_by: date, months: int, hours: int, table: DeadlineTable) -> tuple[Prerequisite, ...]:
    return (
        _entry(entry_by),
        identity_by_deadline(
            Req("identity", "Identität fristgerecht geklärt (oder alle zumutbaren Schritte)", REF + " Nr. 1"), table
        ),
        period_predicate(
            Req("tolerated_12_months", "Seit zwölf Monaten geduldet", REF + " Nr. 2"),
            [Route("Duldung", 12, spans_of(lambda ctx: duldung_only(ctx.assumptions)))],
        ),
        _employment(months, hours),
        livelihood_secured(Req("livelihood_secured", "Lebensunterhalt durch die Beschäftigung gesichert", REF)),
        language(
            Req("german_a2", "Hinreichende mündliche Deutschkenntnisse (A2)", REF), CefrLevel.A2, exemptable=False
        ),
        integration_course_if_mandatory(
            Req("integration_course", "Integrationskurs abgeschlossen, falls verpflichtet", REF)
        ),
        flag_predicate(
            Req("children_attend_school", "Tatsächlicher Schulbesuch schulpflichtiger Kinder", REF),
            "children_attend_school",
            met_de="Schulbesuch nachgewiesen oder keine schulpflichtigen Kinder.",
            not_met_de="Schulbesuch nicht nachgewiesen.",
        ),
        conviction_threshold(Req("convictions", "Keine Verurteilung über der Bagatellgrenze", REF)),
        flag_predicate(
            Req("no_extremism", "Keine Bezüge zu extremistischen Organisationen", REF),
            "extremism_indications",
            want=False,
            met_de="Keine Anhaltspunkte.",
            not_met_de="Anhaltspunkte liegen vor.",
        ),
    )


def _table(fixed: Sequence[IdentityDeadline] | None) -> DeadlineTable:
    # [U] awaiting legal review: the old version's deadlines come from LegalAssumptions.
    return (lambda ctx: fixed) if fixed is not None else (lambda ctx: ctx.assumptions.identity_deadlines_60d_2020)


def _version(
    since: date, until: date | None, entry_by: date, months: int, hours: int, table: DeadlineTable, label: str
) -> RuleVersion:
    return RuleVersion(
        id=f"{AUFENTHG_60D}@{since.isoformat()}",
        norm=AUFENTHG_60D,
        label_de=label,
        valid_from=since,
        valid_to=until,
        evaluation_instant=EvaluationInstant.DECISION,
        predicates=_predicates(entry_by, months, hours, table),
        deadlines=(identity_deadline_rule(table, REF + " Nr. 1"),),
        notes_de=("Nach 30 Monaten: Aufenthaltserlaubnis nach § 25b Abs. 6.",),
    )


# 1.1.2020–26.2.2024: entry by 1.8.2018, 18 months at 35 hours a week [V S10].
V2020 = _version(
    date(2020, 1, 1), OLD_VERSION_END, date(2018, 8, 1), 18, 35, _table(None), "§ 60d AufenthG i.d.F. vom 01.01.2020"
)
# From 27.2.2024: entry by 31.12.2022, 12 months at 20 hours a week [V S9, S11].
V2024 = _version(
    date(2024, 2, 27),
    None,
    date(2022, 12, 31),
    12,
    20,
    _table(IDENTITY_DEADLINES_2024),
    "§ 60d AufenthG i.d.F. vom 27.02.2024",
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 60d."""
    return (V2020, V2024)


PATHWAY = Pathway(AUFENTHG_60D, "Beschäftigungsduldung (§ 60d AufenthG)", versions)
