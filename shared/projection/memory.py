"""The case-history view in memory: a fake for fast unit tests, same behaviour as PostgreSQL."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from shared.policy.consent import Consents
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.ports import OffsetFencingError, ViewTransaction
from shared.projection.records import (
    ConsumedRecord,
    DeadLetter,
    Pair,
    ParkedRecord,
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
        self.dead_raw: dict[int, ConsumedRecord] = {}
        self.meta: dict[str, str] = {}


class _MemoryTransaction(ViewTransaction):
    def __init__(self, state: _MemoryState) -> None:
        self.s = state
        self._saved: _MemoryState | None = None

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

    def setup(self) -> None:
        return None

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        with self._lock:
            tx = _MemoryTransaction(copy.deepcopy(self._state))
            yield tx
            self._state = tx.s  # committed only if the block did not raise

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
