"""§ 25b AufenthG: residence for sustained integration [V S6–S8]."""

from __future__ import annotations

from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.facts import DULDUNG_KINDS, CefrLevel, StatusKind
from shared.perspective.norms import AUFENTHG_25B
from shared.perspective.results import EvaluationInstant, PrerequisiteResult, Status, any_of
from shared.perspective.rules.common import (
    basic_knowledge,
    coverage_status,
    describe_statuses,
    exempted,
    flag_predicate,
    flag_status,
    holds,
    language,
    no_deception,
    statuses_on,
    texts,
)
from shared.perspective.rules.model import Pathway, Prerequisite, Req, RuleContext, RuleVersion, prerequisite
from shared.perspective.rules.stay import Route, duldung_only, holds_104c, period_predicate, residence, spans_of

REF = "§ 25b Abs. 1 S. 2 AufenthG"
INTERRUPTION_TOLERANCE_MONTHS = 3  # interruptions of up to three months are harmless [V S8]


def _status(with_104c: bool) -> Prerequisite:
    """A tolerated person, or (from 31.12.2022) a § 104c holder [V S6]."""
    req = Req(
        "status",
        "Geduldet" + (" oder Aufenthaltserlaubnis nach § 104c" if with_104c else ""),
        "§ 25b Abs. 1 S. 1 AufenthG",
        facts=("statuses",),
    )

    def check(ctx: RuleContext) -> PrerequisiteResult:
        at = ctx.decision_on
        holder = holds_104c(ctx, at) if with_104c else Status.NOT_MET
        status = any_of(holds(ctx, at, DULDUNG_KINDS), holder)
        return req.result(status, describe_statuses(statuses_on(ctx, at), at))

    return Prerequisite(req, check)


def _stay(years: int, years_with_child: int) -> Prerequisite:
    """Uninterrupted stay; § 60b time excluded [V S46]; or 30 months of § 60d (Abs. 6)."""
    req = Req(
        "stay",
        f"{years} Jahre ({years_with_child} mit minderjährigem Kind) ununterbrochen geduldet, gestattet oder erlaubt",
        REF + " Nr. 1",
    )
    stay = spans_of(lambda ctx: residence(False, ctx.assumptions))

    def tolerance(ctx: RuleContext) -> int:
        return INTERRUPTION_TOLERANCE_MONTHS

    def with_child(ctx: RuleContext) -> Status:
        return flag_status(ctx.facts.minor_child_in_household, ctx.decision_on)

    only_60d = frozenset({StatusKind.DULDUNG_60D})
    routes = [
        Route("Voraufenthalt", 12 * years, stay, tolerance),
        Route(
            "Voraufenthalt mit minderjährigem Kind",
            12 * years_with_child,
            stay,
            tolerance,
            with_child,
            ("minor_child_in_household",),
        ),
        Route(
            "Beschäftigungsduldung (§ 25b Abs. 6)", 30, spans_of(lambda ctx: duldung_only(ctx.assumptions, only_60d))
        ),
    ]
    return period_predicate(req, routes)


LIVELIHOOD = Req(
    "livelihood_predominant",
    "Lebensunterhalt überwiegend durch Erwerbstätigkeit gesichert oder zu erwarten",
    REF + " Nr. 3",
    facts=("livelihood", "health_exemption_claimed"),
)


@prerequisite(LIVELIHOOD)
def _livelihood(ctx: RuleContext) -> PrerequisiteResult:
    """Predominantly (≥ 50 %) secured by work, or expected to be [V S8]; Abs. 3 exemption."""
    req = LIVELIHOOD
    livelihood = ctx.facts.livelihood
    expected = (
        Status.UNKNOWN
        if livelihood is None or livelihood.expected_to_be_secured is None
        else (Status.MET if livelihood.expected_to_be_secured else Status.NOT_MET)
    )
    status = any_of(coverage_status(ctx.facts, 0.5), expected)
    ratio = livelihood.coverage_ratio if livelihood else None
    share = "unbekannt" if ratio is None else f"{ratio * 100:.0f} %"
    detail = texts(
        status, f"Eigene Deckung {share} oder positive Prognose.", f"Eigene Deckung {share}, keine positive Prognose."
    )
    return req.result(*exempted(ctx, status, detail))


def _predicates(years: int, years_with_child: int, with_104c: bool) -> tuple[Prerequisite, ...]:
    return (
        _status(with_104c),
        _stay(years, years_with_child),
        flag_predicate(
            Req("fdgo_declaration", "Bekenntnis zur freiheitlichen demokratischen Grundordnung", REF + " Nr. 2"),
            "fdgo_declaration",
            met_de="Bekenntnis abgegeben.",
            not_met_de="Bekenntnis fehlt.",
        ),
        basic_knowledge(Req("basic_knowledge", "Grundkenntnisse der Rechts- und Gesellschaftsordnung", REF + " Nr. 2")),
        _livelihood,
        language(Req("german_a2", "Hinreichende mündliche Deutschkenntnisse (A2)", REF + " Nr. 4"), CefrLevel.A2),
        flag_predicate(
            Req("children_attend_school", "Tatsächlicher Schulbesuch schulpflichtiger Kinder", REF + " Nr. 5"),
            "children_attend_school",
            met_de="Schulbesuch nachgewiesen oder keine schulpflichtigen Kinder.",
            not_met_de="Schulbesuch nicht nachgewiesen.",
        ),
        no_deception(
            Req("no_deception", "Keine Täuschung oder Behinderung der Abschiebung", "§ 25b Abs. 2 Nr. 1 AufenthG"),
            require_prevented=True,
            not_met_de="Versagungsgrund: eigene Täuschung oder Behinderung hat die Abschiebung verhindert/verzögert.",
        ),
        flag_predicate(
            Req(
                "no_serious_expulsion_interest",
                "Kein schwerwiegendes Ausweisungsinteresse",
                "§ 25b Abs. 2 Nr. 2 AufenthG",
            ),
            "serious_expulsion_interest",
            want=False,
            met_de="Kein Ausweisungsinteresse nach § 54 Abs. 1, Abs. 2 Nr. 1–2.",
            not_met_de="Schwerwiegendes Ausweisungsinteresse besteht.",
        ),
    )


NOTES = (
    "Unterbrechungen bis zu drei Monaten sind unschädlich; Zeiten nach § 60b zählen nicht.",
    "Ausnahmen nach Abs. 3 (Krankheit, Behinderung, Alter) prüft die Behörde; Abs. 4 (Familie) ist nicht modelliert.",
    "Abs. 6: 30 Monate Beschäftigungsduldung ersetzen die Voraufenthaltszeit, wenn § 60d weiter erfüllt ist.",
)


def _version(
    since: date, until: date | None, years: int, with_child: int, with_104c: bool, label: str, *notes: str
) -> RuleVersion:
    return RuleVersion(
        id=f"{AUFENTHG_25B}@{since.isoformat()}",
        norm=AUFENTHG_25B,
        label_de=label,
        valid_from=since,
        valid_to=until,
        evaluation_instant=EvaluationInstant.DECISION,
        predicates=_predicates(years, with_child, with_104c),
        notes_de=NOTES + notes,
    )


V2015 = _version(date(2015, 8, 1), date(2022, 12, 30), 8, 6, False, "§ 25b AufenthG i.d.F. vom 01.08.2015")
V2022 = _version(date(2022, 12, 31), date(2025, 12, 31), 6, 4, True, "§ 25b AufenthG i.d.F. vom 31.12.2022")
V2026 = _version(
    date(2026, 1, 1),
    None,
    6,
    4,
    True,
    "§ 25b AufenthG i.d.F. vom 01.01.2026",
    "Abs. 7 und 8 sind ab 01.01.2026 aufgehoben.",
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 25b."""
    return (V2015, V2022, V2026)


PATHWAY = Pathway(AUFENTHG_25B, "Aufenthaltserlaubnis bei nachhaltiger Integration (§ 25b AufenthG)", versions)
