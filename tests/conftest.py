"""Shared fixtures. Pipeline tests run on the real stack (see tests/stack.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.stack import Stack, drop_database, provision_infra, running_stack

TESTS_DIR = Path(__file__).resolve().parent
OWN_SESSIONS: dict[Path, str] = {
    TESTS_DIR / "faults": "it puts poison records on its session's topics, which the other pipeline tests (the "
    "foreign-client contract test reads every record) must never see",
    TESTS_DIR / "browser": "Playwright's synchronous API keeps an event loop running in the test process, which "
    "the asynchronous tests of the other suites cannot share",
}
"""Suites that run as a pytest session of their own (``bash deploy/test.sh tests/faults``, ``… tests/browser``)."""


def _requested(config: pytest.Config, suite: Path) -> bool:
    base = config.invocation_params.dir
    for arg in config.args:
        path = (base / arg.split("::")[0]).resolve()
        if path == suite or suite in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    path = collection_path.resolve()
    if path in OWN_SESSIONS and not _requested(config, path):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for suite, why in OWN_SESSIONS.items():
        own = [item for item in items if suite in Path(str(item.path)).resolve().parents]
        if own and len(own) != len(items):
            command = f"bash deploy/test.sh tests/{suite.name}"
            msg = f"run tests/{suite.name} in a pytest session of its own (`{command}`): {why}"
            raise pytest.UsageError(msg)


SUITE_SECONDS: dict[str, float] = {}
"""Time spent per suite (tests/<suite>/…), setup and teardown included, for the summary."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    parts = Path(report.nodeid.split("::")[0]).parts
    suite = "/".join(parts[:2]) if len(parts) > 2 else parts[0]
    SUITE_SECONDS[suite] = SUITE_SECONDS.get(suite, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUITE_SECONDS:
        terminalreporter.section("time per suite")
        for suite, seconds in sorted(SUITE_SECONDS.items(), key=lambda kv: -kv[1]):
            terminalreporter.write_line(f"{seconds:8.1f}s  {suite}")


@pytest.fixture(scope="session")
def infra_env() -> Iterator[dict[str, str]]:
    """PostgreSQL and Kafka running, with a fresh database and topics of this session's own."""
    env = provision_infra()
    yield env
    drop_database(env)


@pytest.fixture(scope="session")
def stack(infra_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(infra_env, tmp_path_factory.mktemp("kim-run")) as s:
        yield s


@pytest.fixture
def live_stack(stack: Stack) -> Stack:
    """The stack with every process running (crash tests restart what they kill)."""
    stack.ensure_all_running()
    return stack


def person(**overrides: Any) -> dict[str, Any]:
    body = {
        "family_name": "Testperson",
        "given_names": "Amina",
        "birth_date": "1999-05-01",
        "registered_on": "2026-01-05",
        "languages": ["ar"],
        "claimed_nationalities": ["SYR"],
    }
    return body | overrides


def today() -> str:
    return date.today().isoformat()
