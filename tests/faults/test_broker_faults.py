"""The Kafka broker killed during production, and paused for longer than the relay's delivery timeout.

Kafka is shared by the whole machine: it is restarted (or resumed) in ``finally``.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from functools import partial

import pytest

from services.runner import ProcessKind
from shared.service import Service
from tests.faults import chaos
from tests.faults.checker import Report
from tests.faults.conftest import note, rounds_of
from tests.faults.load import Load
from tests.pipeline.helpers import max_notification_id, relay_position
from tests.stack import Stack, eventually

pytestmark = [pytest.mark.faults]

DELIVERY_TIMEOUT_MS = 3000
"""The relay under test gives up on an unacknowledged batch after this long (default 30 s)."""
PAUSE_S = 2.5 * DELIVERY_TIMEOUT_MS / 1000 + 1
"""Fault duration: the broker stays paused well beyond the delivery timeout (and the flush wait)."""
IN_FLIGHT_GRACE_S = 1.0
"""Acknowledgements the broker sent just before it was stopped may still arrive this long."""


@pytest.mark.timeout(240 + 90 * rounds_of("broker_kill"))
def test_broker_sigkilled_and_restarted_during_production(
    live_stack: Stack,
    make_load: Callable[..., Load],
    verify: Callable[..., Report],
    seed: int,
) -> None:
    rounds = rounds_of("broker_kill")
    stack = live_stack
    rng = random.Random(f"{seed}-broker-kill")  # noqa: S311
    downtime: list[tuple[float, float]] = []
    with make_load() as load:
        load.wait_acknowledged(5)
        for _ in range(rounds):
            load.wait_acknowledged(rng.randint(3, 15))
            killed = time.monotonic()
            try:
                chaos.kill_kafka(stack)
            finally:
                chaos.start_kafka(stack)
            back = time.monotonic()
            # The relays and projectors reconnect by themselves; commands never stopped.
            chaos.wait_all_healthy(stack)
            downtime.append((back - killed, time.monotonic() - back))
        load.wait_acknowledged(5)
    report = verify(load, timeout=180)
    note(
        f"[faults] broker SIGKILL: {rounds} kills; (broker back after, services healthy again after) = "
        f"{[(round(a, 1), round(b, 1)) for a, b in downtime]} s; Kafka duplicates so far {report.kafka_duplicates}"
    )


@pytest.mark.timeout(240 + 60 * rounds_of("broker_pause"))
def test_broker_paused_longer_than_the_delivery_timeout_the_relay_holds_its_position_and_recovers(
    live_stack: Stack,
    make_load: Callable[..., Load],
    verify: Callable[..., Report],
    seed: int,
) -> None:
    rounds = rounds_of("broker_pause")
    stack = live_stack
    rng = random.Random(f"{seed}-broker-pause")  # noqa: S311
    held: list[str] = []
    with make_load() as load:
        for _ in range(rounds):
            service = rng.choice(list(Service))
            env = {f"KIM_{service.value.upper()}_RELAY_DELIVERY_TIMEOUT_MS": str(DELIVERY_TIMEOUT_MS)}
            watch = chaos.LogWatch.of(stack, service, ProcessKind.RELAY)
            try:
                relay_pid = chaos.restart(stack, service, ProcessKind.RELAY, env)
                load.wait_acknowledged(3, service)
                stored = max_notification_id(stack, service)
                eventually(
                    partial(relay_reached, stack, service, stored),
                    60,
                    0.1,
                    what=f"{service.value} relay caught up before the pause",
                )
                broker = chaos.kafka_pid(stack)
                os.kill(broker, signal.SIGSTOP)
                try:
                    paused = time.monotonic()
                    positions: list[tuple[float, int, int]] = []
                    while (elapsed := time.monotonic() - paused) < PAUSE_S:  # the fault's duration
                        positions.append((elapsed, relay_position(stack, service), max_notification_id(stack, service)))
                        time.sleep(0.25)
                finally:
                    os.kill(broker, signal.SIGCONT)
                resumed = time.monotonic()
                settled = [p for t, p, _ in positions if t >= IN_FLIGHT_GRACE_S]
                stored_meanwhile = positions[-1][2] - positions[0][2]
                assert len(set(settled)) == 1, f"the relay advanced while the broker was paused: {positions}"
                assert positions[-1][2] > settled[0], "no command was stored while the broker was paused"
                # It recovers by itself: same process, producer re-created, caught up.
                eventually(
                    partial(relay_reached, stack, service, positions[-1][2]),
                    chaos.RECOVERY_S,
                    0.1,
                    what=f"{service.value} relay caught up after the pause",
                )
                caught_up = time.monotonic() - resumed
                assert stack.pid(service, ProcessKind.RELAY) == relay_pid, "the relay had to be restarted"
                log = watch.new()
                assert "delivery failed" in log, f"the relay never noticed the paused broker:\n{log[-3000:]}"
                held.append(
                    f"{service.value} held {settled[0]} for {PAUSE_S - IN_FLIGHT_GRACE_S:.1f}s while "
                    f"{stored_meanwhile} events were stored, {log.count('delivery failed')} failed "
                    f"deliveries, caught up {caught_up:.1f}s after SIGCONT"
                )
            finally:
                chaos.restart(stack, service, ProcessKind.RELAY)  # back to the normal settings
            chaos.wait_all_healthy(stack)
    verify(load)
    for line in held:
        note(f"[faults] broker paused {PAUSE_S:.1f}s (delivery timeout {DELIVERY_TIMEOUT_MS} ms): {line}")


def relay_reached(stack: Stack, service: Service, end: int) -> bool:
    """The relay's position reached notification id ``end``."""
    return relay_position(stack, service) >= end
