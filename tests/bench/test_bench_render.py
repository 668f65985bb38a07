"""The page-rendering phase (G12) runs alone in smoke mode and reports both timings and their ratio.

Nothing about speed is asserted: the timings only have to exist and be positive and
finite, and the ratio of the case page to the JSON history call has to be computed.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT

pytestmark = pytest.mark.pipeline


def positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_render_phase_alone_reports_both_timings_and_their_ratio(infra_env: dict[str, str], tmp_path: Path) -> None:
    # Its own database and topic prefix (set by the benchmark); Kobiz's API as a process of the run's own.
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "render", "--results-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env=infra_env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "latest.json").read_text())
    assert data["only"] == "render" and data["command"] == "bash bench/run.sh --smoke --only render"

    figures = data["figures"]
    assert set(figures) == {"render.history", "render.page"}, sorted(figures)
    for key in ("render.history", "render.page"):
        for measure in ("p50", "mean", "p95"):
            assert positive(figures[key][measure]), (key, figures[key])
        assert figures[key]["count"] > 0, (key, figures[key])

    (goal,) = [r for r in data["ratios"] if r["goal"] == "G12"]
    assert goal["subject"] == "render.page" and goal["baseline"] == "render.history", goal
    assert positive(goal["value"]) and isinstance(goal["met"], bool), goal
    (mean,) = [r for r in data["ratios"] if r["goal"] == "G12 ref"]
    assert positive(mean["value"]) and mean["met"] is None, mean
