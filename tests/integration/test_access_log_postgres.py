"""The access log on PostgreSQL: append-only for the runtime role, written with a command's events or not at
all, and read by the relay in an order that skips nothing while transactions commit out of order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import errors, sql

from services.bootstrap import Container, build_container, create_app
from services.intake.commands import OpenCase
from shared.access.log import AccessEntry, Accessor, AccessQuery, Outcome
from shared.access.model import Operation
from shared.application.recording import written_with
from shared.errors import ConcurrentModificationError
from shared.persistence.access_log import PostgresAccessLog, RelayCursor
from shared.service import Service
from shared.settings import get_settings
from tests.conftest import person
from tests.support.tokens import DATA_PROTECTION_OFFICER, WORKERS, client_for

pytestmark = pytest.mark.postgres


@dataclass
class Running:
    """The intake service on this session's database, with its API running (whose lifespan closes it)."""

    container: Container
    client: TestClient


@pytest.fixture
def running(infra_env: dict[str, str]) -> Iterator[Running]:
    built = build_container(Service.INTAKE)
    with client_for(create_app(Service.INTAKE, lambda: built), WORKERS[Service.INTAKE]) as client:
        yield Running(built, client)


@pytest.fixture
def container(running: Running) -> Container:
    return running.container


@pytest.fixture
def log(container: Container) -> PostgresAccessLog:
    assert isinstance(container.access_log, PostgresAccessLog)
    return container.access_log


def runtime() -> psycopg.Connection[Any]:
    return psycopg.connect(get_settings(Service.INTAKE).pg_conninfo(), autocommit=True)


def entry(subject: UUID | None = None, marker: str = "probe") -> AccessEntry:
    accessor = Accessor("st-probe01", ("intake_clerk",), ("intake",), "kim-web", f"{marker}-{uuid4().hex[:8]}")
    return AccessEntry(
        Service.INTAKE,
        accessor,
        Operation.READ,
        "GET /probe",
        subject or uuid4(),
        None,
        "identity_core",
        "kim_case_management",
        "intake_clerk/own",
        "own_task",
        Outcome.ALLOWED,
        datetime.now(UTC),
    )


def test_the_runtime_role_cannot_change_or_remove_entries(log: PostgresAccessLog) -> None:
    log.record([entry()])
    table = sql.Identifier("intake", "access_log")
    with runtime() as conn:
        for statement in ("UPDATE {} SET actor = 'x'", "DELETE FROM {}", "TRUNCATE {}", "DROP TABLE {}"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(sql.SQL(statement).format(table))
        assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone() != (0,)


def test_a_commands_entry_is_stored_with_its_events_or_not_at_all(running: Running, log: PostgresAccessLog) -> None:
    case_id = UUID(running.client.post("/intake/cases", json=person()).json()["case_id"])
    app: Any = running.container.app
    stale = OpenCase(opened_on=datetime(2026, 1, 6).date(), case_manager_id="st-cm0001", expected_version=0)
    attempt = entry(case_id, "conflict")
    with written_with(log.written_with_command([attempt])), pytest.raises(ConcurrentModificationError):
        app.open_case(case_id, stale)
    correlations = {e.entry.accessor.correlation_id for e in log.query(AccessQuery(case_id=case_id))}
    assert attempt.accessor.correlation_id not in correlations, "no entry without the events it stands for"
    assert len(correlations) == 1, "the registration's own entry"


def test_the_relay_waits_for_an_older_transaction_instead_of_skipping_it(log: PostgresAccessLog) -> None:
    start = log.final_after(RelayCursor(), 100_000)
    cursor = start[-1][0] if start else RelayCursor()
    slow_subject, fast_subject = uuid4(), uuid4()
    with runtime() as slow:
        slow.autocommit = False
        insert = sql.SQL(
            "INSERT INTO intake.access_log (at, service, actor, roles, departments, client_id, correlation_id, "
            "operation, route, subject_id, case_id, field_group, purpose, access_grant, basis, outcome) "
            "VALUES (now(), 'intake', 'st-slow01', '{}', '{}', 'kim-web', 'slow', 'read', 'GET /probe', %s, NULL, "
            "'identity_core', 'kim_case_management', 'x/own', 'own_task', 'allowed')"
        )
        slow.execute(insert, (slow_subject,))  # takes the lower id, commits later
        log.record([entry(fast_subject)])
        seen = [logged.entry.subject_id for _, logged in log.final_after(cursor, 100_000)]
        assert fast_subject not in seen, "a later entry must wait while an older transaction may still commit"
        slow.commit()
    # Other sessions' transactions on the cluster may hold the horizon back a little: wait, bounded.
    deadline = time.monotonic() + 30
    seen = [logged.entry.subject_id for _, logged in log.final_after(cursor, 100_000)]
    while fast_subject not in seen and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = [logged.entry.subject_id for _, logged in log.final_after(cursor, 100_000)]
    assert seen.index(slow_subject) < seen.index(fast_subject), "both, in commit-safe order"


def test_the_oversight_api_reads_the_table(running: Running) -> None:
    client = running.client
    case_id = client.post("/intake/cases", json=person()).json()["case_id"]
    assert client.get(f"/intake/cases/{case_id}/file").status_code == 200
    found = client.get("/intake/access-log", params={"case_id": case_id}, headers=DATA_PROTECTION_OFFICER.headers())
    assert found.status_code == 200, found.text
    assert [(e["operation"], e["outcome"]) for e in found.json()][:2] == [("write", "allowed"), ("read", "allowed")]
