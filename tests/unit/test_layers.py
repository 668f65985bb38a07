"""Layers point one way: the domain, the commands and the use cases load no transport or adapter.

Each module is imported in a fresh interpreter, so what it drags in is exactly what
``sys.modules`` holds afterwards; nothing imported by the test session can hide it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from shared.service import Service

TRANSPORT = ("fastapi", "starlette", "uvicorn", "httpx", "psycopg", "psycopg_pool", "kafka", "confluent_kafka")
ADAPTERS = ("shared.http", "shared.bus", "shared.outbox", "shared.projection", "shared.operations")
PURE_DOMAIN = (*TRANSPORT, *ADAPTERS, "shared.perspective", "shared.persistence", "pydantic_settings")
"""A domain or command module needs stdlib, eventsourcing's domain, pydantic and the published language."""
USE_CASES = (*TRANSPORT, *ADAPTERS, "shared.perspective", "eventsourcing.postgres")
"""An Application (the use cases) needs the domain, the commands and eventsourcing's core."""

CASES: list[tuple[str, tuple[str, ...]]] = [
    *((f"services.{s.value}.domain", PURE_DOMAIN) for s in Service),
    *((f"services.{s.value}.commands", PURE_DOMAIN) for s in Service),
    *((f"services.{s.value}.application", USE_CASES) for s in Service),
    ("shared.events.catalogue", PURE_DOMAIN),
    ("shared.policy.sharing", PURE_DOMAIN),
    ("shared.policy.consent", PURE_DOMAIN),
    ("shared.access", (*PURE_DOMAIN, "jwt", "shared.identity.verifier", "shared.identity.http")),
    ("shared.perspective", (*TRANSPORT, *ADAPTERS, "shared.persistence", "eventsourcing")),
    ("shared.application.idempotency", USE_CASES),
]


def loaded_by(module: str) -> list[str]:
    """The modules a fresh interpreter holds after importing ``module``."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    modules: list[str] = json.loads(result.stdout)
    return modules


@pytest.mark.parametrize(("module", "forbidden"), CASES, ids=[m for m, _ in CASES])
def test_importing_an_inner_layer_loads_no_outer_one(module: str, forbidden: tuple[str, ...]) -> None:
    loaded = loaded_by(module)
    assert module in loaded
    leaks = sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden))
    assert not leaks, f"{module} loads {leaks}"


def test_the_check_itself_sees_a_transport_import() -> None:
    """Not vacuous: the HTTP adapter of a service does load FastAPI."""
    assert "fastapi" in loaded_by("services.kobiz.api")
