"""The case-history view of one service: what it may hold, and the positions consumed.

A batch of consumed Kafka records is applied in one transaction together with the
consumed offsets, so view and position never disagree: that makes the projection
exactly-once in effect. Each event is recorded by (source, sequence), so a
republished event (same pair, new offset) changes nothing.

What a service may hold is decided per event by the sharing policy and, where the
basis is consent, by the case's live consents. An event the service may not hold
yet is *withheld*: only a pointer (source, sequence, Kafka position, category) is
kept, never its content. When a consent later covers it, the projector fetches the
record from Kafka again and releases it into the view; when a consent is revoked or
expires, what was held only because of it goes back to being withheld.

The orchestration lives here once; adapters (in memory, PostgreSQL) provide a
transaction with a few primitive operations.
"""

from __future__ import annotations

import copy
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from shared.consent import (
    Consents,
    ConsentState,
    apply_consent_event,
    covering_consent,
    is_consent_event,
    named_in,
)
from shared.events import EVENTS_BY_WIRE_TYPE
from shared.events.common import Recipient
from shared.policy import LegalBasis, entitlement
from shared.projection.summary import CaseSummary, fold, order_key
from shared.settings import Service
from shared.wire import Envelope, PoisonMessageError, decode

TopicPartition = tuple[str, int]
Pair = tuple[str, int]


class OffsetFencingError(Exception):
    """The stored offsets moved under the consumer (rebalance, restart, rebuild swap)."""


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

    @property
    def pair(self) -> Pair:
        return (self.source.value, self.sequence)

    def envelope(self, case_id: UUID) -> Envelope:
        model = EVENTS_BY_WIRE_TYPE[self.type]
        return Envelope(
            self.event_id,
            self.source,
            self.type,
            case_id,
            self.recorded_at,
            self.sequence,
            "",
            model.model_validate(self.data),
        )


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


def next_offsets(records: Sequence[ConsumedRecord]) -> dict[TopicPartition, int]:
    """The offset to resume from, per partition, after these records."""
    result: dict[TopicPartition, int] = {}
    for record in records:
        result[record.tp] = max(result.get(record.tp, 0), record.offset + 1)
    return result


def entry_for(record: ConsumedRecord, env: Envelope, basis: str, category: str | None) -> TimelineEntry:
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
    )


class ViewTransaction(ABC):
    """The primitive operations of one view transaction."""

    @abstractmethod
    def fence(self, expected: Mapping[TopicPartition, int | None], partitions: set[TopicPartition]) -> None: ...

    @abstractmethod
    def mark_processed(self, pairs: list[Pair]) -> set[Pair]: ...

    @abstractmethod
    def consents(self, case_ids: set[UUID]) -> dict[UUID, Consents]: ...

    @abstractmethod
    def save_consents(self, case_id: UUID, consents: Consents) -> None: ...

    @abstractmethod
    def insert_entries(self, case_id: UUID, entries: list[TimelineEntry]) -> None: ...

    @abstractmethod
    def delete_entries(self, pairs: list[Pair]) -> None: ...

    @abstractmethod
    def entries(self, case_id: UUID) -> list[TimelineEntry]: ...

    @abstractmethod
    def insert_withheld(self, pointers: list[Withheld]) -> None: ...

    @abstractmethod
    def delete_withheld(self, pairs: list[Pair]) -> None: ...

    @abstractmethod
    def withheld(self, case_id: UUID) -> list[Withheld]: ...

    @abstractmethod
    def mark_releasable(self, pairs: list[Pair]) -> None:
        """Note that a consent now covers these; readers wait until they are released."""

    @abstractmethod
    def summaries(self, case_ids: set[UUID]) -> dict[UUID, CaseSummary]: ...

    @abstractmethod
    def save_summary(self, summary: CaseSummary) -> None: ...

    @abstractmethod
    def delete_summary(self, case_id: UUID) -> None: ...

    @abstractmethod
    def park(self, records: list[ConsumedRecord]) -> None: ...

    @abstractmethod
    def parked(self, ids: Sequence[int] | None) -> list[ParkedRecord]:
        """Parked records by id (None: every one not yet replayed), locked for this transaction."""

    @abstractmethod
    def resolve_parked(self, dead_letter_id: int, *, replayed: bool, reason: str) -> None:
        """Record the outcome of a replay: ``replayed_at`` set, or still parked with ``reason``."""

    @abstractmethod
    def set_offsets(self, offsets: Mapping[TopicPartition, int]) -> None: ...

    @abstractmethod
    def cases_with_consents(self) -> dict[UUID, Consents]: ...

    @abstractmethod
    def meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...


class CaseHistoryStore(ABC):
    """A service's case-history view plus its consumed positions."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.recipient = Recipient(service.value)

    # --- adapter hooks --------------------------------------------------------

    @abstractmethod
    def setup(self) -> None:
        """Create the tables if they do not exist."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        """One atomic unit of work on the view."""

    @abstractmethod
    def load_offsets(self) -> dict[TopicPartition, int]:
        """The next offset to consume, per partition that has one."""

    @abstractmethod
    def timeline(self, case_id: UUID) -> list[TimelineEntry]:
        """The case's events in case order (recorded time, source, sequence)."""

    @abstractmethod
    def summary(self, case_id: UUID) -> CaseSummary | None:
        """The current summary of a case, or None if this service holds no event of it."""

    @abstractmethod
    def has_processed(self, source: Service, sequence: int) -> bool:
        """Whether the event at (source, sequence) has been consumed (held or not) and
        nothing a consent released is still waiting to be fetched."""

    @abstractmethod
    def cases(self, limit: int, offset: int) -> list[CaseSummary]:
        """Summaries, most recently changed first."""

    @abstractmethod
    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Parked records, newest first."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Row counts, for operators and checks."""

    # --- the orchestration, once for every adapter --------------------------------

    def decide(self, env: Envelope, consents: Consents, today: date) -> tuple[str, str | None] | None:
        """("keep" basis, category) or ("withhold", category) or None (never held)."""
        ent = entitlement(self.recipient, env.event)
        if ent is None:
            return None
        category = ent.category.value if ent.category else None
        if ent.basis.statutory:
            return ent.basis.value, category
        if ent.basis is LegalBasis.NAMED_IN_CONSENT:
            return (ent.basis.value, None) if named_in(env.event, consents, self.recipient) else None
        consent_id = covering_consent(consents, self.recipient, ent.category, today)
        return (f"consent:{consent_id}", category) if consent_id else ("withhold", category)

    def apply_batch(
        self,
        records: Sequence[ConsumedRecord],
        expected: Mapping[TopicPartition, int | None],
        today: date | None = None,
    ) -> BatchOutcome:
        """Apply records and offsets atomically. Raise OffsetFencingError, writing nothing,
        if any partition's stored offset is not what the caller expects (None: none stored)."""
        today = today or date.today()
        outcome = BatchOutcome()
        if not records:
            return outcome
        with self.transaction() as tx:
            tx.fence(expected, {r.tp for r in records})
            pairs = sorted({(r.envelope.source.value, r.envelope.sequence) for r in records if r.envelope})
            new = tx.mark_processed(pairs)
            cases = {r.envelope.case_id for r in records if r.envelope}
            consents = tx.consents(cases)
            entries: dict[UUID, list[TimelineEntry]] = {}
            pointers: list[Withheld] = []
            changed: set[UUID] = set()
            for record in records:
                env = record.envelope
                if env is None or (env.source.value, env.sequence) not in new:
                    continue
                new.discard((env.source.value, env.sequence))
                case_consents = consents.setdefault(env.case_id, {})
                decision = self.decide(env, case_consents, today)
                if decision is None:
                    continue
                if (
                    is_consent_event(env.event)
                    and decision[0] != "withhold"
                    and apply_consent_event(case_consents, env.event)
                ):
                    changed.add(env.case_id)
                if decision[0] == "withhold":
                    pointers.append(
                        Withheld(
                            env.source.value,
                            env.sequence,
                            env.case_id,
                            decision[1],
                            record.topic,
                            record.partition,
                            record.offset,
                        )
                    )
                else:
                    entries.setdefault(env.case_id, []).append(entry_for(record, env, *decision))
            for case_id, case_entries in entries.items():
                tx.insert_entries(case_id, case_entries)
            tx.insert_withheld(pointers)
            for case_id in changed:
                tx.save_consents(case_id, consents[case_id])
                self._reevaluate(tx, case_id, consents[case_id], today, outcome)
            incremental = {c: v for c, v in entries.items() if c not in changed}
            for case_id, summary in tx.summaries(set(incremental)).items():
                for entry in incremental.pop(case_id):
                    fold(summary, entry.envelope(case_id))
                tx.save_summary(summary)
            for case_id in set(incremental) | changed:
                self._resummarise(tx, case_id)
            tx.park([r for r in records if r.envelope is None])
            tx.set_offsets(next_offsets(records))
            outcome.applied = sum(len(v) for v in entries.values())
            outcome.withheld += len(pointers)
        return outcome

    def release(self, records: Sequence[ConsumedRecord], today: date | None = None) -> int:
        """Bring withheld events, fetched again from Kafka, into the view if a consent now covers them."""
        today = today or date.today()
        released = 0
        with self.transaction() as tx:
            consents = tx.consents({r.envelope.case_id for r in records if r.envelope})
            touched: set[UUID] = set()
            for record in records:
                env = record.envelope
                if env is None:
                    continue
                decision = self.decide(env, consents.get(env.case_id, {}), today)
                if decision is None or decision[0] == "withhold":
                    # No longer covered (the consent changed meanwhile): stays withheld.
                    pair = (env.source.value, env.sequence)
                    kept = [p for p in tx.withheld(env.case_id) if p.pair == pair]
                    tx.delete_withheld([pair])
                    tx.insert_withheld(kept)
                    continue
                tx.delete_withheld([(env.source.value, env.sequence)])
                tx.delete_entries([(env.source.value, env.sequence)])
                tx.insert_entries(env.case_id, [entry_for(record, env, *decision)])
                touched.add(env.case_id)
                released += 1
            for case_id in touched:
                self._resummarise(tx, case_id)
        return released

    def sweep(self, today: date | None = None) -> BatchOutcome:
        """Apply consents that started, ended or changed scope since the last sweep."""
        today = today or date.today()
        outcome = BatchOutcome()
        with self.transaction() as tx:
            last = tx.meta("consent_sweep_on")
            since = date.fromisoformat(last) if last else date.min
            for case_id, consents in tx.cases_with_consents().items():
                if any(since < day <= today for s in consents.values() for day in s.boundaries()) or not last:
                    self._reevaluate(tx, case_id, consents, today, outcome)
                    self._resummarise(tx, case_id)
            tx.set_meta("consent_sweep_on", today.isoformat())
        return outcome

    def replay_dead_letters(
        self,
        ids: Sequence[int] | None = None,
        today: date | None = None,
    ) -> tuple[list[ReplayResult], list[Withheld]]:
        """Decode parked records again; apply those that are now valid like released records.

        An operator fixes the cause (a decoder that learnt a new event version, a
        corrected stored value) and replays. Each record is replayed in its own
        transaction with the same decision as a consumed one: the policy and the
        case's live consents say whether this service keeps it. A record that is
        still invalid, or valid but not yet covered by a consent, stays parked (with
        the reason) and can be replayed again; everything else gets ``replayed_at``.
        Returns the results and the withheld events that a replayed consent now
        releases (the caller fetches those from Kafka, like the projector does).
        """
        today = today or date.today()
        if ids is None:
            with self.transaction() as tx:
                ids = [p.id for p in tx.parked(None)]
        results: list[ReplayResult] = []
        releasable: list[Withheld] = []
        for dead_letter_id in ids:
            try:
                with self.transaction() as tx:
                    result = self._replay_one(tx, dead_letter_id, today, releasable)
            except _KeepParked as keep:
                # Undo whatever the attempt wrote; only the new reason is kept.
                with self.transaction() as tx:
                    tx.resolve_parked(dead_letter_id, replayed=False, reason=keep.result.reason)
                result = keep.result
            results.append(result)
        return results, releasable

    def _replay_one(
        self, tx: ViewTransaction, dead_letter_id: int, today: date, releasable: list[Withheld]
    ) -> ReplayResult:
        found = tx.parked([dead_letter_id])
        if not found:
            return ReplayResult(dead_letter_id, ReplayOutcome.NOT_FOUND)
        parked = found[0]
        if parked.replayed_at is not None:
            return ReplayResult(dead_letter_id, ReplayOutcome.ALREADY_REPLAYED, parked.reason)
        raw = parked.record
        try:
            env = decode(list(raw.headers), raw.key, raw.value)
        except PoisonMessageError as exc:
            tx.resolve_parked(dead_letter_id, replayed=False, reason=str(exc))
            return ReplayResult(dead_letter_id, ReplayOutcome.STILL_INVALID, str(exc))
        pair = (env.source.value, env.sequence)
        event = f"{pair[0]}:{pair[1]}"
        # Lock the case's summary first, so that a live projector folding into it
        # waits for this transaction instead of overwriting its result.
        tx.summaries({env.case_id})
        if not tx.mark_processed([pair]):
            tx.resolve_parked(dead_letter_id, replayed=True, reason=parked.reason)
            return ReplayResult(dead_letter_id, ReplayOutcome.ALREADY_PROCESSED, parked.reason, event)
        consents = tx.consents({env.case_id}).get(env.case_id, {})
        decision = self.decide(env, consents, today)
        if decision is None:
            tx.resolve_parked(dead_letter_id, replayed=True, reason=parked.reason)
            return ReplayResult(dead_letter_id, ReplayOutcome.NOT_HELD, parked.reason, event)
        if decision[0] == "withhold":
            # A withheld pointer would send a later release to the Kafka record,
            # which is the broken one; so it stays parked until a consent covers it.
            reason = f"valid, but no live consent covers it yet ({decision[1]}); replay again when one does"
            raise _KeepParked(ReplayResult(dead_letter_id, ReplayOutcome.WAITING_FOR_CONSENT, reason, event))
        record = replace(raw, envelope=env)
        tx.insert_entries(env.case_id, [entry_for(record, env, *decision)])
        if is_consent_event(env.event) and apply_consent_event(consents, env.event):
            tx.save_consents(env.case_id, consents)
            outcome = BatchOutcome()
            self._reevaluate(tx, env.case_id, consents, today, outcome)
            releasable += outcome.releasable
        self._resummarise(tx, env.case_id)
        tx.resolve_parked(dead_letter_id, replayed=True, reason=parked.reason)
        return ReplayResult(dead_letter_id, ReplayOutcome.APPLIED, parked.reason, event)

    def releasable(self, today: date | None = None) -> list[Withheld]:
        """Withheld events that a live consent covers now (e.g. after a crash mid-release)."""
        today = today or date.today()
        result: list[Withheld] = []
        with self.transaction() as tx:
            for case_id, consents in tx.cases_with_consents().items():
                result += [
                    p
                    for p in tx.withheld(case_id)
                    if covering_consent(consents, self.recipient, _category(p.category), today)
                ]
        return result

    def _reevaluate(
        self, tx: ViewTransaction, case_id: UUID, consents: Consents, today: date, outcome: BatchOutcome
    ) -> None:
        # Held only because of a consent that no longer covers it: back to withheld.
        demoted: list[TimelineEntry] = []
        for entry in tx.entries(case_id):
            if not entry.basis.startswith("consent:"):
                continue
            if covering_consent(consents, self.recipient, _category(entry.category), today) is None:
                demoted.append(entry)
        if demoted:
            tx.delete_entries([e.pair for e in demoted])
            tx.insert_withheld(
                [
                    Withheld(e.source.value, e.sequence, case_id, e.category, e.topic, e.partition, e.offset)
                    for e in demoted
                ]
            )
            outcome.removed += len(demoted)
        releasable = [
            p for p in tx.withheld(case_id) if covering_consent(consents, self.recipient, _category(p.category), today)
        ]
        tx.mark_releasable([p.pair for p in releasable])
        outcome.releasable += releasable

    def _resummarise(self, tx: ViewTransaction, case_id: UUID) -> None:
        entries = tx.entries(case_id)
        if not entries:
            tx.delete_summary(case_id)
            return
        summary = CaseSummary(case_id=str(case_id))
        for entry in entries:
            fold(summary, entry.envelope(case_id))
        tx.save_summary(summary)


class _KeepParked(Exception):  # noqa: N818 - control flow: roll the replay attempt back
    def __init__(self, result: ReplayResult) -> None:
        super().__init__(result.reason)
        self.result = result


def _category(value: str | None) -> Any:
    from shared.events.common import DataCategory

    return DataCategory(value) if value else None


def case_order(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return sorted(entries, key=lambda e: (e.recorded_at, e.source.value, e.sequence))


class _MemoryState:
    def __init__(self) -> None:
        self.offsets: dict[TopicPartition, int] = {}
        self.processed: set[Pair] = set()
        self.entries: dict[Pair, tuple[UUID, TimelineEntry]] = {}
        self.withheld: dict[Pair, Withheld] = {}
        self.releasable: set[Pair] = set()
        self.consents: dict[UUID, Consents] = {}
        self.summaries: dict[UUID, CaseSummary] = {}
        self.dead: list[DeadLetter] = []
        self.dead_raw: dict[int, ConsumedRecord] = {}
        self.meta: dict[str, str] = {}


class _MemoryTransaction(ViewTransaction):
    def __init__(self, state: _MemoryState) -> None:
        self.s = state

    def fence(self, expected: Mapping[TopicPartition, int | None], partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            if self.s.offsets.get(tp) != expected.get(tp):
                raise OffsetFencingError(tp)

    def mark_processed(self, pairs: list[Pair]) -> set[Pair]:
        new = {p for p in pairs if p not in self.s.processed}
        self.s.processed |= new
        return new

    def consents(self, case_ids: set[UUID]) -> dict[UUID, Consents]:
        return {c: copy.deepcopy(self.s.consents[c]) for c in case_ids if c in self.s.consents}

    def save_consents(self, case_id: UUID, consents: Consents) -> None:
        self.s.consents[case_id] = copy.deepcopy(consents)

    def insert_entries(self, case_id: UUID, entries: list[TimelineEntry]) -> None:
        for entry in entries:
            self.s.entries.setdefault(entry.pair, (case_id, entry))

    def delete_entries(self, pairs: list[Pair]) -> None:
        for pair in pairs:
            self.s.entries.pop(pair, None)

    def entries(self, case_id: UUID) -> list[TimelineEntry]:
        return case_order([e for c, e in self.s.entries.values() if c == case_id])

    def insert_withheld(self, pointers: list[Withheld]) -> None:
        for pointer in pointers:
            self.s.withheld.setdefault(pointer.pair, pointer)

    def delete_withheld(self, pairs: list[Pair]) -> None:
        for pair in pairs:
            self.s.withheld.pop(pair, None)
            self.s.releasable.discard(pair)

    def mark_releasable(self, pairs: list[Pair]) -> None:
        self.s.releasable |= set(pairs) & set(self.s.withheld)

    def withheld(self, case_id: UUID) -> list[Withheld]:
        return [p for p in self.s.withheld.values() if p.case_id == case_id]

    def summaries(self, case_ids: set[UUID]) -> dict[UUID, CaseSummary]:
        return {c: self.s.summaries[c].model_copy(deep=True) for c in case_ids if c in self.s.summaries}

    def save_summary(self, summary: CaseSummary) -> None:
        self.s.summaries[UUID(summary.case_id)] = summary

    def delete_summary(self, case_id: UUID) -> None:
        self.s.summaries.pop(case_id, None)

    def park(self, records: list[ConsumedRecord]) -> None:
        known = {(d.topic, d.partition, d.offset) for d in self.s.dead}
        for r in records:
            if (r.topic, r.partition, r.offset) not in known:
                self.s.dead.append(
                    DeadLetter(
                        len(self.s.dead) + 1,
                        r.topic,
                        r.partition,
                        r.offset,
                        r.poison_reason or "",
                        datetime.now().astimezone(),
                    )
                )
                self.s.dead_raw[len(self.s.dead)] = replace(r, envelope=None)

    def parked(self, ids: Sequence[int] | None) -> list[ParkedRecord]:
        chosen = [d for d in self.s.dead if (d.id in ids if ids is not None else d.replayed_at is None)]
        return [ParkedRecord(d.id, self.s.dead_raw[d.id], d.reason, d.replayed_at) for d in chosen]

    def resolve_parked(self, dead_letter_id: int, *, replayed: bool, reason: str) -> None:
        for i, d in enumerate(self.s.dead):
            if d.id == dead_letter_id:
                self.s.dead[i] = replace(
                    d, reason=reason, replayed_at=datetime.now().astimezone() if replayed else d.replayed_at
                )

    def set_offsets(self, offsets: Mapping[TopicPartition, int]) -> None:
        self.s.offsets.update(offsets)

    def cases_with_consents(self) -> dict[UUID, Consents]:
        return copy.deepcopy(self.s.consents)

    def meta(self, key: str) -> str | None:
        return self.s.meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self.s.meta[key] = value


class InMemoryCaseHistoryStore(CaseHistoryStore):
    """A fake for fast unit tests; same behaviour as the PostgreSQL adapter."""

    def __init__(self, service: Service = Service.KOBIZ) -> None:
        super().__init__(service)
        self._lock = threading.RLock()
        self._state = _MemoryState()

    def setup(self) -> None:
        return None

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        with self._lock:
            scratch = copy.deepcopy(self._state)
            yield _MemoryTransaction(scratch)
            self._state = scratch  # committed only if the block did not raise

    def load_offsets(self) -> dict[TopicPartition, int]:
        with self._lock:
            return dict(self._state.offsets)

    def timeline(self, case_id: UUID) -> list[TimelineEntry]:
        with self._lock:
            return _MemoryTransaction(self._state).entries(case_id)

    def summary(self, case_id: UUID) -> CaseSummary | None:
        with self._lock:
            return self._state.summaries.get(case_id)

    def has_processed(self, source: Service, sequence: int) -> bool:
        with self._lock:
            return (source.value, sequence) in self._state.processed and not self._state.releasable

    def cases(self, limit: int, offset: int) -> list[CaseSummary]:
        with self._lock:
            ordered = sorted(
                self._state.summaries.values(),
                key=lambda s: (s.last_event_at or datetime.min.astimezone(), s.case_id),
                reverse=True,
            )
        return ordered[offset : offset + limit]

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        with self._lock:
            return list(reversed(self._state.dead))[:limit]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "timeline": len(self._state.entries),
                "cases": len(self._state.summaries),
                "processed": len(self._state.processed),
                "withheld": len(self._state.withheld),
                "dead_letters": len(self._state.dead),
            }

    def consents_of(self, case_id: UUID) -> Consents:
        with self._lock:
            return copy.deepcopy(self._state.consents.get(case_id, {}))


__all__ = [
    "BatchOutcome",
    "CaseHistoryStore",
    "ConsentState",
    "ConsumedRecord",
    "DeadLetter",
    "InMemoryCaseHistoryStore",
    "OffsetFencingError",
    "ParkedRecord",
    "ReplayOutcome",
    "ReplayResult",
    "TimelineEntry",
    "Withheld",
    "order_key",
    "replace",
]
