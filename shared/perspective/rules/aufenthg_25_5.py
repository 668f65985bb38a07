"""§ 25 Abs. 5 AufenthG: residence when departure is impossible through no fault of one's own.

Text verified in the consolidated AufenthG (bundestag/gesetze, Stand 12.7.2018): S. 1
a person enforceably obliged to leave "kann" get a permit if departure is impossible in
fact or law and the obstacle is not expected to end soon; S. 2 "soll" once removal has
been suspended for 18 months; S. 3 only if prevented from leaving through no fault of
their own; S. 4 fault is in particular false statements, deception about identity or
nationality, or failing reasonable demands to remove the obstacle. S. 2 does not
replace S. 1 (BVerwG 1 C 14.05, asyl.net M8727); the authority must name the acts it
requires (VGH BW 13 S 2483/07, asyl.net M14778).
"""

from __future__ import annotations

from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import de
from shared.perspective.norms import AUFENTHG_25_5
from shared.perspective.results import Deadline, EvaluationInstant, PrerequisiteResult, Status, all_of
from shared.perspective.rules.common import flag_predicate, no_deception, texts
from shared.perspective.rules.leave import cooperation_kept, obliged_to_leave
from shared.perspective.rules.model import Pathway, Reason, Req, RuleContext, RuleVersion, prerequisite
from shared.perspective.rules.stay import Route, duldung_only, period_predicate, spans_of

REF = "§ 25 Abs. 5 AufenthG"
SUSPENDED_MONTHS = 18

DECEPTION = no_deception(
    Req("no_deception", "Keine eigene Täuschung, die die Ausreise verhindert", REF + " S. 3, 4"),
    require_prevented=True,
    not_met_de="Eigene falsche Angaben oder Täuschung verhindern die Ausreise (Verschulden).",
)
NO_FAULT = Req(
    "no_fault",
    "Unverschuldet an der Ausreise gehindert (keine Täuschung, zumutbare Anforderungen erfüllt)",
    REF + " S. 3, 4",
    facts=("deceptions", "cooperation_duties"),
)


@prerequisite(NO_FAULT)
def no_fault(ctx: RuleContext) -> PrerequisiteResult:
    """Neither own deception that prevents departure nor a missed duty to cooperate."""
    deceived, cooperated = DECEPTION(ctx).status, cooperation_kept(ctx)
    status = all_of(deceived, cooperated)
    detail = texts(
        status,
        "Kein Verschulden erfasst.",
        "Verschulden: "
        + ("Täuschung" if deceived is Status.NOT_MET else "Mitwirkungsfrist ungenutzt verstrichen")
        + ".",
        "Täuschung oder Erfüllung der Mitwirkungspflichten nicht vollständig erfasst.",
    )
    return NO_FAULT.result(status, detail)


SUSPENDED = period_predicate(
    Req("suspended_18_months", "Abschiebung seit 18 Monaten ausgesetzt", REF + " S. 2"),
    [Route("Aussetzung der Abschiebung", SUSPENDED_MONTHS, spans_of(lambda ctx: duldung_only(ctx.assumptions)))],
)
GRANT = Req(
    "grant_discretion",
    "Erteilung im Ermessen ('kann'); nach 18 Monaten Aussetzung der Abschiebung in der Regel ('soll')",
    REF + " S. 1, 2",
    facts=("statuses",),
    discretion=Reason(
        de="Vor 18 Monaten Duldung entscheidet die Behörde nach Ermessen ('kann'); danach ist die Erteilung "
        "der Regelfall ('soll'), atypische Fälle wägt die Behörde.",
        en="Before 18 months of suspended removal the authority has discretion ('may'); after them a grant is "
        "the rule ('shall'), atypical cases are weighed by the authority.",
    ),
)


@prerequisite(GRANT)
def grant_discretion(ctx: RuleContext) -> PrerequisiteResult:
    """Met once removal is suspended for 18 months ("soll"); before, discretion for the authority."""
    suspended = SUSPENDED(ctx)
    if suspended.status is Status.MET:
        return GRANT.result(Status.MET, "Regelerteilung ('soll'): " + suspended.detail_de)
    when = f" 18 Monate voraussichtlich am {de(suspended.earliest_met_on)}." if suspended.earliest_met_on else ""
    return GRANT.result(Status.UNKNOWN, "Ermessen der Behörde ('kann'). " + suspended.detail_de + when)


def cooperation_deadlines(ctx: RuleContext) -> list[Deadline]:
    """Deadlines of duties to cooperate that are still running."""
    return [
        Deadline(
            key="cooperation_deadline",
            label_de="Frist für die geforderten Mitwirkungshandlungen (Beseitigung des Ausreisehindernisses)",
            on=d.deadline,
            legal_reference="§ 82 Abs. 1 AufenthG; § 25 Abs. 5 S. 4 AufenthG",
        )
        for d in ctx.facts.cooperation_duties or []
        if d.notified_on <= ctx.decision_on <= d.deadline and not d.fulfilled
    ]


V2005 = RuleVersion(
    id=f"{AUFENTHG_25_5}@2005-01-01",
    norm=AUFENTHG_25_5,
    label_de="§ 25 Abs. 5 AufenthG",
    valid_from=date(2005, 1, 1),
    valid_to=None,
    evaluation_instant=EvaluationInstant.DECISION,
    predicates=(
        obliged_to_leave(Req("enforceably_obliged", "Vollziehbar ausreisepflichtig", REF + " S. 1")),
        flag_predicate(
            Req("departure_impossible", "Ausreise aus rechtlichen oder tatsächlichen Gründen unmöglich", REF + " S. 1"),
            "departure_impossible",
            met_de="Ausreise (auch freiwillig) unmöglich.",
            not_met_de="Ausreise möglich.",
        ),
        flag_predicate(
            Req(
                "obstacle_lasting",
                "Mit dem Wegfall der Ausreisehindernisse ist in absehbarer Zeit nicht zu rechnen",
                REF + " S. 1",
            ),
            "departure_obstacle_lasting",
            met_de="Hindernis dauert voraussichtlich an.",
            not_met_de="Wegfall des Hindernisses absehbar.",
        ),
        no_fault,
        grant_discretion,
    ),
    deadlines=(cooperation_deadlines,),
    notes_de=(
        "Erteilung für längstens sechs Monate, solange noch nicht 18 Monate rechtmäßiger Aufenthalt "
        "(§ 26 Abs. 1 S. 1).",
        "Keine Verlängerung, wenn das Ausreisehindernis entfallen ist (§ 26 Abs. 2).",
        "Allgemeine Erteilungsvoraussetzungen (§ 5) prüft die Behörde.",
    ),
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 25 Abs. 5."""
    return (V2005,)


PATHWAY = Pathway(
    AUFENTHG_25_5,
    "Aufenthaltserlaubnis bei unverschuldeter Unmöglichkeit der Ausreise (§ 25 Abs. 5 AufenthG)",
    versions,
)
