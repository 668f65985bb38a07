"""Identity clarification by a deadline that depends on the entry date (§§ 60c, 60d)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from shared.perspective.assumptions import IdentityDeadline
from shared.perspective.dates import de
from shared.perspective.results import Deadline, PrerequisiteResult, Status, any_of
from shared.perspective.rules.common import flag_status, reads
from shared.perspective.rules.model import DeadlineRule, Prerequisite, Req, RuleContext

DeadlineTable = Callable[[RuleContext], Sequence[IdentityDeadline]]


def identity_deadline(ctx: RuleContext, table: Sequence[IdentityDeadline]) -> date | None:
    """The clarification deadline for this person; None if entry unknown or outside every window."""
    entry = ctx.facts.entry_on
    rule = next((r for r in table if entry is not None and r.applies_to(entry)), None)
    return rule.deadline(entry, ctx.application_on) if rule and entry else None


def _clarified_in_time(ctx: RuleContext, deadline: date | None) -> tuple[Status, str]:
    clarified = ctx.facts.identity_clarified
    if clarified is None:
        return Status.UNKNOWN, "Stand der Identitätsklärung nicht erfasst."
    if ctx.facts.entry_on is None:
        return Status.UNKNOWN, "Einreisedatum unbekannt, Frist nicht bestimmbar."
    if deadline is None:
        return Status.NOT_MET, "Für dieses Einreisedatum sieht die Norm keine Frist vor."
    if not clarified.holds_on(ctx.decision_on):
        return Status.NOT_MET, f"Identität nicht geklärt; Frist {de(deadline)}."
    if clarified.since is None:
        in_time = Status.MET if deadline >= ctx.decision_on else Status.UNKNOWN
        return in_time, f"Identität geklärt (Datum nicht erfasst); Frist {de(deadline)}."
    in_time = Status.MET if clarified.since <= deadline else Status.NOT_MET
    return in_time, f"Identität geklärt am {de(clarified.since)}; Frist {de(deadline)}."


def identity_by_deadline(req: Req, table: DeadlineTable) -> Prerequisite:
    """Identity clarified in time, or deemed so when all reasonable steps were taken.

    The application date (``applications``) fixes deadlines "by the application".
    """
    req = reads(req, "identity_clarified", "entry_on", "identity_steps_taken", "applications")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        clarified, detail = _clarified_in_time(ctx, identity_deadline(ctx, table(ctx)))
        steps = flag_status(ctx.facts.identity_steps_taken, ctx.decision_on)
        if steps is Status.MET:
            detail += " Alle zumutbaren Schritte unternommen (gilt als erfüllt)."
        return req.result(any_of(clarified, steps), detail)

    return Prerequisite(req, check)


def identity_deadline_rule(table: DeadlineTable, reference: str) -> DeadlineRule:
    """The clarification deadline, while it lies ahead and identity is not yet clarified."""

    def deadlines(ctx: RuleContext) -> list[Deadline]:
        deadline = identity_deadline(ctx, table(ctx))
        clarified = ctx.facts.identity_clarified
        if deadline is None or deadline < ctx.decision_on or (clarified is not None and clarified.value):
            return []
        return [
            Deadline(
                key="identity_clarification",
                label_de="Frist zur Identitätsklärung",
                on=deadline,
                legal_reference=reference,
            )
        ]

    return deadlines
