"""The storage port of a case-history projection, and its in-memory adapter.

A batch of consumed Kafka records is applied in one transaction together with the
consumed offsets, so the view and the position can never disagree: that is what
makes the projection exactly-once in effect. Each event is also recorded by its
(source, sequence) pair, so a republished event (same pair, new offset) changes
nothing.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from shared.projection.summary import CaseSummary, fold, order_key
from shared.settings import Service
from shared.wire import Envelope

TopicPartition = tuple[str, int]


class OffsetFencingError(Exception):
    """The stored offsets moved under the consumer (rebalance, restart, rebuild swap)."""


@dataclass(frozen=True)
class ConsumedRecord:
    """One Kafka record, classified by the projector."""

    topic: str
    partition: int
    offset: int
    envelope: Envelope | None = None
    accepted: bool = False
    poison_reason: str | None = None
    key: bytes | None = None
    value: bytes | None = None
    headers: Sequence[tuple[str, bytes]] = ()

    @property
    def tp(self) -> TopicPartition:
        return (self.topic, self.partition)


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a case as this service may see it."""

    event_id: UUID
    source: Service
    sequence: int
    type: str
    recorded_at: datetime
    valid_on: date | None
    data: dict[str, Any]


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


@dataclass
class BatchPlan:
    """What one batch changes, computed once for every adapter."""

    timeline: list[tuple[ConsumedRecord, Envelope]] = field(default_factory=list)
    summaries: dict[UUID, CaseSummary] = field(default_factory=dict)
    poison: list[ConsumedRecord] = field(default_factory=list)
    next_offsets: dict[TopicPartition, int] = field(default_factory=dict)


def next_offsets(records: Sequence[ConsumedRecord]) -> dict[TopicPartition, int]:
    """The offset to resume from, per partition, after these records."""
    result: dict[TopicPartition, int] = {}
    for record in records:
        result[record.tp] = max(result.get(record.tp, 0), record.offset + 1)
    return result


def timeline_entry(envelope: Envelope) -> TimelineEntry:
    return TimelineEntry(
        event_id=envelope.id,
        source=envelope.source,
        sequence=envelope.sequence,
        type=envelope.type,
        recorded_at=envelope.time,
        valid_on=envelope.event.valid_on(),
        data=envelope.event.model_dump(mode="json"),
    )


def plan_batch(
    records: Sequence[ConsumedRecord],
    new_pairs: set[tuple[str, int]],
    summaries: Mapping[UUID, CaseSummary],
) -> BatchPlan:
    """Decide which records are new and visible, and fold them into summaries."""
    plan = BatchPlan(next_offsets=next_offsets(records))
    plan.summaries = {k: v.model_copy(deep=True) for k, v in summaries.items()}
    seen: set[tuple[str, int]] = set()
    for record in records:
        env = record.envelope
        if env is None:
            plan.poison.append(record)
            continue
        pair = (env.source.value, env.sequence)
        if pair not in new_pairs or pair in seen or not record.accepted:
            continue
        seen.add(pair)
        plan.timeline.append((record, env))
        summary = plan.summaries.setdefault(env.case_id, CaseSummary(case_id=str(env.case_id)))
        fold(summary, env)
    return plan


class CaseHistoryStore(ABC):
    """A service's case-history view plus its consumed positions."""

    @abstractmethod
    def setup(self) -> None:
        """Create the tables if they do not exist."""

    @abstractmethod
    def load_offsets(self) -> dict[TopicPartition, int]:
        """The next offset to consume, per partition that has one."""

    @abstractmethod
    def apply_batch(
        self, records: Sequence[ConsumedRecord], expected: Mapping[TopicPartition, int | None]
    ) -> int:
        """Apply records and offsets atomically; return how many events were new.

        ``expected`` is the stored offset the caller believes each partition has
        (None: no offset stored yet). If any differs, nothing is written and
        OffsetFencingError is raised.
        """

    @abstractmethod
    def summary(self, case_id: UUID) -> CaseSummary | None:
        """The current summary of a case, or None if this service knows no event of it."""

    @abstractmethod
    def timeline(self, case_id: UUID) -> list[TimelineEntry]:
        """The case's events in case order (recorded time, source, sequence)."""

    @abstractmethod
    def has_processed(self, source: Service, sequence: int) -> bool:
        """Whether the event at (source, sequence) has been consumed (kept or not)."""

    @abstractmethod
    def cases(self, limit: int, offset: int) -> list[CaseSummary]:
        """Summaries, most recently changed first."""

    @abstractmethod
    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Parked records, newest first."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Row counts, for operators and checks."""


class InMemoryCaseHistoryStore(CaseHistoryStore):
    """A fake for fast unit tests; same behaviour as the PostgreSQL adapter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offsets: dict[TopicPartition, int] = {}
        self._processed: set[tuple[str, int]] = set()
        self._timeline: dict[UUID, list[TimelineEntry]] = {}
        self._summaries: dict[UUID, CaseSummary] = {}
        self._dead: list[DeadLetter] = []

    def setup(self) -> None:
        return None

    def load_offsets(self) -> dict[TopicPartition, int]:
        with self._lock:
            return dict(self._offsets)

    def apply_batch(
        self, records: Sequence[ConsumedRecord], expected: Mapping[TopicPartition, int | None]
    ) -> int:
        with self._lock:
            for tp in {r.tp for r in records}:
                if self._offsets.get(tp) != expected.get(tp):
                    raise OffsetFencingError(tp)
            pairs = {(r.envelope.source.value, r.envelope.sequence) for r in records if r.envelope}
            new_pairs = pairs - self._processed
            cases = {r.envelope.case_id for r in records if r.envelope}
            plan = plan_batch(records, new_pairs, {c: self._summaries[c] for c in cases if c in self._summaries})
            self._processed |= pairs
            for _, env in plan.timeline:
                self._timeline.setdefault(env.case_id, []).append(timeline_entry(env))
            self._summaries.update(plan.summaries)
            for record in plan.poison:
                if not any((d.topic, d.partition, d.offset) == (record.topic, record.partition, record.offset) for d in self._dead):
                    self._dead.append(
                        DeadLetter(len(self._dead) + 1, record.topic, record.partition, record.offset,
                                   record.poison_reason or "", datetime.now().astimezone())
                    )
            self._offsets.update(plan.next_offsets)
            return len(plan.timeline)

    def summary(self, case_id: UUID) -> CaseSummary | None:
        with self._lock:
            return self._summaries.get(case_id)

    def timeline(self, case_id: UUID) -> list[TimelineEntry]:
        with self._lock:
            entries = list(self._timeline.get(case_id, []))
        return sorted(entries, key=lambda e: (e.recorded_at.isoformat(), e.source.value, e.sequence))

    def has_processed(self, source: Service, sequence: int) -> bool:
        with self._lock:
            return (source.value, sequence) in self._processed

    def cases(self, limit: int, offset: int) -> list[CaseSummary]:
        with self._lock:
            ordered = sorted(self._summaries.values(), key=lambda s: s.last_event_at or datetime.min.astimezone(), reverse=True)
        return ordered[offset : offset + limit]

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        with self._lock:
            return list(reversed(self._dead))[:limit]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "timeline": sum(len(v) for v in self._timeline.values()),
                "cases": len(self._summaries),
                "processed": len(self._processed),
                "dead_letters": len(self._dead),
            }


__all__ = [
    "CaseHistoryStore",
    "ConsumedRecord",
    "DeadLetter",
    "InMemoryCaseHistoryStore",
    "OffsetFencingError",
    "TimelineEntry",
    "order_key",
]
