"""The benchmark suite runs end to end in smoke mode and reports every figure.

Nothing about speed is asserted: the figures only have to exist, be positive and
finite, and come with their ratios against the same-run baselines.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from shared.bus.kafka import make_admin
from shared.settings import REPO_ROOT, InfraSettings

pytestmark = pytest.mark.pipeline

RATES = (
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
LATENCIES = ("latency.e2e_db", "latency.e2e_api", "latency.command", "latency.pg_commit", "latency.kafka")
RENDER = ("render.history", "render.page")
GROWTH = ("relay", "raw_producer", "projector", "raw_consumer", "rebuild", "select_decode")
GOALS = {"G1", "G2", "G3", "G4", "G5", "G7", "G11", "G12"}


def positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_smoke_run_reports_every_figure_and_ratio(infra_env: dict[str, str], tmp_path: Path) -> None:
    # Its own database and topic prefix (set by the benchmark), so the session's stack is untouched.
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--results-dir", str(tmp_path), "--no-docs"],
        cwd=REPO_ROOT,
        env=infra_env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    files = sorted(p.name for p in tmp_path.iterdir())
    assert "latest.json" in files and any(f.endswith("-smoke.json") for f in files), files
    data = json.loads((tmp_path / "latest.json").read_text())

    figures = data["figures"]
    for key in RATES:
        assert positive(figures[key]["value"]), (key, figures[key])
    for key in LATENCIES:
        for p in ("p50", "p95", "p99"):
            assert positive(figures[key][p]), (key, figures[key])
    assert figures["projection.projector"]["events_per_txn"] > 0
    for key in RENDER:
        for p in ("p50", "mean"):
            assert positive(figures[key][p]), (key, figures[key])

    stages = data["growth"]["stages"]
    assert len(stages) >= 2 and stages[0]["size"] < stages[-1]["size"]
    for stage in stages:
        for key in GROWTH:
            assert positive(stage["rates"][key]["value"]), (stage["size"], key)
    for key in GROWTH:
        assert positive(data["growth"]["ratios"][key]["value"]), key

    ratios = data["ratios"]
    assert {r["goal"] for r in ratios} >= GOALS
    for row in ratios:
        assert positive(row["value"]), row
        assert row["met"] in (True, False, None), row
    assert all(isinstance(r["met"], bool) for r in ratios if r["goal"] in GOALS)
    # The cost of identity (G11): computed against the bench-only app without identity; its value is not asserted.
    identity = [r for r in ratios if r["goal"] == "G11"]
    assert len(identity) == 1 and identity[0]["subject"] == "append.http", identity
    assert identity[0]["baseline"] == "append.http_bare" and positive(identity[0]["value"]), identity

    machine = data["machine"]
    assert machine["nproc"] and machine["postgresql"] and machine["kafka"] and machine["python"]

    # The run removed its database and topics.
    run_id = re.search(r"smoke run (\w+):", result.stderr)
    assert run_id, result.stderr[-2000:]
    assert "could not" not in result.stdout, result.stdout[-2000:]
    infra = InfraSettings()
    admin = f"host={infra.state_dir / 'postgres' / 'run'} port={infra.pg_port} dbname=postgres user=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = %s", (f"kim_bench_{run_id[1]}",)
        ).fetchall()
    assert left == []
    kafka = make_admin(infra.kafka_bootstrap)
    try:
        assert not [t for t in kafka.list_topics() if t.startswith(f"bench-{run_id[1]}.")]
    finally:
        kafka.close()
