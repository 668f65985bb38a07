"""Where G7's end-to-end time goes, from the timestamps the pipeline leaves behind."""

from __future__ import annotations

import time
from typing import Any

from kafka import TopicPartition
from psycopg import Connection

from bench.environment import BenchEnv
from bench.timing import percentile
from shared.bus.kafka import make_consumer


def breakdown(bench: BenchEnv, view: Connection[Any], walls: dict[int, list[float]]) -> dict[str, Any]:
    """p50/p95 in ms of each leg of the path, for the commands whose visibility was seen.

    ``recorded_at`` (the domain event's time, taken in the intake API before the
    commit), the Kafka record's CreateTime (taken by the relay's ``send()``), the
    view row's ``projected_at`` (``now()`` of the projector's transaction) and the
    moment the watcher saw the row. ``walls`` holds, by notification id, the wall
    clock of the accepted answer and of the moment the watcher saw the row. Wall
    clocks of one machine.
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
