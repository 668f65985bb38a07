"""What every service's eventsourcing Application has in common."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
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
    DomainRuleViolationError,
    ServiceUnavailableError,
)
from shared.events.base import IntegrationEvent
from shared.settings import Service

if TYPE_CHECKING:  # pragma: nocover
    from shared.projection.summary import CaseSummary

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
    published: bool = True
    """False for a command whose events never leave the service: nobody else will see it."""

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

    published: ClassVar[dict[type[Any], type[IntegrationEvent]]] = {}
    """Domain event class -> the integration event that publishes it (absent: internal)."""

    def translate(self, domain_event: Any) -> IntegrationEvent | None:
        """The integration event published for a stored domain event, or None (internal).

        Only the fields of the published model are copied, so free text, names and
        file references in the domain event cannot leak by construction.
        """
        target = self.published.get(type(domain_event))
        if target is None:
            return None
        fields = {
            name: getattr(domain_event, name)
            for name in target.model_fields
            if name != "case_id" and hasattr(domain_event, name)
        }
        return target(case_id=domain_event.originator_id, **fields)

    def current_version(self, case_id: UUID) -> int:
        """The version of the case's aggregate in this service (0 if it has none)."""
        aggregate = self.find_aggregate(case_id, Aggregate)  # type: ignore[type-abstract]
        return aggregate.version if aggregate is not None else 0

    def load_for(self, name: str, case_id: UUID | None, cmd: Any) -> Aggregate:
        """The aggregate a command works on (created if the command starts it)."""
        raise NotImplementedError

    def handle(self, name: str, case_id: UUID | None, cmd: Any, *, import_ref: str | None = None) -> Saved | None:
        """Run one command: get → check → mutate → save. With ``import_ref`` an already
        imported row changes nothing and answers None.

        A caller that names no ``expected_version`` only appends: if another writer
        saved the same aggregate in the meantime, the command is run again on the new
        state (its invariants are checked again) instead of failing with 409.
        """
        attempts = 3 if getattr(cmd, "expected_version", None) is None else 1
        for attempt in range(1, attempts + 1):
            try:
                return self._handle_once(name, case_id, cmd, import_ref)
            except ConcurrentModificationError:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _handle_once(self, name: str, case_id: UUID | None, cmd: Any, import_ref: str | None) -> Saved | None:
        # Before loading for the command: a row imported earlier stays skipped even if
        # the case has since closed (load_for would refuse it).
        if import_ref is not None and case_id is not None and self._imported(case_id, import_ref):
            return None
        aggregate = self.load_for(name, case_id, cmd)
        if import_ref is not None and import_ref in getattr(aggregate, "imported_refs", set()):
            return None
        check_expected_version(None if _is_new(aggregate) else aggregate, getattr(cmd, "expected_version", None))
        handler = getattr(self, f"do_{name}", None)
        if handler is not None:
            handler(aggregate, cmd)
        else:
            # By convention the aggregate has a method of the command's name
            # taking the command's fields.
            getattr(aggregate, name)(**command_fields(cmd))
        if import_ref is not None:
            aggregate.record_import(import_ref)  # type: ignore[attr-defined]
        return self.save_case(aggregate)

    def _imported(self, case_id: UUID, ref: str) -> bool:
        """Whether the stored aggregate of ``case_id`` has already imported row ``ref``."""
        aggregate = self.find_aggregate(case_id, Aggregate)
        return aggregate is not None and ref in getattr(aggregate, "imported_refs", set())

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
        # Answer with the last event that other projections will see, so that a
        # reader can wait for it; internal-only events never reach a projection.
        shared = [r for r in recordings if self._is_published(r.domain_event)]
        last = (shared or recordings)[-1].notification.id
        return Saved(aggregate.id, aggregate.version, Position(self.service, last, bool(shared)))

    def _is_published(self, domain_event: Any) -> bool:
        from shared.policy import rule_for

        target = self.published.get(type(domain_event))
        rule = rule_for(target) if target else None
        return rule is not None and rule.published


def command_fields(cmd: Any) -> dict[str, Any]:
    """A command's fields for the domain (without the concurrency token)."""
    return dict(cmd.model_dump(exclude={"expected_version"}))


def _is_new(aggregate: Aggregate) -> bool:
    """Created in this command, not yet stored."""
    return bool(aggregate.pending_events) and aggregate.pending_events[0].originator_version == 1


def check_expected_version(aggregate: Aggregate | None, expected: int | None) -> None:
    """Optimistic concurrency: the caller's expected version must be the current one."""
    current = aggregate.version if aggregate is not None else 0
    if expected is not None and expected != current:
        msg = f"expected version {expected}, current version is {current}"
        raise ConcurrentModificationError(msg)


CaseLookup = Callable[[UUID], "CaseSummary | None"]
"""What this service's own projection knows of a case (None: nothing)."""


class CaseClosedError(DomainRuleViolationError):
    """A closed case takes no new events except corrections."""


class CaseNotOpenError(DomainRuleViolationError):
    """Decisions need an open KIM case."""


class DepartmentApplication(CaseApplication):
    """A department that works on cases opened elsewhere and known from its projection."""

    def __init__(self, env: Any = None, *, case_view: CaseLookup | None = None) -> None:
        super().__init__(env)
        self.case_view: CaseLookup = case_view or (lambda _case_id: None)

    def file_for(self, case_id: UUID | None, cls: type[TAggregate], cmd: Any = None) -> TAggregate:
        """This department's file on a case its projection knows, opened on first use."""
        if case_id is None:
            raise CaseNotFoundError(case_id)
        summary = self.case_view(case_id)
        if summary is None:
            raise CaseNotFoundError(case_id)
        if summary.case_status() == "closed" and getattr(cmd, "corrects", None) is None:
            msg = "Der Fall ist abgeschlossen; nur Berichtigungen sind möglich."
            raise CaseClosedError(msg)
        return self.find_aggregate(case_id, cls) or cls(id=case_id)  # type: ignore[call-arg]

    def require_open_case(self, case_id: UUID) -> None:
        """No decision without an open KIM case (as this department's view shows it)."""
        summary = self.case_view(case_id)
        if summary is None or summary.case_status() != "open":
            msg = "Für eine Entscheidung muss ein offener KIM-Fall vorliegen."
            raise CaseNotOpenError(msg)
