"""§ 60c AufenthG: Ausbildungsduldung (training toleration) [V S13, S14]."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import add_months, de
from shared.perspective.facts import Training
from shared.perspective.norms import AUFENTHG_60C
from shared.perspective.results import EvaluationInstant, PrerequisiteResult, Status, all_of, any_of
from shared.perspective.rules.common import flag_predicate, holds, texts
from shared.perspective.rules.convictions import conviction_threshold
from shared.perspective.rules.identity import identity_by_deadline, identity_deadline_rule
from shared.perspective.rules.model import Pathway, Req, RuleContext, RuleVersion
from shared.perspective.rules.stay import COUNTING_DULDUNG, Route, duldung_only, period_predicate, spans_of

APPLICATION_WINDOW_MONTHS = 7  # the application may be filed at most 7 months before the start


def _bool(value: bool | None) -> Status:
    return Status.UNKNOWN if value is None else (Status.MET if value else Status.NOT_MET)


TOLERATED = Req(
    "tolerated_3_months",
    "Seit drei Monaten geduldet (außer Ausbildungsbeginn während der Gestattung)",
    "§ 60c Abs. 2 Nr. 2 AufenthG",
)
_THREE_MONTHS = period_predicate(TOLERATED, [Route("Duldung", 3, spans_of(lambda ctx: duldung_only(ctx.assumptions)))])


def _tolerated(ctx: RuleContext) -> PrerequisiteResult:
    by_time = _THREE_MONTHS(ctx)
    started = _bool(ctx.facts.training.started_under_gestattung) if ctx.facts.training else Status.UNKNOWN
    under_gestattung = all_of(started, holds(ctx, ctx.decision_on, COUNTING_DULDUNG))
    status = any_of(by_time.status, under_gestattung)
    extra = " Ausbildung während der Gestattung begonnen." if under_gestattung is Status.MET else ""
    return TOLERATED.result(status, by_time.detail_de + extra, by_time.earliest_met_on)


def _training_of(ctx: RuleContext, req: Req) -> Training | PrerequisiteResult:
    return ctx.facts.training or req.result(Status.UNKNOWN, "Kein Ausbildungsvertrag erfasst.")


def _training_kind(ctx: RuleContext) -> PrerequisiteResult:
    req = Req(
        "training_kind",
        "Qualifizierte Berufsausbildung oder Helferausbildung mit Anschlusszusage im Engpassberuf",
        "§ 60c Abs. 1 S. 1 AufenthG",
    )
    training = _training_of(ctx, req)
    if isinstance(training, PrerequisiteResult):
        return training
    helper = all_of(_bool(training.helper_training), _bool(training.shortage_occupation_offer))
    status = any_of(_bool(training.qualified), helper)
    return req.result(
        status,
        texts(
            status, "Ausbildung ist förderfähig.", "Weder qualifizierte Ausbildung noch Helferausbildung mit Zusage."
        ),
    )


def _registered(ctx: RuleContext) -> PrerequisiteResult:
    req = Req(
        "contract_registered", "Ausbildungsvertrag bei der zuständigen Kammer eingetragen", "§ 60c Abs. 3 AufenthG"
    )
    training = _training_of(ctx, req)
    if isinstance(training, PrerequisiteResult):
        return training
    status = _bool(training.kammer_registered)
    return req.result(status, texts(status, "Eintragung liegt vor.", "Eintragung fehlt."))


def _application_window(ctx: RuleContext) -> PrerequisiteResult:
    """Filed no earlier than seven months before the training starts (only time is needed)."""
    req = Req("application_window", "Antrag frühestens sieben Monate vor Ausbildungsbeginn", "§ 60c Abs. 3 AufenthG")
    training = _training_of(ctx, req)
    if isinstance(training, PrerequisiteResult):
        return training
    if training.starts_on is None:
        return req.result(Status.UNKNOWN, "Ausbildungsbeginn nicht erfasst.")
    opens = add_months(training.starts_on, -APPLICATION_WINDOW_MONTHS)
    status = Status.MET if ctx.application_on >= opens else Status.NOT_MET
    detail = f"Beginn {de(training.starts_on)}; Antrag möglich ab {de(opens)}; Antrag am {de(ctx.application_on)}."
    return req.result(status, detail, opens)


V2020 = RuleVersion(
    id=f"{AUFENTHG_60C}@2020-01-01",
    norm=AUFENTHG_60C,
    label_de="§ 60c AufenthG i.d.F. vom 01.01.2020",
    valid_from=date(2020, 1, 1),
    valid_to=None,
    evaluation_instant=EvaluationInstant.DECISION,
    predicates=(
        _tolerated,
        _training_kind,
        _registered,
        _application_window,
        # [U] awaiting legal review: deadlines by entry year, see LegalAssumptions.
        identity_by_deadline(
            Req(
                "identity",
                "Identität fristgerecht geklärt (oder alle zumutbaren Schritte)",
                "§ 60c Abs. 2 Nr. 3 AufenthG",
            ),
            lambda ctx: ctx.assumptions.identity_deadlines_60c,
        ),
        conviction_threshold(
            Req("convictions", "Keine Verurteilung über der Bagatellgrenze", "§ 60c Abs. 2 Nr. 4 AufenthG")
        ),
        flag_predicate(
            Req(
                "no_concrete_removal_measures",
                "Keine konkreten Maßnahmen zur Aufenthaltsbeendigung",
                "§ 60c Abs. 2 Nr. 5 AufenthG",
            ),
            lambda f: f.concrete_removal_measures,
            want=False,
            met_de="Keine konkreten Maßnahmen.",
            not_met_de="Konkrete Maßnahmen zur Aufenthaltsbeendigung stehen bevor.",
        ),
        flag_predicate(
            Req("no_employment_ban", "Kein Beschäftigungsverbot", "§ 60c Abs. 2 Nr. 1 AufenthG"),
            lambda f: f.employment_ban,
            want=False,
            met_de="Kein Beschäftigungsverbot.",
            not_met_de="Beschäftigungsverbot nach § 60a Abs. 6.",
        ),
    ),
    deadlines=(
        identity_deadline_rule(lambda ctx: ctx.assumptions.identity_deadlines_60c, "§ 60c Abs. 2 Nr. 3 AufenthG"),
    ),
    notes_de=(
        "Nach erfolgreichem Abschluss: Aufenthaltserlaubnis nach § 19d Abs. 1a.",
        "Seit 01.03.2024 alternativ Aufenthaltserlaubnis nach § 16g (nicht modelliert).",
    ),
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 60c; the dropout-report note carries an [U] parameter."""
    # [U] awaiting legal review: the training provider's dropout reporting period.
    weeks = assumptions.training_dropout_report_weeks
    note = f"Der Ausbildungsbetrieb muss einen Abbruch binnen {weeks} Wochen melden (§ 60c Abs. 5)."
    return (replace(V2020, notes_de=(*V2020.notes_de, note)),)


PATHWAY = Pathway(AUFENTHG_60C, "Ausbildungsduldung (§ 60c AufenthG)", versions)
