"""Starting, watching and stopping the service processes on one host."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from services.runner import ProcessKind
from shared.service import Service


@dataclass(frozen=True)
class ProcessSpec:
    """One process of one service."""

    service: Service
    kind: ProcessKind

    @property
    def name(self) -> str:
        return f"{self.service.slug}-{self.kind.value}"

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "services.cli", "serve", self.service.value, self.kind.value]


ALL_PROCESSES = [ProcessSpec(s, k) for s in Service for k in ProcessKind]


def pid_file(state_dir: Path, spec: ProcessSpec) -> Path:
    return state_dir / "run" / f"{spec.name}.pid"


def log_file(state_dir: Path, spec: ProcessSpec) -> Path:
    return state_dir / "logs" / f"{spec.name}.log"


def running_pid(state_dir: Path, spec: ProcessSpec) -> int | None:
    """The pid of a live process started from this state dir, or None."""
    path = pid_file(state_dir, spec)
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    except PermissionError:
        return pid
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and b"services.cli" not in cmdline.read_bytes():
        return None
    return pid


def start(state_dir: Path, spec: ProcessSpec, env: dict[str, str] | None = None) -> tuple[int, bool]:
    """Start a process detached, unless it runs already; return (pid, started)."""
    existing = running_pid(state_dir, spec)
    if existing is not None:
        return existing, False
    pid_path, log_path = pid_file(state_dir, spec), log_file(state_dir, spec)
    pid_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            spec.argv(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            cwd=Path(__file__).resolve().parent.parent,
        )
    pid_path.write_text(str(proc.pid))
    return proc.pid, True


def stop(state_dir: Path, spec: ProcessSpec, timeout_s: float = 15.0) -> bool:
    """SIGTERM, wait, then SIGKILL; return whether a process was running."""
    pid = running_pid(state_dir, spec)
    if pid is None:
        pid_file(state_dir, spec).unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):  # it may end on its own at any moment
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    pid_file(state_dir, spec).unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):  # not our child: nothing to reap
        os.waitpid(pid, os.WNOHANG)
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[-1].startswith("Z"))
