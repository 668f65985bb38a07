"""§ 16g AufenthG: residence permit for vocational training of people obliged to leave.

In force from 1.3.2024 (FEG 2.0; handbookgermany.de); § 60c stays alongside it
(RückfVerbG [V S11, S12]). Verified (deubner-recht.de, text as of 1.7.2024):
Abs. 1 S. 1 Nr. 1 training begun as an asylum seeker and continued after refusal, or
Nr. 2 a Duldung under § 60a and training taken up; the training is qualified, or a
helper training leading to qualified training in a shortage occupation with a
training-place commitment; S. 2 refusal for obvious abuse is discretionary (an exception
the authority may invoke, shown as a note: the permit itself is an entitlement); Abs. 2 Nr. 1
no exclusion under § 60a Abs. 6; Nr. 2 in the case of Nr. 2 a Duldung for three months
at the application. Verified (Stadt Frankfurt am Main): identity clarified within fixed
deadlines, passport, livelihood (need under the BAföG), no conviction for an intentional
offence; granted for the duration of the training. Unverified details are [U]
parameters (identity_deadlines_16g, training_permit_16g_*).
"""

from __future__ import annotations

from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.facts import DULDUNG_KINDS
from shared.perspective.norms import AUFENTHG_16G
from shared.perspective.results import EvaluationInstant, PrerequisiteResult
from shared.perspective.rules.common import (
    coverage_status,
    describe_statuses,
    flag_predicate,
    holds,
    statuses_on,
    texts,
)
from shared.perspective.rules.convictions import conviction_threshold
from shared.perspective.rules.identity import identity_by_deadline, identity_deadline_rule
from shared.perspective.rules.model import Pathway, Prerequisite, Req, RuleContext, RuleVersion, prerequisite
from shared.perspective.rules.stay import at_application
from shared.perspective.rules.training import tolerated_three_months, training_kind

REF = "§ 16g AufenthG"
IN_FORCE = date(2024, 3, 1)

TOLERATED = Req("tolerated", "Geduldet (ausreisepflichtig)", REF + " Abs. 1 S. 1 Nr. 2", facts=("statuses",))
LIVELIHOOD = Req(
    "livelihood_secured",
    "Lebensunterhalt gesichert (Bedarf nach dem BAföG)",
    "§ 5 Abs. 1 Nr. 1 AufenthG; " + REF,
    facts=("livelihood",),
)


@prerequisite(TOLERATED)
def tolerated(ctx: RuleContext) -> PrerequisiteResult:
    """Holds a Duldung on the decision date (§ 16g is for people obliged to leave)."""
    at = ctx.decision_on
    return TOLERATED.result(holds(ctx, at, DULDUNG_KINDS), describe_statuses(statuses_on(ctx, at), at))


@prerequisite(LIVELIHOOD)
def livelihood(ctx: RuleContext) -> PrerequisiteResult:
    """Own means cover the need (for § 16g measured by the BAföG, as the assessment records it)."""
    status = coverage_status(ctx.facts, 1.0)
    return LIVELIHOOD.result(status, texts(status, "Lebensunterhalt gesichert.", "Lebensunterhalt nicht gesichert."))


THREE_MONTHS = tolerated_three_months(
    Req(
        "tolerated_3_months",
        "Bei Antragstellung seit drei Monaten geduldet (außer Ausbildungsbeginn als Asylbewerber)",
        REF + " Abs. 2 Nr. 2, Abs. 1 S. 1 Nr. 1",
    ),
    at=at_application,
)
TRAINING_KIND = training_kind(
    Req(
        "training_kind",
        "Qualifizierte Berufsausbildung oder Helferausbildung mit Ausbildungsplatzzusage im Engpassberuf",
        REF + " Abs. 1 S. 1",
    )
)
NO_EMPLOYMENT_BAN = flag_predicate(
    Req("no_employment_ban", "Kein Ausschlussgrund nach § 60a Abs. 6", REF + " Abs. 2 Nr. 1"),
    "employment_ban",
    want=False,
    met_de="Kein Beschäftigungsverbot.",
    not_met_de="Beschäftigungsverbot nach § 60a Abs. 6.",
)
# [U] awaiting legal review: the deadlines are read like § 60c Abs. 2 Nr. 3.
IDENTITY = identity_by_deadline(
    Req("identity", "Identität fristgerecht geklärt (oder alle zumutbaren Schritte)", REF + " Abs. 2 Nr. 3"),
    lambda ctx: ctx.assumptions.identity_deadlines_16g,
)
# [U] awaiting legal review: whether fines up to 50/90 Tagessätze are disregarded.
CONVICTIONS = conviction_threshold(
    Req("convictions", "Keine Verurteilung wegen einer vorsätzlichen Straftat (Bagatellgrenze [U])", REF),
    lambda ctx: ctx.assumptions.training_permit_16g_minor_fines_disregarded,
)
# [U] awaiting legal review: concrete measures to end the stay as an exclusion (as § 60c Abs. 2 Nr. 5).
CONCRETE_MEASURES = flag_predicate(
    Req("no_concrete_removal_measures", "Keine konkreten Maßnahmen zur Aufenthaltsbeendigung", REF + " Abs. 2"),
    "concrete_removal_measures",
    want=False,
    met_de="Keine konkreten Maßnahmen.",
    not_met_de="Konkrete Maßnahmen zur Aufenthaltsbeendigung stehen bevor.",
)
PASSPORT = flag_predicate(
    Req("passport", "Pass oder Passersatz", "§ 5 Abs. 1 Nr. 4 AufenthG; " + REF),
    "passport_present",
    met_de="Pass liegt vor.",
    not_met_de="Kein Pass.",
)


def _predicates(assumptions: LegalAssumptions) -> tuple[Prerequisite, ...]:
    concrete = (CONCRETE_MEASURES,) if assumptions.training_permit_16g_concrete_measures_bar else ()
    return (
        tolerated,
        THREE_MONTHS,
        TRAINING_KIND,
        NO_EMPLOYMENT_BAN,
        IDENTITY,
        CONVICTIONS,
        *concrete,
        PASSPORT,
        livelihood,
    )


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """One version from 1.3.2024."""
    return (
        RuleVersion(
            id=f"{AUFENTHG_16G}@{IN_FORCE.isoformat()}",
            norm=AUFENTHG_16G,
            label_de="§ 16g AufenthG i.d.F. vom 01.03.2024",
            valid_from=IN_FORCE,
            valid_to=None,
            evaluation_instant=EvaluationInstant.DECISION,
            predicates=_predicates(assumptions),
            deadlines=(
                identity_deadline_rule(lambda ctx: ctx.assumptions.identity_deadlines_16g, REF + " Abs. 2 Nr. 3"),
            ),
            notes_de=(
                "Erteilung für die im Ausbildungsvertrag bestimmte Dauer der Berufsausbildung.",
                "Die Ausbildungsduldung (§ 60c) bleibt daneben möglich; sie verlangt weder Pass noch gesicherten "
                "Lebensunterhalt.",
                "Nach erfolgreichem Abschluss: Aufenthaltserlaubnis nach § 16g Abs. 8 (angemessene Beschäftigung).",
                "Weitere Ausschlussgründe nach § 16g Abs. 2 prüft die Behörde; bei offensichtlichem Missbrauch "
                "kann sie versagen (Abs. 1 S. 2, Ermessen).",
            ),
        ),
    )


PATHWAY = Pathway(
    AUFENTHG_16G, "Aufenthaltserlaubnis zur Berufsausbildung für Ausreisepflichtige (§ 16g AufenthG)", versions
)
