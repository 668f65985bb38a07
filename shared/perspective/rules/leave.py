"""The obligation to leave and the duties around it (§§ 50, 58, 60a, 82 AufenthG).

Verified in the consolidated AufenthG (bundestag/gesetze, Stand 12.7.2018): § 50 Abs. 1
(obliged to leave without a required title), § 50 Abs. 2 (leave at once or by the
deadline), § 58 Abs. 2 (when it is enforceable, incl. § 81 Abs. 3, 4), § 60a Abs. 3 (a
Duldung leaves the obligation untouched). A Gestattung makes the stay lawful for the
asylum procedure (§ 55 Abs. 1 AsylG; buzer.de, asyl.net).
"""

from __future__ import annotations

from datetime import date

from shared.perspective.facts import DULDUNG_KINDS, StatusKind
from shared.perspective.obligations import DepartureObligation
from shared.perspective.results import PrerequisiteResult, Status, all_of, any_of, negate
from shared.perspective.rules.common import describe_statuses, holds, reads, statuses_on, texts
from shared.perspective.rules.model import Prerequisite, Req, RuleContext

RIGHT_TO_STAY = frozenset(
    {StatusKind.AUFENTHALTSERLAUBNIS, StatusKind.FIKTION, StatusKind.NIEDERLASSUNGSERLAUBNIS, StatusKind.GESTATTUNG}
)


def no_right_to_stay(ctx: RuleContext, at: date) -> Status:
    """No title, Fiktion or Gestattung on `at` (§ 50 Abs. 1; § 81 Abs. 3, 4; § 55 AsylG)."""
    return negate(holds(ctx, at, RIGHT_TO_STAY))


def active_obligations(ctx: RuleContext, at: date) -> list[DepartureObligation] | None:
    """The enforceable obligations to leave on `at`; None if the foreign office's record is unknown."""
    recorded = ctx.facts.departure_obligations
    return None if recorded is None else [o for o in recorded if o.active_on(at)]


def enforceable(ctx: RuleContext, at: date) -> Status:
    """An enforceable obligation to leave is recorded for `at` (§ 58 Abs. 2)."""
    active = active_obligations(ctx, at)
    return Status.UNKNOWN if active is None else (Status.MET if active else Status.NOT_MET)


def enforceably_obliged(ctx: RuleContext, at: date) -> Status:
    """No right to stay, and tolerated (a Duldung presupposes it) or recorded as enforceable."""
    return all_of(no_right_to_stay(ctx, at), any_of(holds(ctx, at, DULDUNG_KINDS), enforceable(ctx, at)))


def obliged_to_leave(req: Req) -> Prerequisite:
    """Enforceably obliged to leave on the decision date."""
    req = reads(req, "statuses", "departure_obligations")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        at = ctx.decision_on
        status = enforceably_obliged(ctx, at)
        detail = (
            describe_statuses(statuses_on(ctx, at), at)
            + " "
            + texts(
                status,
                "Vollziehbar ausreisepflichtig.",
                "Aufenthaltsrecht (Titel, Fiktion oder Gestattung) oder keine vollziehbare Ausreisepflicht.",
                "Vollziehbarkeit der Ausreisepflicht nicht erfasst.",
            )
        )
        return req.result(status, detail)

    return Prerequisite(req, check)


def cooperation_kept(ctx: RuleContext) -> Status:
    """No duty to cooperate whose deadline passed unmet (§ 82 Abs. 1; § 25 Abs. 5 S. 4)."""
    duties = ctx.facts.cooperation_duties
    if duties is None:
        return Status.UNKNOWN
    failed = [d.failed_by(ctx.decision_on) for d in duties if d.notified_on <= ctx.decision_on]
    if True in failed:
        return Status.NOT_MET
    return Status.UNKNOWN if None in failed else Status.MET


__all__ = [
    "RIGHT_TO_STAY",
    "active_obligations",
    "cooperation_kept",
    "enforceable",
    "enforceably_obliged",
    "no_right_to_stay",
    "obliged_to_leave",
]
