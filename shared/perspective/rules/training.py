"""Prerequisites of the training routes for tolerated people (§ 60c Duldung, § 16g title)."""

from __future__ import annotations

from shared.perspective.dates import add_months, de
from shared.perspective.facts import Training
from shared.perspective.results import PrerequisiteResult, Status, all_of, any_of
from shared.perspective.rules.common import holds, known, reads, texts
from shared.perspective.rules.model import Prerequisite, Req, RuleContext
from shared.perspective.rules.stay import (
    COUNTING_DULDUNG,
    Instant,
    Route,
    at_decision,
    duldung_only,
    period_predicate,
    spans_of,
)

APPLICATION_WINDOW_MONTHS = 7  # the application may be filed at most 7 months before the start


def _training_of(ctx: RuleContext, req: Req) -> Training | PrerequisiteResult:
    return ctx.facts.training or req.result(Status.UNKNOWN, "Kein Ausbildungsvertrag erfasst.")


def tolerated_three_months(req: Req, at: Instant = at_decision) -> Prerequisite:
    """Tolerated for three months at `at`, unless the training began under a Gestattung."""
    by_time = period_predicate(req, [Route("Duldung", 3, spans_of(lambda ctx: duldung_only(ctx.assumptions)))], at=at)
    req = reads(by_time.req, "training")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        judged = by_time(ctx)
        started = known(ctx.facts.training.started_under_gestattung) if ctx.facts.training else Status.UNKNOWN
        under_gestattung = all_of(started, holds(ctx, ctx.decision_on, COUNTING_DULDUNG))
        status = any_of(judged.status, under_gestattung)
        extra = " Ausbildung während der Gestattung begonnen." if under_gestattung is Status.MET else ""
        return req.result(status, judged.detail_de + extra, judged.earliest_met_on)

    return Prerequisite(req, check)


def training_kind(req: Req) -> Prerequisite:
    """Qualified training (at least two years), or helper training with a shortage-occupation offer."""
    req = reads(req, "training")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        training = _training_of(ctx, req)
        if isinstance(training, PrerequisiteResult):
            return training
        helper = all_of(known(training.helper_training), known(training.shortage_occupation_offer))
        status = any_of(known(training.qualified), helper)
        detail = texts(
            status, "Ausbildung ist förderfähig.", "Weder qualifizierte Ausbildung noch Helferausbildung mit Zusage."
        )
        return req.result(status, detail)

    return Prerequisite(req, check)


def contract_registered(req: Req) -> Prerequisite:
    """The training contract is entered in the Kammer's register."""
    req = reads(req, "training")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        training = _training_of(ctx, req)
        if isinstance(training, PrerequisiteResult):
            return training
        status = known(training.kammer_registered)
        return req.result(status, texts(status, "Eintragung liegt vor.", "Eintragung fehlt."))

    return Prerequisite(req, check)


def application_window(req: Req) -> Prerequisite:
    """Filed no earlier than seven months before the training starts (only time is needed)."""
    req = reads(req, "training", "applications")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        training = _training_of(ctx, req)
        if isinstance(training, PrerequisiteResult):
            return training
        if training.starts_on is None:
            return req.result(Status.UNKNOWN, "Ausbildungsbeginn nicht erfasst.")
        opens = add_months(training.starts_on, -APPLICATION_WINDOW_MONTHS)
        status = Status.MET if ctx.application_on >= opens else Status.NOT_MET
        detail = f"Beginn {de(training.starts_on)}; Antrag möglich ab {de(opens)}; Antrag am {de(ctx.application_on)}."
        return req.result(status, detail, opens)

    return Prerequisite(req, check)
