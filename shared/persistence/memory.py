"""In-memory persistence for unit tests, with the same behaviour as the PostgreSQL adapters.

eventsourcing's POPO recorder, extended like the PostgreSQL one: records attached to
a command (``shared/application/recording.py``) are checked and written under the
recorder's lock together with the events, so a record that cannot be stored stores
nothing of the command. Select it with ``PERSISTENCE_MODULE=<MEMORY_FACTORY>``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from uuid import UUID, uuid4

from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory

from shared.application.idempotency import (
    Claim,
    IdempotencyScope,
    IdempotencyStore,
    ResultAlreadyStoredError,
    StoredResult,
)
from shared.application.recording import CommandRecording
from shared.application.results import Saved


@runtime_checkable
class MemorySideRecord(Protocol):
    """A record stored together with a command's events, in memory."""

    def check(self) -> None:
        """Raise (an IntegrityError) if it cannot be stored; called before the events are."""

    def write(self, saved: Saved, events: int) -> None: ...


class MemoryApplicationRecorder(POPOApplicationRecorder):
    """POPO events plus the command's side records, atomically."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        command: CommandRecording | None = kwargs.get("command")
        records = [r for r in command.side_records if isinstance(r, MemorySideRecord)] if command else []
        with self._database_lock:  # re-entrant: the library takes it again inside
            for record in records:
                record.check()
            notification_ids = self._insert_events(stored_events, **kwargs)
            if command is not None and records and notification_ids:
                saved = command.saved_for(notification_ids)
                for record in records:
                    record.write(saved, len(stored_events))
        self._notify_listeners()
        return notification_ids

    def select_notifications_of(self, originator_id: UUID, below_version: int) -> list[Notification]:
        """An aggregate's notifications before ``below_version``, in version order."""
        with self._database_lock:
            index = self._stored_events_index[str(originator_id)]
            return [
                Notification(
                    id=position + 1,
                    originator_id=stored.originator_id,
                    originator_version=stored.originator_version,
                    topic=stored.topic,
                    state=stored.state,
                )
                for version, position in sorted(index.items())
                if version < below_version
                for stored in (self._stored_events[position],)
            ]


class MemoryFactory(POPOFactory):
    """eventsourcing's POPO infrastructure with :class:`MemoryApplicationRecorder`."""

    def application_recorder(self) -> ApplicationRecorder:
        return MemoryApplicationRecorder()


MEMORY_FACTORY = f"{__name__}:{MemoryFactory.__qualname__}"


@dataclass
class _Entry:
    result: StoredResult
    first_version: int
    expires_at: datetime | None


class InMemoryIdempotencyStore(IdempotencyStore):
    """Keys, markers and results in memory (same rules as the PostgreSQL store)."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._results: dict[IdempotencyScope, _Entry] = {}
        self._claims: dict[IdempotencyScope, tuple[UUID, str, datetime]] = {}

    def find(self, scope: IdempotencyScope) -> StoredResult | None:
        with self._lock:
            entry = self._live(scope)
            return entry.result if entry else None

    def claim(self, scope: IdempotencyScope, fingerprint: str, lease: timedelta) -> Claim:
        with self._lock:
            now = self.clock()
            if scope in self._results and self._live(scope) is None:
                del self._results[scope]
            held = self._claims.get(scope)
            if held is not None and held[2] > now - lease:
                return Claim(acquired=False, token=held[0], fingerprint=held[1])
            token = uuid4()
            self._claims[scope] = (token, fingerprint, now)
            return Claim(acquired=True, token=token, fingerprint=fingerprint)

    def release(self, scope: IdempotencyScope, token: UUID) -> None:
        with self._lock:
            if scope in self._claims and self._claims[scope][0] == token:
                del self._claims[scope]

    def result_record(self, scope: IdempotencyScope, fingerprint: str, expires_at: datetime | None) -> object:
        return _MemoryResult(self, scope, fingerprint, expires_at)

    def purge_expired(self, now: datetime) -> int:
        with self._lock:
            expired = [s for s, e in self._results.items() if e.expires_at is not None and e.expires_at <= now]
            for scope in expired:
                del self._results[scope]
            return len(expired)

    def check_free(self, scope: IdempotencyScope) -> None:
        """Raise if a live result is stored under ``scope`` (the unique key)."""
        with self._lock:
            if self._live(scope) is not None:
                raise ResultAlreadyStoredError

    def put(
        self, scope: IdempotencyScope, result: StoredResult, first_version: int, expires_at: datetime | None
    ) -> None:
        """Store a result (called by the recorder, with the command's events)."""
        with self._lock:
            self._results[scope] = _Entry(result, first_version, expires_at)

    def results(self) -> dict[IdempotencyScope, tuple[StoredResult, int]]:
        """Every live result with its first version (for checks)."""
        with self._lock:
            return {s: (e.result, e.first_version) for s, e in self._results.items() if self._live(s)}

    def _live(self, scope: IdempotencyScope) -> _Entry | None:
        entry = self._results.get(scope)
        if entry is None or (entry.expires_at is not None and entry.expires_at <= self.clock()):
            return None
        return entry


@dataclass(frozen=True)
class _MemoryResult:
    store: InMemoryIdempotencyStore
    scope: IdempotencyScope
    fingerprint: str
    expires_at: datetime | None

    def check(self) -> None:
        self.store.check_free(self.scope)

    def write(self, saved: Saved, events: int) -> None:
        first_version = saved.version - events + 1
        self.store.put(self.scope, StoredResult(self.fingerprint, saved), first_version, self.expires_at)
