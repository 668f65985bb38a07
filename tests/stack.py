"""The real stack for pipeline tests: PostgreSQL, Kafka and the nine service processes.

A test session gets its own database (``kim_test``), its own topic prefix and
its own HTTP ports, so it never touches a running demo system. Its tables are
created by ``kim migrate``'s code as the owner roles; its topics, Kafka users and
ACLs by ``kim create-topics``'s, as ``kim-admin``. Test code reads and writes the
topics as the test-only principal ``kim-test-admin`` (``KIM_KAFKA_USERNAME``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import httpx
import psycopg
from kafka import KafkaConsumer, TopicPartition
from psycopg import sql
from psycopg.conninfo import make_conninfo

from services import processes
from services.processes import ProcessSpec
from services.runner import ProcessKind
from shared.service import Service
from shared.settings import KAFKA_TEST_ADMIN, REPO_ROOT, InfraSettings, get_settings
from tests.support import realm

T = TypeVar("T")
INFRA = REPO_ROOT / "deploy" / "infra.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def eventually(check: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.05, what: str = "") -> T:
    """Poll ``check`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last_error = exc
        time.sleep(interval)
    msg = f"condition not met within {timeout}s: {what} (last error: {last_error!r})"
    raise AssertionError(msg)


def infra(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INFRA), *args], env=env, capture_output=True, text=True, check=False, timeout=600
    )


@dataclass
class Stack:
    env: dict[str, str]
    run_dir: Path
    infra_settings: InfraSettings = field(init=False)

    def __post_init__(self) -> None:
        self.infra_settings = InfraSettings()

    # --- processes ---------------------------------------------------------

    def spec(self, service: Service, kind: ProcessKind) -> ProcessSpec:
        return ProcessSpec(service, kind)

    def start(self, service: Service, kind: ProcessKind, extra_env: dict[str, str] | None = None) -> int:
        pid, _ = processes.start(self.run_dir, self.spec(service, kind), env={**self.env, **(extra_env or {})})
        return pid

    def stop(self, service: Service, kind: ProcessKind) -> None:
        processes.stop(self.run_dir, self.spec(service, kind))

    def pid(self, service: Service, kind: ProcessKind) -> int | None:
        return processes.running_pid(self.run_dir, self.spec(service, kind))

    def kill(self, service: Service, kind: ProcessKind, sig: int = signal.SIGKILL) -> None:
        pid = self.pid(service, kind)
        assert pid is not None, f"{service} {kind} is not running"
        os.kill(pid, sig)
        if sig == signal.SIGKILL:
            eventually(lambda: self.pid(service, kind) is None, 10, what=f"{service} {kind} gone")

    def wait_dead(self, service: Service, kind: ProcessKind, timeout: float = 60) -> None:
        eventually(lambda: self.pid(service, kind) is None, timeout, what=f"{service} {kind} exited")

    def ensure_all_running(self) -> None:
        """Start whatever is not running (again, if it died while starting) until all are ready."""

        def all_ready() -> bool:
            for spec in processes.ALL_PROCESSES:
                if self.pid(spec.service, spec.kind) is None:
                    self.start(spec.service, spec.kind)
            return all(self.ready(s) for s in Service)

        eventually(all_ready, 120, 0.3, what="all service processes ready")

    def ready(self, service: Service) -> bool:
        try:
            response = httpx.get(f"{self.url(service)}/readyz", timeout=5)
        except httpx.HTTPError:
            return False
        procs = response.json().get("processes", {})
        return response.status_code == 200 and all(
            k in procs and procs[k]["age_s"] < 10 for k in ("relay", "projector")
        )

    def stop_all(self) -> None:
        for spec in processes.ALL_PROCESSES:
            processes.stop(self.run_dir, spec)

    # --- HTTP ----------------------------------------------------------------

    def url(self, service: Service) -> str:
        return f"http://127.0.0.1:{get_settings(service).http_port}"

    def client(self, service: Service, user: str = realm.PIPELINE_USER) -> httpx.Client:
        """An HTTP client of the service, logged in as ``user`` (a test user of the running Keycloak)."""
        return httpx.Client(base_url=self.url(service), timeout=30, auth=realm.auth(user))

    def history(self, service: Service, case_id: str, after: str | None = None, wait: float = 30) -> dict[str, Any]:
        params: dict[str, Any] = {"wait": wait}
        if after:
            params["after"] = after
        with self.client(service) as client:
            response = client.get(f"/{service.slug}/cases/{case_id}/history", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if not body["projection"]["reached"]:
            ready = httpx.get(f"{self.url(service)}/readyz", timeout=5).text
            raise AssertionError(f"{service} projection did not reach {after}; readyz: {ready}")
        return body

    # --- PostgreSQL and Kafka -------------------------------------------------

    def pg(self, service: Service) -> psycopg.Connection[Any]:
        return psycopg.connect(get_settings(service).pg_conninfo(), autocommit=True)

    def topic(self, service: Service) -> str:
        return self.infra_settings.topic(service)

    def read_topic(self, service: Service) -> list[Any]:
        """Every record of a service topic, read to its end with a fresh consumer."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.infra_settings.kafka_bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            consumer_timeout_ms=2000,
            **self.infra_settings.kafka_test_admin().client_config(),
        )
        try:
            topic = self.topic(service)
            partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            records: list[Any] = []
            deadline = time.monotonic() + 60
            while any(consumer.position(tp) < end[tp] for tp in partitions) and time.monotonic() < deadline:
                for batch in consumer.poll(timeout_ms=500).values():
                    records.extend(batch)
            return records
        finally:
            consumer.close()

    def kafka(self, action: str) -> str:
        result = infra(action, "kafka", env=self.env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def kafka_pid(self) -> int:
        result = infra("pid", "kafka", env=self.env)
        assert result.returncode == 0, result.stderr
        return int(result.stdout.strip())


def session_env() -> dict[str, str]:
    """A database, topic prefix and ports of this test session's own."""
    session = uuid4().hex[:8]
    env = {
        **os.environ,
        "KIM_ENVIRONMENT": "test",
        "KIM_PG_DB": f"kim_test_{session}",
        "KIM_TOPIC_PREFIX": f"test-{session}",
        "KIM_TOPIC_PARTITIONS": "3",
        # Kafka clients of the test code that name no credentials (the processes always do).
        "KIM_KAFKA_USERNAME": KAFKA_TEST_ADMIN,
    }
    for service in Service:
        env[f"KIM_{service.value.upper()}_HTTP_PORT"] = str(_free_port())
    env.pop("KIM_FAULTS", None)
    return env


def provision_infra() -> dict[str, str]:
    """Start PostgreSQL and Kafka, a fresh test database (migrated) and fresh topics; return the env."""
    env = session_env()
    os.environ.update(env)
    get_settings.cache_clear()
    result = infra("start", env=env)
    assert result.returncode == 0, f"deploy/infra.sh start failed:\n{result.stdout}\n{result.stderr}"
    _recreate_database(env)
    migrate_all()
    from shared.bus.kafka import provision

    provision(InfraSettings())
    return env


def migrate_all() -> None:
    """``kim migrate`` for every service: the tables, created by the owner roles, and the grants."""
    from services.bootstrap import migrate

    for service in Service:
        migrate(service)


@contextmanager
def running_stack(env: dict[str, str], run_dir: Path) -> Iterator[Stack]:
    """All nine service processes of the test session."""
    stack = Stack(env=env, run_dir=run_dir)
    try:
        stack.ensure_all_running()
        yield stack
    finally:
        stack.stop_all()
        _delete_topics(stack)


def admin_conninfo(settings: InfraSettings | None = None) -> str:
    """The superuser over the unix socket (peer authentication: the server's OS user or root)."""
    settings = settings or InfraSettings()
    socket_dir = settings.state_dir / "postgres" / "run"
    return make_conninfo(host=str(socket_dir), port=settings.pg_port, dbname="postgres", user="postgres")


def drop_database(env: dict[str, str]) -> None:
    """Remove this session's database (best effort)."""
    try:
        with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(env["KIM_PG_DB"])))
    except psycopg.Error:
        pass


def _recreate_database(env: dict[str, str]) -> None:
    settings = InfraSettings()
    with psycopg.connect(admin_conninfo(settings), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(settings.pg_db)))
    result = infra("start", "postgres", env=env)
    assert result.returncode == 0, result.stderr


def _delete_topics(stack: Stack) -> None:
    """The session's topics and every ACL on its prefix (as kim-admin)."""
    from shared.bus.kafka import deprovision

    try:
        deprovision(stack.infra_settings)
    except Exception as exc:  # noqa: BLE001 - best-effort cleanup; the next session uses new names
        print(f"could not delete the session's topics and ACLs: {exc!r}")
