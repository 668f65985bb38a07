"""Waiting reads on PostgreSQL: the projector's commit wakes them through LISTEN/NOTIFY.

In the kobiz schema of the test session's database, on view tables under a per-test
prefix (so nothing the running stack reads is touched). What is proven here: the
check of many positions at once agrees with the check of one; the projector's
transaction announces on commit what it consumed, and a rolled-back one nothing; a
listener that lost its connection misses no commit (it announces everything when it
is back); and one API process, served by uvicorn with the pool size unchanged,
answers 200 concurrent waiting reads when the projector commits, refuses the 201st
with 503 and ``Retry-After``, and takes commands while they wait; its body limit
holds for a body streamed without a length.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.bootstrap import Container, build_container, create_app
from shared.application.reach import IndexedReach
from shared.clock import today
from shared.http.waiting import WaitingReads
from shared.identity.http import get_token_verifier
from shared.persistence.pool import make_pool
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.projection.pg_listener import PgCommitListener
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.projection.progress import EVERYTHING, PROGRESS_TABLE, Progress, view_channel
from shared.projection.records import ConsumedRecord, Pair, Withheld
from shared.service import Service
from shared.settings import get_settings
from tests.stack import eventually
from tests.support import tokens
from tests.support.projection_suite import Feed, opened
from tests.support.walk import apply, body, share_everything

pytestmark = pytest.mark.postgres

KOBIZ, INTAKE = Service.KOBIZ, Service.INTAKE


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class CountedChecks(PostgresCaseHistoryStore):
    """The PostgreSQL view, counting the checks of a position that have returned."""

    checked = 0

    def has_processed(self, source: Service, sequence: int) -> bool:
        reached = super().has_processed(source, sequence)
        self.checked += 1
        return reached


@dataclass
class View:
    store: CountedChecks
    pool: ConnectionPool[Connection[Any]]

    def listener(self, **options: Any) -> PgCommitListener:
        channel = view_channel(self.store.t(PROGRESS_TABLE).as_string())
        return PgCommitListener(get_settings(KOBIZ).pg_conninfo(), channel, **options)


@pytest.fixture
def view(infra_env: dict[str, str]) -> Iterator[View]:
    """Kobiz's view tables under a prefix of this test, created by the owner, used by the runtime role."""
    del infra_env
    settings = get_settings(KOBIZ)
    owner = make_pool(settings.as_owner().pg_conninfo(), max_size=1)
    runtime = make_pool(settings.pg_conninfo(), max_size=settings.pg_pool_size)
    owner.open(wait=True)
    runtime.open(wait=True)
    prefix = f"t{uuid4().hex[:8]}_"
    tables = PostgresCaseHistoryStore(owner, "kobiz", prefix=prefix, service=KOBIZ)
    tables.setup()
    try:
        yield View(CountedChecks(runtime, "kobiz", prefix=prefix, service=KOBIZ), runtime)
    finally:
        tables.drop()
        runtime.close()
        owner.close()


async def until(condition: Any, timeout: float = 30.0) -> None:
    """Wait (yielding to the event loop) until ``condition()`` holds, or fail at the deadline."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def openings(count: int) -> list[ConsumedRecord]:
    feed = Feed(KOBIZ)
    return [feed.record(opened(uuid4()), sequence=n) for n in range(1, count + 1)]


@pytest.mark.parametrize("backend", ["postgres", "memory"])
def test_the_check_for_many_positions_holds_exactly_where_the_check_for_one_does(view: View, backend: str) -> None:
    store = view.store if backend == "postgres" else InMemoryCaseHistoryStore(KOBIZ)
    apply(store, Feed(KOBIZ), openings(3))
    pairs: list[Pair] = [("intake", n) for n in range(1, 6)] + [("kobiz", 1)]
    assert store.processed_among(pairs) == {("intake", 1), ("intake", 2), ("intake", 3)}
    assert store.processed_among(pairs) == {p for p in pairs if store.has_processed(Service(p[0]), p[1])}
    with store.transaction() as tx:  # a consent released an event that is still to be fetched
        tx.insert_withheld([Withheld("kobiz", 9, uuid4(), None, "t.kobiz", 0, 0)])
        tx.mark_releasable([("kobiz", 9)])
    assert store.processed_among(pairs) == set() == {p for p in pairs if store.has_processed(Service(p[0]), p[1])}


@pytest.mark.anyio
async def test_a_commit_announces_what_it_consumed_and_a_rolled_back_one_nothing(view: View) -> None:
    heard: list[Progress] = []
    follower = asyncio.create_task(view.listener().follow(heard.append))
    try:
        await until(lambda: heard == [EVERYTHING])

        def rolled_back() -> None:
            with suppress(RuntimeError), view.store.transaction() as tx:
                tx.mark_processed([("intake", 99)])
                raise RuntimeError("rolled back")

        await asyncio.to_thread(rolled_back)
        records = [r for r in openings(7) if r.envelope and r.envelope.sequence in (1, 2, 3, 7)]
        await asyncio.to_thread(apply, view.store, Feed(KOBIZ), records)
        await until(lambda: len(heard) >= 2)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
    consumed: list[Pair] = [("intake", n) for n in (1, 2, 3, 7)]
    assert all(any(p.covers(pair) for p in heard[1:]) for pair in consumed)
    assert not any(p.covers(("intake", 99)) or p.covers(("intake", 5)) for p in heard[1:]), heard


@pytest.mark.anyio
async def test_a_listener_that_lost_its_connection_misses_no_commit(view: View) -> None:
    listener = view.listener(retry_s=(2.0, 2.0))
    reads = WaitingReads(view.store, max_waiters=10)
    following = asyncio.create_task(reads.run(listener))
    try:
        await until(lambda: listener.backend_pid is not None and reads.announcements >= 1)
        waiting = asyncio.create_task(reads.wait(INTAKE, 1, 30))
        await until(lambda: reads.waiting == 1 and view.store.checked == 1)  # registered, checked: not yet
        with psycopg.connect(get_settings(KOBIZ).pg_conninfo(), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (listener.backend_pid,))
        await until(lambda: listener.backend_pid is None)
        await asyncio.to_thread(apply, view.store, Feed(KOBIZ), openings(1))
        assert listener.backend_pid is None and listener.connects == 1, "committed while nobody listened"
        answer = await waiting
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)
    assert answer.reached is True and answer.waited_s < 30, "seen when the listener was back, not at the deadline"
    assert listener.connects == 2


# --- one API process ---------------------------------------------------------------------------


@dataclass
class ApiProcess:
    url: str
    api: FastAPI
    container: Container

    @property
    def reads(self) -> WaitingReads:
        reads: WaitingReads = self.api.state.waiting_reads
        return reads


@pytest.fixture
def api_process(view: View) -> Iterator[ApiProcess]:
    """Kobiz's API in uvicorn (one process, its own event loop), on the test's view tables."""
    settings = get_settings(KOBIZ).model_copy(update={"read_waiters_max": 200, "read_wait_max_s": 60})
    container = build_container(KOBIZ, settings)
    # The API reads the test's view tables through its own pool; the test's pool stands for the projector's.
    container.store = PostgresCaseHistoryStore(container.postgres, "kobiz", prefix=view.store.prefix, service=KOBIZ)
    container.reach = IndexedReach(container.app, container.reach.index, container.store.summary, today)
    container.commits = view.listener()
    api = create_app(KOBIZ, lambda: container)
    api.dependency_overrides[get_token_verifier] = tokens.verifier
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="kobiz-api", daemon=True)
    thread.start()
    try:
        eventually(lambda: server.started, 30, what="uvicorn started")
        yield ApiProcess(f"http://127.0.0.1:{port}", api, container)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
async def client(api_process: ApiProcess) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=300, max_keepalive_connections=300)
    headers = {"Authorization": f"Bearer {tokens.TEAM_LEADS[KOBIZ].token()}"}  # every case of Kobiz in reach
    async with httpx.AsyncClient(base_url=api_process.url, timeout=90, limits=limits, headers=headers) as c:
        yield c


@pytest.mark.anyio
async def test_200_waiting_reads_on_one_api_process_are_answered_on_commit_and_commands_go_on(
    api_process: ApiProcess, client: httpx.AsyncClient, view: View
) -> None:
    reads, container = api_process.reads, api_process.container
    assert container.settings.pg_pool_size == 5 and container.postgres.max_size == 5, "the pool as configured"
    await until(lambda: reads.announcements >= 1)  # the listener is connected
    feed = Feed(KOBIZ)
    cases = [uuid4() for _ in range(100)]
    records = [feed.record(e, seconds=s) for case in cases for s, e in ((0, share_everything(case)), (1, opened(case)))]
    positions = [(r.envelope.case_id, r.envelope.sequence) for r in records if r.envelope]
    assert len(positions) == 200

    async def read(case_id: UUID, sequence: int) -> httpx.Response:
        params: dict[str, str | int] = {"after": f"intake:{sequence}", "wait": 60}
        return await client.get(f"/kobiz/cases/{case_id}/history", params=params)

    waits = [asyncio.create_task(read(case_id, n)) for case_id, n in positions]
    await until(lambda: reads.waiting == 200)
    # The 201st waiting read finds no place; a read that need not wait still answers.
    refused = await client.get(f"/kobiz/cases/{cases[0]}/history", params={"after": "intake:999", "wait": 60})
    assert (refused.status_code, refused.headers["retry-after"]) == (503, "1"), refused.text
    assert refused.json()["error"] == "WaitingReadsExhaustedError"
    assert (await client.get("/kobiz/cases", params={"limit": 1})).status_code == 200
    # Commands go on while 200 reads wait: none is held up by them.
    opened_files = await asyncio.gather(
        *(client.post("/kobiz/files", json=body("open_file", KOBIZ)) for _ in range(20))
    )
    assert [r.status_code for r in opened_files] == [201] * 20, [r.text for r in opened_files if r.status_code != 201]
    assert reads.waiting == 200 and not any(w.done() for w in waits)

    checks = reads.checks
    await asyncio.to_thread(apply, view.store, feed, records)  # the projector's commit
    answers = await asyncio.gather(*waits)
    assert [a.status_code for a in answers] == [200] * 200, [a.text for a in answers if a.status_code != 200][:3]
    states = [a.json()["projection"] for a in answers]
    assert all(s["reached"] for s in states)
    assert all(s["waited_s"] < 60 for s in states), "woken by the commit, not by the deadline"
    assert 1 <= reads.checks - checks <= 2, "one check of the view for all of them (two if the commit was split)"
    assert reads.waiting == 0


@pytest.mark.anyio
async def test_a_body_streamed_without_a_length_is_limited_too(
    api_process: ApiProcess, client: httpx.AsyncClient
) -> None:
    limit = api_process.container.http_body_max_bytes

    async def streamed() -> AsyncIterator[bytes]:
        yield b'{"padding": "'
        for _ in range(limit // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post("/kobiz/files", content=streamed(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "RequestBodyTooLargeError"
