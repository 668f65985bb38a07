"""The application recorder: eventsourcing's PostgreSQL recorder with a bounded lock wait.

eventsourcing 9.5.6 retries ``insert_events`` up to ten times on any
``OperationalError`` (``@retry(..., max_attempts=10, wait=0.2)``). That is right
for a broken pooled connection, but a lock timeout is an OperationalError too: a
write blocked on the events table's lock would wait ten lock timeouts (50 s with
the default 5 s) before the API could answer. Here a lock timeout fails at once
(the API answers a retryable 503); every other operational error is retried as
the library does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.errors import LockNotAvailable

RETRY_ATTEMPTS = 10
RETRY_WAIT_S = 0.2
_insert_once = PostgresApplicationRecorder.insert_events.__wrapped__  # the library's body, without its retry


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether an eventsourcing persistence error is PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    return isinstance(exc.__cause__, LockNotAvailable) or isinstance(exc, LockNotAvailable)


class BoundedLockApplicationRecorder(PostgresApplicationRecorder):
    """Fails a write blocked on the events table's lock after one ``POSTGRES_LOCK_TIMEOUT``."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        attempts = 0
        while True:
            try:
                return _insert_once(self, stored_events, **kwargs)  # type: ignore[no-any-return]
            except (InterfaceError, OperationalError) as exc:
                attempts += 1
                if is_lock_timeout(exc) or attempts >= RETRY_ATTEMPTS:
                    raise
                time.sleep(RETRY_WAIT_S)


TOPIC = f"{__name__}:{BoundedLockApplicationRecorder.__qualname__}"
