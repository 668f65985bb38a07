"""Evaluate a case's facts on a date against every pathway's rule version in force.

Pure: no I/O, no clock. The result supports a decision; a human makes it and records
the rule version shown (Art. 22 DSGVO).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import de
from shared.perspective.facts import CaseFacts
from shared.perspective.results import (
    Deadline,
    EvaluationInstant,
    PathwayResult,
    PathwayStatus,
    Perspective,
    PrerequisiteResult,
    Status,
    overall,
)
from shared.perspective.rules import PATHWAYS
from shared.perspective.rules.model import Pathway, RuleContext, RuleVersion

DEFAULT_ASSUMPTIONS = LegalAssumptions()


def evaluate(
    facts: CaseFacts,
    on: date,
    *,
    assumptions: LegalAssumptions = DEFAULT_ASSUMPTIONS,
    pathways: Sequence[Pathway] = PATHWAYS,
) -> Perspective:
    """The perspective of a case on `on` (the decision date) for every pathway."""
    results = [evaluate_pathway(p, facts, on, assumptions) for p in pathways]
    return Perspective(evaluated_on=on, pathways=results, assumptions=assumptions)


def select_version(versions: Sequence[RuleVersion], day: date) -> RuleVersion | None:
    """The version in force on `day`, if any."""
    return next((v for v in versions if v.in_force_on(day)), None)


def find_rule_version(version_id: str, assumptions: LegalAssumptions = DEFAULT_ASSUMPTIONS) -> RuleVersion | None:
    """A rule version by id, e.g. to show the rule a recorded decision relied on."""
    return next((v for p in PATHWAYS for v in p.versions(assumptions) if v.id == version_id), None)


def _instant(version: RuleVersion, on: date, application_on: date) -> date:
    if version.evaluation_instant is EvaluationInstant.APPLICATION:
        return application_on
    if version.evaluation_instant is EvaluationInstant.CUT_OFF and version.cut_off:
        return version.cut_off
    return on


def evaluate_pathway(pathway: Pathway, facts: CaseFacts, on: date, assumptions: LegalAssumptions) -> PathwayResult:
    """One pathway: version in force, prerequisites, earliest date, deadlines."""
    recorded = facts.application_for(pathway.application_norm, on)
    application_on = recorded or on  # without an application, one filed on the decision date is assumed
    versions = pathway.versions(assumptions)
    # The law in force at the decision applies; facts bound to another instant (age at
    # application, stay on the cut-off) are judged there. [U] awaiting legal review:
    # norms listed in versions_by_application_date keep the version of the application
    # (e.g. § 104c applications pending at the end of 2025 [V S47]).
    chosen = assumptions.versions_by_application_date
    by_application = pathway.norm in chosen or pathway.application_norm in chosen
    version = select_version(versions, recorded if recorded and by_application else on)
    if version is None:
        return _not_in_force(pathway, versions, on)
    ctx = RuleContext(
        facts=facts,
        decision_on=on,
        instant_on=_instant(version, on, application_on),
        application_on=application_on,
        application_recorded=recorded is not None,
        version=version,
        assumptions=assumptions,
    )
    return _judge(pathway, ctx)


def _judge(pathway: Pathway, ctx: RuleContext) -> PathwayResult:
    """The version's prerequisites judged in `ctx`, with the earliest date, deadlines and notes."""
    version = ctx.version
    prerequisites = [predicate(ctx) for predicate in version.predicates]
    earliest = max((p.earliest_met_on for p in prerequisites if p.earliest_met_on), default=None)
    return PathwayResult(
        norm=pathway.norm,
        label_de=pathway.label_de,
        status=overall(prerequisites),
        rule_version_id=version.id,
        rule_version_label_de=version.label_de,
        version_valid_from=version.valid_from,
        version_valid_to=version.valid_to,
        evaluation_instant=version.evaluation_instant,
        evaluated_at=ctx.instant_on,
        prerequisites=prerequisites,
        earliest_time_met_on=earliest,
        deadlines=_deadlines(ctx),
        notes_de=_notes(pathway, ctx, earliest),
    )


def _deadlines(ctx: RuleContext) -> list[Deadline]:
    """The version's deadlines plus the end of the version itself."""
    found = [d for rule in ctx.version.deadlines for d in rule(ctx)]
    if ctx.version.valid_to is not None and ctx.version.valid_to >= ctx.decision_on:
        found.append(
            Deadline(
                key="rule_version_ends",
                label_de=f"Letzter Tag der Fassung {ctx.version.label_de}",
                on=ctx.version.valid_to,
                legal_reference=ctx.version.label_de,
            )
        )
    return sorted(found, key=lambda d: d.on)


def _notes(pathway: Pathway, ctx: RuleContext, earliest: date | None) -> list[str]:
    notes = list(ctx.version.notes_de)
    if pathway.on_application and not ctx.application_recorded:
        notes.append(f"Kein Antrag erfasst; bewertet wird ein Antrag am {de(ctx.decision_on)}.")
    if earliest and ctx.version.valid_to and earliest > ctx.version.valid_to:
        end = de(ctx.version.valid_to)
        notes.append(
            f"Achtung: Die zeitlichen Voraussetzungen würden erst nach dem Ende dieser Fassung ({end}) erfüllt."
        )
    return notes


def _not_in_force(pathway: Pathway, versions: Sequence[RuleVersion], on: date) -> PathwayResult:
    """No version in force on `on`: not eligible; the next version's start if one follows."""
    upcoming = min((v.valid_from for v in versions if v.valid_from > on), default=None)
    result = PrerequisiteResult(
        key="in_force",
        label_de="Norm in Kraft",
        legal_reference=pathway.label_de,
        status=Status.NOT_MET,
        detail_de=f"Am {de(on)} gilt keine Fassung dieser Norm.",
        earliest_met_on=upcoming,
    )
    last_end = max((v.valid_to or on for v in versions if v.valid_from <= on), default=None)
    notes = [f"Letzte Fassung galt bis {de(last_end)}."] if last_end and last_end < on else []
    return PathwayResult(
        norm=pathway.norm,
        label_de=pathway.label_de,
        status=PathwayStatus.NOT_ELIGIBLE,
        rule_version_id=None,
        rule_version_label_de=None,
        version_valid_from=None,
        version_valid_to=None,
        evaluation_instant=None,
        evaluated_at=None,
        prerequisites=[result],
        earliest_time_met_on=upcoming,
        deadlines=[],
        notes_de=notes,
    )


__all__ = ["DEFAULT_ASSUMPTIONS", "evaluate", "evaluate_pathway", "find_rule_version", "select_version"]
