"""What a commit of a case-history view consumed, announced to the reads that wait for it.

The projector's transaction announces, when it commits, the positions
``(source, sequence)`` it consumed: on PostgreSQL as a NOTIFY on the view's channel
(:mod:`shared.projection.pg_transaction`, heard by one LISTEN connection per API
process, :mod:`shared.projection.pg_listener`), in memory as a call
(:mod:`shared.projection.memory`). A waiting read whose position an announcement
covers checks the view once more. An announcement of :data:`EVERYTHING` (a consent
released withheld events, a listener connected again after missing announcements)
makes every waiting read check.

An announcement only ever causes a check of the view, never an answer by itself: one
that says too much costs a query, one that is lost is made up for by the check at the
waiting read's deadline.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from shared.projection.records import Pair

PAYLOAD_LIMIT = 7900
"""Bytes of an announcement at most: PostgreSQL refuses a NOTIFY payload of 8000 bytes or more."""
CHANNEL_LIMIT = 63
"""Bytes of a channel name at most (PostgreSQL's identifier length)."""
PROGRESS_TABLE = "processed_events"
"""The view's table whose schema-qualified name (with the view's prefix) names its channel."""

Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Progress:
    """The positions a commit consumed, as sorted, disjoint ranges of sequences per source."""

    ranges: Mapping[str, Ranges] = field(default_factory=dict)
    everything: bool = False
    """Anything may have changed: every waiting read checks the view."""

    @classmethod
    def of(cls, pairs: Iterable[Pair]) -> Progress:
        """The progress of consuming ``pairs``."""
        by_source: dict[str, list[int]] = {}
        for source, sequence in pairs:
            by_source.setdefault(source, []).append(sequence)
        return cls({source: _ranges(sequences) for source, sequences in by_source.items()})

    def covers(self, pair: Pair) -> bool:
        """Whether the commit may have consumed ``pair``."""
        if self.everything:
            return True
        ranges = self.ranges.get(pair[0], ())
        i = bisect_right(ranges, (pair[1], _MAX))
        return i > 0 and ranges[i - 1][0] <= pair[1] <= ranges[i - 1][1]

    def encode(self) -> str:
        """``intake:1-3,7;kobiz:5``, or ``*``; coarsened to one range per source if it would be too long."""
        if self.everything:
            return "*"
        text = _text(self.ranges)
        if len(text.encode()) <= PAYLOAD_LIMIT:
            return text
        return _text({s: ((r[0][0], r[-1][1]),) for s, r in self.ranges.items() if r})

    @classmethod
    def decode(cls, payload: str) -> Progress:
        """The progress an announcement names; anything unreadable counts as :data:`EVERYTHING`."""
        if payload == "":
            return cls()
        try:
            ranges: dict[str, Ranges] = {}
            for part in payload.split(";"):
                source, _, spans = part.partition(":")
                pairs = [span.partition("-") for span in spans.split(",")]
                ranges[source] = tuple((int(lo), int(hi or lo)) for lo, _, hi in pairs)
        except ValueError:
            return EVERYTHING
        if not all(source and _ordered(r) for source, r in ranges.items()):
            return EVERYTHING
        return cls(ranges)


EVERYTHING = Progress(everything=True)
"""Every waiting read checks the view."""

_MAX = 2**63


def _ranges(sequences: Iterable[int]) -> Ranges:
    ranges: list[tuple[int, int]] = []
    for n in sorted(set(sequences)):
        if ranges and ranges[-1][1] == n - 1:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((n, n))
    return tuple(ranges)


def _ordered(ranges: Ranges) -> bool:
    bounds = [b for r in ranges for b in r]
    return all(lo <= hi for lo, hi in ranges) and bounds == sorted(bounds)


def _text(ranges: Mapping[str, Ranges]) -> str:
    return ";".join(
        f"{source}:" + ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in spans)
        for source, spans in sorted(ranges.items())
        if spans
    )


def view_channel(qualified_table: str) -> str:
    """The channel of a view, named by its :data:`PROGRESS_TABLE` (schema-qualified, prefixed, quoted).

    One channel per view, so a rebuild's scratch tables (``rebuild_…``) or a test's
    prefixed tables wake nobody waiting on the live view.
    """
    channel = f"kim:{qualified_table}"
    if len(channel.encode()) <= CHANNEL_LIMIT:
        return channel
    return "kim:" + hashlib.sha256(channel.encode()).hexdigest()[:48]


OnCommit = Callable[[Progress], None]
"""Called for each commit of a view; must not block (it may run on the committing thread)."""


class CommitFeed(Protocol):
    """The commits of one case-history view, as an API process hears them."""

    async def follow(self, on_commit: OnCommit) -> None:
        """Call ``on_commit`` for every commit until cancelled.

        It calls ``on_commit(EVERYTHING)`` first, and again whenever it may have missed
        commits (after a reconnect), so that no waiting read misses one.
        """
        ...
