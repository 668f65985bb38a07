"""``python -m bench [--smoke|--quick|--full] [--only append|render]``: measure, then write JSON and Markdown.

Phases, in this order, in one isolated database and topic prefix:
append (G1, G2, G11) → end-to-end latency (G7) → page rendering (G12) → relay,
projection and rebuild at growing store sizes (G3, G4, G5, growth). ``--only append``
or ``--only render`` runs that phase alone (its JSON goes to ``bench/results/<phase>/``;
no Markdown report).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import append, goals, latency, render, report, results_io
from bench.environment import BenchEnv, isolated
from bench.pipeline import Pipeline
from services import processes
from shared.service import Service


@dataclass(frozen=True)
class Profile:
    append: append.AppendSizes
    latency: latency.LatencySizes
    render: render.RenderSizes
    sizes: tuple[int, ...]  # store sizes, growing
    headline_size: int  # the size whose figures are held against G3-G5; sizes up to it get ``append.reps`` runs
    whole_limit: int = 10**12  # larger stores are measured on their last ``window`` events
    window: int = 20_000


PROFILES = {
    "smoke": Profile(
        append.AppendSizes(20, 2, 1),
        latency.LatencySizes(20, 1),
        render.RenderSizes(render.ENTRIES, 5, 1, warm_up=2),
        (200, 400),
        200,
    ),
    "quick": Profile(
        append.AppendSizes(300, 20, 3),
        latency.LatencySizes(300, 2),
        render.RenderSizes(render.ENTRIES, 150, 2),
        (2_000, 10_000, 20_000),
        10_000,
    ),
    "full": Profile(
        append.AppendSizes(1000, 50, 3),
        latency.LatencySizes(1000, 2),
        render.RenderSizes(render.ENTRIES, 500, 4),
        (10_000, 100_000, 1_000_000),
        10_000,
        whole_limit=100_000,
        window=20_000,
    ),
}


def log(message: str) -> None:
    print(f"{datetime.now():%H:%M:%S} bench: {message}", file=sys.stderr, flush=True)


class Watch:
    """Notes restarts of PostgreSQL or Kafka (by other people's tests) phase by phase."""

    def __init__(self, bench: BenchEnv) -> None:
        self.bench = bench
        self.pids = bench.server_pids()
        self.found: list[str] = []

    def check(self, phase: str) -> None:
        now = self.bench.server_pids()
        self.found += [
            f"{name} was restarted during {phase} (pid {self.pids[name]} → {now[name]})"
            for name in now
            if now[name] != self.pids[name]
        ]
        self.pids = now


def measure(bench: BenchEnv, profile: Profile, watch: Watch, only: str | None = None) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    if only == "render":
        figures.update(_render(bench, profile, watch))
        return {
            "figures": figures,
            "machine": results_io.machine(_pg_version(bench)),
            "config": _config(bench, profile),
        }
    log(f"append: {profile.append}")
    rates = append.run(bench, profile.append)
    watch.check("the append measurements")
    figures.update({k: v.as_json() for k, v in rates.items()})
    log("append: " + ", ".join(f"{k} {v.value:,.0f}/s" for k, v in rates.items()))
    if only == "append":
        return {
            "figures": figures,
            "machine": results_io.machine(_pg_version(bench)),
            "config": _config(bench, profile),
        }

    log(f"end-to-end latency: {profile.latency}")
    lat = latency.run(bench, profile.latency, rates["append.http"].value)
    for key in ("e2e_db", "e2e_api", "command", "pg_commit", "kafka"):
        figures[f"latency.{key}"] = lat[key]
    figures["latency.e2e_db"]["rate"] = lat["rate"]["achieved"]
    figures["latency.e2e_api"]["rate"] = lat["rate"]["achieved"]
    watch.check("the latency measurements")
    log(
        "latency p50/p99 ms: "
        + ", ".join(f"{k} {lat[k]['p50']:.1f}/{lat[k]['p99']:.1f}" for k in ("e2e_db", "e2e_api", "pg_commit", "kafka"))
    )
    figures.update(_render(bench, profile, watch))

    pipeline = Pipeline(bench)
    stages: list[dict[str, Any]] = []
    try:
        bench.stable(pipeline.reset_store, "emptying the store")
        for size in profile.sizes:
            reps = profile.append.reps if size <= profile.headline_size else 1
            log(f"store of {size:,} events")
            stage = pipeline.stage(size, reps, profile.whole_limit, profile.window)
            watch.check(f"the store of {size:,} events")
            stages.append(
                {
                    "size": size,
                    "reps": stage.reps,
                    "measured": stage.measured,
                    "notes": stage.notes,
                    "rates": {k: v.as_json() for k, v in stage.rates.items()},
                }
            )
            log(
                f"  {stage.measured:,} events, {stage.reps} runs: "
                + ", ".join(f"{k} {v.value:,.0f}/s" for k, v in stage.rates.items())
                + "; "
                + "; ".join(stage.notes)
            )
        pg_version = _pg_version(bench)
    finally:
        pipeline.close()
    headline = next(s for s in stages if s["size"] == profile.headline_size)["rates"]
    for key in ("relay", "raw_producer"):
        figures[f"relay.{key}"] = headline[key]
    for key in ("projector", "raw_consumer", "rebuild", "select_decode"):
        figures[f"projection.{key}"] = headline[key]
    return {
        "figures": figures,
        "growth": {"sizes": list(profile.sizes), "stages": stages, "ratios": goals.growth_ratios(stages)},
        "machine": results_io.machine(pg_version),
        "config": _config(bench, profile),
    }


def _render(bench: BenchEnv, profile: Profile, watch: Watch) -> dict[str, Any]:
    log(f"page rendering: {profile.render}")
    figures = render.run(bench, profile.render)
    watch.check("the page rendering measurements")
    page, history = figures["render.page"], figures["render.history"]
    log(
        f"page rendering ms p50/mean: case page {page['p50']:.1f}/{page['mean']:.1f}, "
        f"JSON history {history['p50']:.1f}/{history['mean']:.1f}, ratio {page['p50'] / history['p50']:.2f}"
    )
    return figures


def _config(bench: BenchEnv, profile: Profile) -> dict[str, Any]:
    return {
        "append": {"single": profile.append.single, "batches": profile.append.batches},
        "latency": {"samples": profile.latency.samples * profile.latency.rounds},
        "render": {
            "entries": profile.render.entries,
            "pairs": profile.render.pairs * profile.render.rounds,
            "warm_up": profile.render.warm_up,
        },
        "reps": profile.append.reps,
        "headline_size": profile.headline_size,
        "whole_limit": profile.whole_limit if profile.whole_limit < max(profile.sizes) else None,
        "window": profile.window if profile.whole_limit < max(profile.sizes) else None,
        "partitions": bench.infra.topic_partitions,
    }


def disturbances(result: dict[str, Any], watch: Watch) -> list[str]:
    """What may have spoilt figures of this run (restarts, retried deliveries, projector errors)."""
    found = list(watch.found) + watch.bench.repeated
    if result["process_warnings"]:
        found.append(f"the service processes logged {len(result['process_warnings'])} warnings (see the JSON)")
    for stage in result.get("growth", {}).get("stages", []):
        r = stage["rates"]
        failures = r["relay"].get("failures", 0)
        errors = r["projector"].get("errors", 0) + r["projector"].get("fenced", 0)
        if failures or errors:
            found.append(
                f"store of {stage['size']:,}: {failures} relay delivery failures, {errors} projector errors/re-seeks"
            )
    return found


def _process_warnings(bench: BenchEnv, limit: int = 50) -> list[str]:
    """Warnings and errors the service processes (API, relay, projector) logged during the run."""
    lines: list[str] = []
    for path in sorted((bench.run_dir / "logs").glob("*.log")):
        lines += [
            f"{path.stem}: {line}"
            for line in path.read_text(errors="replace").splitlines()
            if (" WARNING " in line or " ERROR " in line) and "No partition metadata" not in line
        ]
    return lines[-limit:]


def _pg_version(bench: BenchEnv) -> str:
    with bench.pg(Service.INTAKE) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--smoke",
        dest="mode",
        action="store_const",
        const="smoke",
        help="every measurement with tiny sizes (seconds; for the smoke test)",
    )
    modes.add_argument("--quick", dest="mode", action="store_const", const="quick", help="the default")
    modes.add_argument(
        "--full", dest="mode", action="store_const", const="full", help="store sizes 10k → 100k → 1M (about 20 minutes)"
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help="where <timestamp>-<mode>.json and latest.json go "
        "(default bench/results, bench/results/smoke for --smoke)",
    )
    parser.add_argument(
        "--docs", type=Path, default=None, help="Markdown report to write (default docs/benchmarks.md; not for --smoke)"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not write the Markdown report")
    parser.add_argument("--keep", action="store_true", help="keep the database and topics afterwards")
    parser.add_argument(
        "--only",
        choices=("append", "render"),
        default=None,
        help="run one phase alone: append (G1, G2, G11) or render (G12); JSON to bench/results/<phase>/ "
        "(bench/results/smoke/<phase>/ for --smoke), no Markdown report",
    )
    args = parser.parse_args(argv)
    mode = args.mode or "quick"
    results_dir = args.results_dir or (results_io.RESULTS_DIR / "smoke" if mode == "smoke" else results_io.RESULTS_DIR)
    if args.only and args.results_dir is None:
        results_dir = results_dir / args.only
    docs = None if args.no_docs or args.only else (args.docs or (None if mode == "smoke" else report.DOCS_PATH))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    logging.getLogger("kafka.cluster").setLevel(logging.CRITICAL)  # "Metadata refresh: failed Cancelled" on close

    started_at = datetime.now(UTC)
    started = time.monotonic()
    load_start = results_io.loadavg()
    with isolated(keep=args.keep) as bench:
        log(f"{mode} run {bench.run_id}: database {bench.infra.pg_db}, topics {bench.infra.topic_prefix}.*")
        watch = Watch(bench)
        try:
            result = measure(bench, PROFILES[mode], watch, args.only)
        finally:
            for spec in processes.ALL_PROCESSES:
                bench.stop_process(spec)
        result["process_warnings"] = _process_warnings(bench)
    result = {
        "schema": 1,
        "mode": mode,
        "command": "bash bench/run.sh"
        + ("" if mode == "quick" else f" --{mode}")
        + (f" --only {args.only}" if args.only else ""),
        "only": args.only,
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "load": {"start": load_start, "end": results_io.loadavg()},
        **result,
    }
    result["ratios"] = goals.evaluate(result["figures"])
    result["disturbances"] = disturbances(result, watch)
    for line in result["disturbances"]:
        log(f"warning: {line}")
    path = results_io.write_json(result, results_dir)
    print(report.summary_table(result))
    if args.only in (None, "render"):
        print()
        print(report.render_table(result))
    if not args.only:
        print()
        print(report.latency_table(result))
        print()
        print(report.growth_table(result))
    if docs is not None:
        docs.write_text(report.markdown(result))
        log(f"wrote {docs}")
    log(f"results: {path} ({result['duration_s']:.0f}s)")
    return 0
