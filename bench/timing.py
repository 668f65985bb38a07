"""Small measuring tools: rates, percentiles, waiting, and a consumer that notes its first records."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition


@dataclass
class Rate:
    """Repeated measurements of one throughput; the best counts (noise only ever slows down)."""

    unit: str = "ev/s"
    runs: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, count: int, seconds: float) -> float:
        value = count / max(seconds, 1e-9)
        self.runs.append(value)
        return value

    @property
    def value(self) -> float:
        return max(self.runs) if self.runs else math.nan

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "runs": self.runs, **self.extra}


@dataclass
class Latency:
    """Latency samples in seconds, reported as percentiles in milliseconds."""

    samples: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def pct(self, p: float) -> float:
        return percentile(self.samples, p) * 1000

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": "ms",
            "count": len(self.samples),
            "mean": sum(self.samples) / len(self.samples) * 1000 if self.samples else math.nan,
            "p50": self.pct(50),
            "p95": self.pct(95),
            "p99": self.pct(99),
            "max": max(self.samples) * 1000 if self.samples else math.nan,
            **self.extra,
        }


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: a p99 is a sample that happened)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.001, what: str = "") -> float:
    """Spin until ``check()``; return the perf_counter at which it became true."""
    deadline = time.perf_counter() + timeout
    while True:
        if check():
            return time.perf_counter()
        if time.perf_counter() > deadline:
            msg = f"timed out after {timeout:.0f}s waiting for {what}"
            raise TimeoutError(msg)
        time.sleep(interval)


class TimedConsumer:
    """Wraps a KafkaConsumer and notes when it got its partitions.

    Consumer rates are measured from the moment partitions are assigned (for a
    group member: after the join and the assignment callback, which seeks to the
    stored offsets), so joining a group does not count against the projector,
    while the first fetch does count for it and for the raw consumer alike.
    """

    def __init__(self, inner: KafkaConsumer) -> None:
        self._inner = inner
        self.started_at: float | None = None

    def assign(self, partitions: list[TopicPartition]) -> Any:
        result = self._inner.assign(partitions)
        self.note_started()
        return result

    def subscribe(self, topics: list[str], listener: ConsumerRebalanceListener | None = None) -> Any:
        return self._inner.subscribe(topics, listener=_NotingListener(self, listener))

    def note_started(self) -> None:
        """The consumer has its partitions (only the first call counts)."""
        if self.started_at is None:
            self.started_at = time.perf_counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _NotingListener(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python is untyped: the base is Any
    """Passes rebalances on to the consumer's own listener, then notes the assignment."""

    def __init__(self, consumer: TimedConsumer, inner: ConsumerRebalanceListener | None) -> None:
        self.consumer = consumer
        self.inner = inner

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        if self.inner is not None:
            self.inner.on_partitions_revoked(revoked)

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        if self.inner is not None:
            self.inner.on_partitions_assigned(assigned)
        self.consumer.note_started()
