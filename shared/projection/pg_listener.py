"""The commits of a PostgreSQL case-history view, heard on one LISTEN connection per API process.

The projector's transaction sends a NOTIFY on the view's channel when it commits
(:mod:`shared.projection.pg_transaction`). This listener holds one connection of its
own, outside the service's pool, and hands each announcement to the API's waiting
reads (:mod:`shared.http.waiting`). A NOTIFY sent while the connection is down is
lost; so after every (re)connect the listener announces
:data:`~shared.projection.progress.EVERYTHING`, and each waiting read checks the view
once more at its deadline whatever it heard.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
from psycopg import sql

from shared.projection.progress import EVERYTHING, OnCommit, Progress

log = logging.getLogger(__name__)


class PgCommitListener:
    """A :class:`~shared.projection.progress.CommitFeed` on PostgreSQL LISTEN/NOTIFY."""

    def __init__(
        self,
        conninfo: str,
        channel: str,
        *,
        check_interval_s: float = 30.0,
        retry_s: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.check_interval_s = check_interval_s
        """How long the connection may stay silent before a query checks that it is still there."""
        self.retry_s = retry_s
        """The first and the longest pause before connecting again."""
        self.backend_pid: int | None = None
        """The server process of the current connection (None: not connected)."""
        self.connects = 0
        """How often a connection was established (operators, tests)."""

    async def follow(self, on_commit: OnCommit) -> None:
        """Hand every announcement on the channel to ``on_commit`` until cancelled, reconnecting as needed."""
        first, longest = self.retry_s
        pause = first
        while True:
            connects = self.connects
            try:
                await self._listen(on_commit)
            except (psycopg.Error, OSError) as exc:
                pause = first if self.connects > connects else min(pause * 2, longest)
                log.warning(
                    "the commit listener of %s lost its connection (%s); reconnecting in %.1fs",
                    self.channel,
                    type(exc).__name__,
                    pause,
                )
            finally:
                self.backend_pid = None
            await asyncio.sleep(pause)

    async def _listen(self, on_commit: OnCommit) -> None:
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self.backend_pid = conn.info.backend_pid
            self.connects += 1
            # Commits made while no connection listened were not heard: every waiting read checks.
            on_commit(EVERYTHING)
            while True:
                async for notice in conn.notifies(timeout=self.check_interval_s):
                    on_commit(Progress.decode(notice.payload))
                await conn.execute("SELECT 1")  # a connection lost without a word fails here
