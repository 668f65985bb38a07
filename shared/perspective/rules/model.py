"""Rules as data: versioned rule sets of prerequisites over a case's facts.

Every prerequisite declares what moves it (docs/domain.md § 2): the ``CaseFacts``
fields it reads (``Req.facts``), or that it is a judgement the engine deliberately
leaves to a person (``Req.discretion``), or that the law itself fixes it whatever the
facts (``Req.fixed_by_law``). A prerequisite with facts *and* discretion is one the
facts can establish while a person weighs the rest (it is never "not met").
tests/unit/perspective/test_declarations.py walks every prerequisite of every version
and proves each declaration.
"""

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


@dataclass(frozen=True)
class Reason:
    """Why no fact decides a prerequisite, in German (for caseworkers) and English."""

    de: str
    en: str


@dataclass(frozen=True)
class Req:
    """The identity of a prerequisite and what moves it (see the module docstring)."""

    key: str
    label_de: str
    legal_reference: str
    facts: tuple[str, ...] = ()
    discretion: Reason | None = None
    fixed_by_law: Reason | None = None

    def __post_init__(self) -> None:
        unknown = set(self.facts) - set(CaseFacts.model_fields)
        if unknown:
            raise ValueError(f"{self.key}: {sorted(unknown)} are not CaseFacts fields")
        if self.fixed_by_law and (self.facts or self.discretion):
            raise ValueError(f"{self.key}: a prerequisite fixed by law reads no facts and leaves nothing to weigh")

    @property
    def declared(self) -> bool:
        """Whether the prerequisite says what moves it."""
        return bool(self.facts or self.discretion or self.fixed_by_law)

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


Check = Callable[[RuleContext], PrerequisiteResult]


@dataclass(frozen=True)
class Prerequisite:
    """A prerequisite: its declaration (``req``) and the check that judges it."""

    req: Req
    check: Check

    def __call__(self, ctx: RuleContext) -> PrerequisiteResult:
        result = self.check(ctx)
        if result.key != self.req.key:
            raise ValueError(f"prerequisite {self.req.key} answered as {result.key}")
        return result


DeadlineRule = Callable[[RuleContext], list[Deadline]]


def prerequisite(req: Req) -> Callable[[Check], Prerequisite]:
    """Decorate a check with the prerequisite it judges."""
    return lambda check: Prerequisite(req, check)


@dataclass(frozen=True)
class RuleVersion:
    """One version of a norm, in force from `valid_from` to `valid_to` (inclusive)."""

    id: str
    norm: str
    label_de: str
    valid_from: date
    valid_to: date | None
    evaluation_instant: EvaluationInstant
    predicates: tuple[Prerequisite, ...]
    deadlines: tuple[DeadlineRule, ...] = ()
    notes_de: tuple[str, ...] = ()
    cut_off: date | None = None

    def in_force_on(self, day: date) -> bool:
        """Whether this version is the law on `day`."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Pathway:
    """A residence pathway: a norm and its versions (built from the assumptions).

    ``applied_as`` is the norm an application for it is filed under (default: ``norm``;
    § 104c Abs. 2 is applied for as § 104c); ``on_application`` is False for what the
    authority decides of its own motion (a Duldung, the obligation to leave).
    """

    norm: str
    label_de: str
    versions: Callable[[LegalAssumptions], tuple[RuleVersion, ...]]
    applied_as: str | None = None
    on_application: bool = True

    @property
    def application_norm(self) -> str:
        """The norm applications for this pathway are recorded under."""
        return self.applied_as or self.norm
