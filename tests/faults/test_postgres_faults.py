"""PostgreSQL stopped with ``-m immediate`` during writes; a long transaction holding the events table's lock.

PostgreSQL is shared by the whole machine: it is started again in ``finally``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import psycopg
import pytest

from services.runner import ProcessKind
from shared.service import Service
from shared.settings import get_settings
from tests.faults import chaos
from tests.faults.checker import Report
from tests.faults.conftest import note, rounds_of
from tests.faults.load import Ledger, Load, Sent, send
from tests.samples import SAMPLES
from tests.stack import Stack, eventually

pytestmark = [pytest.mark.faults]

DOWN_S = 2.0
"""Fault duration: how long PostgreSQL stays down before it is started again."""
LOCK_TIMEOUT_MS = 2000
"""The intake API under test waits at most this long for the events table's lock (default 5000)."""
HOLD_S = LOCK_TIMEOUT_MS / 1000 + 4
"""Fault duration: how long the long transaction holds the lock (well beyond the lock timeout)."""
ANSWER_BOUND_S = LOCK_TIMEOUT_MS / 1000 + 3
"""A blocked command must have answered within this long: the lock timeout plus some slack."""


@pytest.mark.timeout(240 + 60 * rounds_of("postgres_stop"))
def test_postgres_stopped_immediately_during_writes_acknowledged_commands_survive_retries_are_safe(
    live_stack: Stack,
    make_load: Callable[..., Load],
    verify: Callable[..., Report],
    seed: int,
) -> None:
    rounds = rounds_of("postgres_stop")
    stack = live_stack
    rng = random.Random(f"{seed}-postgres")  # noqa: S311
    outages: list[tuple[float, float]] = []
    with make_load() as load:
        load.wait_acknowledged(5)
        for _ in range(rounds):
            load.wait_acknowledged(rng.randint(3, 15))
            stopped = time.monotonic()
            try:
                chaos.pg_stop_immediate()
                time.sleep(DOWN_S)  # the fault's duration
            finally:
                chaos.pg_start(stack)
            back = time.monotonic()
            chaos.wait_all_healthy(stack)
            outages.append((back - stopped, time.monotonic() - back))
        load.wait_acknowledged(10)
    summary = load.summary()
    report = verify(load)
    assert summary["by_retry"] > 0, "no command was in flight during the outages: nothing was tested"
    note(
        f"[faults] postgres stop -m immediate: {rounds} outages; (database back after, services healthy again "
        f"after) = {[(round(a, 1), round(b, 1)) for a, b in outages]} s; {summary['by_retry']} commands "
        f"acknowledged only after retries with the same "
        f"Idempotency-Key ({summary['found_stored_on_retry']} of them had been stored before the outage cut the "
        f"answer off), {summary['rejected']} failed wrongly, duplicate commands {report.duplicate_commands}"
    )


@pytest.mark.timeout(240 + 40 * rounds_of("lock"))
def test_a_long_transaction_holding_the_events_lock_gets_a_retryable_503_in_bounded_time(
    live_stack: Stack,
    make_load: Callable[..., Load],
    verify: Callable[..., Report],
    ledger: Ledger,
    cases: list[str],
) -> None:
    rounds = rounds_of("lock")
    stack = live_stack
    env = {"KIM_INTAKE_PG_LOCK_TIMEOUT_MS": str(LOCK_TIMEOUT_MS)}
    answers: list[str] = []
    try:
        chaos.restart(stack, Service.INTAKE, ProcessKind.API, env)
        with make_load() as load, stack.client(Service.INTAKE) as client:
            for i in range(rounds):
                load.wait_acknowledged(3, Service.INTAKE)
                probe = Sent(
                    Service.INTAKE,
                    "receive_referral",
                    f"/intake/cases/{cases[i % len(cases)]}/referrals",
                    SAMPLES["receive_referral"],
                    f"lock-probe-{load.run_id}-{i}",
                    cases[i % len(cases)],
                )
                ledger.add(probe)
                with psycopg.connect(get_settings(Service.INTAKE).pg_conninfo()) as holder:
                    holder.execute("LOCK TABLE intake.intake_events IN EXCLUSIVE MODE")
                    locked = time.monotonic()
                    started = time.monotonic()
                    response = client.post(probe.path, json=probe.body, headers={"Idempotency-Key": probe.key})
                    answered = time.monotonic() - started
                    probe.attempts, probe.status = 1, response.status_code
                    assert response.status_code == 503, response.text
                    assert response.headers.get("Retry-After"), response.headers
                    assert answered <= ANSWER_BOUND_S, f"a blocked command took {answered:.1f}s to answer"
                    assert answered >= LOCK_TIMEOUT_MS / 1000 * 0.8, f"answered after {answered:.2f}s: no lock wait?"
                    waiting = _lock_waiters(stack)
                    time.sleep(max(0.0, HOLD_S - (time.monotonic() - locked)))  # the fault's duration
                    holder.rollback()
                released = time.monotonic()
                # Released: the same command (same key) succeeds, once, and nothing waits on a lock any more.
                send(client, probe, threading.Event())
                assert probe.acknowledged and not probe.duplicate, probe
                after = time.monotonic() - released
                eventually(lambda: _lock_waiters(stack) == 0, 30, 0.1, what="no session waiting on a lock")
                answers.append(
                    f"503 after {answered:.2f}s (Retry-After {response.headers['Retry-After']}), "
                    f"{waiting} sessions waiting while held; retry stored {after:.2f}s after release"
                )
        summary = load.summary()
        verify(load)
    finally:
        chaos.restart(stack, Service.INTAKE, ProcessKind.API)
    for line in answers:
        note(f"[faults] events table locked {HOLD_S:.0f}s (lock timeout {LOCK_TIMEOUT_MS} ms): {line}")
    note(
        f"[faults] lock: the load's intake commands got {summary['failed_attempts']} 503s/errors and were all "
        f"acknowledged after the release ({summary['not_acknowledged']} never acknowledged)"
    )


def _lock_waiters(stack: Stack) -> int:
    """Sessions of this database waiting for a lock (a deadlock would leave some waiting)."""
    with stack.pg(Service.INTAKE) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0
