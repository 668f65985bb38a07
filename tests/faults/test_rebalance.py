"""A consumer-group rebalance while records flow: a second projector joins the group, then one leaves.

The second projector is a process of its own (same service, same group). Rounds
alternate how one of them goes: a clean stop (SIGTERM: the member leaves the group
at once) or a SIGKILL of the first (the broker notices after the session timeout,
while the survivor carries on), so partitions move while batches are being
applied. The checker then finds no loss and no duplicate effect.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from services.runner import ProcessKind
from shared.bus.kafka import make_admin
from shared.service import Service
from shared.settings import REPO_ROOT, get_settings
from tests.faults import chaos
from tests.faults.checker import Report
from tests.faults.conftest import note, rounds_of
from tests.faults.load import Load
from tests.stack import Stack, eventually

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240 + 90 * rounds_of("rebalance"))]

FENCED = "stored offsets moved; resuming from them"


def assignment(stack: Stack, service: Service) -> list[int]:
    """Partitions per member of the service's projection group (only when the group is stable)."""
    group = get_settings(service).projection_group
    admin = make_admin(stack.infra_settings.kafka_bootstrap, client_id="kim-fault-group", timeout_ms=5000)
    try:
        info: dict[str, Any] = admin.describe_groups([group])[group]
    finally:
        admin.close()
    if info.get("group_state") != "Stable":
        return []
    return sorted(
        sum(len(t["partitions"]) for t in (m.get("member_assignment") or {}).get("assigned_partitions", []))
        for m in info["members"]
    )


def wait_members(stack: Stack, service: Service, n: int) -> list[int]:
    """Wait until the group is stable with ``n`` members that together own every partition, each some."""
    total = 3 * stack.infra_settings.topic_partitions

    def balanced() -> list[int] | None:
        parts = assignment(stack, service)
        return parts if len(parts) == n and sum(parts) == total and min(parts) > 0 else None

    return eventually(balanced, chaos.RECOVERY_S, 0.25, what=f"{service.value} projection group with {n} members")


@contextmanager
def second_projector(stack: Stack, service: Service, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Another projector process of the same service (same consumer group)."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", service.value, "projector"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**stack.env, f"KIM_{service.value.upper()}_PROJECTOR_BATCH_SIZE": "20"},
            cwd=REPO_ROOT,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def test_a_rebalance_in_the_middle_of_batches_loses_and_doubles_nothing(
    live_stack: Stack,
    make_load: Callable[..., Load],
    verify: Callable[..., Report],
    seed: int,
) -> None:
    rounds = rounds_of("rebalance")
    stack = live_stack
    rng = random.Random(f"{seed}-rebalance")  # noqa: S311
    steps: list[str] = []
    logs: dict[Service, list[Path]] = {}
    with make_load() as load:
        load.wait_acknowledged(5)
        for i in range(rounds):
            service = rng.choice(list(Service))
            first_log = chaos.LogWatch.of(stack, service, ProcessKind.PROJECTOR)
            second_log = stack.run_dir / "logs" / f"{service.slug}-projector-2.log"
            logs.setdefault(service, [first_log.path, second_log])
            with second_projector(stack, service, second_log) as second:
                joined = wait_members(stack, service, 2)
                load.wait_acknowledged(rng.randint(5, 20))  # both consume while commands flow
                if i % 2 == 0:
                    second.send_signal(signal.SIGTERM)  # leaves the group cleanly
                    second.wait(60)
                    after = wait_members(stack, service, 1)
                    steps.append(f"{service.value}: second projector joined {joined}, left cleanly -> {after}")
                else:
                    stack.kill(service, ProcessKind.PROJECTOR)  # the first dies mid-batch; the second takes over
                    survivor = wait_members(stack, service, 1)
                    load.wait_acknowledged(5)
                    chaos.start(stack, service, ProcessKind.PROJECTOR)
                    rejoined = wait_members(stack, service, 2)
                    second.send_signal(signal.SIGTERM)
                    second.wait(60)
                    after = wait_members(stack, service, 1)
                    steps.append(
                        f"{service.value}: joined {joined}, first SIGKILLed -> {survivor}, "
                        f"restarted {rejoined}, second left -> {after}"
                    )
                assert second.returncode == 0, f"the second projector did not stop cleanly ({second.returncode})"
        load.wait_acknowledged(5)
    report = verify(load)
    fenced = sum(p.read_text(errors="replace").count(FENCED) for paths in logs.values() for p in paths if p.exists())
    for step in steps:
        note(f"[faults] rebalance: {step}")
    note(
        f"[faults] rebalance: {rounds} rounds, offset fencing stopped a stale batch {fenced} times; "
        f"Kafka duplicates so far {report.kafka_duplicates}"
    )
