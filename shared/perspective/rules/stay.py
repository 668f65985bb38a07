"""Period prerequisites over the status history: classifiers and a route-based predicate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import de, months_de
from shared.perspective.facts import DULDUNG_KINDS, EmploymentSpell, StatusInterval, StatusKind
from shared.perspective.norms import AUFENTHG_104C
from shared.perspective.periods import Category, PeriodOutcome, Span, employment_spans, period, status_spans
from shared.perspective.results import PrerequisiteResult, Status, all_of, any_of
from shared.perspective.rules.common import reads
from shared.perspective.rules.model import Prerequisite, Req, RuleContext

Classifier = Callable[[StatusInterval], Category]
Instant = Callable[[RuleContext], date]


@dataclass(frozen=True)
class SpanSource:
    """Where a period's spans come from, and the CaseFacts fields that shape them."""

    fields: tuple[str, ...]
    spans: Callable[[RuleContext], list[Span] | None]

    def __call__(self, ctx: RuleContext) -> list[Span] | None:
        return self.spans(ctx)


COUNTING_DULDUNG = DULDUNG_KINDS - {StatusKind.DULDUNG_60B}
"""Duldungen whose time counts: § 60b time does not count as prior stay [V S46]."""


def excluded_60b(assumptions: LegalAssumptions) -> Category:
    """How an excluded § 60b period bears on a chain: it pauses it, or [U] breaks it."""
    return Category.BREAKS if assumptions.duldung_60b_breaks_chain else Category.NEUTRAL


def residence(count_60b: bool, assumptions: LegalAssumptions) -> Classifier:
    """'Geduldet, gestattet oder mit einer Aufenthaltserlaubnis' (§§ 104c, 25a, 25b).

    § 60b time does not count as prior stay [V S46], except under § 104c Abs. 1 S. 3
    and for § 104c holders in § 25a [V S1].
    """
    b60 = Category.COUNTS if count_60b else excluded_60b(assumptions)
    return lambda s: b60 if s.kind is StatusKind.DULDUNG_60B else Category.COUNTS


def duldung_only(assumptions: LegalAssumptions, kinds: frozenset[StatusKind] = COUNTING_DULDUNG) -> Classifier:
    """Possession of a Duldung of `kinds`; § 60b time excluded [V S46]; other statuses break."""
    b60 = excluded_60b(assumptions)

    def classify(s: StatusInterval) -> Category:
        if s.kind in kinds:
            return Category.COUNTS
        return b60 if s.kind is StatusKind.DULDUNG_60B else Category.BREAKS

    return classify


def spans_of(classifier: Callable[[RuleContext], Classifier], *also: str) -> SpanSource:
    """A span source over the status history (None if the history is unknown).

    `also` names further CaseFacts fields the classifier reads.
    """

    def source(ctx: RuleContext) -> list[Span] | None:
        statuses = ctx.facts.statuses
        return None if statuses is None else status_spans(statuses, classifier(ctx))

    return SpanSource(("statuses", *also), source)


def job_spans(classify: Callable[[EmploymentSpell], Category]) -> SpanSource:
    """A span source over the employment history (None if it is unknown)."""

    def source(ctx: RuleContext) -> list[Span] | None:
        jobs = ctx.facts.employment
        return None if jobs is None else employment_spans(jobs, classify)

    return SpanSource(("employment",), source)


def holds_104c(ctx: RuleContext, at: date) -> Status:
    """Whether a § 104c residence permit is held on `at`."""
    if ctx.facts.statuses is None:
        return Status.UNKNOWN
    held = any(s.kind is StatusKind.AUFENTHALTSERLAUBNIS and s.norm == AUFENTHG_104C for s in ctx.facts.statuses_on(at))
    return Status.MET if held else Status.NOT_MET


def always(ctx: RuleContext) -> Status:
    """A route without a further condition."""
    return Status.MET


def no_tolerance(ctx: RuleContext) -> int:
    """Uninterrupted means uninterrupted."""
    return 0


@dataclass(frozen=True)
class Route:
    """One way to satisfy a period prerequisite (e.g. 6 years, or 4 with a minor child).

    ``condition_facts`` names the CaseFacts fields the condition reads.
    """

    label_de: str
    months: int
    spans: SpanSource
    tolerance_months: Callable[[RuleContext], int] = no_tolerance
    condition: Callable[[RuleContext], Status] = always
    condition_facts: tuple[str, ...] = ()


def _outcome(route: Route, ctx: RuleContext, at: date) -> PeriodOutcome:
    spans = route.spans(ctx)
    if spans is None:
        return PeriodOutcome(Status.UNKNOWN, None, 0, None)
    return period(spans, at, route.months, route.tolerance_months(ctx))


def _route_de(route: Route, condition: Status, outcome: PeriodOutcome, at: date, projecting: bool) -> str:
    head = f"{route.label_de} ({months_de(route.months)})"
    if condition is not Status.MET:
        return f"{head}: Voraussetzung der Variante {'nicht erfüllt' if condition is Status.NOT_MET else 'offen'}"
    if outcome.status is Status.UNKNOWN:
        return f"{head}: Zeiträume nicht vollständig einzuordnen (fehlende Angaben)"
    if outcome.status is Status.MET:
        return f"{head}: erreicht am {de(outcome.reached_on)} (Beginn {de(outcome.start)})"
    if not projecting:
        return f"{head}: am Stichtag {de(at)} nicht erreicht"
    if outcome.reached_on:
        return f"{head}: erst am {de(outcome.reached_on)} erreicht, sofern der Status ununterbrochen fortbesteht"
    if outcome.start:
        return f"{head}: Frist läuft am {de(at)} nicht (Status wird nicht angerechnet)"
    return f"{head}: kein anrechenbarer ununterbrochener Zeitraum am {de(at)}"


def at_decision(ctx: RuleContext) -> date:
    """The decision date."""
    return ctx.decision_on


def at_rule_instant(ctx: RuleContext) -> date:
    """The version's evaluation instant (application, cut-off or decision)."""
    return ctx.instant_on


def at_application(ctx: RuleContext) -> date:
    """The application date (recorded, or assumed on the decision date)."""
    return ctx.application_on


def period_predicate(req: Req, routes: Sequence[Route], *, at: Instant = at_decision) -> Prerequisite:
    """A period prerequisite met by any of `routes`, judged at the instant `at`."""
    fields = [f for r in routes for f in (*r.spans.fields, *r.condition_facts)]
    req = reads(req, *fields, *(["applications"] if at is at_application else []))

    def check(ctx: RuleContext) -> PrerequisiteResult:
        at_day = at(ctx)
        judged = [(r, r.condition(ctx), _outcome(r, ctx, at_day)) for r in routes]
        status = any_of(*(all_of(c, o.status) for _, c, o in judged))
        future = [o.reached_on for _, c, o in judged if c is Status.MET and o.reached_on and o.reached_on > at_day]
        projecting = at_day == ctx.decision_on
        earliest = min(future, default=None) if projecting else None
        detail = "; ".join(_route_de(r, c, o, at_day, projecting) for r, c, o in judged) + "."
        return req.result(status, detail, earliest)

    return Prerequisite(req, check)
