"""Reading your own write: wait, bounded, until this service's view has consumed a position.

A waiting read holds neither a thread nor a database connection while it waits. It
is an asyncio event in the API process's registry (:class:`WaitingReads`), which
follows the view's commits (:class:`~shared.projection.progress.CommitFeed`: the
projector's NOTIFY on PostgreSQL, a call in memory). When a commit announces a
position that reads wait for, one query asks the view which of them it now holds, and
those reads answer. The registry takes at most ``KIM_<SERVICE>_READ_WAITERS_MAX``
waiting reads; one more answers 503 with ``Retry-After``.

No commit goes unseen, even one whose announcement was lost: a read checks the view
after it registered (so a commit before that is seen), the feed announces
"everything" after each reconnect, and at its deadline a read checks once more.
"""

from __future__ import annotations

import asyncio
import logging
import time

import anyio.to_thread
from fastapi import HTTPException

from shared.http.errors import WaitingReadsExhaustedError
from shared.http.schemas import ProjectionState
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.progress import EVERYTHING, CommitFeed, Progress
from shared.projection.records import Pair
from shared.service import Service

log = logging.getLogger(__name__)

POSITION_PATTERN = "^(" + "|".join(sorted({s.value for s in Service} | {s.slug for s in Service})) + r"):\d{1,18}$"
"""``<service>:<notification id>``, as a command answers it in ``position.token``."""
NOTICES_KEPT = 1000
"""Announcements kept between two checks of the view; beyond, they merge into one of everything."""


def parse_position(token: str) -> tuple[Service, int]:
    """Parse ``<service>:<notification id>``."""
    service, _, number = token.partition(":")
    try:
        return Service(service.replace("-", "_")), int(number)
    except ValueError:
        raise HTTPException(
            422,
            detail=[{"loc": ["query", "after"], "msg": "expected <service>:<notification id>", "type": "value_error"}],
        ) from None


class WaitingReads:
    """The reads of one API process that wait for positions of its view, at most ``max_waiters`` at once."""

    def __init__(self, store: CaseHistoryStore, max_waiters: int) -> None:
        self.store = store
        self.max_waiters = max_waiters
        self._waiters: dict[Pair, list[asyncio.Event]] = {}
        self._count = 0
        self._notices: list[Progress] = []
        self._noticed = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.announcements = 0
        """Announcements of commits heard (operators, tests)."""
        self.checks = 0
        """Checks of the view made for announced commits (operators, tests)."""

    @property
    def waiting(self) -> int:
        """Reads waiting now."""
        return self._count

    async def run(self, feed: CommitFeed) -> None:
        """Follow the view's commits and wake the reads they concern, until cancelled."""
        self._loop = asyncio.get_running_loop()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(feed.follow(self.committed))
                group.create_task(self._wake())
        except Exception:
            log.exception("following the view's commits failed; waiting reads answer at their deadline")
        finally:
            self._loop = None

    def committed(self, progress: Progress) -> None:
        """A commit of the view (called from any thread)."""
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._notice, progress)
        except RuntimeError:  # the event loop closed: the process is stopping
            return

    async def wait(self, source: Service, sequence: int, wait_s: float) -> ProjectionState:
        """Wait at most ``wait_s`` until the view has consumed (source, sequence)."""
        started = time.monotonic()
        pair = (source.value, sequence)

        def state(reached: bool) -> ProjectionState:
            return ProjectionState(reached=reached, waited_s=round(time.monotonic() - started, 3))

        if wait_s <= 0:
            return state(await self._reached(pair))
        event = self._register(pair)
        if event is None:
            if await self._reached(pair):  # nothing to wait for: no place needed
                return state(True)
            raise WaitingReadsExhaustedError
        try:
            if await self._reached(pair):  # registered first: a commit after this check is announced to it
                return state(True)
            try:
                async with asyncio.timeout(max(0.0, started + wait_s - time.monotonic())):
                    await event.wait()
                return state(True)
            except TimeoutError:
                # The deadline: a commit whose announcement was lost is seen here.
                return state(await self._reached(pair))
        finally:
            self._unregister(pair, event)

    # --- the registry ---------------------------------------------------------------

    def _register(self, pair: Pair) -> asyncio.Event | None:
        if self._count >= self.max_waiters:
            return None
        event = asyncio.Event()
        self._waiters.setdefault(pair, []).append(event)
        self._count += 1
        return event

    def _unregister(self, pair: Pair, event: asyncio.Event) -> None:
        events = self._waiters.get(pair, [])
        events.remove(event)
        if not events:
            del self._waiters[pair]
        self._count -= 1

    async def _reached(self, pair: Pair) -> bool:
        return await anyio.to_thread.run_sync(self.store.has_processed, Service(pair[0]), pair[1])

    # --- commits ------------------------------------------------------------------------

    def _notice(self, progress: Progress) -> None:
        self.announcements += 1
        self._notices.append(progress)
        if len(self._notices) > NOTICES_KEPT:
            self._notices = [EVERYTHING]
        self._noticed.set()

    async def _wake(self) -> None:
        while True:
            await self._noticed.wait()
            self._noticed.clear()
            notices, self._notices = self._notices, []
            candidates = [pair for pair in self._waiters if any(n.covers(pair) for n in notices)]
            if not candidates:
                continue
            self.checks += 1
            try:
                reached = await anyio.to_thread.run_sync(self.store.processed_among, candidates)
            except Exception as exc:  # noqa: BLE001 - the reads check again at their deadline
                log.warning("checking the view for waiting reads failed (%s)", type(exc).__name__)
                continue
            for pair in reached:
                for event in self._waiters.get(pair, []):
                    event.set()
