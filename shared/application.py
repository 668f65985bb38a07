"""What every service's eventsourcing Application has in common."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    Transcoding,
)

from shared.errors import (
    CaseNotFoundError,
    ConcurrentModificationError,
    ServiceUnavailableError,
)
from shared.events.base import IntegrationEvent
from shared.settings import Service

TAggregate = TypeVar("TAggregate", bound=Aggregate)
Translator = Callable[[Any], IntegrationEvent | None]


class DateAsISO(Transcoding):
    """Stores :class:`datetime.date` values as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class Position:
    """Where a stored event sits in its service's notification log."""

    service: Service
    notification_id: int

    def __str__(self) -> str:
        return f"{self.service.value}:{self.notification_id}"


@dataclass(frozen=True)
class Saved:
    """The answer to an accepted command."""

    case_id: UUID
    version: int
    position: Position


class CaseApplication(Application[UUID]):
    """An event-sourced department application whose aggregates are keyed by case id."""

    service: ClassVar[Service]

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def translate(self, domain_event: Any) -> IntegrationEvent | None:
        """The integration event published for a stored domain event, or None."""
        raise NotImplementedError

    def get_aggregate(self, case_id: UUID, cls: type[TAggregate]) -> TAggregate:
        """Load one aggregate or raise CaseNotFoundError."""
        try:
            aggregate = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFoundError(case_id) from None
        except OperationalError as exc:
            raise ServiceUnavailableError(type(exc).__name__) from None
        if not isinstance(aggregate, cls):
            raise CaseNotFoundError(case_id)
        return aggregate

    def find_aggregate(self, case_id: UUID, cls: type[TAggregate]) -> TAggregate | None:
        """Load one aggregate, or None if it does not exist yet."""
        try:
            return self.get_aggregate(case_id, cls)
        except CaseNotFoundError:
            return None

    def save_case(self, aggregate: Aggregate) -> Saved:
        """Store the aggregate's new events; map storage failures to domain errors."""
        try:
            recordings = self.save(aggregate)
        except IntegrityError:
            raise ConcurrentModificationError(aggregate.id) from None
        except PersistenceError as exc:
            raise ServiceUnavailableError(type(exc).__name__) from None
        last = recordings[-1].notification.id
        return Saved(aggregate.id, aggregate.version, Position(self.service, last))


def check_expected_version(aggregate: Aggregate | None, expected: int | None) -> None:
    """Optimistic concurrency: the caller's expected version must be the current one."""
    current = aggregate.version if aggregate is not None else 0
    if expected is not None and expected != current:
        msg = f"expected version {expected}, current version is {current}"
        raise ConcurrentModificationError(msg)


CaseLookup = Callable[[UUID], bool]
"""Whether a case is known to this service (from its own projection)."""


class DepartmentApplication(CaseApplication):
    """A department that works on cases opened elsewhere and known from its projection."""

    def __init__(self, env: Any = None, *, known_case: CaseLookup | None = None) -> None:
        super().__init__(env)
        self.known_case: CaseLookup = known_case or (lambda _case_id: True)

    def file_for(self, case_id: UUID, cls: type[TAggregate]) -> TAggregate:
        """This department's file on a known case, opened on first use."""
        existing = self.find_aggregate(case_id, cls)
        if existing is not None:
            return existing
        if not self.known_case(case_id):
            raise CaseNotFoundError(case_id)
        return cls(id=case_id)  # type: ignore[call-arg]
