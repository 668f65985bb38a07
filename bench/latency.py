"""End-to-end latency (G7): a command accepted by intake until kobiz's projection has it.

All four processes on the path run as in production (intake API and relay,
kobiz projector and API). Commands are sent at a steady rate, half the measured
maximum, and every accepted command is watched until it is visible:

- ``e2e_db``: one watcher polls kobiz's ``processed_events`` every 2 ms for all
  commands in flight (one query per poll, whatever the number in flight);
- ``e2e_api``: the read-your-write call a client would make,
  ``GET /kobiz/cases/{id}/history?after=<token>&wait=10``, one per command.

The baselines are sequential round trips in the same run (:mod:`bench.round_trips`):
a raw psycopg autocommit INSERT (PostgreSQL commit) and a raw kafka-python
produce→consume ping-pong of one message of the relay's size. Where the time
goes is read afterwards from the pipeline's timestamps (:mod:`bench.breakdown`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from psycopg import Connection

from bench import round_trips, workload
from bench.append import intake_url, start_api
from bench.breakdown import breakdown
from bench.environment import BenchEnv
from bench.timing import Latency, wait_until
from services import processes
from services.bootstrap import Container, build_container, build_relay
from services.processes import ProcessSpec
from services.runner import ProcessKind
from shared.service import Service
from shared.settings import get_settings

POLL_INTERVAL_S = 0.002


@dataclass
class LatencySizes:
    samples: int  # per phase and round
    rounds: int


def kobiz_url() -> str:
    s = get_settings(Service.KOBIZ)
    return f"http://{s.http_host}:{s.http_port}"


def run(bench: BenchEnv, sizes: LatencySizes, max_rate: float) -> dict[str, Any]:
    rate = max(1.0, max_rate / 2)
    container = build_container(Service.INTAKE)
    try:
        if not container.app.recorder.max_notification_id():
            container.app.save(workload.new_case())
        messages = workload.sample_messages(container, limit=1)
        topic_, state = workload.stored_row(container.app)
        _skip_backlog(container)
    finally:
        container.close()
    _start_path(bench)
    result: dict[str, Latency] = {k: Latency() for k in ("e2e_db", "e2e_api", "command", "pg_commit", "kafka")}
    kafka_topic = bench.create_topic("latency-raw")
    achieved: list[float] = []
    walls: dict[int, list[float]] = {}
    view, raw = bench.connection(Service.KOBIZ), bench.connection(Service.INTAKE)
    auth = workload.staff_auth()
    try:
        with (
            httpx.Client(base_url=intake_url(), timeout=30, auth=auth) as intake,
            httpx.Client(base_url=kobiz_url(), timeout=30, auth=auth, limits=httpx.Limits(max_connections=64)) as kobiz,
        ):
            workload.setup_raw_table(raw.conn)
            bench.stable(lambda: _warm_up(intake, view.conn), "the warm-up of the path")
            for n in range(1, sizes.rounds + 1):
                result["pg_commit"].samples += bench.stable(
                    lambda: round_trips.pg_commit(raw.conn, sizes.samples, topic_, state),
                    f"PostgreSQL commits, round {n}",
                )
                result["kafka"].samples += bench.stable(
                    lambda: round_trips.kafka_ping_pong(bench, kafka_topic, messages[0], sizes.samples),
                    f"Kafka ping-pong, round {n}",
                )
                achieved.append(
                    _merged(
                        bench,
                        result,
                        f"end-to-end (DB poll), round {n}",
                        lambda part: _e2e_db(intake, view.conn, sizes.samples, rate, part, walls),
                    )
                )
                achieved.append(
                    _merged(
                        bench,
                        result,
                        f"end-to-end (API read), round {n}",
                        lambda part: _e2e_api(intake, kobiz, sizes.samples, rate, part),
                    )
                )
            legs = breakdown(bench, view.conn, walls)
    finally:
        view.close()
        raw.close()
    for spec in _PATH:
        bench.stop_process(spec)
    result["e2e_db"].extra["poll_interval_ms"] = POLL_INTERVAL_S * 1000
    result["e2e_db"].extra["breakdown"] = legs
    report: dict[str, Any] = {k: v.as_json() for k, v in result.items()}
    report["rate"] = {"target": rate, "achieved": min(achieved), "unit": "commands/s", "max_rate": max_rate}
    return report


def _merged(
    bench: BenchEnv, result: dict[str, Latency], what: str, measure: Callable[[dict[str, Latency]], float]
) -> float:
    """One measurement into fresh sample lists, kept only if no server restarted meanwhile."""
    parts: dict[str, dict[str, Latency]] = {}

    def attempt() -> float:
        parts["last"] = {k: Latency() for k in result}
        return measure(parts["last"])

    achieved = bench.stable(attempt, what)
    for key, latency in parts["last"].items():
        result[key].samples += latency.samples
    return achieved


_PATH = [
    ProcessSpec(Service.INTAKE, ProcessKind.RELAY),
    ProcessSpec(Service.KOBIZ, ProcessKind.PROJECTOR),
    ProcessSpec(Service.KOBIZ, ProcessKind.API),
]


def _skip_backlog(intake: Container) -> None:
    """Move the relay's position to the store's end: earlier phases filled intake's store,
    and publishing that backlog is not what is measured here.

    The position is the one the relay process will resume from (``build_relay``'s own
    row); building the relay here opens no producer.
    """
    build_relay(intake).positions.save(intake.app.recorder.max_notification_id() or 0)


def _start_path(bench: BenchEnv) -> None:
    """Start intake's API, the relay, the projector and kobiz's API."""
    start_api(bench, Service.INTAKE)
    for spec in _PATH:
        processes.start(bench.run_dir, spec, env=bench.env)
    start_api(bench, Service.KOBIZ)


def _accept(client: httpx.Client) -> tuple[dict[str, Any], float, float]:
    sent = time.perf_counter()
    response = client.post("/intake/cases", json=workload.PERSON)
    accepted = time.perf_counter()
    if response.status_code != 201:
        msg = f"POST /intake/cases answered {response.status_code}: {response.text[:200]}"
        raise RuntimeError(msg)
    return response.json(), sent, accepted


def _visible(view: Connection[Any], numbers: list[int]) -> set[int]:
    rows = view.execute(
        "SELECT sequence FROM processed_events WHERE source = 'intake' AND sequence = ANY(%s)", (numbers,)
    ).fetchall()
    return {r[0] for r in rows}


def _warm_up(intake: httpx.Client, view: Connection[Any]) -> None:
    """A few commands through the whole path: connections open, consumer group joined."""
    numbers = []
    for _ in range(20):
        body, _, _ = _accept(intake)
        numbers.append(body["position"]["notification_id"])
        time.sleep(0.02)
    wait_until(
        lambda: len(_visible(view, numbers)) == len(numbers),
        180,
        0.05,
        what="warm-up commands to reach kobiz's projection",
    )


def _paced(count: int, rate: float) -> Iterator[int]:
    """Yield ``count`` times at a steady ``rate``; catch up (without bursts beyond that) if late."""
    started = time.perf_counter()
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield i


def _e2e_db(
    intake: httpx.Client,
    view: Connection[Any],
    count: int,
    rate: float,
    result: dict[str, Latency],
    walls: dict[int, list[float]],
) -> float:
    pending: dict[int, float] = {}
    lock = threading.Lock()
    done = threading.Event()
    samples: list[float] = []
    errors: list[BaseException] = []

    def watch() -> None:
        try:
            while not (done.is_set() and not pending):
                with lock:
                    numbers = list(pending)
                if numbers:
                    seen = _visible(view, numbers)
                    now, wall = time.perf_counter(), time.time()
                    with lock:
                        samples.extend(now - pending.pop(n) for n in seen)
                    for n in seen:
                        walls[n].append(wall)
                time.sleep(POLL_INTERVAL_S)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    watcher = threading.Thread(target=watch, daemon=True, name="bench-watch")
    watcher.start()
    started = time.perf_counter()
    for _ in _paced(count, rate):
        body, sent, accepted = _accept(intake)
        result["command"].samples.append(accepted - sent)
        number = body["position"]["notification_id"]
        walls[number] = [time.time()]
        with lock:
            pending[number] = accepted
    achieved = count / (time.perf_counter() - started)
    done.set()
    watcher.join(timeout=60)
    if errors or watcher.is_alive():
        msg = f"watcher failed: {errors[0]!r}" if errors else f"{len(pending)} commands never became visible"
        raise RuntimeError(msg)
    result["e2e_db"].samples += samples
    return achieved


def _e2e_api(intake: httpx.Client, kobiz: httpx.Client, count: int, rate: float, result: dict[str, Latency]) -> float:
    def read_own_write(case_id: str, token: str, accepted: float) -> float:
        response = kobiz.get(f"/kobiz/cases/{case_id}/history", params={"after": token, "wait": 10})
        seen = time.perf_counter()
        if response.status_code != 200 or not response.json()["projection"]["reached"]:
            msg = f"kobiz history for {token}: {response.status_code} {response.text[:200]}"
            raise RuntimeError(msg)
        return seen - accepted

    futures: list[Future[float]] = []
    with ThreadPoolExecutor(max_workers=48, thread_name_prefix="bench-read") as pool:
        started = time.perf_counter()
        for _ in _paced(count, rate):
            body, sent, accepted = _accept(intake)
            result["command"].samples.append(accepted - sent)
            futures.append(pool.submit(read_own_write, body["case_id"], body["position"]["token"], accepted))
        achieved = count / (time.perf_counter() - started)
        result["e2e_api"].samples += [f.result(timeout=60) for f in futures]
    return achieved
