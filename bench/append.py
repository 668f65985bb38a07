"""Appends (G1, G2): HTTP command, bare ``save()``, batched ``save()``, and raw psycopg.

Every figure is measured ``reps`` times, interleaved with its baseline, so a
burst of load from elsewhere on the machine hits both; the best run counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from psycopg import Connection

from bench import workload
from bench.environment import BenchEnv
from bench.timing import Rate, wait_until
from services import processes
from services.bootstrap import build_container
from services.processes import ProcessSpec
from services.runner import ProcessKind
from shared.application.base import CaseApplication
from shared.service import Service
from shared.settings import get_settings

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
        "append.save": Rate(),
        "append.raw_insert": Rate(),
        "append.batch_save": Rate(extra={"batch": BATCH}),
        "append.raw_executemany": Rate(extra={"batch": BATCH}),
    }
    rates["append.raw_insert"].extra["row_bytes"] = len(state)
    try:
        with httpx.Client(base_url=intake_url(), timeout=30) as client:
            # Warm up: connections, prepared statements, code paths.
            bench.stable(
                lambda: (_http(client, 20), _save(app, 20), _raw_insert(raw.conn, 20, topic, state)), "warm-up"
            )
            single, batched = sizes.single, sizes.batches * BATCH
            for _ in range(sizes.reps):
                rates["append.http"].add(single, bench.stable(lambda: _http(client, single), "HTTP appends"))
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
