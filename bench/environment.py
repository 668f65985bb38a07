"""An isolated place to measure in: a database, a topic prefix and HTTP ports of its own.

Like tests/stack.py, but named ``kim_bench_<id>`` / ``bench-<id>``, and removed
again afterwards (topics and ACLs included), so a run never touches a demo system
or a test session running on the same PostgreSQL and Kafka.

Rights. The run's database is migrated like any other (``kim migrate``); then the
benchmark connects as the services' *owner* roles there, because it creates scratch
tables and empties the event store between phases, which the runtime roles may not.
On Kafka its topics get the services' ACLs, plus PREFIXED rights of the relays and
projectors on every topic under ``bench-<id>.`` (its scratch topics); its own raw
clients are the test-only principal ``kim-test-admin`` (``KIM_KAFKA_USERNAME``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import uuid4

import psycopg
from kafka.admin import NewTopic
from psycopg import sql
from psycopg.conninfo import make_conninfo

from shared.bus.kafka import deprovision, make_admin, prefix_acls, provision, topic_config
from shared.service import Service
from shared.settings import KAFKA_TEST_ADMIN, REPO_ROOT, InfraSettings, get_settings

if TYPE_CHECKING:
    from services.processes import ProcessSpec

INFRA = REPO_ROOT / "deploy" / "infra.sh"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BenchEnv:
    """The environment of one benchmark run; ``env`` is also put into ``os.environ``."""

    run_id: str
    env: dict[str, str]
    run_dir: Path
    repeated: list[str] = field(default_factory=list)
    on_recover: list[Callable[[], None]] = field(default_factory=list)

    @property
    def infra(self) -> InfraSettings:
        return InfraSettings()

    @property
    def bootstrap(self) -> str:
        return self.infra.kafka_bootstrap

    def server_pids(self) -> dict[str, str]:
        """PostgreSQL's and Kafka's main pids, from deploy/infra.sh's pid files (see
        deploy/README.md); a change means someone restarted them."""
        state = self.infra.state_dir
        pids = {}
        for name, path in (
            ("postgres", state / "postgres" / "data" / "postmaster.pid"),
            ("kafka", state / "kafka" / "kafka.pid"),
        ):
            try:
                pids[name] = path.read_text().split("\n", 1)[0].strip()
            except OSError:
                pids[name] = "not running"
        return pids

    def stable(self, measure: Callable[[], T], what: str, tries: int = 5) -> T:
        """Measure; if PostgreSQL or Kafka was restarted meanwhile (other sessions' crash tests
        share them) or the measurement failed, wait until both are back, then measure again,
        up to ``tries`` times. Only an undisturbed measurement is kept, if there is one."""
        for attempt in range(1, tries + 1):
            before = self.server_pids()
            try:
                result = measure()
                failed: BaseException | None = None
            except Exception as exc:  # noqa: BLE001 - re-raised below after the last attempt
                failed = exc
            after = self.server_pids()
            restarted = [n for n in before if before[n] != after[n]]
            if failed is None and not restarted:
                return result
            reason = ", ".join(f"{n} restarted" for n in restarted) or f"{type(failed).__name__}: {failed}"[:200]
            if attempt == tries:
                if failed is not None:
                    raise failed
                self.repeated.append(f"{what}: disturbed in all {tries} attempts ({reason}); the last is kept")
                return result
            self.repeated.append(f"{what}: measured again ({reason})")
            print(f"bench: {what} measured again ({reason})", file=sys.stderr, flush=True)
            self.recover()
        raise AssertionError("unreachable")

    def recover(self) -> None:
        """Wait until PostgreSQL and Kafka answer (and a little longer, as a restart often
        comes in a series), then drop broken pooled connections."""
        wait_for_postgres(self.infra)
        self.admin(lambda admin: admin.list_topics())
        time.sleep(3)
        wait_for_postgres(self.infra)
        for callback in self.on_recover:
            callback()

    def topic(self, name: str) -> str:
        """A scratch topic under this run's prefix."""
        return f"{self.infra.topic_prefix}.{name}"

    def create_topic(self, name: str) -> str:
        """Create a scratch topic laid out like the service topics; return its name."""
        infra = self.infra
        topic = self.topic(name)

        def create(admin: Any) -> None:
            if topic not in admin.list_topics():
                admin.create_topics(
                    [
                        NewTopic(
                            topic,
                            infra.topic_partitions,
                            infra.topic_replication_factor,
                            topic_configs=topic_config(infra),
                        )
                    ]
                )

        self.admin(create)
        return topic

    def delete_topics(self, topics: list[str]) -> None:
        def delete(admin: Any) -> None:
            doomed = [t for t in topics if t in set(admin.list_topics())]
            if doomed:
                admin.delete_topics(doomed)

        self.admin(delete)

    def admin(self, action: Callable[[Any], T], timeout: float = 600) -> T:
        """Run a Kafka admin action, retrying while the broker is away (restarted by someone)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                admin = make_admin(self.bootstrap, client_id="kim-bench-admin", credentials=self.infra.kafka_admin())
                try:
                    return action(admin)
                finally:
                    admin.close()
            except Exception:  # the broker may be restarting; give up at the deadline (re-raised then)
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def stop_process(self, spec: ProcessSpec) -> None:
        """Stop one of this run's service processes (``services.processes.stop``), tolerating
        a process that exits between its SIGTERM deadline and the SIGKILL."""
        from services import processes

        try:
            processes.stop(self.run_dir, spec)
        except ProcessLookupError:
            processes.pid_file(self.run_dir, spec).unlink(missing_ok=True)

    def pg(self, service: Service) -> psycopg.Connection:
        """An autocommit connection as the service's role in this run (its owner role), in its schema."""
        return psycopg.connect(get_settings(service).pg_conninfo(), autocommit=True)

    def connection(self, service: Service) -> Reconnecting:
        """A connection that is replaced when PostgreSQL was restarted (see ``recover``)."""
        conn = Reconnecting(self, service)
        self.on_recover.append(conn.reset)
        return conn


class Reconnecting:
    """``.conn`` is an autocommit connection as a service's role; ``reset`` reconnects if it broke."""

    def __init__(self, bench: BenchEnv, service: Service) -> None:
        self.bench = bench
        self.service = service
        self.conn = bench.pg(service)

    def reset(self) -> None:
        if self.conn.closed or self.conn.broken:
            self.conn = self.bench.pg(self.service)
        else:
            try:
                self.conn.execute("SELECT 1")
            except psycopg.Error:
                self.conn.close()
                self.conn = self.bench.pg(self.service)

    def close(self) -> None:
        self.bench.on_recover.remove(self.reset)
        self.conn.close()


def wait_for_postgres(infra: InfraSettings, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(_admin_conninfo(infra), autocommit=True, connect_timeout=5) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def _infra(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", str(INFRA), *args], env=env, capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        msg = f"deploy/infra.sh {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        raise RuntimeError(msg)


def _admin_conninfo(infra: InfraSettings) -> str:
    """The superuser over the unix socket (peer authentication, see deploy/README.md)."""
    socket_dir = infra.state_dir / "postgres" / "run"
    return make_conninfo(host=str(socket_dir), port=infra.pg_port, dbname="postgres", user="postgres")


@contextmanager
def isolated(keep: bool = False) -> Iterator[BenchEnv]:
    """Create the run's database and topics, yield, then remove them (unless ``keep``)."""
    run_id = uuid4().hex[:8]
    env = {
        **os.environ,
        "KIM_ENVIRONMENT": "test",
        "KIM_PG_DB": f"kim_bench_{run_id}",
        "KIM_TOPIC_PREFIX": f"bench-{run_id}",
        "KIM_KAFKA_USERNAME": KAFKA_TEST_ADMIN,
    }
    env.pop("KIM_FAULTS", None)
    for service in Service:
        env[f"KIM_{service.value.upper()}_HTTP_PORT"] = str(free_port())
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    get_settings.cache_clear()
    infra = InfraSettings()
    run_dir = infra.state_dir / "bench" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    bench = BenchEnv(run_id, env, run_dir)
    ok = False
    try:
        # Creates the database, the roles' schemas (deploy/postgres/init.sql), then the tables.
        _infra("start", "postgres", env=env)
        from services.bootstrap import migrate

        for service in Service:
            migrate(service)
        bench.admin(lambda _admin: provision(infra, extra_acls=prefix_acls(infra)))
        _connect_as_owners(env)
        yield bench
        ok = True
    finally:
        if not keep:
            _cleanup(bench)
            if ok:
                shutil.rmtree(run_dir, ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        if not ok:
            print(f"bench: process logs kept in {run_dir}")


def _connect_as_owners(env: dict[str, str]) -> None:
    """From here on, this run's connections (and its service processes) use the owner roles."""
    for service in Service:
        owner = get_settings(service).as_owner()
        upper = service.value.upper()
        env[f"KIM_{upper}_PG_USER"] = owner.pg_user
        env[f"KIM_{upper}_PG_PASSWORD"] = owner.pg_password.get_secret_value()
    os.environ.update(env)
    get_settings.cache_clear()


def _cleanup(bench: BenchEnv) -> None:
    infra = bench.infra
    try:
        bench.admin(lambda _admin: deprovision(infra))
    except Exception as exc:  # noqa: BLE001 - best effort; the names are unique per run
        print(f"bench: could not delete topics and ACLs {infra.topic_prefix}.*: {exc!r}")
    try:
        wait_for_postgres(infra)
        with psycopg.connect(_admin_conninfo(infra), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(infra.pg_db)))
    except psycopg.Error as exc:
        print(f"bench: could not drop database {infra.pg_db}: {exc!r}")
