"""Shared fixtures. Pipeline tests run on the real stack (see tests/stack.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.stack import Stack, drop_database, provision_infra, running_stack


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
