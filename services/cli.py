"""``kim``: run, operate and seed the KIM case exchange."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol
from uuid import UUID

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from services import processes
from services.runner import ProcessKind, run
from shared.errors import KimError
from shared.identity.device import CliSession, DeviceLogin, LoginSettings, TokenFile
from shared.identity.settings import IdentitySettings
from shared.service import Service
from shared.settings import REPO_ROOT, ConfigurationError, InfraSettings, get_settings

if TYPE_CHECKING:
    from kafka import KafkaConsumer

    from shared.projection.records import ReplayResult
    from shared.settings import ServiceSettings

OPERATIONS_COMMANDS = (
    "create-topics",
    "migrate",
    "start",
    "stop",
    "status",
    "rebuild",
    "dead-letters list",
    "dead-letters replay",
    "dead-letters resolve",
)
"""Commands that talk to the local database or Kafka directly, with the host's credentials: no token. Each
one's help states it ("needs local infrastructure access", tests/unit/test_cli_access.py checks it)."""
LOGIN_COMMANDS = ("access-log",)
"""Commands that read person-level data through a service's HTTP API: with the token of `kim login`."""

app = typer.Typer(
    help="KIM case exchange: intake, foreign office and Kobiz on PostgreSQL and Kafka.\n\n"
    "Who may run what: operations commands (create-topics, migrate, start, stop, status, rebuild, "
    "dead-letters) need local infrastructure access (this host's database and Kafka credentials) or, "
    "against the HTTP API, the operator role. `kim import` runs under the department's service account "
    "(kim-import-<service>). Commands that read case data (access-log) use your own login: `kim login`.",
    no_args_is_help=True,
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
    """Create the service topics (never auto-created), the services' Kafka users and their ACLs, as kim-admin.

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
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
    """Create every table as the service's owner role and grant its runtime role what it needs (idempotent).

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
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
    with_infra: Annotated[
        bool, typer.Option("--infra/--no-infra", help="Also start PostgreSQL, Kafka and Keycloak.")
    ] = True,
) -> None:
    """Start PostgreSQL, Kafka, Keycloak and every service process; print the URLs (and the demo users).

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
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
    print_urls(demo_users=demo)


@app.command()
def stop(
    with_infra: Annotated[
        bool, typer.Option("--infra/--no-infra", help="Also stop PostgreSQL, Kafka and Keycloak.")
    ] = True,
) -> None:
    """Stop every service process (and the infrastructure).

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
    settings = InfraSettings()
    for spec in reversed(processes.ALL_PROCESSES):
        was = processes.stop(settings.state_dir, spec)
        console.print(f"{spec.name}: {'stopped' if was else 'not running'}")
    if with_infra:
        infra("stop")


@app.command()
def status() -> None:
    """Show processes, infrastructure and readiness.

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
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
    """Rebuild a service's projection from Kafka into fresh tables, then swap them in.

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
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
    """Show the records a service's projector parked.

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
    from services.bootstrap import build_container

    container = build_container(service)
    try:
        dead = container.store.dead_letters(limit)
    finally:
        container.close()
    table = Table("id", "topic/partition@offset", "type", "parked at", "settled", "consent hold", "reason")
    for d in dead:
        hold = (str(d.case_id) if d.case_id else "every case") if d.consent_hold and not d.replayed_at else "-"
        table.add_row(
            str(d.id),
            f"{d.topic}/{d.partition}@{d.offset}",
            d.type or "-",
            f"{d.parked_at:%Y-%m-%d %H:%M:%S}",
            f"{d.replayed_at:%Y-%m-%d %H:%M:%S} {d.resolution or ''}".strip() if d.replayed_at else "-",
            hold,
            f"{d.cause.value}: {d.reason}",
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
    """Read parked records again from Kafka and apply those that are valid now (exit 1 if any stays parked).

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
    from services.bootstrap import build_container
    from shared.projection.replay import replay_dead_letters

    container = build_container(service)
    try:
        results = replay_dead_letters(container.store, ids or None, fetcher_factory=_fetcher(container.settings))
    finally:
        container.close()
    _print_settled(results, "no dead letters to replay")


@dead_letters_app.command("resolve")
def dead_letters_resolve(
    service: Service,
    ids: Annotated[list[int], typer.Option("--id", help="Resolve this dead letter (repeatable).")],
    reason: Annotated[str, typer.Option(help="Why it needs no replay, e.g. what the owner's event store shows.")],
) -> None:
    """Settle dead letters without applying them; a consent hold they put ends (exit 1 if any is not found).

    Operations: needs local infrastructure access (this host's PostgreSQL and Kafka credentials,
    KIM_PG_*/KIM_KAFKA_*); over the HTTP API the same needs the operator role.
    """
    from services.bootstrap import build_container
    from shared.projection.replay import resolve_dead_letters

    if not 3 <= len(reason.strip()) <= 300:
        raise typer.BadParameter("Bitte einen Grund mit 3 bis 300 Zeichen angeben.", param_hint="--reason")
    container = build_container(service)
    try:
        results = resolve_dead_letters(container.store, ids, reason, fetcher_factory=_fetcher(container.settings))
    finally:
        container.close()
    _print_settled(results, "no dead letters to resolve")


def _fetcher(settings: ServiceSettings) -> Callable[[], KafkaConsumer]:
    """A consumer without a group that reads single records again (dead letters, released events)."""
    from shared.bus.kafka import make_consumer

    return lambda: make_consumer(
        settings.infra.kafka_bootstrap,
        group_id=None,
        client_id=f"kim-replay-{settings.service.slug}",
        credentials=settings.kafka_credentials("projector"),
    )


def _print_settled(results: list[ReplayResult], nothing: str) -> None:
    for r in results:
        event = f" {r.event}" if r.event else ""
        detail = "" if r.outcome.resolved else f": {r.reason}"
        console.print(f"dead letter {r.id}: {r.outcome.value}{event}{detail}", highlight=False)
    if not results:
        console.print(nothing)
    if any(not r.outcome.resolved for r in results):
        raise typer.Exit(1)


@app.command("import")
def import_file(
    service: Service,
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON lines, see docs/import.md")
    ],
) -> None:
    """Import existing case files (backdated events); safe to run again.

    Runs under the department's service account kim-import-<service> (client credentials; its secret
    from KIM_KEYCLOAK_IMPORT_<SERVICE>_SECRET): every row is authorised by the access table and
    written to the access log. Also needs this host's database credentials (local infrastructure access).
    """
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
    except KimError as exc:
        # No token, a token refused by the verifier, or not the department's service account: nothing imported.
        console.print(f"[red]Import nicht möglich:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        container.close()
    errors_path = path.with_suffix(path.suffix + ".errors.jsonl")
    if report.errors:
        errors_path.write_text("".join(_json.dumps(e, ensure_ascii=False) + "\n" for e in report.errors))
    console.print(
        f"{report.imported} übernommen, {report.skipped} bereits vorhanden, {report.failed} fehlerhaft"
        + (f" (siehe {errors_path})" if report.errors else ""),
        highlight=False,
    )
    console.print(
        f"Zugriffsprotokoll: {report.actor}, Korrelation import:{report.run_id}:<Zeile>",
        highlight=False,
    )
    if report.failed:
        raise typer.Exit(1)


def _login() -> tuple[CliSession, DeviceLogin, IdentitySettings]:
    """The CLI's login against the realm the services trust (KIM_IDENTITY_ISSUER), tokens in the user's state dir."""
    identity = IdentitySettings()
    settings = LoginSettings()
    flow = DeviceLogin(identity.issuer, settings.client_id)
    return CliSession(TokenFile(settings.path(), forbidden_root=REPO_ROOT), flow), flow, identity


@app.command()
def login() -> None:
    """Log in as yourself (OAuth 2.0 device authorization grant in the browser) for commands that read case data.

    The tokens are kept in a file only you may read (mode 0600) under $XDG_STATE_HOME/kim/
    (~/.local/state/kim/login.json; KIM_CLI_TOKEN_FILE overrides it, never inside the repository).
    """
    from shared.identity.verifier import TokenVerifier

    try:
        session, flow, identity = _login()
        code = flow.start()
        console.print("Anmeldung am KIM-Anmeldedienst:", highlight=False)
        console.print(f"  Öffnen Sie {code.verification_uri_complete or code.verification_uri}", highlight=False)
        console.print(f"  und bestätigen Sie den Code [bold]{code.user_code}[/bold].", highlight=False)
        console.print(f"  (gültig {code.expires_in // 60} Minuten; Abbruch mit Strg+C)", highlight=False)
        stored = flow.wait(code)
        principal = TokenVerifier(identity).verify(stored.access_token)
        session.store.save(stored)
    except KimError as exc:
        console.print(f"[red]Anmeldung fehlgeschlagen:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    roles = ", ".join(sorted(principal.roles)) or "keine"
    console.print(f"Angemeldet als {principal.actor} (Rollen: {roles}).", highlight=False)
    console.print(f"Anmeldedaten: {session.store.path} (nur für Sie lesbar)", highlight=False)


@app.command()
def logout() -> None:
    """End your login: the session at the identity provider, and the token file."""
    try:
        session, flow, _identity = _login()
    except KimError as exc:
        console.print(f"[red]Abmeldung nicht möglich:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    stored = session.store.load()
    ended = flow.logout(stored) if stored is not None else False
    removed = session.store.delete()
    if not removed:
        console.print("Nicht angemeldet.")
        return
    console.print("Abgemeldet." if ended else "Abgemeldet (die Sitzung beim Anmeldedienst läuft von selbst ab).")


class AccessOutcome(StrEnum):
    allowed = "allowed"
    denied = "denied"


ACCESS_LOG_COLUMNS = (
    ("Nr.", "id"),
    ("Zeitpunkt (UTC)", "at"),
    ("Akteur", "actor"),
    ("Rollen", "roles"),
    ("Zugriff", "operation"),
    ("Route", "route"),
    ("Akte/Fall", "subject_id"),
    ("KIM-Fall", "case_id"),
    ("Feldgruppe", "field_group"),
    ("Zweck", "purpose"),
    ("Berechtigung", "grant"),
    ("Grundlage", "basis"),
    ("Ergebnis", "outcome"),
    ("Korrelation", "correlation_id"),
)
"""German headings of `kim access-log` and the answer's fields they show."""
_WORDS = {"read": "lesen", "write": "schreiben", "allowed": "erlaubt", "denied": "verweigert"}


class AccessLogError(Exception):
    """The service refused or could not answer the access-log query (German text)."""


class HttpGetter(Protocol):
    """What the access-log query needs of an HTTP client (httpx, or a test client of the app)."""

    def get(self, url: str, *, params: dict[str, str], headers: dict[str, str]) -> Any: ...


def query_access_log(
    http: HttpGetter, url: str, params: dict[str, str], token: Callable[[bool], str]
) -> list[dict[str, Any]]:
    """``GET <url>`` with the logged-in person's bearer token; once more with a renewed token on 401."""
    for renew in (False, True):
        answer = http.get(url, params=params, headers={"Authorization": f"Bearer {token(renew)}"})
        if answer.status_code != 401:
            break
    if answer.status_code == 200:
        entries: list[dict[str, Any]] = answer.json()
        return entries
    reasons = {
        401: "Die Anmeldung wird nicht angenommen: bitte erneut `kim login`.",
        403: "Keine Berechtigung: das Zugriffsprotokoll sehen nur Datenschutzbeauftragte und die Rechnungsprüfung.",
        422: "Ungültige Abfrage: "
        + ", ".join(sorted({".".join(str(p) for p in e.get("loc", [])[1:]) for e in _details(answer)})),
        503: "Der Dienst ist gerade nicht verfügbar; bitte später erneut versuchen.",
    }
    raise AccessLogError(reasons.get(answer.status_code, f"Der Dienst antwortet mit HTTP {answer.status_code}."))


def _details(answer: httpx.Response) -> list[dict[str, Any]]:
    try:
        detail = answer.json().get("detail")
    except ValueError:
        return []
    return [d for d in detail if isinstance(d, dict)] if isinstance(detail, list) else []


def access_log_table(service: Service, entries: list[dict[str, Any]]) -> Table:
    """The entries as a table with German headings."""
    table = Table(*(heading for heading, _ in ACCESS_LOG_COLUMNS), title=f"Zugriffsprotokoll {service.value}")
    for entry in entries:
        cells = []
        for _heading, name in ACCESS_LOG_COLUMNS:
            value = entry.get(name)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            cells.append(_WORDS.get(str(value), "-" if value is None else str(value)))
        table.add_row(*cells)
    return table


def _moment(value: str | None, option: str) -> str | None:
    """An ISO date or time; without a time zone it is this computer's local time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            "Bitte ein Datum oder einen Zeitpunkt nach ISO 8601 angeben.", param_hint=option
        ) from None
    return (moment if moment.tzinfo else moment.astimezone()).isoformat()


@app.command("access-log")
def access_log(
    service: Service,
    case: Annotated[UUID | None, typer.Option("--case", help="A KIM case or the department's file.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Staff id (st-…) or client:<id>.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="From (inclusive), ISO 8601.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Until (exclusive), ISO 8601.")] = None,
    outcome: Annotated[AccessOutcome | None, typer.Option("--outcome", help="allowed or denied.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many, oldest first.")] = 100,
    url: Annotated[str | None, typer.Option("--url", help="The service's API; default from its settings.")] = None,
) -> None:
    """Show a service's access log (data-protection officer, auditors) through its HTTP API, as yourself.

    Needs `kim login`; the service decides by your token's roles, and logs this read too.
    """
    params = {"limit": str(limit)}
    for name, value in (
        ("case_id", str(case) if case else None),
        ("actor", actor),
        ("since", _moment(since, "--since")),
        ("until", _moment(until, "--until")),
        ("outcome", outcome.value if outcome else None),
    ):
        if value is not None:
            params[name] = value
    if url is None:
        settings = get_settings(service)
        url = f"http://{settings.http_host}:{settings.http_port}"
    try:
        session, _flow, _identity = _login()
        with httpx.Client(timeout=30) as http:
            entries = query_access_log(
                http,
                f"{url.rstrip('/')}/{service.slug}/access-log",
                params,
                lambda renew: session.access_token(renew=renew),
            )
    except (KimError, AccessLogError) as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        console.print(f"[red]Der Dienst {service.value} ist nicht erreichbar ({type(exc).__name__}).[/red]")
        raise typer.Exit(1) from None
    console.print(access_log_table(service, entries))
    console.print(f"{len(entries)} Einträge", highlight=False)


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


@app.command("access-table")
def access_table(
    write: Annotated[bool, typer.Option("--write", help="Replace the table in docs/access.md.")] = False,
) -> None:
    """Print the access table (roles × field groups per service) as Markdown, or write it into docs/access.md."""
    from shared.access.render import BEGIN, END, markdown

    if not write:
        sys.stdout.write(markdown())
        return
    path = REPO_ROOT / "docs" / "access.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    path.write_text(text[:start] + markdown() + text[end:], encoding="utf-8")
    console.print(f"{path} updated")


def print_urls(demo_users: bool = False) -> None:
    for service in Service:
        s = get_settings(service)
        url = f"http://{s.http_host}:{s.http_port}"
        console.print(f"{service.value:15} Anmeldung: {url}/{service.slug}/ui/   API: {url}/docs", soft_wrap=True)
    identity = IdentitySettings()
    console.print(f"{'Keycloak':15} {identity.issuer}/account   (Konto, Realm kim)", soft_wrap=True)
    if demo_users:
        print_demo_users()


def print_demo_users() -> None:
    """The demo users of the development realm (deploy/keycloak/realm-kim.demo-users.json), one per role."""
    path = REPO_ROOT / "deploy" / "keycloak" / "realm-kim.demo-users.json"
    users = json.loads(path.read_text(encoding="utf-8"))["users"]
    password = os.environ.get("KIM_KEYCLOAK_DEMO_PASSWORD", "kim-demo-passwort")
    table = Table("Demo-Benutzer", "Rolle", "Abteilung", title=f"Demo-Benutzer (Passwort: {password})")
    for user in users:
        groups = ", ".join(g.removeprefix("/departments/") for g in user.get("groups", [])) or "-"
        table.add_row(user["username"], ", ".join(user.get("realmRoles", [])), groups)
    console.print(table)


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
