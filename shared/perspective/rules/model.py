"""Rules as data: versioned rule sets of predicates over a case's facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.facts import CaseFacts
from shared.perspective.results import Deadline, EvaluationInstant, PrerequisiteResult, Status


@dataclass(frozen=True)
class RuleContext:
    """What a predicate sees: the facts, the instants and the version being applied."""

    facts: CaseFacts
    decision_on: date
    instant_on: date
    application_on: date
    application_recorded: bool
    version: RuleVersion
    assumptions: LegalAssumptions


Predicate = Callable[[RuleContext], PrerequisiteResult]
DeadlineRule = Callable[[RuleContext], list[Deadline]]


@dataclass(frozen=True)
class RuleVersion:
    """One version of a norm, in force from `valid_from` to `valid_to` (inclusive)."""

    id: str
    norm: str
    label_de: str
    valid_from: date
    valid_to: date | None
    evaluation_instant: EvaluationInstant
    predicates: tuple[Predicate, ...]
    deadlines: tuple[DeadlineRule, ...] = ()
    notes_de: tuple[str, ...] = ()
    cut_off: date | None = None

    def in_force_on(self, day: date) -> bool:
        """Whether this version is the law on `day`."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Pathway:
    """A residence pathway: a norm and its versions (built from the assumptions)."""

    norm: str
    label_de: str
    versions: Callable[[LegalAssumptions], tuple[RuleVersion, ...]]


@dataclass(frozen=True)
class Req:
    """The identity of a prerequisite: key, German label and legal reference."""

    key: str
    label_de: str
    legal_reference: str

    def result(self, status: Status, detail_de: str, earliest_met_on: date | None = None) -> PrerequisiteResult:
        """This prerequisite judged."""
        earliest = earliest_met_on if status is Status.NOT_MET else None
        return PrerequisiteResult(
            key=self.key,
            label_de=self.label_de,
            legal_reference=self.legal_reference,
            status=status,
            detail_de=detail_de,
            earliest_met_on=earliest,
        )
