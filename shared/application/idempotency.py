"""Idempotency-Key: a retried command is answered once, with the result it had.

Modelled on the IETF httpapi draft "The Idempotency-Key HTTP Header Field":

- A key is scoped to the caller and the operation (``<service>.<use case>``) and
  bound to a fingerprint of the request (operation, case and canonical body).
- The same key with the same request answers the stored result again, marked as
  a duplicate; nothing new is stored.
- The same key with a different request is refused (422); nothing is stored.
- A retry while the first request still runs is refused (409).
- Keys are kept for a retention period (24 hours by default), then forgotten.

Exactly once, across crashes: the stored result is written in the *same
transaction* as the command's events (see :mod:`shared.application.recording`),
under a unique key. So a result exists exactly when the events do, and two
requests that both got past the in-progress marker cannot both commit: the
second one's transaction fails on the unique key and stores nothing.

The in-progress marker (a "claim") is only advisory, for the 409: it is written
before the command runs, removed afterwards, and may be taken over once it is
older than a lease (the process that wrote it crashed).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from pydantic import BaseModel

from shared.application.recording import written_with
from shared.application.results import Saved
from shared.errors import KimError

DEFAULT_RETENTION = timedelta(hours=24)
DEFAULT_LEASE = timedelta(seconds=60)
"""An in-progress marker older than this belongs to a request that died; a retry may take over."""


class IdempotencyKeyReusedError(KimError):
    """The key was used before for a different request (422)."""

    def __init__(self) -> None:
        super().__init__(
            "Dieser Idempotency-Key wurde bereits für eine andere Anfrage verwendet. "
            "/ This Idempotency-Key was already used for a different request."
        )


class CommandInProgressError(KimError):
    """A request with the same key is still being processed (409)."""

    def __init__(self) -> None:
        super().__init__(
            "Eine Anfrage mit diesem Idempotency-Key wird noch bearbeitet. "
            "/ A request with this Idempotency-Key is still being processed."
        )


class ResultAlreadyStoredError(KimError):
    """Another request with the same key committed first; this one stored nothing."""


@dataclass(frozen=True)
class IdempotencyScope:
    """Where a key is unique: per caller and operation."""

    caller: str
    operation: str
    key: str


@dataclass(frozen=True)
class StoredResult:
    """What a completed request answered, kept under its key."""

    fingerprint: str
    saved: Saved


@dataclass(frozen=True)
class Claim:
    """The outcome of trying to mark a key as in progress."""

    acquired: bool
    token: UUID
    fingerprint: str
    """The fingerprint of the request that holds the marker (ours if acquired)."""


class IdempotencyStore(ABC):
    """Where keys, their in-progress markers and their results are kept."""

    @abstractmethod
    def find(self, scope: IdempotencyScope) -> StoredResult | None:
        """The stored result of a key, unless it expired."""

    @abstractmethod
    def claim(self, scope: IdempotencyScope, fingerprint: str, lease: timedelta) -> Claim:
        """Mark a key as in progress (taking over a marker older than ``lease``); forget an expired result."""

    @abstractmethod
    def release(self, scope: IdempotencyScope, token: UUID) -> None:
        """Remove our in-progress marker."""

    @abstractmethod
    def result_record(self, scope: IdempotencyScope, fingerprint: str, expires_at: datetime | None) -> object:
        """A record that stores the command's result with its events (see ``recording``)."""

    @abstractmethod
    def purge_expired(self, now: datetime) -> int:
        """Forget results whose retention has passed; return how many."""


def fingerprint(operation: str, case_id: UUID | None, command: BaseModel) -> str:
    """SHA-256 of the operation, the case and the canonical JSON of the validated command."""
    canonical = json.dumps(
        {"operation": operation, "case_id": str(case_id) if case_id else None, "body": command.model_dump(mode="json")},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """A command's answer, and whether it is the stored answer of an earlier request."""

    saved: Saved
    duplicate: bool


class Idempotency:
    """Runs commands at most once per key."""

    def __init__(
        self,
        store: IdempotencyStore,
        retention: timedelta | None = DEFAULT_RETENTION,
        lease: timedelta = DEFAULT_LEASE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.retention = retention
        self.lease = lease
        self.clock = clock

    def run(self, scope: IdempotencyScope | None, fingerprint: str, command: Callable[[], Saved]) -> Outcome:
        """Run ``command`` unless this key already has a result; no key: just run it."""
        if scope is None:
            return Outcome(command(), duplicate=False)
        stored = self.store.find(scope)
        if stored is not None:
            return self._repeat(stored, fingerprint)
        claim = self.store.claim(scope, fingerprint, self.lease)
        if not claim.acquired:
            return self._busy(scope, claim, fingerprint)
        try:
            return Outcome(self._run_recorded(scope, fingerprint, command), duplicate=False)
        except ResultAlreadyStoredError:
            stored = self.store.find(scope)
            if stored is None:  # pragma: no cover - the unique key says it exists
                raise
            return self._repeat(stored, fingerprint)
        finally:
            self.store.release(scope, claim.token)

    def _run_recorded(self, scope: IdempotencyScope, fingerprint: str, command: Callable[[], Saved]) -> Saved:
        expires_at = self.clock() + self.retention if self.retention is not None else None
        record = self.store.result_record(scope, fingerprint, expires_at)
        with written_with(record):
            return command()

    def _busy(self, scope: IdempotencyScope, claim: Claim, fingerprint: str) -> Outcome:
        stored = self.store.find(scope)  # it may have completed since we looked
        if stored is not None:
            return self._repeat(stored, fingerprint)
        if claim.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError
        raise CommandInProgressError

    @staticmethod
    def _repeat(stored: StoredResult, fingerprint: str) -> Outcome:
        if stored.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError
        return Outcome(stored.saved, duplicate=True)

    def purge(self) -> int:
        """Forget expired results."""
        return self.store.purge_expired(self.clock())
