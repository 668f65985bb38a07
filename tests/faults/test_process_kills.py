"""SIGKILL of each process kind at random moments under a steady load of commands.

The victim's service is chosen at random each round, the moment is a random number
of further acknowledged commands; after each kill the process is started again, as
a supervisor would. The independent checker then compares every event store, topic
and projection with what the APIs acknowledged.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import pytest

from services.runner import ProcessKind
from shared.service import Service
from tests.faults import chaos
from tests.faults.checker import Report
from tests.faults.conftest import note, rounds_of
from tests.faults.load import Load
from tests.stack import Stack

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240 + 30 * rounds_of("sigkill"))]


@pytest.mark.parametrize("kind", list(ProcessKind), ids=lambda k: k.value)
def test_sigkill_at_random_moments_loses_and_doubles_nothing(
    kind: ProcessKind,
    live_stack: Stack,
    make_load: Callable[..., Load],
    verify: Callable[..., Report],
    seed: int,
) -> None:
    rounds = rounds_of("sigkill")
    stack = live_stack
    rng = random.Random(f"{seed}-{kind.value}")  # noqa: S311 - a test's random moments
    victims: Counter[str] = Counter()
    with make_load() as load:
        load.wait_acknowledged(5)
        for _ in range(rounds):
            service = rng.choice(list(Service))
            load.wait_acknowledged(rng.randint(1, 12))  # a random moment of the load
            chaos.kill_and_restart(stack, service, kind)
            victims[service.value] += 1
        load.wait_acknowledged(5)
    report = verify(load)
    note(
        f"[faults] SIGKILL {kind.value}: {sum(victims.values())} kills {dict(victims)}; "
        f"Kafka duplicates so far {report.kafka_duplicates}"
    )
