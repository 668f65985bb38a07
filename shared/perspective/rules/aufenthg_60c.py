"""§ 60c AufenthG: Ausbildungsduldung (training toleration) [V S13, S14].

From 1.3.2024 the residence permit of § 16g exists alongside it; the RückfVerbG keeps
§ 60c [V S11, S12], so a version from that day carries the same prerequisites and
points to § 16g (aufenthg_16g.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import ONE_DAY
from shared.perspective.norms import AUFENTHG_60C
from shared.perspective.results import EvaluationInstant
from shared.perspective.rules.common import flag_predicate
from shared.perspective.rules.convictions import conviction_threshold
from shared.perspective.rules.identity import identity_by_deadline, identity_deadline_rule
from shared.perspective.rules.model import Pathway, Prerequisite, Req, RuleVersion
from shared.perspective.rules.training import (
    application_window,
    contract_registered,
    tolerated_three_months,
    training_kind,
)

FROM_16G = date(2024, 3, 1)  # § 16g in force; § 60c stays alongside it [V S11, S12]

PREDICATES: tuple[Prerequisite, ...] = (
    tolerated_three_months(
        Req(
            "tolerated_3_months",
            "Seit drei Monaten geduldet (außer Ausbildungsbeginn während der Gestattung)",
            "§ 60c Abs. 2 Nr. 2 AufenthG",
        )
    ),
    training_kind(
        Req(
            "training_kind",
            "Qualifizierte Berufsausbildung oder Helferausbildung mit Anschlusszusage im Engpassberuf",
            "§ 60c Abs. 1 S. 1 AufenthG",
        )
    ),
    contract_registered(
        Req("contract_registered", "Ausbildungsvertrag bei der zuständigen Kammer eingetragen", "§ 60c Abs. 3 AufenthG")
    ),
    application_window(
        Req("application_window", "Antrag frühestens sieben Monate vor Ausbildungsbeginn", "§ 60c Abs. 3 AufenthG")
    ),
    # [U] awaiting legal review: deadlines by entry year, see LegalAssumptions.
    identity_by_deadline(
        Req(
            "identity", "Identität fristgerecht geklärt (oder alle zumutbaren Schritte)", "§ 60c Abs. 2 Nr. 3 AufenthG"
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
        "concrete_removal_measures",
        want=False,
        met_de="Keine konkreten Maßnahmen.",
        not_met_de="Konkrete Maßnahmen zur Aufenthaltsbeendigung stehen bevor.",
    ),
    flag_predicate(
        Req("no_employment_ban", "Kein Beschäftigungsverbot", "§ 60c Abs. 2 Nr. 1 AufenthG"),
        "employment_ban",
        want=False,
        met_de="Kein Beschäftigungsverbot.",
        not_met_de="Beschäftigungsverbot nach § 60a Abs. 6.",
    ),
)

V2020 = RuleVersion(
    id=f"{AUFENTHG_60C}@2020-01-01",
    norm=AUFENTHG_60C,
    label_de="§ 60c AufenthG i.d.F. vom 01.01.2020",
    valid_from=date(2020, 1, 1),
    valid_to=FROM_16G - ONE_DAY,
    evaluation_instant=EvaluationInstant.DECISION,
    predicates=PREDICATES,
    deadlines=(
        identity_deadline_rule(lambda ctx: ctx.assumptions.identity_deadlines_60c, "§ 60c Abs. 2 Nr. 3 AufenthG"),
    ),
    notes_de=("Nach erfolgreichem Abschluss: Aufenthaltserlaubnis nach § 19d Abs. 1a.",),
)
V2024 = replace(
    V2020,
    id=f"{AUFENTHG_60C}@2024-03-01",
    label_de="§ 60c AufenthG ab 01.03.2024 (neben § 16g)",
    valid_from=FROM_16G,
    valid_to=None,
    notes_de=(
        *V2020.notes_de,
        "Seit 01.03.2024 alternativ Aufenthaltserlaubnis nach § 16g (eigener Pfad; verlangt u. a. Pass und "
        "gesicherten Lebensunterhalt).",
    ),
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 60c; the dropout-report note carries an [U] parameter."""
    # [U] awaiting legal review: the training provider's dropout reporting period.
    weeks = assumptions.training_dropout_report_weeks
    note = f"Der Ausbildungsbetrieb muss einen Abbruch binnen {weeks} Wochen melden (§ 60c Abs. 5)."
    return tuple(replace(v, notes_de=(*v.notes_de, note)) for v in (V2020, V2024))


PATHWAY = Pathway(AUFENTHG_60C, "Ausbildungsduldung (§ 60c AufenthG)", versions)
