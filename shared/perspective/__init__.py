"""Perspektive: decision support for residence pathways (docs/domain.md § 2).

Pure functions over a case's facts and a date, with versioned rules. A service
derives :class:`CaseFacts` from its own projection, calls :func:`evaluate` and
serves the :class:`Perspective` as JSON. A human decides (Art. 22 DSGVO) and records
the ``rule_version_id`` shown.
"""

from __future__ import annotations

from shared.perspective.assumptions import IdentityDeadline, LegalAssumptions
from shared.perspective.engine import evaluate, evaluate_pathway, find_rule_version
from shared.perspective.facts import (
    Application,
    CaseFacts,
    CefrLevel,
    CivicTest,
    Conviction,
    CooperationDuty,
    Deception,
    Departure,
    DepartureObligation,
    EmploymentSpell,
    Flag,
    HouseholdMember,
    LanguageCertificate,
    Livelihood,
    MemberPermit,
    PensionRecord,
    PermitState,
    Relation,
    Schooling,
    StatusInterval,
    StatusKind,
    Training,
)
from shared.perspective.results import (
    Deadline,
    EvaluationInstant,
    PathwayResult,
    PathwayStatus,
    Perspective,
    PrerequisiteResult,
    Status,
)
from shared.perspective.rules import PATHWAYS
from shared.perspective.rules.model import Pathway, Prerequisite, Reason, Req, RuleVersion

__all__ = [
    "PATHWAYS",
    "Application",
    "CaseFacts",
    "CefrLevel",
    "CivicTest",
    "Conviction",
    "CooperationDuty",
    "Deadline",
    "Deception",
    "Departure",
    "DepartureObligation",
    "EmploymentSpell",
    "EvaluationInstant",
    "Flag",
    "HouseholdMember",
    "IdentityDeadline",
    "LanguageCertificate",
    "LegalAssumptions",
    "Livelihood",
    "MemberPermit",
    "Pathway",
    "PathwayResult",
    "PathwayStatus",
    "PensionRecord",
    "PermitState",
    "Perspective",
    "Prerequisite",
    "PrerequisiteResult",
    "Reason",
    "Relation",
    "Req",
    "RuleVersion",
    "Schooling",
    "Status",
    "StatusInterval",
    "StatusKind",
    "Training",
    "evaluate",
    "evaluate_pathway",
    "find_rule_version",
]
