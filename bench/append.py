"""Appends (G1, G2, G11): HTTP command, the same command without identity, bare ``save()``,
batched ``save()``, and raw psycopg.

Every figure is measured ``reps`` times, interleaved with its baseline, so a
burst of load from elsewhere on the machine hits both; the best run counts.
The authenticated command and its baseline without identity (``bench/bare_api.py``,
a process of its own) take turns going first.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from psycopg import Connection

from bench import workload
from bench.environment import BenchEnv, free_port
from bench.timing import Rate, wait_until
from services import processes
from services.bootstrap import build_container
from services.processes import ProcessSpec
from services.runner import ProcessKind
from shared.application.base import CaseApplication
from shared.service import Service
from shared.settings import REPO_ROOT, get_settings

BATCH = 100


@dataclass
class AppendSizes:
    single: int  # sequential single-event appends per run (HTTP, save, raw insert)
    batches: int  # batches of BATCH events per run (save(*aggregates), executemany)
    reps: int


def intake_url() -> str:
    s = get_settings(Service.INTAKE)
    return f"http://{s.http_host}:{s.http_port}"


def start_api(bench: BenchEnv, service: Service) -> None:
    """Start a service's API process and wait until it answers."""
    processes.start(bench.run_dir, ProcessSpec(service, ProcessKind.API), env=bench.env)
    s = get_settings(service)

    def healthy() -> bool:
        try:
            return httpx.get(f"http://{s.http_host}:{s.http_port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, 120, 0.1, what=f"{service.value} API")


def start_bare_api(bench: BenchEnv) -> tuple[subprocess.Popen[bytes], str]:
    """Start intake's register-person route without identity (``bench.bare_api``) on a port
    of its own, on the same database; wait until it answers; return the process and its URL."""
    host, port = get_settings(Service.INTAKE).http_host, free_port()
    url = f"http://{host}:{port}"
    log_path = bench.run_dir / "logs" / "bench-bare-api.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.bare_api", "--host", host, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=bench.env,
            cwd=REPO_ROOT,
        )

    def healthy() -> bool:
        if proc.poll() is not None:
            msg = f"the bare intake API exited with {proc.returncode} (see {log_path})"
            raise RuntimeError(msg)
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, 120, 0.1, what="the bare intake API")
    except BaseException:
        stop_bare_api(proc)
        raise
    return proc, url


def stop_bare_api(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def run(bench: BenchEnv, sizes: AppendSizes) -> dict[str, Rate]:
    start_api(bench, Service.INTAKE)
    intake = build_container(Service.INTAKE)
    app = intake.app
    topic, state = workload.stored_row(app)
    raw = bench.connection(Service.INTAKE)
    workload.setup_raw_table(raw.conn)

    def check_pools() -> None:
        for pool in workload.pools(intake):
            pool.check()

    bench.on_recover.append(check_pools)
    rates = {
        "append.http": Rate(),
        "append.http_bare": Rate(),
        "append.save": Rate(),
        "append.raw_insert": Rate(),
        "append.batch_save": Rate(extra={"batch": BATCH}),
        "append.raw_executemany": Rate(extra={"batch": BATCH}),
    }
    rates["append.raw_insert"].extra["row_bytes"] = len(state)
    bare: subprocess.Popen[bytes] | None = None
    try:
        bare, bare_url = start_bare_api(bench)
        with (
            httpx.Client(base_url=intake_url(), timeout=30, auth=workload.staff_auth()) as client,
            httpx.Client(base_url=bare_url, timeout=30) as bare_client,
        ):
            # Warm up: connections, prepared statements, code paths (and the token and the realm's keys).
            bench.stable(
                lambda: (
                    _http(client, 20),
                    _http(bare_client, 20),
                    _save(app, 20),
                    _raw_insert(raw.conn, 20, topic, state),
                ),
                "warm-up",
            )
            single, batched = sizes.single, sizes.batches * BATCH
            for rep in range(sizes.reps):
                pair: list[tuple[str, Callable[[], float], str]] = [
                    ("append.http", lambda: _http(client, single), "HTTP appends"),
                    ("append.http_bare", lambda: _http(bare_client, single), "HTTP appends without identity"),
                ]
                for key, measure, what in pair if rep % 2 == 0 else pair[::-1]:
                    rates[key].add(single, bench.stable(measure, what))
                rates["append.save"].add(single, bench.stable(lambda: _save(app, single), "save() appends"))
                rates["append.raw_insert"].add(
                    single, bench.stable(lambda: _raw_insert(raw.conn, single, topic, state), "raw INSERTs")
                )
                rates["append.batch_save"].add(
                    batched, bench.stable(lambda: _batch_save(app, sizes.batches), "batched save()")
                )
                rates["append.raw_executemany"].add(
                    batched,
                    bench.stable(lambda: _raw_executemany(raw.conn, sizes.batches, topic, state), "raw executemany"),
                )
    finally:
        bench.on_recover.remove(check_pools)
        raw.close()
        intake.close()
        if bare is not None:
            stop_bare_api(bare)
    return rates


def _http(client: httpx.Client, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        response = client.post("/intake/cases", json=workload.PERSON)
        if response.status_code != 201:
            msg = f"POST /intake/cases answered {response.status_code}: {response.text[:200]}"
            raise RuntimeError(msg)
    return time.perf_counter() - started


def _save(app: CaseApplication, n: int) -> float:
    cases = [workload.new_case() for _ in range(n)]
    started = time.perf_counter()
    for case in cases:
        app.save(case)
    return time.perf_counter() - started


def _raw_insert(conn: Connection[Any], n: int, topic: str, state: bytes) -> float:
    rows = workload.raw_rows(n, topic, state)
    started = time.perf_counter()
    for row in rows:
        conn.execute(workload.RAW_INSERT, row, prepare=True)
    return time.perf_counter() - started


def _batch_save(app: CaseApplication, batches: int) -> float:
    prepared = [[workload.new_case() for _ in range(BATCH)] for _ in range(batches)]
    started = time.perf_counter()
    for cases in prepared:
        app.save(*cases)
    return time.perf_counter() - started


def _raw_executemany(conn: Connection[Any], batches: int, topic: str, state: bytes) -> float:
    prepared = [workload.raw_rows(BATCH, topic, state) for _ in range(batches)]
    started = time.perf_counter()
    for rows in prepared:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(workload.RAW_INSERT, rows)
    return time.perf_counter() - started
