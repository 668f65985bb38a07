"""Departure (Ausreisepflicht und Rückkehr): where a person stands and which deadlines matter.

Not a title but the other side of one, modelled as a pathway so the caseworker sees
it next to the ways to stay: "erfüllt" (eligible) here means the person is
enforceably obliged to leave and still in Germany, so return counselling and the ways
to stay both need attention; "nicht erfüllt" means the obligation does not exist, is
not enforceable or has ended by departure. Sources: see leave.py (§§ 50, 58, 60a
AufenthG, § 55 AsylG); § 59 Abs. 1 (deadline of 7 to 30 days for voluntary departure)
and § 60a Abs. 5 S. 1 (a Duldung ends with departure) as consolidated on 1.6.2012.

Nothing secret enters or leaves: removal dates and routes never leave the foreign
office (docs/domain.md § 3 row 26) and are no facts of the engine; the deadlines shown
are the person's own (departure deadline, Duldung expiry).
"""

from __future__ import annotations

from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import de
from shared.perspective.facts import DULDUNG_KINDS
from shared.perspective.norms import AUFENTHG_50
from shared.perspective.results import Deadline, EvaluationInstant, PrerequisiteResult, Status
from shared.perspective.rules.common import describe_statuses, statuses_on, texts
from shared.perspective.rules.leave import active_obligations, enforceable, no_right_to_stay
from shared.perspective.rules.model import Pathway, Req, RuleContext, RuleVersion, prerequisite

NO_RIGHT = Req(
    "no_right_to_stay",
    "Kein Aufenthaltstitel, keine Fiktion und keine Aufenthaltsgestattung (ausreisepflichtig)",
    "§ 50 Abs. 1 AufenthG; § 81 Abs. 3, 4 AufenthG; § 55 Abs. 1 AsylG",
    facts=("statuses",),
)
ENFORCEABLE = Req(
    "enforceable", "Ausreisepflicht vollziehbar", "§ 58 Abs. 2 AufenthG", facts=("departure_obligations",)
)
PRESENT = Req(
    "not_departed",
    "Noch im Bundesgebiet (keine Ausreise seit der letzten Einreise erfasst)",
    "§ 50 Abs. 1, 2 AufenthG; § 60a Abs. 5 AufenthG",
    facts=("departures", "entry_on"),
)


@prerequisite(NO_RIGHT)
def no_right(ctx: RuleContext) -> PrerequisiteResult:
    """Obliged to leave: no title, Fiktion or Gestattung; a Duldung leaves the obligation untouched."""
    at = ctx.decision_on
    status = no_right_to_stay(ctx, at)
    detail = describe_statuses(statuses_on(ctx, at), at)
    tolerated = " Duldung: Abschiebung ausgesetzt, Ausreisepflicht bleibt (§ 60a Abs. 3)."
    return NO_RIGHT.result(status, detail + (tolerated if status is Status.MET and _tolerated(ctx, at) else ""))


def _tolerated(ctx: RuleContext, at: date) -> bool:
    return any(s.kind in DULDUNG_KINDS for s in ctx.facts.statuses_on(at))


@prerequisite(ENFORCEABLE)
def is_enforceable(ctx: RuleContext) -> PrerequisiteResult:
    """An enforceable obligation to leave is recorded for the decision date."""
    status = enforceable(ctx, ctx.decision_on)
    detail = texts(
        status,
        "Vollziehbare Ausreisepflicht erfasst.",
        "Keine vollziehbare Ausreisepflicht erfasst (nicht oder nicht mehr vollziehbar).",
        "Stand der Ausreisepflicht nicht erfasst.",
    )
    return ENFORCEABLE.result(status, detail)


@prerequisite(PRESENT)
def not_departed(ctx: RuleContext) -> PrerequisiteResult:
    """No departure recorded since the last entry (a departure ends the obligation's purpose)."""
    departures = ctx.facts.departures
    if departures is None:
        return PRESENT.result(Status.UNKNOWN, "Ausreise nicht erfasst.")
    entry = ctx.facts.entry_on
    left = [d for d in departures if d.departed_on <= ctx.decision_on and (entry is None or d.departed_on >= entry)]
    if not left:
        return PRESENT.result(Status.MET, "Keine Ausreise erfasst.")
    last = max(left, key=lambda d: d.departed_on)
    if entry is None:
        # Without an entry date a departure might have been followed by a return.
        return PRESENT.result(Status.UNKNOWN, f"Ausreise am {de(last.departed_on)} erfasst; Wiedereinreise unbekannt.")
    return PRESENT.result(Status.NOT_MET, f"Ausgereist am {de(last.departed_on)}.")


def deadlines(ctx: RuleContext) -> list[Deadline]:
    """The departure deadline of an enforceable obligation and the end of the Duldung held."""
    at = ctx.decision_on
    found = [
        Deadline(
            key="departure_deadline",
            label_de="Ausreisefrist: letzter Tag der freiwilligen Ausreise",
            on=o.departure_deadline,
            legal_reference="§ 50 Abs. 2, § 59 Abs. 1 AufenthG",
        )
        for o in active_obligations(ctx, at) or []
        if o.departure_deadline and o.departure_deadline >= at
    ]
    found += [
        Deadline(
            key="duldung_expires",
            label_de="Ablauf der Duldung (Verlängerung rechtzeitig beantragen)",
            on=s.valid_until,
            legal_reference="§ 60a Abs. 4 AufenthG",
        )
        for s in ctx.facts.statuses_on(at)
        if s.kind in DULDUNG_KINDS and s.valid_until
    ]
    return found


V2005 = RuleVersion(
    id=f"{AUFENTHG_50}@2005-01-01",
    norm=AUFENTHG_50,
    label_de="Ausreisepflicht (§§ 50, 58, 59 AufenthG)",
    valid_from=date(2005, 1, 1),
    valid_to=None,
    evaluation_instant=EvaluationInstant.DECISION,
    predicates=(no_right, is_enforceable, not_departed),
    deadlines=(deadlines,),
    notes_de=(
        "'Erfüllt' heißt hier: vollziehbar ausreisepflichtig und noch im Bundesgebiet. Rückkehrberatung anbieten "
        "und zugleich die Bleibeperspektiven prüfen (§§ 25 Abs. 5, 25a, 25b, 60c, 16g, 104c).",
        "Die Ausreisefrist beträgt in der Regel sieben bis 30 Tage (§ 59 Abs. 1); eine Duldung lässt die "
        "Ausreisepflicht unberührt (§ 60a Abs. 3) und erlischt mit der Ausreise (§ 60a Abs. 5).",
        "Termine oder Wege einer Abschiebung sind keine Tatsachen dieser Auswertung und werden nie angezeigt.",
    ),
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """One version since the AufenthG came into force (1.1.2005)."""
    return (V2005,)


PATHWAY = Pathway(AUFENTHG_50, "Ausreisepflicht und Rückkehr (§§ 50, 58, 59 AufenthG)", versions, on_application=False)
