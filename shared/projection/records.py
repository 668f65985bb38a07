"""What the case-history view handles and holds: consumed records, timeline entries,
withheld pointers, dead letters, and what a batch or a dead-letter replay did."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from shared.bus.wire import Envelope
from shared.events import upcast_wire
from shared.policy.sharing import LegalBasis
from shared.service import Service

TopicPartition = tuple[str, int]
Pair = tuple[str, int]
"""(source, sequence): an event's identity, the same whichever offset it was published at."""


@dataclass(frozen=True)
class ConsumedRecord:
    """One Kafka record, decoded by the projector."""

    topic: str
    partition: int
    offset: int
    envelope: Envelope | None = None
    poison_reason: str | None = None
    key: bytes | None = None
    value: bytes | None = None
    headers: Sequence[tuple[str, bytes]] = ()

    @property
    def tp(self) -> TopicPartition:
        return (self.topic, self.partition)


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a case as this service holds it."""

    event_id: UUID
    source: Service
    sequence: int
    type: str
    recorded_at: datetime
    valid_on: date | None
    data: dict[str, Any]
    basis: str = LegalBasis.OWN_TASK.value
    category: str | None = None
    topic: str = ""
    partition: int = 0
    offset: int = 0
    held_for: dict[str, str] = field(default_factory=dict)
    """party → what the entry is held by for it (``own_task``, ``consent:<consent id>``, …);
    empty in rows written before parties existed (then: the service's own party, by ``basis``)."""

    @property
    def pair(self) -> Pair:
        return (self.source.value, self.sequence)

    def envelope(self, case_id: UUID) -> Envelope:
        """The entry as a decoded event (one kept by an earlier version is upcast to the current model)."""
        found = upcast_wire(self.type, self.data)
        if found is None:
            msg = f"unknown event type or version in the view: {self.type}"
            raise ValueError(msg)
        model, data = found
        return Envelope(
            self.event_id,
            self.source,
            model.wire_type(),
            case_id,
            self.recorded_at,
            self.sequence,
            "",
            model.model_validate(data),
        )

    def parties(self, own_party: str) -> dict[str, str]:
        """``held_for``, or for a row written before parties existed: the service's own party."""
        return dict(self.held_for) or {own_party: self.basis}


@dataclass(frozen=True)
class Withheld:
    """A pointer to an event this service may not hold (yet): no content."""

    source: str
    sequence: int
    case_id: UUID
    category: str | None
    topic: str
    partition: int
    offset: int

    @property
    def pair(self) -> Pair:
        return (self.source, self.sequence)


@dataclass(frozen=True)
class DeadLetter:
    """A record that could not be projected, parked for an operator."""

    id: int
    topic: str
    partition: int
    offset: int
    reason: str
    parked_at: datetime
    replayed_at: datetime | None = None


@dataclass(frozen=True)
class ParkedRecord:
    """A parked record as stored: the raw Kafka record (no envelope) and why it was parked."""

    id: int
    record: ConsumedRecord
    reason: str
    replayed_at: datetime | None = None


class ReplayOutcome(StrEnum):
    """What replaying one dead letter did."""

    APPLIED = "applied"
    """Now valid, and the policy lets this service hold it: it is in the view."""
    NOT_HELD = "not_held"
    """Now valid, consumed, but the policy gives this service nothing of it."""
    ALREADY_PROCESSED = "already_processed"
    """Now valid, but the same event (source, sequence) was consumed before: nothing changes."""
    WAITING_FOR_CONSENT = "waiting_for_consent"
    """Now valid, but no live consent covers it yet: it stays parked (replay again later)."""
    STILL_INVALID = "still_invalid"
    """Still not a valid event: it stays parked with the current reason."""
    ALREADY_REPLAYED = "already_replayed"
    NOT_FOUND = "not_found"

    @property
    def resolved(self) -> bool:
        """Whether the dead letter is settled (``replayed_at`` set)."""
        return self in (
            ReplayOutcome.APPLIED,
            ReplayOutcome.NOT_HELD,
            ReplayOutcome.ALREADY_PROCESSED,
            ReplayOutcome.ALREADY_REPLAYED,
        )


@dataclass(frozen=True)
class ReplayResult:
    """The outcome of replaying one dead letter."""

    id: int
    outcome: ReplayOutcome
    reason: str = ""
    event: str = ""
    """``source:sequence`` of the decoded event, if it decoded."""


@dataclass
class BatchOutcome:
    """What a batch did, and which withheld events a consent now releases."""

    applied: int = 0
    withheld: int = 0
    removed: int = 0
    releasable: list[Withheld] = field(default_factory=list)


def pair_of(env: Envelope) -> Pair:
    """The (source, sequence) of a decoded event."""
    return (env.source.value, env.sequence)


def next_offsets(records: Sequence[ConsumedRecord]) -> dict[TopicPartition, int]:
    """The offset to resume from, per partition, after these records."""
    result: dict[TopicPartition, int] = {}
    for record in records:
        result[record.tp] = max(result.get(record.tp, 0), record.offset + 1)
    return result


def entry_for(
    record: ConsumedRecord,
    env: Envelope,
    basis: str,
    category: str | None,
    held_for: Mapping[str, str] | None = None,
) -> TimelineEntry:
    return TimelineEntry(
        event_id=env.id,
        source=env.source,
        sequence=env.sequence,
        type=env.type,
        recorded_at=env.time,
        valid_on=env.event.valid_on(),
        data=env.event.model_dump(mode="json"),
        basis=basis,
        category=category,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        held_for=dict(held_for or {}),
    )


def pointer_to(record: ConsumedRecord, env: Envelope, category: str | None) -> Withheld:
    """The withheld pointer to a consumed event: where to fetch it again, never its content."""
    return Withheld(
        env.source.value, env.sequence, env.case_id, category, record.topic, record.partition, record.offset
    )


def case_order(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return sorted(entries, key=lambda e: (e.recorded_at, e.source.value, e.sequence))
