"""``kim``: run, operate and seed the KIM case exchange."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from services import processes
from services.runner import ProcessKind, run
from shared.service import Service
from shared.settings import REPO_ROOT, ConfigurationError, InfraSettings, get_settings

app = typer.Typer(
    help="KIM case exchange: intake, foreign office and Kobiz on PostgreSQL and Kafka.", no_args_is_help=True
)
console = Console()
INFRA_SCRIPT = REPO_ROOT / "deploy" / "infra.sh"


def infra(*args: str) -> int:
    """Run ``deploy/infra.sh`` with the given arguments."""
    return subprocess.run(["bash", str(INFRA_SCRIPT), *args], check=False).returncode


@app.command()
def serve(service: Service, kind: ProcessKind) -> None:
    """Run one process (api, relay or projector) of one service in the foreground."""
    run(service, kind)


@app.command("create-topics")
def create_topics() -> None:
    """Create the service topics (never auto-created), the services' Kafka users and their ACLs, as kim-admin."""
    from shared.bus.kafka import provision

    settings = InfraSettings()
    done = provision(settings)
    for name, outcome in done.topics.items():
        console.print(f"topic {name}: {outcome} ({settings.topic_partitions} partitions, retention forever)")
    console.print(f"kafka users: {', '.join(done.users)} (SCRAM-SHA-256); {done.acls} ACLs")


@app.command()
def migrate(
    services: Annotated[list[Service] | None, typer.Argument(help="Default: every service.")] = None,
) -> None:
    """Create every table as the service's owner role and grant its runtime role what it needs (idempotent)."""
    from services.bootstrap import migrate as do_migrate
    from shared.persistence.pool import APPEND_ONLY, EVENT_TABLE

    labels = {
        EVENT_TABLE: "SELECT, INSERT (append-only: UPDATE only for the recorder's LOCK TABLE, rejected by a trigger)",
        APPEND_ONLY: "SELECT, INSERT (append-only)",
    }
    for service in services or list(Service):
        by_rights: dict[str, list[str]] = {}
        for table, privileges in sorted(do_migrate(service).items()):
            by_rights.setdefault(labels.get(privileges, privileges), []).append(table)
        console.print(f"{service.value}: tables created by {service.value}_owner; the runtime role {service.value} may")
        for privileges, tables in by_rights.items():
            console.print(f"  {privileges}: {', '.join(tables)}", highlight=False, soft_wrap=True)


@app.command()
def start(
    demo: Annotated[bool, typer.Option(help="Seed a demo case through the HTTP APIs.")] = False,
    with_infra: Annotated[bool, typer.Option("--infra/--no-infra", help="Also start PostgreSQL and Kafka.")] = True,
) -> None:
    """Start PostgreSQL, Kafka and every service process; print the URLs."""
    settings = InfraSettings()
    if with_infra and infra("start") != 0:
        raise typer.Exit(1)
    migrate()
    create_topics()
    for spec in processes.ALL_PROCESSES:
        pid, started = processes.start(settings.state_dir, spec)
        console.print(f"{spec.name}: {'started' if started else 'already running'} (pid {pid})")
    if not wait_ready(timeout_s=120):
        console.print("[red]Nicht alle Dienste sind bereit; siehe .kim/logs/.[/red]")
        raise typer.Exit(1)
    if demo:
        seed_demo()
    print_urls()


@app.command()
def stop(
    with_infra: Annotated[bool, typer.Option("--infra/--no-infra", help="Also stop PostgreSQL and Kafka.")] = True,
) -> None:
    """Stop every service process (and the infrastructure)."""
    settings = InfraSettings()
    for spec in reversed(processes.ALL_PROCESSES):
        was = processes.stop(settings.state_dir, spec)
        console.print(f"{spec.name}: {'stopped' if was else 'not running'}")
    if with_infra:
        infra("stop")


@app.command()
def status() -> None:
    """Show processes, infrastructure and readiness."""
    settings = InfraSettings()
    infra("status")
    table = Table("process", "pid")
    for spec in processes.ALL_PROCESSES:
        pid = processes.running_pid(settings.state_dir, spec)
        table.add_row(spec.name, str(pid) if pid else "-")
    console.print(table)
    for service in Service:
        console.print(service.value, readiness(service))


@app.command()
def rebuild(service: Service) -> None:
    """Rebuild a service's projection from Kafka into fresh tables, then swap them in."""
    from services.bootstrap import build_container, readable_topics
    from shared.bus.kafka import make_consumer
    from shared.projection.pg_store import PostgresCaseHistoryStore
    from shared.projection.rebuild import rebuild as do_rebuild

    # The rebuild replaces the view's tables: it runs as the owner role (the runtime role keeps its
    # rights on the new tables through the schema's default privileges, see `kim migrate`).
    settings = get_settings(service)
    container = build_container(service, settings.as_owner())
    assert isinstance(container.store, PostgresCaseHistoryStore)
    consumer = make_consumer(
        settings.infra.kafka_bootstrap,
        group_id=None,
        client_id="kim-rebuild",
        credentials=settings.kafka_credentials("projector"),
    )
    try:
        with Progress(
            TextColumn("Projektion neu aufbauen"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("rebuild", total=None)
            counts = do_rebuild(
                service,
                container.store,
                consumer,
                readable_topics(container.settings),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        consumer.close()
        container.close()
    console.print(
        f"{service.value}: {counts['timeline']} events, {counts['cases']} cases, {counts['dead_letters']} dead letters"
    )


dead_letters_app = typer.Typer(
    help="Records a projection parked as dead letters: list and replay.", no_args_is_help=True
)
app.add_typer(dead_letters_app, name="dead-letters")


@dead_letters_app.command("list")
def dead_letters_list(
    service: Service,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many, newest first.")] = 100,
) -> None:
    """Show the records a service's projector parked."""
    from services.bootstrap import build_container

    container = build_container(service)
    try:
        dead = container.store.dead_letters(limit)
    finally:
        container.close()
    table = Table("id", "topic/partition@offset", "parked at", "replayed at", "reason")
    for d in dead:
        table.add_row(
            str(d.id),
            f"{d.topic}/{d.partition}@{d.offset}",
            f"{d.parked_at:%Y-%m-%d %H:%M:%S}",
            f"{d.replayed_at:%Y-%m-%d %H:%M:%S}" if d.replayed_at else "-",
            d.reason,
        )
    console.print(table)


@dead_letters_app.command("replay")
def dead_letters_replay(
    service: Service,
    ids: Annotated[
        list[int] | None,
        typer.Option("--id", help="Replay this dead letter (repeatable); default: every one not replayed yet."),
    ] = None,
) -> None:
    """Decode parked records again and apply those that are valid now (exit 1 if any stays parked)."""
    from services.bootstrap import build_container
    from shared.bus.kafka import make_consumer
    from shared.projection.replay import replay_dead_letters

    container = build_container(service)
    settings = container.settings
    try:
        results = replay_dead_letters(
            container.store,
            ids or None,
            fetcher_factory=lambda: make_consumer(
                settings.infra.kafka_bootstrap,
                group_id=None,
                client_id=f"kim-replay-{service.slug}",
                credentials=settings.kafka_credentials("projector"),
            ),
        )
    finally:
        container.close()
    for r in results:
        event = f" {r.event}" if r.event else ""
        detail = "" if r.outcome.resolved else f": {r.reason}"
        console.print(f"dead letter {r.id}: {r.outcome.value}{event}{detail}", highlight=False)
    if not results:
        console.print("no dead letters to replay")
    if any(not r.outcome.resolved for r in results):
        raise typer.Exit(1)


@app.command("import")
def import_file(
    service: Service,
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON lines, see docs/import.md")
    ],
) -> None:
    """Import existing case files (backdated events); safe to run again."""
    import json as _json

    from services.bootstrap import build_container, build_importer
    from services.importer import count_lines

    container = build_container(service)
    try:
        importer = build_importer(container)
        with Progress(
            TextColumn("Import"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as bar:
            task = bar.add_task("import", total=count_lines(path))
            report = importer.import_file(path, progress=lambda n: bar.advance(task, n))
    finally:
        container.close()
    errors_path = path.with_suffix(path.suffix + ".errors.jsonl")
    if report.errors:
        errors_path.write_text("".join(_json.dumps(e, ensure_ascii=False) + "\n" for e in report.errors))
    console.print(
        f"{report.imported} übernommen, {report.skipped} bereits vorhanden, {report.failed} fehlerhaft"
        + (f" (siehe {errors_path})" if report.errors else "")
    )
    if report.failed:
        raise typer.Exit(1)


@app.command()
def asyncapi() -> None:
    """Print the AsyncAPI document of the published events (docs/asyncapi.json)."""
    from shared.bus.asyncapi import render

    sys.stdout.write(render())


@app.command("seed-demo")
def seed_demo() -> None:
    """Create a realistic demo case through the HTTP APIs."""
    from services.demo import seed_demo_case

    result = seed_demo_case()
    console.print(f"Demo-Fall angelegt: {result.case_id} ({len(result.positions)} Ereignisse)")


def readiness(service: Service) -> str:
    settings = get_settings(service)
    try:
        response = httpx.get(f"http://{settings.http_host}:{settings.http_port}/readyz", timeout=5)
    except httpx.HTTPError as exc:
        return f"not answering ({type(exc).__name__})"
    body = response.json()
    procs = body.get("processes", {})
    beating = all(k in procs and procs[k]["age_s"] < 10 for k in ("relay", "projector"))
    return "ready" if response.status_code == 200 and beating else f"not ready: {body}"


def wait_ready(timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    pending = set(Service)
    while pending and time.monotonic() < deadline:
        pending = {s for s in pending if readiness(s) != "ready"}
        if pending:
            time.sleep(0.5)
    return not pending


def print_urls() -> None:
    for service in Service:
        s = get_settings(service)
        url = f"http://{s.http_host}:{s.http_port}"
        console.print(f"{service.value:15} {url}/docs   (OpenAPI: {url}/openapi.json)")


def main() -> None:
    try:
        app()
    except ValidationError as exc:
        # Fail fast on a bad configuration, naming the offending settings.
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "settings"
            console.print(f"[red]Ungültige Konfiguration[/red] {exc.title}.{field}: {error['msg']}")
        raise SystemExit(2) from None
    except ConfigurationError as exc:
        # A secret that is missing or a development default in production (never its value).
        console.print(f"[red]Ungültige Konfiguration[/red] {exc}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
