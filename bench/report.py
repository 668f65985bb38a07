"""The Markdown report and the tables a run prints: figures, ratios against docs/pipeline.md §7, growth."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from bench.goals import LATENCY_FIGURES, RENDER_FIGURES
from shared.settings import REPO_ROOT

DOCS_PATH = REPO_ROOT / "docs" / "benchmarks.md"

LABELS = {
    "append.http": "HTTP command → stored event (1/txn)",
    "append.http_bare": "the same HTTP command without identity (bench-only app)",
    "append.save": "bare `save()`, 1 event/txn",
    "append.raw_insert": "raw psycopg autocommit INSERT",
    "append.batch_save": "batched `save()`, 100 events/txn",
    "append.raw_executemany": "raw `executemany`, 100 rows/txn",
    "relay.relay": "outbox relay, store → Kafka",
    "relay.raw_producer": "raw kafka-python producer",
    "projection.projector": "projector, Kafka → view + offsets",
    "projection.raw_consumer": "raw kafka-python consumer",
    "projection.rebuild": "rebuild of kobiz's view (`rebuild()`)",
    "projection.select_decode": "`select_notifications` + decode",
    "latency.e2e_db": "command → in kobiz's view (DB poll)",
    "latency.e2e_api": "command → kobiz read `after=&wait=`",
    "latency.command": "HTTP command round trip",
    "latency.pg_commit": "raw PostgreSQL commit (INSERT)",
    "latency.kafka": "raw Kafka produce → consume",
    "render.history": "JSON history call `GET /kobiz/cases/{id}/history`",
    "render.page": "case page `GET /kobiz/ui/cases/{id}`",
}


def _num(value: float, unit: str = "") -> str:
    if not math.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def _si(n: int) -> str:
    return (
        f"{n // 1_000_000}M"
        if n >= 1_000_000 and n % 1_000_000 == 0
        else (f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n))
    )


def _ratio(value: float, kind: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    if kind == "pct":
        return f"{value * 100:.0f}%"
    if kind == "x":
        return f"{value:.1f}×"
    if kind == "ms":
        return f"{value:.1f} ms"
    return _num(value)


def _target(row: dict[str, Any]) -> str:
    if row["target"] is None:
        return "—"
    op = "≥" if row["op"] == ">=" else "≤"
    kind = row["kind"]
    target = row["target"]
    text = {"pct": f"{target * 100:.0f}%", "x": f"{target:g}×", "ms": f"{target:g} ms"}.get(kind, f"{target:g}")
    return f"{op} {text}"


def _figure(figures: dict[str, Any], key: str) -> str:
    f = figures[key]
    if key in RENDER_FIGURES:
        return f"p50 {_num(f['p50'])} / mean {_num(f['mean'])} ms"
    if "p50" in f:
        return f"p50 {_num(f['p50'])} / p99 {_num(f['p99'])} ms"
    return _num(f["value"], f["unit"])


def summary_table(result: dict[str, Any]) -> str:
    """The compact table (also copied into the README)."""
    figures = result["figures"]
    lines = [
        "| Goal | Comparison | Measured | Raw baseline (same run) | Ratio | Target | Met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["ratios"]:
        subject = _figure(figures, row["subject"])
        if row["baseline"] == "floor":
            baseline = (
                f"PG commit p50 {_num(figures['latency.pg_commit']['p50'])} + "
                f"Kafka p50 {_num(figures['latency.kafka']['p50'])} ms"
            )
        elif row["baseline"]:
            baseline = f"{LABELS[row['baseline']]}: {_figure(figures, row['baseline'])}"
        else:
            baseline = "—"
        if row["kind"] == "n":
            subject = f"{_num(row['value'])} events/txn"
        met = "—" if row["met"] is None else ("yes" if row["met"] else "**no**")
        lines.append(
            f"| {row['goal']} | {row['label']} | {subject} | {baseline} | "
            f"{_ratio(row['value'], row['kind'])} | {_target(row)} | {met} |"
        )
    return "\n".join(lines)


def latency_table(result: dict[str, Any]) -> str:
    figures = result["figures"]
    lines = ["| Latency | samples | p50 | p95 | p99 | max |", "|---|---|---|---|---|---|"]
    for key in LATENCY_FIGURES:
        f = figures[key]
        lines.append(
            f"| {LABELS[key]} | {f['count']} | {_num(f['p50'])} ms | {_num(f['p95'])} ms | "
            f"{_num(f['p99'])} ms | {_num(f['max'])} ms |"
        )
    b = figures["latency.e2e_db"].get("breakdown", {})
    if "api" in b:
        lines.append("")
        lines.append(
            "Where the time goes (p50 / p95, from the timestamps the pipeline leaves): "
            f"event recorded → API answered {_num(b['api']['p50'])} / {_num(b['api']['p95'])} ms; "
            f"recorded → relay's Kafka send {_num(b['relay']['p50'])} / {_num(b['relay']['p95'])} ms; "
            f"Kafka send → projector transaction start {_num(b['kafka_to_projector']['p50'])} / "
            f"{_num(b['kafka_to_projector']['p95'])} ms; "
            f"transaction start → visible {_num(b['projector_txn']['p50'])} / {_num(b['projector_txn']['p95'])} ms."
        )
    return "\n".join(lines)


def render_table(result: dict[str, Any]) -> str:
    """The two timings of G12, side by side."""
    figures = result["figures"]
    lines = ["| Page rendering (G12) | requests | p50 | mean | p95 | p99 | size |", "|---|---|---|---|---|---|---|"]
    for key in RENDER_FIGURES:
        f = figures[key]
        lines.append(
            f"| {LABELS[key]} | {f['count']} | {_num(f['p50'])} ms | {_num(f['mean'])} ms | {_num(f['p95'])} ms | "
            f"{_num(f['p99'])} ms | {f['bytes'] / 1024:,.0f} KiB |"
        )
    page, history = figures["render.page"], figures["render.history"]
    lines.append("")
    lines.append(
        f"Ratio page ÷ JSON: p50 {page['p50'] / history['p50']:.2f}×, mean {page['mean'] / history['mean']:.2f}× "
        f"(a case of {page['entries']} timeline entries; access-log entries written: history "
        f"{history['access_log_rows']:,}, page {page['access_log_rows']:,}, for {page['requests']:,} requests each)."
    )
    return "\n".join(lines)


def growth_table(result: dict[str, Any]) -> str:
    growth = result["growth"]
    lines = [
        "| Store size | Relay | vs raw producer | Projector | vs raw consumer | Rebuild | vs raw consumer "
        "| select+decode |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for stage in growth["stages"]:
        r = stage["rates"]

        def rate(a: str, r: dict[str, Any] = r) -> str:
            return f"{_num(r[a]['value'])} ev/s" if a in r else "n/a"

        def share(a: str, b: str, r: dict[str, Any] = r) -> str:
            return f"{r[a]['value'] / r[b]['value'] * 100:.0f}%" if a in r and b in r else "—"

        size = f"{_si(stage['size'])} events"
        if stage["measured"] != stage["size"]:
            size += f" (last {_si(stage['measured'])})"
        lines.append(
            f"| {size} | {rate('relay')} | {share('relay', 'raw_producer')} | "
            f"{rate('projector')} | {share('projector', 'raw_consumer')} | "
            f"{rate('rebuild')} | {share('rebuild', 'raw_consumer')} | {rate('select_decode')} |"
        )
    g = growth["ratios"]

    def factor(key: str) -> str:
        return f"{g[key]['value']:.2f}× ({_si(g[key]['from'])}→{_si(g[key]['to'])})"

    lines.append(
        f"| largest ÷ smallest | {factor('relay')} | raw {factor('raw_producer')} | {factor('projector')} | "
        f"raw {factor('raw_consumer')} | {factor('rebuild')} | | {factor('select_decode')} |"
    )
    return "\n".join(lines)


def disturbed(result: dict[str, Any]) -> str:
    found = result.get("disturbances") or []
    if len(found) > 6:
        found = [*found[:5], f"and {len(found) - 5} more (see the JSON)"]
    return "\n- **Disturbed:** " + "; ".join(found) + "." if found else ""


def growth_text(result: dict[str, Any]) -> str:
    cfg = result["config"]
    text = (
        "Each size: the intake store is topped up with batched saves (cases of two events), the relay "
        "drains it to a fresh topic, the projector consumes that topic into fresh view tables, and a "
        "rebuild reads it again; rates are the best of the runs at that size (one run above "
        f"{_si(cfg['headline_size'])})."
    )
    if cfg.get("window"):
        text += (
            f" Stores above {_si(cfg['whole_limit'])} events are measured on their last "
            f"{_si(cfg['window'])} events: the relay starts from a saved position, and the projector "
            "writes into a view that already holds the rest of the store (copies of really projected "
            "rows with other keys, made in SQL); a rebuild always reads the whole topic, so it is not "
            "measured there."
        )
    return text


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    libs = m["libraries"]
    met = [r for r in result["ratios"] if r["met"] is not None]
    goals: dict[str, bool] = {}
    for r in met:
        goals[r["goal"]] = goals.get(r["goal"], True) and r["met"]
    verdict = ", ".join(f"{g} {'met' if ok else 'not met'}" for g, ok in goals.items())
    cfg = result["config"]
    started = datetime.fromisoformat(result["started_at"])
    e2e_rate = _num(result["figures"]["latency.e2e_db"]["rate"])
    return f"""# Benchmarks

Measured speed of the real stack (PostgreSQL, Kafka, the service code), each figure
against a raw baseline measured **in the same run** on the same machine, as
docs/pipeline.md §7 asks. Generated by `{result["command"]}`; do not edit by hand.

- **Run:** {started:%Y-%m-%d %H:%M} UTC, mode `{result["mode"]}`, {result["duration_s"] / 60:.1f} min;
  load average {" / ".join(f"{x:.2f}" for x in result["load"]["start"])} at the start,
  {" / ".join(f"{x:.2f}" for x in result["load"]["end"])} at the end (other work shares the machine).
- **Machine:** {m["nproc"]} cores ({m["cpu"]}), {m["memory_gib"]} GiB, Linux {m["kernel"]};
  PostgreSQL {m["postgresql"]} (fsync on, synchronous_commit on), Kafka {m["kafka"]} (one broker, KRaft,
  {cfg["partitions"]} partitions per topic); Python {m["python"]}, eventsourcing {libs["eventsourcing"]},
  kafka-python {libs["kafka-python"]}, psycopg {libs["psycopg"]}.
- **Goals:** {verdict}.{disturbed(result)}

## Against the goals of docs/pipeline.md §7

Rates are the best of {cfg["reps"]} runs (noise only slows a run down); relay, projector and
rebuild at a store of {_si(cfg["headline_size"])} events; latencies at {e2e_rate}
commands/s, half the measured HTTP maximum.

{summary_table(result)}

{latency_table(result)}

{render_table(result)}

## As the store grows

{growth_text(result)}

{growth_table(result)}

## How it is measured

- **Isolation:** a database `kim_bench_<id>` (set up by `deploy/infra.sh start postgres`, i.e.
  `deploy/postgres/init.sql`) and topics `bench-<id>.*`, removed afterwards. Settings are the
  services' defaults (`shared/settings.py`). PostgreSQL and Kafka are shared with whoever else uses
  the machine: a measurement during which either was restarted is thrown away and repeated, and
  such events are listed under "Disturbed" above.
- **Append (G1, G2):** {cfg["append"]["single"]} sequential `POST /intake/cases` to the intake API
  process (httpx, one connection) vs. as many `IntakeApplication.save(case)` in-process vs. raw
  autocommit INSERTs of a row of the same size ({result["figures"]["append.raw_insert"]["row_bytes"]} B state)
  into a table shaped like eventsourcing's; {cfg["append"]["batches"]} batches of 100 aggregates in
  one `save(*cases)` vs. `executemany` of 100 rows in one transaction.
- **Identity (G11):** the same {cfg["append"]["single"]} sequential `POST /intake/cases` (same body, 201,
  one connection) to the intake API process with a Keycloak token (verified against the realm's cached
  keys, both checks, an access-log entry written in the command's transaction) vs. to a bench-only app
  (`bench/bare_api.py`, a uvicorn process of its own on the same database) that runs the same route
  code (strict body check, Idempotency-Key handling, the use case of intake's command table) without
  token, checks, access log or correlation id; the two take turns going first in each run.
- **Relay (G3):** the real `Relay`, built by `services.bootstrap.build_relay` (batch
  {result["figures"]["relay.relay"]["batch_size"]}, acks=all, idempotent, linger as configured) in a
  thread drains the store to a fresh topic; timed from start until `stats.position` reaches the last
  id. Baseline: a `make_producer()` producer sends the same number of the relay's messages
  ({result["figures"]["relay.raw_producer"]["message_bytes"]} B key+value), then flushes once. "Peak
  append" is the single-event `save()` rate (commands store one transaction each).
- **Projection (G4, G5):** the real `Projector`, built by `services.bootstrap.build_projector`, with a
  `PostgresCaseHistoryStore` (kobiz's policy, fresh prefixed tables) vs. a raw consumer with the same
  settings that only iterates the records; a full `rebuild()` of kobiz's view from the same topic.
  Consumers are timed from the moment they have their partitions (a group join does not count; the
  first fetch does). The project rebuilds from Kafka, so G5's "raw read of the source" is the raw
  consumer; `select_notifications` + decode (the event-store read G5 names) is shown for reference.
- **End to end (G7):** intake API + relay, kobiz projector + API running as processes; commands at a
  steady rate; latency from the accepted response until kobiz's `processed_events` has the event
  (polled every {result["figures"]["latency.e2e_db"]["poll_interval_ms"]:g} ms), and until kobiz's
  `GET …/history?after=<token>&wait=10` returns. Baselines: raw autocommit INSERT round trips, and
  kafka-python `send().get()` then `poll()` of one message (acks=all, linger 0), sequential.
- **Page rendering (G12):** one case with {result["figures"]["render.page"]["entries"]} timeline entries in
  Kobiz's view (put in through the view's own `apply_batch`, records encoded as the relays publish them);
  Kobiz's API process (uvicorn, web views mounted) answers {cfg["render"]["pairs"]} pairs of
  `GET /kobiz/cases/{{id}}/history` (bearer token) and `GET /kobiz/ui/cases/{{id}}` (the cookie of a web
  session signed in directly in the service's session store with the same Keycloak token), over one
  connection, taking turns going first, each request timed on its own after {cfg["render"]["warm_up"]}
  warm-up pairs. Both verify the token, check function and object level and write their access-log
  entries; the page also looks up its session, evaluates the Perspektive, builds the forms and renders
  the templates. The goal holds the p50s against each other; the means are shown for reference.

Run it: `bash bench/run.sh` (quick, about 5 min), `bash bench/run.sh --full` (store sizes up to 1M),
`bash bench/run.sh --smoke` (seconds; used by `tests/bench/test_bench_smoke.py`), one phase alone with
`--only append` or `--only render` (JSON in `bench/results/<phase>/`, no report). Results:
`bench/results/latest.json`.
"""
