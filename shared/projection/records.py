"""What the case-history view handles and holds: consumed records, timeline entries,
withheld pointers, dead letters, and what a batch or a dead-letter replay did."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from shared.bus.wire import Envelope
from shared.events import upcast_wire
from shared.policy.sharing import LegalBasis
from shared.service import Service

TopicPartition = tuple[str, int]
Pair = tuple[str, int]
"""(source, sequence): an event's identity, the same whichever offset it was published at."""


class KafkaPosition(Protocol):
    """Where a record sits on Kafka: what a withheld pointer and a dead letter keep of it."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...


class PoisonCause(StrEnum):
    """Why a record is not applied."""

    INVALID = "invalid"
    """Not a valid event of the published language (malformed, unknown type or version, invalid body)."""
    FOREIGN_SOURCE = "foreign_source"
    """A valid event whose CloudEvents ``source`` is not the service that owns the topic it came on."""


@dataclass(frozen=True)
class ConsumedRecord:
    """One Kafka record, decoded by the projector.

    The raw key, value and headers of a record that is not a valid event stay in memory
    only, long enough to decide what to do with it (:mod:`shared.projection.poison`);
    no table ever stores them."""

    topic: str
    partition: int
    offset: int
    envelope: Envelope | None = None
    poison_reason: str | None = None
    key: bytes | None = None
    value: bytes | None = None
    headers: Sequence[tuple[str, bytes]] = ()
    poison_cause: PoisonCause = PoisonCause.INVALID

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
class HeldBasis:
    """What a held entry is held by, without its content: for the access log of a list of summaries."""

    type: str
    category: str | None
    basis: str


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
    """A record that could not be projected, parked for an operator: a pointer, never its content.

    Replay reads the record again from Kafka at (topic, partition, offset)."""

    id: int
    topic: str
    partition: int
    offset: int
    reason: str
    parked_at: datetime
    replayed_at: datetime | None = None
    """When it was settled (replayed, or resolved by an operator); None while it is open."""
    type: str | None = None
    """The record's ``ce_type`` header as it was (cut to 200 characters), if it had one."""
    cause: PoisonCause = PoisonCause.INVALID
    case_id: UUID | None = None
    """The case its key names (intake's topic: the key is the case id), if it names one."""
    consent_hold: bool = False
    """While open, it withholds consent-based data: of ``case_id``, or of every case if that is None."""
    resolution: str | None = None
    """How it was settled: a :class:`ReplayOutcome` value (``dismissed``: by an operator;
    ``replayed``: settled before the outcome was recorded)."""


@dataclass(frozen=True)
class SkippedRecord:
    """A record that is not a valid event, of a type this service may never hold: not parked, only noted."""

    topic: str
    partition: int
    offset: int
    type: str
    reason: str
    skipped_at: datetime | None = None


class ReplayOutcome(StrEnum):
    """What replaying (or resolving) one dead letter did."""

    APPLIED = "applied"
    """Read again from Kafka, valid now, and the policy lets this service hold it: it is in the view."""
    WITHHELD = "withheld"
    """Valid now, but only a consent could release it and none covers it yet: a withheld pointer."""
    NOT_HELD = "not_held"
    """Valid now, consumed, but the policy gives this service nothing of it."""
    ALREADY_PROCESSED = "already_processed"
    """Valid now, but the same event (source, sequence) was consumed before: nothing changes."""
    STILL_INVALID = "still_invalid"
    """Still not a valid event: it stays parked with the current reason."""
    UNAVAILABLE = "unavailable"
    """Kafka did not hand out the record again: it stays parked."""
    DISMISSED = "dismissed"
    """Resolved by an operator without applying it (its consent hold, if any, ends)."""
    ALREADY_REPLAYED = "already_replayed"
    NOT_FOUND = "not_found"

    @property
    def resolved(self) -> bool:
        """Whether the dead letter is settled (``replayed_at`` set)."""
        return self not in (ReplayOutcome.STILL_INVALID, ReplayOutcome.UNAVAILABLE, ReplayOutcome.NOT_FOUND)


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
    skipped: set[tuple[str, int, int]] = field(default_factory=set)
    """(topic, partition, offset) of the batch's records skipped as of a type this service may never hold."""


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
