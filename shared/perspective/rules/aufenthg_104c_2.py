"""§ 104c Abs. 2 AufenthG: the Chancen-Aufenthaltsrecht for a beneficiary's family [V S1].

"Dem Ehegatten, dem Lebenspartner und minderjährigen, ledigen Kindern, die mit einem
Begünstigten nach Absatz 1 in häuslicher Gemeinschaft leben, soll unter den
Voraussetzungen des Absatzes 1 Nummer 1 und 2 eine Aufenthaltserlaubnis auch dann
erteilt werden, wenn diese sich am 31. Oktober 2022 noch nicht seit fünf Jahren
ununterbrochen [...] aufgehalten haben" (S. 1, verified). So: the five years are
waived; the beneficiary must be one *under Abs. 1* (a title under Abs. 2 does not
pass it on); the household is judged at the decision; fdGO and convictions apply.
Unverified details are [U] parameters of LegalAssumptions (family_104c_*).
"""

from __future__ import annotations

from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import ONE_DAY, de
from shared.perspective.household import RELATION_DE, HouseholdMember, Relation, minor
from shared.perspective.norms import AUFENTHG_104C, AUFENTHG_104C_2
from shared.perspective.results import EvaluationInstant, PrerequisiteResult, Status, all_of, any_of
from shared.perspective.rules.aufenthg_104c import (
    IN_FORCE,
    LAST_GRANT,
    last_grant,
    no_new_grants,
    title_expiry,
    tolerated_as,
)
from shared.perspective.rules.common import flag_predicate, flag_status, known, no_deception
from shared.perspective.rules.convictions import conviction_threshold
from shared.perspective.rules.model import Pathway, Prerequisite, Req, RuleContext, RuleVersion

REF = "§ 104c Abs. 2 AufenthG"
PARTNERS = frozenset({Relation.SPOUSE, Relation.REGISTERED_PARTNER})
STANDING_DE = {
    "holds": "besitzt § 104c Abs. 1",
    "applied": "hat § 104c Abs. 1 beantragt",
    "neither": "kein § 104c Abs. 1",
}


def _beneficiary(member: HouseholdMember, at: date) -> Status:
    """The member holds § 104c Abs. 1 (met), has applied (open: decided together), or neither."""
    standing = member.standing(AUFENTHG_104C, at)
    return {"holds": Status.MET, "neither": Status.NOT_MET}.get(standing or "", Status.UNKNOWN)


def _as_child(ctx: RuleContext) -> Status:
    """The person is a minor unmarried child, or [U] an adult unmarried one who entered as a minor."""
    facts = ctx.facts
    # [U] awaiting legal review: minority at the application or (default) at the decision.
    at = ctx.application_on if ctx.assumptions.family_104c_minority_at_application else ctx.decision_on
    as_minor = known(minor(facts.birth_date, at))
    # [U] awaiting legal review: § 104c Abs. 2 S. 2 beyond its verified opening.
    entered_minor = (
        known(minor(facts.birth_date, facts.entry_on) if facts.entry_on else None)
        if ctx.assumptions.family_104c_adult_child_entered_as_minor
        else Status.NOT_MET
    )
    return all_of(flag_status(facts.unmarried, ctx.decision_on), any_of(as_minor, entered_minor))


def _link(ctx: RuleContext, member: HouseholdMember) -> Status:
    """One household member: a beneficiary under Abs. 1 the person is spouse, partner or child of."""
    relation = Status.MET if member.relation in PARTNERS else _as_child(ctx)
    return all_of(_beneficiary(member, ctx.decision_on), relation)


def family_req(assumptions: LegalAssumptions) -> Req:
    """The family prerequisite; what it reads depends on the [U] readings in force."""
    facts = ["household_members", "birth_date", "unmarried"]
    facts += ["entry_on"] if assumptions.family_104c_adult_child_entered_as_minor else []
    facts += ["applications"] if assumptions.family_104c_minority_at_application else []
    return Req(
        "family_of_beneficiary",
        "Ehegatte, Lebenspartner oder minderjähriges lediges Kind eines Begünstigten nach Abs. 1, "
        "in häuslicher Gemeinschaft mit ihm",
        REF + " S. 1",
        facts=tuple(facts),
    )


def family(assumptions: LegalAssumptions) -> Prerequisite:
    """Lives, on the decision date, in the household of a beneficiary under Abs. 1 as spouse, partner or child."""
    req = family_req(assumptions)

    def check(ctx: RuleContext) -> PrerequisiteResult:
        members = ctx.facts.household_members
        if members is None:
            return req.result(Status.UNKNOWN, "Haushaltsangehörige nicht erfasst.")
        at = ctx.decision_on
        related = [
            m for m in members if m.lives_with_on(at) and (m.relation in PARTNERS or m.relation is Relation.PARENT)
        ]
        status = any_of(*(_link(ctx, m) for m in related)) if related else Status.NOT_MET
        described = "; ".join(
            f"{RELATION_DE[m.relation]}: {STANDING_DE.get(m.standing(AUFENTHG_104C, at) or '', 'Status unbekannt')}"
            for m in related
        )
        detail = f"Am {de(at)} im Haushalt: {described or 'kein Ehegatte, Lebenspartner oder Elternteil'}."
        return req.result(status, detail)

    return Prerequisite(req, check)


def _predicates(assumptions: LegalAssumptions) -> tuple[Prerequisite, ...]:
    tolerated = tolerated_as(
        Req("tolerated", "Geduldet (oder Anspruch auf Duldung)", REF + " i.V.m. Abs. 1 S. 1", facts=("statuses",))
    )
    deception = no_deception(
        Req(
            "no_repeated_deception",
            "Keine wiederholte Täuschung, die die Abschiebung verhindert hat",
            REF + " i.V.m. Abs. 1 S. 2",
        ),
        require_prevented=True,
        min_count=2,
        not_met_de="Wiederholte eigene Täuschung hat die Abschiebung verhindert: Erteilung soll versagt werden.",
    )
    return (
        # [U] awaiting legal review: whether the family member must be tolerated.
        *((tolerated,) if assumptions.family_104c_must_be_tolerated else ()),
        family(assumptions),
        flag_predicate(
            Req(
                "fdgo_declaration",
                "Bekenntnis zur freiheitlichen demokratischen Grundordnung",
                REF + " i.V.m. Abs. 1 S. 1 Nr. 1",
            ),
            "fdgo_declaration",
            met_de="Bekenntnis abgegeben.",
            not_met_de="Bekenntnis fehlt.",
        ),
        conviction_threshold(
            Req("convictions", "Keine Verurteilung über der Bagatellgrenze", REF + " i.V.m. Abs. 1 S. 1 Nr. 2")
        ),
        # [U] awaiting legal review: whether Abs. 1 S. 2 applies to family members.
        *((deception,) if assumptions.family_104c_deception_bar else ()),
    )


NOTES = (
    "Voraufenthalt von fünf Jahren am 31.10.2022 ist nicht erforderlich (Abs. 2 S. 1).",
    "Begünstigter muss den Titel nach Abs. 1 besitzen; ein Antrag des Begünstigten lässt die Voraussetzung offen.",
    "Lebensunterhalt, Identitätsklärung und Passpflicht sind nicht erforderlich (§ 5 Abs. 1 Nr. 1, 1a, 4, Abs. 2).",
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 104c Abs. 2 (no new grants from 1.1.2026, Art. 5 ChAR-Gesetz [V S2])."""
    v2022 = RuleVersion(
        id=f"{AUFENTHG_104C_2}@2022-12-31",
        norm=AUFENTHG_104C_2,
        label_de="§ 104c Abs. 2 AufenthG i.d.F. vom 31.12.2022",
        valid_from=IN_FORCE,
        valid_to=LAST_GRANT,
        evaluation_instant=EvaluationInstant.DECISION,
        predicates=_predicates(assumptions),
        deadlines=(title_expiry, last_grant),
        notes_de=NOTES,
    )
    v2026 = RuleVersion(
        id=f"{AUFENTHG_104C_2}@2026-01-01",
        norm=AUFENTHG_104C_2,
        label_de="§ 104c Abs. 2 AufenthG ab 01.01.2026 (keine Neuerteilung)",
        valid_from=LAST_GRANT + ONE_DAY,
        valid_to=None,
        evaluation_instant=EvaluationInstant.DECISION,
        predicates=(no_new_grants,),
        deadlines=(title_expiry,),
    )
    return (v2022, v2026)


PATHWAY = Pathway(
    AUFENTHG_104C_2,
    "Chancen-Aufenthaltsrecht für Ehegatten, Lebenspartner und Kinder (§ 104c Abs. 2 AufenthG)",
    versions,
    applied_as=AUFENTHG_104C,
)
