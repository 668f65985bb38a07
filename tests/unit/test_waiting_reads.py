"""Waiting reads (``after``/``wait``) in one API process, on the in-memory view.

What is proven here: a commit wakes every read waiting for a position it consumed,
with one check of the view for all of them; reads beyond the bound are refused while
a read of a position already reached needs no place; a commit whose announcement is
lost is seen at the read's deadline, and one before the read registered at once;
announcements keep their meaning through their text form. The same registry on
PostgreSQL (NOTIFY, a listener that loses its connection) is proven in
tests/integration/test_waiting_reads_postgres.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import pytest

from shared.http.errors import WaitingReadsExhaustedError
from shared.http.schemas import ProjectionState
from shared.http.waiting import WaitingReads
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.projection.progress import CHANNEL_LIMIT, EVERYTHING, PAYLOAD_LIMIT, CommitFeed, OnCommit, Progress
from shared.projection.progress import view_channel as channel_of
from shared.service import Service
from tests.support.projection_suite import Feed, opened
from tests.support.walk import apply

pytestmark = pytest.mark.anyio

INTAKE = Service.INTAKE


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Deaf:
    """A feed that hears no commit at all: every announcement is lost."""

    async def follow(self, on_commit: OnCommit) -> None:
        del on_commit
        await asyncio.Event().wait()


@asynccontextmanager
async def running(reads: WaitingReads, feed: CommitFeed) -> AsyncIterator[WaitingReads]:
    """The registry following ``feed`` (once it heard the feed's first announcement, if the feed makes any)."""
    task = asyncio.create_task(reads.run(feed))
    try:
        if not isinstance(feed, Deaf):
            await until(lambda: reads.announcements >= 1)
        yield reads
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def until(condition: object, timeout: float = 10.0) -> None:
    """Wait, without sleeping a fixed time, until ``condition()`` holds (or fail at the deadline)."""
    assert callable(condition)
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0)


class CountedChecks(InMemoryCaseHistoryStore):
    """The in-memory view, counting the checks of a position that have returned."""

    checked = 0

    def has_processed(self, source: Service, sequence: int) -> bool:
        reached = super().has_processed(source, sequence)
        self.checked += 1
        return reached


def commit_openings(store: InMemoryCaseHistoryStore, feed: Feed, count: int) -> None:
    """One projector batch consuming intake:1..count (each the opening of a case of its own)."""
    apply(store, feed, [feed.record(opened(uuid4()), sequence=n) for n in range(1, count + 1)])


async def test_a_commit_wakes_every_read_waiting_for_what_it_consumed_with_one_check_of_the_view() -> None:
    store = CountedChecks(Service.KOBIZ)
    async with running(WaitingReads(store, max_waiters=250), store) as reads:
        waits = [asyncio.create_task(reads.wait(INTAKE, n, 30)) for n in range(1, 201)]
        await until(lambda: reads.waiting == 200 and store.checked == 200)
        checks = reads.checks
        commit_openings(store, Feed(Service.KOBIZ), 200)
        answers: list[ProjectionState] = await asyncio.gather(*waits)
    assert all(a.reached for a in answers)
    assert all(a.waited_s < 30 for a in answers), "woken by the commit, not by the deadline"
    assert reads.checks == checks + 1, "one check of the view for all 200"
    assert reads.waiting == 0


async def test_a_commit_wakes_only_the_reads_it_concerns() -> None:
    store = InMemoryCaseHistoryStore(Service.KOBIZ)
    async with running(WaitingReads(store, max_waiters=10), store) as reads:
        consumed = asyncio.create_task(reads.wait(INTAKE, 1, 30))
        later = asyncio.create_task(reads.wait(INTAKE, 5, 0.2))
        await until(lambda: reads.waiting == 2)
        commit_openings(store, Feed(Service.KOBIZ), 1)
        assert (await consumed).reached
        assert not (await later).reached


async def test_beyond_the_bound_a_read_is_refused_but_a_read_of_a_reached_position_needs_no_place() -> None:
    store = InMemoryCaseHistoryStore(Service.KOBIZ)
    commit_openings(store, Feed(Service.KOBIZ), 1)  # intake:1 is reached
    async with running(WaitingReads(store, max_waiters=3), store) as reads:
        waits = [asyncio.create_task(reads.wait(INTAKE, n, 30)) for n in (2, 3, 4)]
        await until(lambda: reads.waiting == 3)
        with pytest.raises(WaitingReadsExhaustedError):
            await reads.wait(INTAKE, 5, 30)
        assert (await reads.wait(INTAKE, 1, 30)).reached
        assert not (await reads.wait(INTAKE, 5, 0)).reached  # not waiting: no place needed
        apply(store, Feed(Service.KOBIZ), [Feed(Service.KOBIZ).record(opened(uuid4()), sequence=n) for n in (2, 3, 4)])
        assert all(a.reached for a in await asyncio.gather(*waits))
        assert reads.waiting == 0
        assert (await reads.wait(INTAKE, 5, 0.01)).reached is False  # places are free again


async def test_a_commit_whose_announcement_was_lost_is_seen_at_the_deadline() -> None:
    store = CountedChecks(Service.KOBIZ)
    async with running(WaitingReads(store, max_waiters=10), Deaf()) as reads:
        waiting = asyncio.create_task(reads.wait(INTAKE, 1, 0.3))
        await until(lambda: reads.waiting == 1 and store.checked == 1)  # registered, checked: not yet
        commit_openings(store, Feed(Service.KOBIZ), 1)
        answer = await waiting
    assert answer.reached is True and answer.waited_s >= 0.3
    assert reads.checks == 0, "nothing was announced"


async def test_a_commit_before_the_read_is_seen_at_once_even_if_nothing_is_announced() -> None:
    store = InMemoryCaseHistoryStore(Service.KOBIZ)
    commit_openings(store, Feed(Service.KOBIZ), 1)
    async with running(WaitingReads(store, max_waiters=10), Deaf()) as reads:
        answer = await reads.wait(INTAKE, 1, 30)
    assert answer.reached is True and answer.waited_s < 30


async def test_waiting_reads_are_released_when_the_process_stops() -> None:
    store = InMemoryCaseHistoryStore(Service.KOBIZ)
    reads = WaitingReads(store, max_waiters=10)
    async with running(reads, store):
        waiting = asyncio.create_task(reads.wait(INTAKE, 1, 30))
        await until(lambda: reads.waiting == 1)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert reads.waiting == 0
    reads.committed(EVERYTHING)  # after the stop an announcement goes nowhere, and breaks nothing


def test_an_announcement_keeps_its_meaning_through_its_text() -> None:
    progress = Progress.of([("intake", 3), ("intake", 1), ("intake", 2), ("intake", 7), ("kobiz", 5)])
    assert progress.encode() == "intake:1-3,7;kobiz:5"
    decoded = Progress.decode(progress.encode())
    assert decoded == progress
    covered = {("intake", n) for n in (1, 2, 3, 7)} | {("kobiz", 5)}
    for pair in [*covered, ("intake", 4), ("intake", 8), ("kobiz", 4), ("foreign_office", 1)]:
        assert decoded.covers(pair) is (pair in covered), pair
    assert Progress.decode("*") == EVERYTHING and EVERYTHING.covers(("intake", 1))
    for unreadable in ("intake", "intake:x", "intake:5-1", "intake:3,1", ":1", "intake:1;;"):
        assert Progress.decode(unreadable) == EVERYTHING, unreadable
    assert Progress.decode("") == Progress() and not Progress().covers(("intake", 1))


def test_an_announcement_too_long_for_a_notify_is_coarsened_never_truncated() -> None:
    pairs = [("intake", n) for n in range(1, 20_000, 2)] + [("kobiz", 10), ("kobiz", 90)]
    text = Progress.of(pairs).encode()
    assert len(text.encode()) <= PAYLOAD_LIMIT
    coarse = Progress.decode(text)
    assert all(coarse.covers(p) for p in pairs), "it may say more, never less"


def test_every_view_has_a_channel_of_its_own_within_postgres_limits() -> None:
    names = [
        f'"{schema}"."{prefix}processed_events"'
        for schema in ("kobiz", "foreign_office")
        for prefix in ("", "rebuild_", "rebuild_t1234567890abcdef_")
    ]
    channels = [channel_of(n) for n in names]
    assert len(set(channels)) == len(names)
    assert all(len(c.encode()) <= CHANNEL_LIMIT for c in channels)
