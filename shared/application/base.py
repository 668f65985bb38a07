"""What every service's eventsourcing Application has in common.

The Application subclass *is* the service layer: one typed method per use case,
each "get → mutate → save" in a few lines, through the two helpers here
(:meth:`CaseApplication.start` for a use case that creates a case file,
:meth:`CaseApplication.update` for one that changes it). Optimistic concurrency
and the retry after a concurrent append live in :meth:`update`, once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, OperationalError, PersistenceError

from shared.application.commands import Command
from shared.application.idempotency import ResultAlreadyStoredError
from shared.application.recording import CommandRecording, attached
from shared.application.results import Position, Saved
from shared.errors import CaseNotFoundError, ConcurrentModificationError, InvalidFieldError, ServiceUnavailableError
from shared.events.base import IntegrationEvent, event_id
from shared.persistence.transcodings import DateAsISO
from shared.service import Service
from shared.staffing import Staffing, StaffingIndex, StaffingRow

A = TypeVar("A", bound=Aggregate)

APPEND_ATTEMPTS = 3
"""How often a command without ``expected_version`` is run again after a concurrent append."""


class CaseApplication(Application[UUID]):
    """An event-sourced department application whose aggregates are keyed by case id."""

    service: ClassVar[Service]
    published: ClassVar[Mapping[type[Any], type[IntegrationEvent]]] = {}
    """Domain event class -> the integration event that publishes it (absent: internal)."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # --- the two shapes of a use case -----------------------------------------------

    def start(self, aggregate: Aggregate) -> Saved:
        """Save a case file a use case has just created."""
        return self.save_case(aggregate)

    def update(self, cmd: Command, load: Callable[[], A], mutate: Callable[[A], object]) -> Saved:
        """Load, check the caller's ``expected_version``, mutate, save.

        A caller that names no ``expected_version`` only appends: if another writer
        saved the same aggregate in the meantime, the command is run again on the new
        state (its invariants are checked again) instead of failing with 409.
        """
        attempts = APPEND_ATTEMPTS if cmd.expected_version is None else 1
        for attempt in range(1, attempts + 1):
            aggregate: A = load()
            check_expected_version(aggregate, cmd.expected_version)
            mutate(aggregate)
            corrected = getattr(cmd, "corrects", None)
            if corrected is not None:
                self.check_correction(aggregate, corrected)
            try:
                return self.save_case(aggregate)
            except ConcurrentModificationError:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def check_correction(self, aggregate: Aggregate, corrected: UUID) -> None:
        """``corrects`` names an earlier event of this very case or file, of the same kind as the correction.

        So a correction can only ever replace what this department itself recorded on this
        case: never another case's entry, never another department's (their ids are minted
        from their own service), never an event of another kind. Otherwise: 422 at ``corrects``.
        """
        pending = aggregate.pending_events
        if not pending:
            return
        earlier = aggregate.version - len(pending)
        version = next((v for v in range(earlier, 0, -1) if event_id(self.service, aggregate.id, v) == corrected), None)
        if version is None:
            msg = "Der zu berichtigende Eintrag gehört nicht zu diesem Fall dieser Dienststelle."
            raise InvalidFieldError("corrects", msg)
        (stored,) = self.repository.event_store.get(aggregate.id, gt=version - 1, lte=version)
        if type(stored).__name__ != type(pending[-1]).__name__:
            msg = "Ein Eintrag kann nur durch einen Eintrag derselben Art berichtigt werden."
            raise InvalidFieldError("corrects", msg)

    # --- loading and saving ---------------------------------------------------------

    def get_aggregate(self, case_id: UUID, cls: type[A]) -> A:
        """Load one aggregate or raise CaseNotFoundError."""
        try:
            aggregate: object = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFoundError(case_id) from None
        except OperationalError as exc:
            raise ServiceUnavailableError(type(exc).__name__) from None
        if not isinstance(aggregate, cls):
            raise CaseNotFoundError(case_id)
        return aggregate

    def find_aggregate(self, case_id: UUID, cls: type[A]) -> A | None:
        """Load one aggregate, or None if it does not exist yet."""
        try:
            return self.get_aggregate(case_id, cls)
        except CaseNotFoundError:
            return None

    def current_version(self, case_id: UUID) -> int:
        """The version of the case's aggregate in this service (0 if it has none)."""
        aggregate = self.find_aggregate(case_id, Aggregate)
        return aggregate.version if aggregate is not None else 0

    def save_case(self, aggregate: Aggregate) -> Saved:
        """Store the aggregate's new events (with the records attached to this command)."""
        linked = self.is_linked(aggregate)
        published = [self._is_published(e, linked) for e in aggregate.pending_events]
        case_id, version = aggregate.id, aggregate.version

        def saved_for(notification_ids: Sequence[int]) -> Saved:
            # Answer with the last event that other projections will see, so that a
            # reader can wait for it; internal-only events never reach a projection.
            shared = [n for n, p in zip(notification_ids, published, strict=True) if p]
            last = (shared or list(notification_ids))[-1]
            return Saved(case_id, version, Position(self.service, last, bool(shared)))

        try:
            side_records = attached() + self._index_records(aggregate)
            recordings = self.save(aggregate, command=CommandRecording(side_records, saved_for))
        except ResultAlreadyStoredError:
            raise
        except IntegrityError:
            raise ConcurrentModificationError(aggregate.id) from None
        except PersistenceError as exc:
            raise ServiceUnavailableError(type(exc).__name__) from None
        return saved_for([r.notification.id for r in recordings])

    # --- who works on it (the staffing index, written with the events) ----------------

    staffing_index: StaffingIndex | None = None
    """Set by the composition root; without it no index rows are written."""

    def _index_records(self, aggregate: Aggregate) -> tuple[object, ...]:
        if self.staffing_index is None:
            return ()
        return (self.staffing_index.written_with_events(self.staffing_of(aggregate)),)

    def staffing_of(self, aggregate: Aggregate) -> StaffingRow:
        """The index row of a case or file, from its state."""
        staffing: Staffing = getattr(aggregate, "staffing", None) or Staffing()
        return StaffingRow(
            subject_id=aggregate.id,
            case_id=self.case_of(aggregate),
            assignees=dict(staffing.assignees),
            deputies=list(staffing.deputies),
            closed=getattr(aggregate, "closed_on", None) is not None,
        )

    def case_of(self, aggregate: Aggregate) -> UUID | None:
        """The KIM case an aggregate belongs to (intake's aggregate is the case)."""
        return aggregate.id

    def staffing_row(self, subject_id: UUID) -> StaffingRow | None:
        """The index row computed from the aggregate (for cases or files saved before the index existed)."""
        try:
            aggregate: Aggregate = self.repository.get(subject_id)
        except AggregateNotFoundError:
            return None
        except OperationalError as exc:
            raise ServiceUnavailableError(type(exc).__name__) from None
        return self.staffing_of(aggregate)

    def translate(self, domain_event: Any, case_id: UUID) -> IntegrationEvent | None:
        """The integration event published for a stored domain event of case ``case_id``, or None (internal).

        Only the fields of the published model are copied, so free text, names and
        file references in the domain event cannot leak by construction. A
        department's file events also name the file (``file_id``, their Kafka key).
        """
        target = self.published.get(type(domain_event))
        if target is None:
            return None
        ids = {"case_id": case_id}
        if "file_id" in target.model_fields:
            ids["file_id"] = domain_event.originator_id
        fields = {
            name: getattr(domain_event, name)
            for name in target.model_fields
            if name not in ids and hasattr(domain_event, name)
        }
        return target(**ids, **fields)

    # --- what the relay asks ------------------------------------------------------------

    def link_of(self, aggregate_id: UUID) -> Link | None:
        """The KIM case an aggregate belongs to, and from which version (None: not linked).

        Intake's aggregate *is* the case; a department's file is linked by an event.
        """
        return Link(aggregate_id, 1)

    def linked_by(self, domain_event: object) -> UUID | None:
        """The KIM case a domain event links its aggregate to, if it is such an event."""
        return None

    def is_linked(self, aggregate: Aggregate) -> bool:
        """Whether the aggregate belongs to a KIM case (intake's always does: it is the case)."""
        return True

    def _is_published(self, domain_event: object, linked: bool) -> bool:
        from shared.policy.sharing import rule_for

        if not linked:
            return False
        target = self.published.get(type(domain_event))
        rule = rule_for(target) if target else None
        return rule is not None and rule.published


def is_new(aggregate: Aggregate) -> bool:
    """Created in this command, not yet stored."""
    return bool(aggregate.pending_events) and aggregate.pending_events[0].originator_version == 1


def check_expected_version(aggregate: Aggregate, expected: int | None) -> None:
    """Optimistic concurrency: the caller's expected version must be the current one (0: no file yet)."""
    current = 0 if is_new(aggregate) else aggregate.version
    if expected is not None and expected != current:
        msg = f"expected version {expected}, current version is {current}"
        raise ConcurrentModificationError(msg)


@dataclass(frozen=True)
class Link:
    """An aggregate belongs to a KIM case from one of its versions on."""

    case_id: UUID
    from_version: int


class KnownCase(Protocol):
    """What a department's own view knows of a case (its summary)."""

    def case_status(self) -> str | None:
        """``open``/``closed`` as far as the view knows, or None."""
        ...


CaseLookup = Callable[[UUID], KnownCase | None]
"""What this service's own projection knows of a case (None: nothing)."""
