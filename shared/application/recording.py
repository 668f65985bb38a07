"""Records written in the same database transaction as a command's events.

A use case saves its aggregate once. Some facts about the command must be stored
atomically with its events, or not at all: the answer remembered for an
Idempotency-Key (so that a retry finds it exactly when the events exist). Such
records are attached to the current command with :func:`written_with` and handed
to the recorder with the events; each persistence adapter writes the kind it
knows (see ``shared/persistence/recorder.py`` and ``shared/persistence/memory.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from shared.application.results import Saved

_attached: ContextVar[tuple[object, ...]] = ContextVar("kim_side_records", default=())


@contextmanager
def written_with(*records: object) -> Iterator[None]:
    """Store ``records`` in the transaction of the next save made inside this block."""
    token = _attached.set(_attached.get() + records)
    try:
        yield
    finally:
        _attached.reset(token)


def attached() -> tuple[object, ...]:
    """The records attached to the command running in this context."""
    return _attached.get()


@dataclass(frozen=True)
class CommandRecording:
    """Handed to the recorder with a command's events (keyword argument ``command``)."""

    side_records: tuple[object, ...]
    saved_for: Callable[[Sequence[int]], Saved]
    """The command's answer, given the notification ids its events were stored under."""
