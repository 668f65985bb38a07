"""The faults themselves: killing, pausing and stopping processes of the real stack.

Every wait here is a condition with a deadline (``eventually``); the only fixed
pauses are the *durations* of faults (how long a broker stays paused, how long a
lock is held), named ``*_s`` where they are chosen.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from services import processes
from services.runner import ProcessKind
from shared.service import Service
from shared.settings import InfraSettings
from tests.stack import Stack, eventually, infra

RECOVERY_S = 120.0
"""Generous: a group rejoin after a session timeout, a broker restart, on a busy 2-core machine."""


class LogWatch:
    """What a process's log file gained since the watch began."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = path.stat().st_size if path.exists() else 0

    @classmethod
    def of(cls, stack: Stack, service: Service, kind: ProcessKind) -> LogWatch:
        return cls(processes.log_file(stack.run_dir, stack.spec(service, kind)))

    def new(self) -> str:
        if not self.path.exists():
            return ""
        with self.path.open("rb") as f:
            f.seek(self.start)
            return f.read().decode(errors="replace")


def wait_up(stack: Stack, service: Service, kind: ProcessKind, watch: LogWatch, timeout: float = RECOVERY_S) -> int:
    """Wait until a (re)started process is alive and working; return its pid."""
    if kind is ProcessKind.API:

        def answering() -> bool:
            return httpx.get(f"{stack.url(service)}/healthz", timeout=2).status_code == 200

        eventually(answering, timeout, 0.1, what=f"{service.value} api answering")
    else:
        eventually(
            lambda: f"{service.value} {kind.value} started" in watch.new(),
            timeout,
            0.1,
            what=f"{service.value} {kind.value} started",
        )
    pid = stack.pid(service, kind)
    assert pid is not None, f"{service.value} {kind.value} died while starting:\n{watch.new()[-3000:]}"
    return pid


def start(stack: Stack, service: Service, kind: ProcessKind, extra_env: dict[str, str] | None = None) -> int:
    watch = LogWatch.of(stack, service, kind)
    stack.start(service, kind, extra_env)
    return wait_up(stack, service, kind, watch)


def restart(stack: Stack, service: Service, kind: ProcessKind, extra_env: dict[str, str] | None = None) -> int:
    """Stop cleanly (whatever state it is in) and start again, optionally with extra settings."""
    stack.stop(service, kind)
    return start(stack, service, kind, extra_env)


def kill_and_restart(stack: Stack, service: Service, kind: ProcessKind) -> None:
    """SIGKILL, then start again (as a supervisor would)."""
    stack.kill(service, kind, signal.SIGKILL)
    start(stack, service, kind)


def wait_all_healthy(stack: Stack, timeout: float = RECOVERY_S) -> None:
    """Every process running; APIs ready (database and Kafka reachable); fresh heartbeats."""

    def healthy() -> bool:
        for spec in processes.ALL_PROCESSES:
            if stack.pid(spec.service, spec.kind) is None:
                stack.start(spec.service, spec.kind)  # died while its dependency was down: supervise
        return all(stack.ready(s) for s in Service)

    eventually(healthy, timeout, 0.3, what="all services healthy again")


# --- Kafka ----------------------------------------------------------------------------------


def kafka_pid(stack: Stack) -> int:
    return stack.kafka_pid()


def kill_kafka(stack: Stack) -> None:
    """SIGKILL the broker JVM and wait until it is gone and its port closed."""
    pid = kafka_pid(stack)
    os.kill(pid, signal.SIGKILL)
    # The thread-group leader turns zombie before the JVM's other threads have exited
    # and closed its sockets: wait for the process to be reaped and the port to close.
    eventually(
        lambda: not Path(f"/proc/{pid}").exists() and not _port_open(stack.infra_settings.kafka_port),
        30,
        0.05,
        what="broker gone",
    )


def start_kafka(stack: Stack, timeout: float = 180.0) -> None:
    """Start the broker again (it is shared by the whole machine: insist until it runs)."""
    errors: list[str] = []

    def started() -> bool:
        result = infra("start", "kafka", env=stack.env)
        if result.returncode != 0:
            errors.append(result.stderr.strip()[-500:])
        return result.returncode == 0

    try:
        eventually(started, timeout, 1.0, what="kafka started")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; infra.sh said: {errors[-3:]}") from None


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[-1].startswith(("Z", "X"))
    except FileNotFoundError:
        return True


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_ctl() -> str:
    explicit = os.environ.get("KIM_PG_BIN")
    if explicit:
        return str(Path(explicit) / "pg_ctl")
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    assert found, "pg_ctl not found"
    return str(found[-1])


def pg_stop_immediate() -> float:
    """``pg_ctl stop -m immediate``: no checkpoint, clients cut off (a crash as far as they know)."""
    # The real path: as root the cluster lives outside the state dir, which postgres may not traverse.
    data = (InfraSettings().state_dir / "postgres").resolve() / "data"
    command = [_pg_ctl(), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60, cwd="/")
    assert result.returncode == 0, f"pg_ctl stop failed:\n{result.stdout}\n{result.stderr}"
    return time.monotonic() - started


def pg_start(stack: Stack, timeout: float = 180.0) -> None:
    """Start PostgreSQL again (shared by the whole machine: insist until it runs)."""
    errors: list[str] = []

    def started() -> bool:
        result = infra("start", "postgres", env=stack.env)
        if result.returncode != 0:
            errors.append(result.stderr.strip()[-500:])
        return result.returncode == 0

    try:
        eventually(started, timeout, 1.0, what="postgres started")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; infra.sh said: {errors[-3:]}") from None
