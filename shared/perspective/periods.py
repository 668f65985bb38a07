"""Uninterrupted periods derived from dated spans (statuses, jobs).

Each span is classified for the rule at hand: it COUNTS towards the period, is
NEUTRAL (bridges without counting, e.g. § 60b time [V S46]), BREAKS the chain (e.g.
a Duldung in a "possession of a title" chain, § 85; VAB A.85 [V S17]) or is UNKNOWN
(a fact needed to classify it is missing). Gaps without any span are bridged up to a
tolerance (≤ 3 months for § 25b [V S8]) and never count.

A period of N months is reached on the anniversary of the chain's start, shifted by
the days that did not count: a chain starting 31.10.2017 has five years on 31.10.2022.
UNKNOWN spans are judged twice (as counting and as breaking): met only if met either
way, not met only if not met either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum
from functools import lru_cache

from shared.perspective.dates import ONE_DAY, add_months
from shared.perspective.facts import EmploymentSpell, StatusInterval
from shared.perspective.results import Status


class Category(Enum):
    """How a span bears on a period."""

    COUNTS = "counts"
    NEUTRAL = "neutral"
    BREAKS = "breaks"
    UNKNOWN = "unknown"


_PRECEDENCE = {Category.COUNTS: 3, Category.NEUTRAL: 2, Category.BREAKS: 1}


@dataclass(frozen=True)
class Span:
    """A classified span, half-open [start, end); end None = still running."""

    start: date
    end: date | None
    category: Category

    def contains(self, day: date) -> bool:
        """Whether `day` lies in the span."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class PeriodOutcome:
    """A period judged at an instant."""

    status: Status
    start: date | None
    counted_days: int
    reached_on: date | None


def status_spans(statuses: Iterable[StatusInterval], classify: Callable[[StatusInterval], Category]) -> list[Span]:
    """Spans of residence statuses, classified for one rule."""
    return [_span(s.valid_from, s.valid_until, classify(s)) for s in statuses]


def employment_spans(jobs: Iterable[EmploymentSpell], classify: Callable[[EmploymentSpell], Category]) -> list[Span]:
    """Spans of jobs, classified for one rule."""
    return [_span(j.since, j.until, classify(j)) for j in jobs]


def _span(first: date, last: date | None, category: Category) -> Span:
    return Span(first, last + ONE_DAY if last else None, category)


def timeline(spans: Sequence[Span], unknown_as: Category) -> list[Span]:
    """Non-overlapping pieces; where spans overlap the most favourable category wins."""
    return list(_timeline(tuple(spans), unknown_as))


@lru_cache(maxsize=1024)
def _timeline(spans: tuple[Span, ...], unknown_as: Category) -> tuple[Span, ...]:
    """:func:`timeline` of immutable spans, remembered: the rules of one evaluation ask for the same pieces."""
    concrete = [replace(s, category=unknown_as) if s.category is Category.UNKNOWN else s for s in spans]
    points = sorted({s.start for s in concrete} | {s.end for s in concrete if s.end})
    pieces: list[Span] = []
    for index, start in enumerate(points):
        end = points[index + 1] if index + 1 < len(points) else None
        covering = [s.category for s in concrete if s.contains(start)]
        if not covering:
            continue
        category = max(covering, key=_PRECEDENCE.__getitem__)
        if pieces and pieces[-1].category is category and pieces[-1].end == start:
            pieces[-1] = replace(pieces[-1], end=end)
        else:
            pieces.append(Span(start, end, category))
    return tuple(pieces)


def chain_at(pieces: Sequence[Span], at: date, tolerance_months: int) -> list[Span]:
    """The uninterrupted chain of pieces that reaches `at` (empty if none holds on `at`)."""
    index = next((i for i, p in enumerate(pieces) if p.contains(at)), None)
    if index is None or pieces[index].category is Category.BREAKS:
        return []
    chain = [pieces[index]]
    for piece in reversed(pieces[:index]):
        gap_too_long = piece.end is not None and add_months(piece.end, tolerance_months) < chain[0].start
        if piece.category is Category.BREAKS or gap_too_long:
            break
        chain.insert(0, piece)
    return chain


def _judge(chain: Sequence[Span], at: date, months: int) -> PeriodOutcome:
    counting = [p for p in chain if p.category is Category.COUNTS]
    if not counting:
        return PeriodOutcome(Status.NOT_MET, None, 0, None)
    start = counting[0].start
    required = (add_months(start, months) - start).days
    counted, reached = 0, None
    for piece in counting:
        end = at if piece.end is None or piece.end > at else piece.end
        days = (end - piece.start).days
        if reached is None and counted + days >= required:
            reached = piece.start + timedelta(days=required - counted)
        counted += days
    if reached is None and chain[-1].category is Category.COUNTS:
        reached = at + timedelta(days=required - counted)  # projected: the current status goes on
    status = Status.MET if reached is not None and reached <= at else Status.NOT_MET
    return PeriodOutcome(status, start, counted, reached)


def period(spans: Sequence[Span], at: date, months: int, tolerance_months: int = 0) -> PeriodOutcome:
    """Whether an uninterrupted period of `months` has run by `at`, and when it will."""
    worst = _judge(chain_at(timeline(spans, Category.BREAKS), at, tolerance_months), at, months)
    if worst.status is Status.MET:
        return worst
    best = _judge(chain_at(timeline(spans, Category.COUNTS), at, tolerance_months), at, months)
    if best.status is Status.MET:
        return PeriodOutcome(Status.UNKNOWN, None, worst.counted_days, None)
    return worst if worst == best else PeriodOutcome(Status.NOT_MET, None, worst.counted_days, None)
