"""The case-history view in memory: a fake for fast unit tests, same behaviour as PostgreSQL."""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from shared.policy.consent import Consents
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.poison import ConsentHolds, Parked, Skipped
from shared.projection.ports import OffsetFencingError, ViewTransaction
from shared.projection.progress import EVERYTHING, OnCommit, Progress
from shared.projection.records import (
    DeadLetter,
    HeldBasis,
    Pair,
    PoisonCause,
    SkippedRecord,
    TimelineEntry,
    TopicPartition,
    Withheld,
    case_order,
)
from shared.projection.summary import CaseSummary
from shared.service import Service


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
        self.skipped: list[SkippedRecord] = []
        self.meta: dict[str, str] = {}


class _MemoryTransaction(ViewTransaction):
    def __init__(self, state: _MemoryState) -> None:
        self.s = state
        self._saved: _MemoryState | None = None
        self.consumed: list[Pair] = []
        self.released = False
        """What the commit announces to waiting reads, as the PostgreSQL transaction's NOTIFY does."""

    def fence(self, expected: Mapping[TopicPartition, int | None], partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            if self.s.offsets.get(tp) != expected.get(tp):
                raise OffsetFencingError(tp)

    def mark_processed(self, pairs: list[Pair]) -> set[Pair]:
        new = {p for p in pairs if p not in self.s.processed}
        self.s.processed |= new
        self.consumed += pairs
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
        self.released = self.released or bool(pairs)

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

    def park(self, letters: list[Parked]) -> None:
        known = {(d.topic, d.partition, d.offset) for d in self.s.dead}
        for p in letters:
            if (p.topic, p.partition, p.offset) not in known:
                known.add((p.topic, p.partition, p.offset))
                self.s.dead.append(
                    DeadLetter(
                        len(self.s.dead) + 1,
                        p.topic,
                        p.partition,
                        p.offset,
                        p.reason,
                        datetime.now().astimezone(),
                        type=p.type,
                        cause=p.cause,
                        case_id=p.case_id,
                        consent_hold=p.consent_hold,
                    )
                )

    def skip(self, records: list[Skipped]) -> None:
        known = {(d.topic, d.partition, d.offset) for d in self.s.skipped}
        for r in records:
            if (r.topic, r.partition, r.offset) not in known:
                known.add((r.topic, r.partition, r.offset))
                self.s.skipped.append(
                    SkippedRecord(r.topic, r.partition, r.offset, r.type, r.reason, datetime.now().astimezone())
                )

    def parked(self, ids: Sequence[int] | None) -> list[DeadLetter]:
        return [d for d in self.s.dead if (d.id in ids if ids is not None else d.replayed_at is None)]

    def resolve_parked(
        self, dead_letter_id: int, *, replayed: bool, reason: str, resolution: str | None = None
    ) -> None:
        for i, d in enumerate(self.s.dead):
            if d.id == dead_letter_id:
                settled = replace(d, replayed_at=d.replayed_at or datetime.now().astimezone(), resolution=resolution)
                self.s.dead[i] = replace(settled if replayed else d, reason=reason)

    def consent_holds(self) -> ConsentHolds:
        return ConsentHolds.of(d.case_id for d in self.s.dead if d.consent_hold and d.replayed_at is None)

    def set_offsets(self, offsets: Mapping[TopicPartition, int]) -> None:
        self.s.offsets.update(offsets)

    def cases_with_consents(self) -> dict[UUID, Consents]:
        return copy.deepcopy(self.s.consents)

    def meta(self, key: str) -> str | None:
        return self.s.meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self.s.meta[key] = value

    def savepoint(self) -> None:
        self._saved = copy.deepcopy(self.s)

    def rollback_to_savepoint(self) -> None:
        if self._saved is None:
            raise RuntimeError("no savepoint to roll back to")
        self.s = copy.deepcopy(self._saved)


class InMemoryCaseHistoryStore(CaseHistoryStore):
    """A fake for fast unit tests; same behaviour as the PostgreSQL adapter."""

    def __init__(self, service: Service = Service.KOBIZ) -> None:
        super().__init__(service)
        self._lock = threading.RLock()
        self._state = _MemoryState()
        self._followers: list[OnCommit] = []

    def setup(self) -> None:
        return None

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        with self._lock:
            tx = _MemoryTransaction(copy.deepcopy(self._state))
            yield tx
            self._state = tx.s  # committed only if the block did not raise
            followers = list(self._followers)
        if tx.consumed or tx.released:
            progress = EVERYTHING if tx.released else Progress.of(tx.consumed)
            for on_commit in followers:
                on_commit(progress)

    async def follow(self, on_commit: OnCommit) -> None:
        """The store's commits, as :class:`~shared.projection.progress.CommitFeed` (the PostgreSQL
        view's are heard by :class:`~shared.projection.pg_listener.PgCommitListener`)."""
        with self._lock:
            self._followers.append(on_commit)
        try:
            on_commit(EVERYTHING)
            await asyncio.Event().wait()  # until cancelled
        finally:
            with self._lock:
                self._followers.remove(on_commit)

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

    def held_bases(self, case_ids: Sequence[UUID]) -> dict[UUID, list[HeldBasis]]:
        with self._lock:
            entries = {case_id: _MemoryTransaction(self._state).entries(case_id) for case_id in case_ids}
        return {c: [HeldBasis(e.type, e.category, e.basis) for e in held] for c, held in entries.items()}

    def managed_by(self, staff_id: str) -> list[UUID]:
        with self._lock:
            return [UUID(s.case_id) for s in self._state.summaries.values() if s.case_manager() == staff_id]

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

    def skipped(self, limit: int = 100) -> list[SkippedRecord]:
        with self._lock:
            return list(reversed(self._state.skipped))[:limit]

    def holding(self) -> list[DeadLetter]:
        with self._lock:
            return [d for d in self._state.dead if d.consent_hold and d.replayed_at is None]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "timeline": len(self._state.entries),
                "cases": len(self._state.summaries),
                "processed": len(self._state.processed),
                "withheld": len(self._state.withheld),
                "dead_letters": len(self._state.dead),
                "dead_letters_open": sum(d.replayed_at is None for d in self._state.dead),
                "foreign_source": sum(d.cause is PoisonCause.FOREIGN_SOURCE for d in self._state.dead),
                "skipped": len(self._state.skipped),
            }

    def consents_of(self, case_id: UUID) -> Consents:
        with self._lock:
            return copy.deepcopy(self._state.consents.get(case_id, {}))
