"""The goals of docs/pipeline.md §7: which figures a run produces, and their ratios and verdicts."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Every figure a run must produce (the smoke test checks the same list).
RATE_FIGURES = (
    "append.http",
    "append.http_bare",
    "append.save",
    "append.raw_insert",
    "append.batch_save",
    "append.raw_executemany",
    "relay.relay",
    "relay.raw_producer",
    "projection.projector",
    "projection.raw_consumer",
    "projection.rebuild",
    "projection.select_decode",
)
LATENCY_FIGURES = ("latency.e2e_db", "latency.e2e_api", "latency.command", "latency.pg_commit", "latency.kafka")
RENDER_FIGURES = ("render.history", "render.page")
GROWTH_RATES = ("relay", "raw_producer", "projector", "raw_consumer", "rebuild", "select_decode")


@dataclass(frozen=True)
class Goal:
    """One checked ratio of docs/pipeline.md §7."""

    goal: str
    label: str
    subject: str
    baseline: str
    target: float
    op: str  # ">=" or "<="
    kind: str  # "pct" (a share of the baseline), "x" (a multiple) or "ms" (an absolute ceiling)
    value: Callable[[dict[str, Any]], float]


def _rate(key: str) -> Callable[[dict[str, Any]], float]:
    return lambda f: float(f[key]["value"])


def _div(
    a: Callable[[dict[str, Any]], float], b: Callable[[dict[str, Any]], float]
) -> Callable[[dict[str, Any]], float]:
    return lambda f: a(f) / b(f) if b(f) else math.nan


def _lat(key: str, p: str) -> Callable[[dict[str, Any]], float]:
    return lambda f: float(f[key][p])


def _floor(f: dict[str, Any]) -> float:
    """G7's denominator: PostgreSQL commit p50 + Kafka produce→consume p50."""
    return float(f["latency.pg_commit"]["p50"]) + float(f["latency.kafka"]["p50"])


GOALS = (
    Goal(
        "G1",
        "HTTP command vs bare `save()`",
        "append.http",
        "append.save",
        0.40,
        ">=",
        "pct",
        _div(_rate("append.http"), _rate("append.save")),
    ),
    Goal(
        "G1",
        "bare `save()` vs raw INSERT",
        "append.save",
        "append.raw_insert",
        0.20,
        ">=",
        "pct",
        _div(_rate("append.save"), _rate("append.raw_insert")),
    ),
    Goal(
        "G2",
        "batched `save()` vs raw `executemany`",
        "append.batch_save",
        "append.raw_executemany",
        0.30,
        ">=",
        "pct",
        _div(_rate("append.batch_save"), _rate("append.raw_executemany")),
    ),
    Goal(
        "G2",
        "batched vs single `save()`",
        "append.batch_save",
        "append.save",
        15,
        ">=",
        "x",
        _div(_rate("append.batch_save"), _rate("append.save")),
    ),
    Goal(
        "G3",
        "relay vs raw producer",
        "relay.relay",
        "relay.raw_producer",
        0.50,
        ">=",
        "pct",
        _div(_rate("relay.relay"), _rate("relay.raw_producer")),
    ),
    Goal(
        "G3",
        "relay vs peak append (bare `save()`)",
        "relay.relay",
        "append.save",
        3,
        ">=",
        "x",
        _div(_rate("relay.relay"), _rate("append.save")),
    ),
    Goal(
        "G4",
        "projector vs raw consumer",
        "projection.projector",
        "projection.raw_consumer",
        0.50,
        ">=",
        "pct",
        _div(_rate("projection.projector"), _rate("projection.raw_consumer")),
    ),
    Goal(
        "G4",
        "events per view transaction",
        "projection.projector",
        "",
        100,
        ">=",
        "n",
        lambda f: float(f["projection.projector"]["events_per_txn"]),
    ),
    Goal(
        "G5",
        "rebuild vs raw consumer",
        "projection.rebuild",
        "projection.raw_consumer",
        0.50,
        ">=",
        "pct",
        _div(_rate("projection.rebuild"), _rate("projection.raw_consumer")),
    ),
    Goal(
        "G7",
        "e2e p50 vs (PG commit p50 + Kafka p50)",
        "latency.e2e_db",
        "floor",
        5,
        "<=",
        "x",
        _div(_lat("latency.e2e_db", "p50"), _floor),
    ),
    Goal(
        "G7",
        "e2e p99 vs (PG commit p50 + Kafka p50)",
        "latency.e2e_db",
        "floor",
        10,
        "<=",
        "x",
        _div(_lat("latency.e2e_db", "p99"), _floor),
    ),
    Goal("G7", "e2e p99 ceiling", "latency.e2e_db", "", 250, "<=", "ms", _lat("latency.e2e_db", "p99")),
    Goal(
        "G11",
        "authenticated, access-logged HTTP command vs the same without identity",
        "append.http",
        "append.http_bare",
        0.80,
        ">=",
        "pct",
        _div(_rate("append.http"), _rate("append.http_bare")),
    ),
    Goal(
        "G12",
        "case page (200 timeline entries) p50 vs JSON history call p50",
        "render.page",
        "render.history",
        2.0,
        "<=",
        "x",
        _div(_lat("render.page", "p50"), _lat("render.history", "p50")),
    ),
)

# Ratios without a §7 goal, shown for reading the others: (goal, label, subject, baseline, kind, value).
INFO: tuple[tuple[str, str, str, str, str, Callable[[dict[str, Any]], float]], ...] = (
    (
        "G5 ref",
        "rebuild vs `select_notifications` + decode",
        "projection.rebuild",
        "projection.select_decode",
        "pct",
        _div(_rate("projection.rebuild"), _rate("projection.select_decode")),
    ),
    (
        "G3 ref",
        "relay vs batched `save()`",
        "relay.relay",
        "append.batch_save",
        "pct",
        _div(_rate("relay.relay"), _rate("append.batch_save")),
    ),
    (
        "G12 ref",
        "case page mean vs JSON history call mean",
        "render.page",
        "render.history",
        "x",
        _div(_lat("render.page", "mean"), _lat("render.history", "mean")),
    ),
)


def evaluate(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Every goal's ratio and verdict (of the goals whose figures the run measured: a run of
    some phases only, ``--only``, has no row for the others)."""
    rows = []
    for g in GOALS:
        try:
            value = g.value(figures)
        except KeyError:  # a figure of a phase this run left out
            continue
        compare = operator.ge if g.op == ">=" else operator.le
        rows.append(
            {
                "goal": g.goal,
                "label": g.label,
                "subject": g.subject,
                "baseline": g.baseline,
                "kind": g.kind,
                "value": value,
                "target": g.target,
                "op": g.op,
                "met": bool(math.isfinite(value) and compare(value, g.target)),
            }
        )
    for goal, label, subject, baseline, kind, info in INFO:
        if subject not in figures or baseline not in figures:
            continue
        value = info(figures)
        rows.append(
            {
                "goal": goal,
                "label": label,
                "subject": subject,
                "baseline": baseline,
                "kind": kind,
                "value": value,
                "target": None,
                "op": None,
                "met": None,
            }
        )
    return rows


def growth_ratios(stages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rate at the largest store size measured divided by the rate at the smallest."""
    result = {}
    for key in GROWTH_RATES:
        having = [s for s in stages if key in s["rates"]]
        first, last = having[0], having[-1]
        result[key] = {
            "value": last["rates"][key]["value"] / first["rates"][key]["value"],
            "from": first["size"],
            "to": last["size"],
        }
    return result
