"""The port of the case-history view: the primitive operations of one view transaction.

The orchestration (apply, consent changes, dead-letter replay) lives once, on top of
these; each adapter (in memory, PostgreSQL) provides a transaction with them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from uuid import UUID

from shared.policy.consent import Consents
from shared.projection.poison import ConsentHolds, Parked, Skipped
from shared.projection.records import DeadLetter, Pair, TimelineEntry, TopicPartition, Withheld
from shared.projection.summary import CaseSummary


class OffsetFencingError(Exception):
    """The stored offsets moved under the consumer (rebalance, restart, rebuild swap)."""


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
    def park(self, letters: list[Parked]) -> None:
        """Park pointers to records (a record parked before stays as it is)."""

    @abstractmethod
    def skip(self, records: list[Skipped]) -> None:
        """Note records of types this service may never hold (one noted before stays as it is)."""

    @abstractmethod
    def parked(self, ids: Sequence[int] | None) -> list[DeadLetter]:
        """Dead letters by id (None: every one not yet settled), locked for this transaction."""

    @abstractmethod
    def resolve_parked(
        self, dead_letter_id: int, *, replayed: bool, reason: str, resolution: str | None = None
    ) -> None:
        """Record the outcome of a replay: settled (``replayed_at``, ``resolution``), or still
        parked with ``reason``."""

    @abstractmethod
    def consent_holds(self) -> ConsentHolds:
        """The consent holds of the dead letters not yet settled."""

    @abstractmethod
    def set_offsets(self, offsets: Mapping[TopicPartition, int]) -> None: ...

    @abstractmethod
    def cases_with_consents(self) -> dict[UUID, Consents]: ...

    @abstractmethod
    def meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    @abstractmethod
    def savepoint(self) -> None:
        """Remember this point of the transaction (one at a time: a new one replaces it)."""

    @abstractmethod
    def rollback_to_savepoint(self) -> None:
        """Undo everything written since :meth:`savepoint`, and the locks taken since;
        what came before stays, and the transaction goes on."""


OpenTransaction = Callable[[], AbstractContextManager[ViewTransaction]]
"""Opens one view transaction: committed if the ``with`` block ends normally."""
