"""Fixtures of the fault-injection suite (its own pytest session: see README.md)."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator

import pytest

from shared.service import Service
from shared.settings import InfraSettings
from tests.faults.checker import Checker, Report
from tests.faults.load import Ledger, Load
from tests.pipeline.helpers import file_of, open_case, wait_reached
from tests.stack import Stack, infra

CI_ROUNDS = {
    "sigkill": 2,  # per process kind
    "broker_kill": 1,  # a broker restart takes ~30 s on a busy 2-core machine
    "broker_pause": 1,
    "postgres_stop": 1,
    "lock": 2,
    "poison": 2,  # per poison kind
    "rebalance": 2,
}
"""How often each fault is injected in the CI subset; ``KIM_FAULT_ROUNDS=n`` makes it n for every fault."""
RESULTS: list[str] = []
"""Every line the checker and the loads printed, repeated at the end of the session."""


def rounds_setting() -> int:
    """The largest number of rounds any fault gets in this run (for the tests' time limits)."""
    return rounds_of(max(CI_ROUNDS, key=lambda k: CI_ROUNDS[k]))


def rounds_of(fault: str) -> int:
    explicit = os.environ.get("KIM_FAULT_ROUNDS")
    return max(1, int(explicit)) if explicit else CI_ROUNDS[fault]


@pytest.fixture(scope="session", autouse=True)
def infrastructure_restored() -> Iterator[None]:
    """PostgreSQL and Kafka are shared by the whole machine: whatever happens, leave them running."""
    yield
    result = infra("start", env=dict(os.environ))
    if result.returncode != 0:
        print(f"[faults] could not restart the infrastructure:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def seed() -> int:
    value = int(os.environ.get("KIM_FAULT_SEED", str(random.SystemRandom().randrange(10**6))))
    RESULTS.append(f"[faults] random seed {value} (KIM_FAULT_SEED={value} repeats the choices)")
    return value


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture(scope="session")
def checker(stack: Stack) -> Iterator[Checker]:
    c = Checker(InfraSettings())
    yield c
    c.close()


@pytest.fixture(scope="session")
def cases(stack: Stack) -> list[str]:
    """Open cases with a consent naming every department, known to all three projections."""
    opened = [open_case(stack) for _ in range(6)]
    for case_id, token in opened:
        for service in Service:
            wait_reached(stack, service, case_id, [token], timeout=120)
        for department in (Service.FOREIGN_OFFICE, Service.KOBIZ):
            file_of(stack, department, case_id)  # each department's own file on the person, linked
    return [case_id for case_id, _ in opened]


@pytest.fixture
def make_load(
    live_stack: Stack, ledger: Ledger, cases: list[str], seed: int, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Load]]:
    loads: list[Load] = []

    def make(rate_per_service: float = 5.0) -> Load:
        load = Load(
            live_stack,
            ledger,
            cases,
            rate_per_service=rate_per_service,
            seed=seed + len(loads),
            label=request.node.name,
        )
        loads.append(load)
        return load

    yield make
    for load in loads:
        load.stop()


@pytest.fixture
def verify(checker: Checker, ledger: Ledger, request: pytest.FixtureRequest) -> Callable[..., Report]:
    """Stop the load, let the checker settle, print its counts and assert that they pass."""

    def run(load: Load | None = None, timeout: float = 150.0) -> Report:
        if load is not None:
            load.stop()
            RESULTS.append(load.line())
            print(load.line())
            assert not load.rejected(), f"commands failed wrongly: {load.rejected()[:5]}"
        report = checker.settle(ledger.all(), request.node.name, timeout)
        RESULTS.append(report.line())
        assert report.ok, f"{report.line()}\n{report.details()}"
        return report

    return run


def note(line: str) -> None:
    """Print a result line now and again in the session summary."""
    RESULTS.append(line)
    print(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if RESULTS:
        terminalreporter.section("fault injection: what the checker counted")
        for line in RESULTS:
            terminalreporter.write_line(line)
