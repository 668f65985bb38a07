"""§ 60a Abs. 2b AufenthG: Duldung for the family of a minor holding a § 25a permit.

Verified text (consolidated AufenthG of 1.6.2012, bundestag/gesetze; nds-fluerat.org
Leitfaden 11 and 7.1.2 on its current use): "Solange ein Ausländer, der eine
Aufenthaltserlaubnis nach § 25a Absatz 1 besitzt, minderjährig ist, soll die
Abschiebung seiner Eltern oder eines allein personensorgeberechtigten Elternteils
sowie der minderjährigen Kinder, die mit den Eltern oder dem allein
personensorgeberechtigten Elternteil in familiärer Lebensgemeinschaft leben,
ausgesetzt werden." A parent is covered as one of "seine Eltern"; a sibling must be a
minor living with the parents. The day it came into force is [U]
(LegalAssumptions.duldung_60a_2b_from).
"""

from __future__ import annotations

from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import ONE_DAY, birthday, de
from shared.perspective.household import ADULT_AGE, HouseholdMember, Relation, minor
from shared.perspective.norms import AUFENTHG_25A, AUFENTHG_60A_2B
from shared.perspective.results import Deadline, EvaluationInstant, PrerequisiteResult, Status, all_of, any_of
from shared.perspective.rules.common import known
from shared.perspective.rules.leave import obliged_to_leave
from shared.perspective.rules.model import Pathway, Req, RuleContext, RuleVersion, prerequisite

REF = "§ 60a Abs. 2b AufenthG"
FAMILY = Req(
    "family_of_minor_25a_holder",
    "Elternteil eines minderjährigen Kindes mit Aufenthaltserlaubnis nach § 25a Abs. 1, oder dessen minderjähriges "
    "Geschwisterkind in familiärer Lebensgemeinschaft mit den Eltern",
    REF,
    facts=("household_members", "birth_date"),
)


def _youth(member: HouseholdMember, at: date) -> Status:
    """The member holds § 25a Abs. 1 (an application pending leaves it open) and is a minor."""
    standing = member.standing(AUFENTHG_25A, at)
    holder = {"holds": Status.MET, "neither": Status.NOT_MET}.get(standing or "", Status.UNKNOWN)
    return all_of(holder, known(member.minor_on(at)))


def _youths(members: list[HouseholdMember], at: date, relation: Relation) -> Status:
    found = [m for m in members if m.relation is relation]
    return any_of(*(_youth(m, at) for m in found)) if found else Status.NOT_MET


@prerequisite(FAMILY)
def family(ctx: RuleContext) -> PrerequisiteResult:
    """As a parent of such a minor, or as a minor sibling living with the parents."""
    members = ctx.facts.household_members
    if members is None:
        return FAMILY.result(Status.UNKNOWN, "Familienangehörige nicht erfasst.")
    at = ctx.decision_on
    as_parent = _youths(members, at, Relation.CHILD)
    with_parents = [m for m in members if m.relation is Relation.PARENT and m.lives_with_on(at)]
    as_sibling = all_of(
        known(minor(ctx.facts.birth_date, at)),
        Status.MET if with_parents else Status.NOT_MET,
        _youths(members, at, Relation.SIBLING),
    )
    status = any_of(as_parent, as_sibling)
    detail = {
        Status.MET: "Elternteil bzw. minderjähriges Geschwisterkind eines Minderjährigen mit § 25a Abs. 1.",
        Status.NOT_MET: "Kein minderjähriges Kind oder Geschwisterkind mit § 25a Abs. 1 in dieser Familie erfasst.",
    }.get(status, "Aufenthaltserlaubnis, Alter oder Zusammenleben der Angehörigen nicht vollständig erfasst.")
    return FAMILY.result(status, detail)


def coming_of_age(ctx: RuleContext) -> list[Deadline]:
    """The last day the youth is a minor: the suspension under Abs. 2b lasts only so long."""
    at = ctx.decision_on
    found = []
    for m in ctx.facts.household_members or []:
        if m.relation in (Relation.CHILD, Relation.SIBLING) and _youth(m, at) is Status.MET and m.birth_date:
            last = birthday(m.birth_date, ADULT_AGE) - ONE_DAY
            label = f"Letzter Tag der Minderjährigkeit des Kindes mit § 25a (geboren {de(m.birth_date)})"
            found.append(Deadline(key="youth_comes_of_age", label_de=label, on=last, legal_reference=REF))
    return found


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """One version; its first day is [U] awaiting legal review (duldung_60a_2b_from)."""
    since = assumptions.duldung_60a_2b_from
    return (
        RuleVersion(
            id=f"{AUFENTHG_60A_2B}@{since.isoformat()}",
            norm=AUFENTHG_60A_2B,
            label_de="§ 60a Abs. 2b AufenthG",
            valid_from=since,
            valid_to=None,
            evaluation_instant=EvaluationInstant.DECISION,
            predicates=(
                obliged_to_leave(Req("enforceably_obliged", "Vollziehbar ausreisepflichtig", REF + " i.V.m. § 58")),
                family,
            ),
            deadlines=(coming_of_age,),
            notes_de=(
                "Soll-Duldung: Die Abschiebung wird ausgesetzt, solange das Kind mit § 25a Abs. 1 minderjährig ist.",
                "Eine Aufenthaltserlaubnis für Eltern und Geschwister nach § 25a Abs. 2 prüft die Behörde "
                "(nicht modelliert).",
            ),
        ),
    )


PATHWAY = Pathway(
    AUFENTHG_60A_2B,
    "Duldung der Eltern und Geschwister eines Minderjährigen mit § 25a (§ 60a Abs. 2b AufenthG)",
    versions,
    on_application=False,
)
