"""The application recorder: eventsourcing's PostgreSQL recorder, with a bounded lock
wait and records written in the same transaction as a command's events.

Bounded lock wait. eventsourcing 9.5.6 retries ``insert_events`` up to ten times
on any ``OperationalError`` (``@retry(..., max_attempts=10, wait=0.2)``). That is
right for a broken pooled connection, but a lock timeout is an OperationalError
too: a write blocked on the events table's lock would wait ten lock timeouts (50 s
with the default 5 s) before the API could answer. Here a lock timeout fails at
once (the API answers a retryable 503); every other operational error is retried
as the library does.

Side records. A command's events may carry records that must be stored with them
or not at all (``shared/application/recording.py``). They are written after the
events' INSERT, in the library's transaction, and synced at once: a failing side
record (a unique key already taken) aborts the transaction like a version conflict
does, so nothing of the command is stored. Side records must fail inside the
database, never by raising in Python: the library catches exceptions at that point
and would commit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError, InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor, sql
from psycopg.errors import LockNotAvailable
from psycopg.rows import DictRow

from shared.application.idempotency import ResultAlreadyStoredError
from shared.application.recording import CommandRecording
from shared.application.results import Saved

RETRY_ATTEMPTS = 10
RETRY_WAIT_S = 0.2
_insert_once = PostgresApplicationRecorder.insert_events.__wrapped__  # the library's body, without its retry


@runtime_checkable
class PostgresSideRecord(Protocol):
    """A record stored in the transaction of a command's events."""

    table: str
    """The table it writes (a unique violation there means: stored by someone else)."""

    def write(self, cursor: Cursor[DictRow], saved: Saved, events: int) -> None: ...


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether an eventsourcing persistence error is PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    return isinstance(exc.__cause__, LockNotAvailable) or isinstance(exc, LockNotAvailable)


def _violated_table(exc: BaseException) -> str | None:
    cause = exc.__cause__ if isinstance(exc.__cause__, psycopg.Error) else exc
    return cause.diag.table_name if isinstance(cause, psycopg.errors.UniqueViolation) else None


class BoundedLockApplicationRecorder(PostgresApplicationRecorder):
    """Fails a write blocked on the events table's lock after one ``POSTGRES_LOCK_TIMEOUT``."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        attempts = 0
        command: CommandRecording | None = kwargs.get("command")
        side_tables = {r.table for r in command.side_records if isinstance(r, PostgresSideRecord)} if command else set()
        while True:
            try:
                return _insert_once(self, stored_events, **kwargs)  # type: ignore[no-any-return]
            except IntegrityError as exc:
                if _violated_table(exc) in side_tables:
                    raise ResultAlreadyStoredError from exc
                raise
            except (InterfaceError, OperationalError) as exc:
                attempts += 1
                if is_lock_timeout(exc) or attempts >= RETRY_ATTEMPTS:
                    raise
                time.sleep(RETRY_WAIT_S)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        command: CommandRecording | None = kwargs.get("command")
        records = [r for r in command.side_records if isinstance(r, PostgresSideRecord)] if command else []
        if records and notification_ids:
            saved = command.saved_for(notification_ids)  # type: ignore[union-attr]  # records imply a command
            # A nested pipeline block syncs when it ends: a unique violation surfaces
            # here, inside the library's error handling, and aborts the transaction.
            with curs.connection.pipeline():
                for record in records:
                    record.write(curs, saved, len(stored_events))
        return notification_ids

    def select_notifications_of(self, originator_id: UUID, below_version: int) -> list[Notification]:
        """An aggregate's notifications before ``below_version``, in version order (a file's history at its link)."""
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE originator_id = %s AND originator_version < %s ORDER BY originator_version"
        ).format(sql.Identifier(self.datastore.schema), sql.Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as cur:
            rows = cur.execute(query, (originator_id, below_version)).fetchall()
        return [
            Notification(
                id=r["notification_id"],
                originator_id=r["originator_id"],
                originator_version=r["originator_version"],
                topic=r["topic"],
                state=bytes(r["state"]),
            )
            for r in rows
        ]


TOPIC = f"{__name__}:{BoundedLockApplicationRecorder.__qualname__}"
