"""The results of a run on disk (JSON), and the machine they were measured on."""

from __future__ import annotations

import json
import math
import os
import platform
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from shared.settings import REPO_ROOT, InfraSettings

RESULTS_DIR = REPO_ROOT / "bench" / "results"


def machine(pg_version: str) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = math.nan
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    libs = InfraSettings().state_dir / "kafka" / "libs"
    jars = sorted(libs.glob("kafka_2.13-*.jar")) if libs.exists() else []
    kafka = jars[-1].name.removeprefix("kafka_2.13-").removesuffix(".jar") if jars else "unknown"
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "postgresql": pg_version,
        "kafka": kafka,
        "python": platform.python_version(),
        "libraries": {
            name: _version(name) for name in ("eventsourcing", "kafka-python", "psycopg", "fastapi", "uvicorn")
        },
    }


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def write_json(result: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(result["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}-{result['mode']}.json"
    text = json.dumps(result, indent=2, sort_keys=False, allow_nan=True) + "\n"
    path.write_text(text)
    latest = directory / "latest.json"
    tmp = directory / "latest.json.tmp"
    tmp.write_text(text)
    tmp.replace(latest)
    return path
