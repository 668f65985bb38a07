"""§ 104c Abs. 1 AufenthG: Chancen-Aufenthaltsrecht, an 18-month bridge into §§ 25a/25b [V S1, S2].

Abs. 1 is judged on the person's own periods alone; family members under Abs. 2
are their own route (aufenthg_104c_2.py), so a missing household record never turns
a stay that is short of five years into "unknown".
"""

from __future__ import annotations

from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import ONE_DAY, add_months
from shared.perspective.facts import DULDUNG_KINDS, StatusKind
from shared.perspective.norms import AUFENTHG_104C
from shared.perspective.results import Deadline, EvaluationInstant, PrerequisiteResult, Status
from shared.perspective.rules.common import describe_statuses, flag_predicate, no_deception, statuses_on
from shared.perspective.rules.convictions import conviction_threshold
from shared.perspective.rules.model import Pathway, Prerequisite, Reason, Req, RuleContext, RuleVersion, prerequisite
from shared.perspective.rules.stay import Route, at_rule_instant, holds_104c, period_predicate, residence, spans_of

IN_FORCE = date(2022, 12, 31)
CUT_OFF = date(2022, 10, 31)
LAST_GRANT = date(2025, 12, 31)  # Art. 5 ChAR-Gesetz: no new grants from 1.1.2026 [V S2]
TITLE_MONTHS = 18  # not extendable; switch only to § 25a/§ 25b [V S1]
REF = "§ 104c Abs. 1 AufenthG"

TOLERATED = Req("tolerated", "Geduldet (oder Anspruch auf Duldung)", REF, facts=("statuses",))
STAY = Req("stay_on_cut_off", "Am 31.10.2022 seit fünf Jahren ununterbrochen geduldet, gestattet oder erlaubt", REF)


def tolerated_as(req: Req) -> Prerequisite:
    """Tolerated now; a § 104c title already granted cannot be granted again."""

    def check(ctx: RuleContext) -> PrerequisiteResult:
        at = ctx.decision_on
        current = statuses_on(ctx, at)
        detail = describe_statuses(current, at)
        if current is None:
            return req.result(Status.UNKNOWN, detail)
        if holds_104c(ctx, at) is Status.MET:
            return req.result(Status.NOT_MET, detail + " Titel nach § 104c bereits erteilt; nicht verlängerbar.")
        if any(s.kind in DULDUNG_KINDS for s in current):
            return req.result(Status.MET, detail)
        if not current:
            return req.result(Status.UNKNOWN, detail + " Anspruch auf Duldung prüfen.")
        return req.result(Status.NOT_MET, detail)

    return Prerequisite(req, check)


tolerated = tolerated_as(TOLERATED)


# The person's own five years on the cut-off, nothing else: family members of a
# beneficiary need none (Abs. 2, its own pathway). § 60b periods count here
# (§ 104c Abs. 1 S. 3) [V S1]; "uninterrupted" on the cut-off.
STAY_ON_CUT_OFF = period_predicate(
    STAY,
    [
        Route(
            "Voraufenthalt",
            60,
            spans_of(lambda ctx: residence(True, ctx.assumptions)),
            lambda ctx: ctx.assumptions.gap_tolerance_months_104c,  # [U] awaiting legal review: tolerance
        )
    ],
    at=at_rule_instant,
)
FDGO = flag_predicate(
    Req(
        "fdgo_declaration",
        "Bekenntnis zur freiheitlichen demokratischen Grundordnung",
        "§ 104c Abs. 1 S. 1 Nr. 1 AufenthG",
    ),
    "fdgo_declaration",
    met_de="Bekenntnis abgegeben.",
    not_met_de="Bekenntnis fehlt.",
)
CONVICTIONS = conviction_threshold(
    Req("convictions", "Keine Verurteilung über der Bagatellgrenze", "§ 104c Abs. 1 S. 1 Nr. 2 AufenthG")
)
REPEATED_DECEPTION = no_deception(
    Req(
        "no_repeated_deception",
        "Keine wiederholte Täuschung, die die Abschiebung verhindert hat",
        "§ 104c Abs. 1 S. 2 AufenthG",
    ),
    require_prevented=True,
    min_count=2,
    not_met_de="Wiederholte eigene Täuschung hat die Abschiebung verhindert: Erteilung soll versagt werden.",
)


def title_expiry(ctx: RuleContext) -> list[Deadline]:
    """The expiry of a § 104c title held: extend only as § 25a or § 25b [V S1, S2]."""
    titles = [
        s for s in ctx.facts.statuses or [] if s.kind is StatusKind.AUFENTHALTSERLAUBNIS and s.norm == AUFENTHG_104C
    ]
    if not titles:
        return []
    latest = max(titles, key=lambda s: s.valid_from)
    expiry = latest.valid_until or add_months(latest.valid_from, TITLE_MONTHS) - ONE_DAY
    label = "Ablauf der Aufenthaltserlaubnis nach § 104c: Übergang in § 25a/§ 25b vorher beantragen"
    return [
        Deadline(key="title_104c_expires", label_de=label, on=expiry, legal_reference="§ 104c Abs. 1, Abs. 3 AufenthG")
    ]


def last_grant(ctx: RuleContext) -> list[Deadline]:
    if ctx.decision_on > LAST_GRANT or holds_104c(ctx, ctx.decision_on) is Status.MET:
        return []
    return [
        Deadline(
            key="last_new_grant",
            label_de="Letzter Tag für Neuerteilungen nach § 104c",
            on=LAST_GRANT,
            legal_reference="Art. 5 ChAR-Gesetz",
        )
    ]


NO_NEW_GRANTS = Req(
    "new_grant_possible",
    "Neuerteilung möglich",
    "Art. 5 ChAR-Gesetz",
    fixed_by_law=Reason(
        de="Seit 01.01.2026 sieht das Gesetz keine Neuerteilung vor; keine Tatsache ändert das.",
        en="From 1 January 2026 the law grants no new titles; no fact changes that.",
    ),
)


@prerequisite(NO_NEW_GRANTS)
def no_new_grants(ctx: RuleContext) -> PrerequisiteResult:
    """Art. 5 ChAR-Gesetz: no new grants from 1.1.2026 [V S2]."""
    detail = (
        "Seit 01.01.2026 keine Neuerteilung; bestehende Titel laufen bis zum Ablauf "
        "und werden nur als § 25a/§ 25b verlängert."
    )
    return NO_NEW_GRANTS.result(Status.NOT_MET, detail)


PREDICATES_2022: tuple[Prerequisite, ...] = (tolerated, STAY_ON_CUT_OFF, FDGO, CONVICTIONS, REPEATED_DECEPTION)


V2022 = RuleVersion(
    id="AufenthG_104c@2022-12-31",
    norm=AUFENTHG_104C,
    label_de="§ 104c AufenthG i.d.F. vom 31.12.2022",
    valid_from=IN_FORCE,
    valid_to=LAST_GRANT,
    evaluation_instant=EvaluationInstant.CUT_OFF,
    cut_off=CUT_OFF,
    predicates=PREDICATES_2022,
    deadlines=(title_expiry, last_grant),
    notes_de=(
        "Lebensunterhalt, Identitätsklärung und Passpflicht sind nicht erforderlich (§ 5 Abs. 1 Nr. 1, 1a, 4, Abs. 2).",
        "Erteilung für 18 Monate, nicht verlängerbar; Übergang nur in § 25a/§ 25b; kein Familiennachzug.",
        "Ehegatten, Lebenspartner und minderjährige ledige Kinder eines Begünstigten: eigener Pfad § 104c Abs. 2.",
    ),
)

V2026 = RuleVersion(
    id="AufenthG_104c@2026-01-01",
    norm=AUFENTHG_104C,
    label_de="§ 104c AufenthG ab 01.01.2026 (keine Neuerteilung)",
    valid_from=LAST_GRANT + ONE_DAY,
    valid_to=None,
    evaluation_instant=EvaluationInstant.CUT_OFF,
    cut_off=CUT_OFF,
    predicates=(no_new_grants,),
    deadlines=(title_expiry,),
    notes_de=(
        "Anträge auf andere Titel lösen keine Fiktion nach § 81 Abs. 4 aus.",
        "Ende 2025 anhängige Anträge: Rechtslage unklar (Annahme versions_by_application_date).",
    ),
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 104c."""
    return (V2022, V2026)


PATHWAY = Pathway(AUFENTHG_104C, "Chancen-Aufenthaltsrecht (§ 104c AufenthG)", versions)
