"""End-to-end latency (G7): a command accepted by intake until kobiz's projection has it.

All four processes on the path run as in production (intake API and relay,
kobiz projector and API). Commands are sent at a steady rate, half the measured
maximum, and every accepted command is watched until it is visible:

- ``e2e_db``: one watcher polls kobiz's ``processed_events`` every 2 ms for all
  commands in flight (one query per poll, whatever the number in flight);
- ``e2e_api``: the read-your-write call a client would make,
  ``GET /kobiz/cases/{id}/history?after=<token>&wait=10``, one per command.

The baselines are sequential round trips in the same run: a raw psycopg
autocommit INSERT (PostgreSQL commit) and a raw kafka-python produce→consume
ping-pong of one message of the relay's size (like Kafka's EndToEndLatency tool:
``send().get()`` then poll; acks=all, idempotent, linger 0).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from kafka import TopicPartition

from bench import workload
from bench.append import intake_url, start_api
from bench.environment import BenchEnv
from bench.timing import Latency, percentile, wait_until
from services import processes
from services.processes import ProcessSpec
from services.runner import ProcessKind
from shared.kafka import make_consumer, make_producer
from shared.pgstate import PostgresRelayPosition
from shared.projection.postgres import make_pool
from shared.settings import Service, get_settings

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
    app = workload.intake_app()
    if not app.recorder.max_notification_id():
        app.save(workload.new_case())
    messages = workload.sample_messages(app, limit=1)
    topic_, state = workload.stored_row(app)
    app.close()
    _start_path(bench)
    result: dict[str, Latency] = {k: Latency() for k in ("e2e_db", "e2e_api", "command", "pg_commit", "kafka")}
    kafka_topic = bench.create_topic("latency-raw")
    achieved: list[float] = []
    walls: dict[int, list[float]] = {}
    view, raw = bench.connection(Service.KOBIZ), bench.connection(Service.INTAKE)
    try:
        with (
            httpx.Client(base_url=intake_url(), timeout=30) as intake,
            httpx.Client(base_url=kobiz_url(), timeout=30, limits=httpx.Limits(max_connections=64)) as kobiz,
        ):
            workload.setup_raw_table(raw.conn)
            bench.stable(lambda: _warm_up(intake, view.conn), "the warm-up of the path")
            for n in range(1, sizes.rounds + 1):
                result["pg_commit"].samples += bench.stable(
                    lambda: _pg_commit(raw.conn, sizes.samples, topic_, state), f"PostgreSQL commits, round {n}"
                )
                result["kafka"].samples += bench.stable(
                    lambda: _kafka_ping_pong(bench, kafka_topic, messages[0], sizes.samples),
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
            breakdown = _breakdown(bench, view.conn, walls)
    finally:
        view.close()
        raw.close()
    for spec in _PATH:
        bench.stop_process(spec)
    result["e2e_db"].extra["poll_interval_ms"] = POLL_INTERVAL_S * 1000
    result["e2e_db"].extra["breakdown"] = breakdown
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


def _start_path(bench: BenchEnv) -> None:
    """Start relay, projector and kobiz's API; the relay starts at the end of the store.

    Earlier phases filled intake's store; publishing that backlog is not what
    is measured here, so the relay's position is set to the store's end first.
    """
    intake = get_settings(Service.INTAKE)
    pool = make_pool(intake.pg_conninfo(), max_size=1, name="bench-position")
    pool.open(wait=True, timeout=30)
    try:
        with pool.connection() as conn:
            row = conn.execute(f'SELECT max(notification_id) FROM "{intake.pg_schema}".intake_events').fetchone()  # noqa: S608
        positions = PostgresRelayPosition(pool, intake.pg_schema)
        positions.setup()
        positions.save(int(row[0] or 0) if row else 0)
    finally:
        pool.close()
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


def _visible(view: Any, numbers: list[int]) -> set[int]:
    rows = view.execute(
        "SELECT sequence FROM processed_events WHERE source = 'intake' AND sequence = ANY(%s)", (numbers,)
    ).fetchall()
    return {r[0] for r in rows}


def _warm_up(intake: httpx.Client, view: Any) -> None:
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


def _paced(count: int, rate: float) -> Any:
    """Yield ``count`` times at a steady ``rate``; catch up (without bursts beyond that) if late."""
    started = time.perf_counter()
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield i


def _e2e_db(
    intake: httpx.Client, view: Any, count: int, rate: float, result: dict[str, Latency], walls: dict[int, list[float]]
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


def _breakdown(bench: BenchEnv, view: Any, walls: dict[int, list[float]]) -> dict[str, Any]:
    """Where the end-to-end time goes, from the timestamps the pipeline leaves behind.

    ``recorded_at`` (the domain event's time, taken in the intake API before the
    commit), the Kafka record's CreateTime (taken by the relay's ``send()``), the
    view row's ``projected_at`` (``now()`` of the projector's transaction) and the
    moment the watcher saw the row. Wall clocks of one machine; p50/p95 in ms.
    """
    try:
        numbers = [n for n, w in walls.items() if len(w) == 2]
        rows = view.execute(
            "SELECT sequence, recorded_at, projected_at, kafka_partition, kafka_offset, topic FROM case_timeline "
            "WHERE source = 'intake' AND sequence = ANY(%s)",
            (numbers,),
        ).fetchall()
        created = _record_times(bench, rows[0][5]) if rows else {}
        parts: dict[str, list[float]] = {k: [] for k in ("api", "relay", "kafka_to_projector", "projector_txn")}
        for number, recorded, projected, partition, offset, _ in rows:
            accepted, visible = walls[number]
            sent = created[(partition, offset)]
            parts["api"].append(accepted - recorded.timestamp())
            parts["relay"].append(sent - recorded.timestamp())
            parts["kafka_to_projector"].append(projected.timestamp() - sent)
            parts["projector_txn"].append(visible - projected.timestamp())
        return {
            "events": len(rows),
            **{k: {"p50": percentile(v, 50) * 1000, "p95": percentile(v, 95) * 1000} for k, v in parts.items()},
        }
    except Exception as exc:  # noqa: BLE001 - a diagnostic; the view's columns may change
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def _record_times(bench: BenchEnv, topic: str) -> dict[tuple[int, int], float]:
    """CreateTime (seconds) of every record of a topic, by (partition, offset)."""
    consumer = make_consumer(bench.bootstrap, group_id=None, client_id="kim-bench-breakdown")
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        times: dict[tuple[int, int], float] = {}
        deadline = time.perf_counter() + 60
        while any(consumer.position(tp) < end[tp] for tp in partitions) and time.perf_counter() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                times.update({(r.partition, r.offset): r.timestamp / 1000 for r in records})
        return times
    finally:
        consumer.close()


def _pg_commit(conn: Any, count: int, topic: str, state: bytes) -> list[float]:
    samples = []
    for row in workload.raw_rows(count, topic, state):
        started = time.perf_counter()
        conn.execute(workload.RAW_INSERT, row, prepare=True)
        samples.append(time.perf_counter() - started)
    return samples


def _kafka_ping_pong(bench: BenchEnv, topic: str, message: Any, count: int) -> list[float]:
    producer = make_producer(bench.bootstrap, client_id="kim-bench-latency", linger_ms=0)
    consumer = make_consumer(bench.bootstrap, group_id=None, client_id="kim-bench-latency")
    samples = []
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        for tp in partitions:
            consumer.position(tp)
        producer.send(topic, key=message.key, value=message.value, headers=message.headers).get(timeout=30)
        _receive(consumer)
        for _ in range(count):
            started = time.perf_counter()
            producer.send(topic, key=message.key, value=message.value, headers=message.headers).get(timeout=30)
            _receive(consumer)
            samples.append(time.perf_counter() - started)
    finally:
        producer.close(timeout=5)
        consumer.close()
    return samples


def _receive(consumer: Any) -> None:
    deadline = time.perf_counter() + 30
    while not consumer.poll(timeout_ms=1000):
        if time.perf_counter() > deadline:
            msg = "raw consumer received nothing within 30s"
            raise TimeoutError(msg)
