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

The orchestration lives once (:mod:`~shared.projection.apply`,
:mod:`~shared.projection.consent_changes`, :mod:`~shared.projection.dead_letters`);
adapters (in memory, PostgreSQL) provide a transaction with a few primitive
operations (:class:`~shared.projection.ports.ViewTransaction`) and the reading API.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from uuid import UUID

from shared.policy.consent import Consents
from shared.policy.parties import service_parties
from shared.projection import consent_changes
from shared.projection.apply import apply_records
from shared.projection.dead_letters import Fetch, dismiss_parked, replay_parked
from shared.projection.poison import ConsentHolds
from shared.projection.ports import ViewTransaction
from shared.projection.records import (
    BatchOutcome,
    ConsumedRecord,
    DeadLetter,
    HeldBasis,
    Pair,
    ReplayResult,
    SkippedRecord,
    TimelineEntry,
    TopicPartition,
    Withheld,
)
from shared.projection.summary import CaseSummary
from shared.service import Service


class CaseHistoryStore(ABC):
    """A service's case-history view plus its consumed positions."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.parties = service_parties(service)
        """The parties this view is held for (the foreign office's: the ABH and the EBB)."""

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

    # --- the reading API, per adapter ---------------------------------------------

    @abstractmethod
    def timeline(self, case_id: UUID) -> list[TimelineEntry]:
        """The case's events in case order (recorded time, source, sequence)."""

    @abstractmethod
    def summary(self, case_id: UUID) -> CaseSummary | None:
        """The current summary of a case, or None if this service holds no event of it."""

    def summaries(self, case_ids: Sequence[UUID]) -> dict[UUID, CaseSummary]:
        """:meth:`summary` of many cases (those this service holds an event of); adapters read them at once."""
        found = {case_id: self.summary(case_id) for case_id in case_ids}
        return {case_id: summary for case_id, summary in found.items() if summary is not None}

    @abstractmethod
    def has_processed(self, source: Service, sequence: int) -> bool:
        """Whether the event at (source, sequence) has been consumed (held or not) and
        nothing a consent released is still waiting to be fetched."""

    def processed_among(self, pairs: Iterable[Pair]) -> set[Pair]:
        """Those of ``pairs`` that :meth:`has_processed` holds for; what the API's waiting reads
        check after a commit announced them (:mod:`shared.projection.progress`)."""
        return {pair for pair in pairs if self.has_processed(Service(pair[0]), pair[1])}

    @abstractmethod
    def cases(self, limit: int, offset: int) -> list[CaseSummary]:
        """Summaries, most recently changed first."""

    @abstractmethod
    def held_bases(self, case_ids: Sequence[UUID]) -> dict[UUID, list[HeldBasis]]:
        """Per case, the type, category and basis of each held entry (no content), in one read."""

    @abstractmethod
    def managed_by(self, staff_id: str) -> list[UUID]:
        """The cases whose KIM case manager is ``staff_id``, as this view knows them."""

    @abstractmethod
    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Parked records, newest first."""

    @abstractmethod
    def skipped(self, limit: int = 100) -> list[SkippedRecord]:
        """Records of types this service may never hold, noted instead of parked; newest first."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Row counts, for operators and checks: ``timeline``, ``cases``, ``processed``,
        ``withheld``, ``dead_letters`` (of them ``dead_letters_open``, and ``foreign_source``:
        rejected because the source does not own the topic) and ``skipped``."""

    @abstractmethod
    def holding(self) -> list[DeadLetter]:
        """The open dead letters that hold consents (consent unresolved), oldest first."""

    def consent_holds(self) -> ConsentHolds:
        """The cases whose consents open dead letters hold."""
        return ConsentHolds.of(d.case_id for d in self.holding())

    @abstractmethod
    def consents_of(self, case_id: UUID) -> Consents:
        """The case's consents as this service knows them."""

    def consents_of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, Consents]:
        """:meth:`consents_of` of many cases (those with a consent); adapters read them at once."""
        found = {case_id: self.consents_of(case_id) for case_id in case_ids}
        return {case_id: consents for case_id, consents in found.items() if consents}

    # --- the orchestration, once for every adapter --------------------------------

    def apply_batch(
        self,
        records: Sequence[ConsumedRecord],
        expected: Mapping[TopicPartition, int | None],
        today: date | None = None,
    ) -> BatchOutcome:
        """Apply records and offsets atomically. Raise OffsetFencingError, writing nothing,
        if any partition's stored offset is not what the caller expects (None: none stored)."""
        if not records:
            return BatchOutcome()
        with self.transaction() as tx:
            return apply_records(tx, self.parties, records, expected, today or date.today())

    def release(self, records: Sequence[ConsumedRecord], today: date | None = None) -> int:
        """Bring withheld events, fetched again from Kafka, into the view if a consent now covers them."""
        with self.transaction() as tx:
            return consent_changes.release(tx, self.parties, records, today or date.today())

    def sweep(self, today: date | None = None) -> BatchOutcome:
        """Apply consents that started, ended or changed scope since the last sweep."""
        with self.transaction() as tx:
            return consent_changes.sweep(tx, self.parties, today or date.today())

    def releasable(self, today: date | None = None) -> list[Withheld]:
        """Withheld events that a live consent covers now (e.g. after a crash mid-release)."""
        with self.transaction() as tx:
            return consent_changes.releasable(tx, self.parties, today or date.today())

    def replay_dead_letters(
        self,
        fetch: Fetch,
        ids: Sequence[int] | None = None,
        today: date | None = None,
    ) -> tuple[list[ReplayResult], list[Withheld]]:
        """Read parked records again from Kafka (``fetch``); apply those that are valid now.

        Each is replayed in its own transaction, with the same decision as a consumed
        one (see :mod:`shared.projection.dead_letters`). Returns the results and the
        withheld events that a replayed consent or an ended consent hold now releases
        (the caller fetches those from Kafka, like the projector does).
        """
        return replay_parked(self.transaction, self.parties, ids, fetch, today or date.today())

    def dismiss_dead_letters(
        self, ids: Sequence[int], reason: str, today: date | None = None
    ) -> tuple[list[ReplayResult], list[Withheld]]:
        """Settle dead letters without applying them (an operator's decision); like replay,
        return the withheld events an ended consent hold now releases."""
        return dismiss_parked(self.transaction, self.parties, ids, reason, today or date.today())
