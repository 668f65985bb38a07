"""PostgreSQL: an owner and a runtime role per service, append-only event tables, no trust.

This session's database was migrated by ``kim migrate``'s code (tests/stack.py): every
table belongs to ``<service>_owner``; the processes' role ``<service>`` may append to the
event table and read it, and nothing else there (deploy/README.md, "Security model").
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg import errors, sql
from pydantic import SecretStr

from services.bootstrap import build_container, create_app, migrate
from shared.persistence.pool import APPEND_ONLY_TABLES, GUARD
from shared.service import Service
from shared.settings import REPO_ROOT, InfraSettings, get_settings
from tests.conftest import person
from tests.stack import admin_conninfo
from tests.support.tokens import WORKERS, client_for

pytestmark = pytest.mark.postgres

EVENT_TABLES = {
    Service.INTAKE: "intake_events",
    Service.FOREIGN_OFFICE: "foreignoffice_events",
    Service.KOBIZ: "kobiz_events",
}
SERVICES = list(Service)
BREAK_GLASS_EVENTS = "breakglass_events"
"""The event table of the service's break-glass requests (an event table like the service's own)."""


@pytest.fixture(scope="module")
def db(infra_env: dict[str, str]) -> Iterator[None]:
    yield


def runtime(service: Service) -> psycopg.Connection[Any]:
    return psycopg.connect(get_settings(service).pg_conninfo(), autocommit=True)


def superuser(dbname: str | None = None) -> psycopg.Connection[Any]:
    conninfo = admin_conninfo()
    if dbname:
        conninfo += f" dbname={dbname}"
    return psycopg.connect(conninfo, autocommit=True)


def refused(conn: psycopg.Connection[Any], statement: sql.Composed | sql.SQL | str) -> None:
    """The statement fails with SQLSTATE 42501 (insufficient privilege) or as "must be owner"."""
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)


@pytest.mark.parametrize("service", SERVICES, ids=[s.value for s in SERVICES])
def test_the_runtime_role_cannot_change_or_remove_stored_events(db: None, service: Service) -> None:
    table = sql.Identifier(service.value, EVENT_TABLES[service])
    with runtime(service) as conn:
        stored = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
        for statement in (
            "UPDATE {} SET topic = topic",
            "UPDATE {} SET state = NULL WHERE false",  # even a statement that touches no row
            "DELETE FROM {}",
            "DELETE FROM {} WHERE false",
            "TRUNCATE {}",
            "ALTER TABLE {} ADD COLUMN x int",
            "ALTER TABLE {} DISABLE TRIGGER ALL",
            "DROP TABLE {}",
            "INSERT INTO {} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state FROM {} LIMIT 1 "
            "ON CONFLICT (originator_id, originator_version) DO UPDATE SET topic = 'x'",
        ):
            refused(conn, sql.SQL(statement).format(table, table))
        assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone() == stored
        # Nor around it: no new tables, no bypassing triggers, no other service's schema.
        refused(conn, sql.SQL("CREATE TABLE {} (x int)").format(sql.Identifier(service.value, "intruder")))
        refused(conn, "SET session_replication_role = replica")
        refused(conn, "CREATE TEMPORARY TABLE scratch (x int)")
        other = next(s for s in SERVICES if s is not service)
        refused(conn, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(other.value, EVENT_TABLES[other])))


def test_the_runtime_role_appends_through_the_application(db: None) -> None:
    """A command through the HTTP API of a process built like the real ones (runtime role, CREATE_TABLE=n)."""
    with runtime(Service.INTAKE) as conn:
        (before,) = conn.execute("SELECT count(*) FROM intake.intake_events").fetchone() or (0,)
    container = build_container(Service.INTAKE)
    assert container.settings.pg_user == "intake"
    assert container.settings.eventsourcing_env()["CREATE_TABLE"] == "n"
    api = create_app(Service.INTAKE, lambda: container)
    with client_for(api, WORKERS[Service.INTAKE]) as client:
        response = client.post("/intake/cases", json=person(), headers={"Idempotency-Key": f"hardening-{uuid4()}"})
    assert response.status_code == 201, response.text
    with runtime(Service.INTAKE) as conn:
        (after,) = conn.execute("SELECT count(*) FROM intake.intake_events").fetchone() or (0,)
    assert after > before


@pytest.mark.parametrize("service", SERVICES, ids=[s.value for s in SERVICES])
def test_tables_belong_to_the_owner_and_grants_follow_the_one_list(db: None, service: Service) -> None:
    schema, role = service.value, service.value
    append_only = {EVENT_TABLES[service], BREAK_GLASS_EVENTS, *APPEND_ONLY_TABLES}
    with superuser(InfraSettings().pg_db) as conn:
        tables = conn.execute(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = %s ORDER BY 1", (schema,)
        ).fetchall()
        assert len(tables) > 5, tables
        assert {owner for _, owner in tables} == {f"{service.value}_owner"}
        owned = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", (role,)
        ).fetchone()
        assert owned == (0,), "the runtime role owns nothing"

        def may(table: str, privilege: str) -> bool:
            row = conn.execute("SELECT has_table_privilege(%s, %s, %s)", (role, f"{schema}.{table}", privilege))
            return bool(row.fetchone()[0])  # type: ignore[index]

        for table, _ in tables:
            assert may(table, "SELECT") and may(table, "INSERT"), table
            assert not may(table, "TRUNCATE") and not may(table, "REFERENCES") and not may(table, "TRIGGER"), table
            if table in append_only:
                assert not may(table, "DELETE"), table
                guarded = conn.execute(
                    "SELECT tgtype FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s",
                    (f"{schema}.{table}", GUARD),
                ).fetchone()
                assert guarded is not None, f"{table} has no append-only guard"
            else:
                assert may(table, "UPDATE") and may(table, "DELETE"), table
        schema_rights = conn.execute(
            "SELECT has_schema_privilege(%s, %s, 'USAGE'), has_schema_privilege(%s, %s, 'CREATE')",
            (role, schema, role, schema),
        ).fetchone()
        assert schema_rights == (True, False)


def test_migrate_is_idempotent_and_reports_the_grants(db: None) -> None:
    first = migrate(Service.KOBIZ)
    assert migrate(Service.KOBIZ) == first
    assert first[EVENT_TABLES[Service.KOBIZ]] == "SELECT, INSERT, UPDATE"
    assert first["case_timeline"] == "SELECT, INSERT, UPDATE, DELETE"


def test_no_trust_the_superuser_only_by_peer_on_the_socket_and_closed_directories(db: None) -> None:
    settings = InfraSettings()
    with superuser() as conn:
        rules = conn.execute("SELECT type, user_name, auth_method FROM pg_hba_file_rules").fetchall()
        permissions = conn.execute("SHOW unix_socket_permissions").fetchone()
        data_dir = Path(str((conn.execute("SHOW data_directory").fetchone() or ("",))[0]))
        encryption = conn.execute("SHOW password_encryption").fetchone()
    assert rules and all(method != "trust" for _, _, method in rules), rules
    assert [m for t, users, m in rules if users == ["postgres"] and t == "local"] == ["peer"]
    assert ("host", ["postgres"], "reject") in [(t, u, m) for t, u, m in rules]
    assert permissions == ("0700",) and encryption == ("scram-sha-256",)
    socket_dir = (settings.state_dir / "postgres" / "run").resolve()
    for path in (socket_dir, data_dir, socket_dir.parent):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path} is open to other users"

    # Over TCP: never the superuser, and a runtime role only with its password.
    tcp = {"host": settings.pg_host, "port": settings.pg_port, "dbname": settings.pg_db, "connect_timeout": 5}
    with pytest.raises(psycopg.OperationalError, match="rejects connection"):
        psycopg.connect(**tcp, user="postgres", password="anything")  # type: ignore[arg-type]  # noqa: S106
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(**tcp, user="intake", password="wrong")  # type: ignore[arg-type]  # noqa: S106


def test_a_password_with_spaces_and_quotes_connects(db: None) -> None:
    role, password = f"kim_quote_{uuid4().hex[:6]}", "a b'c\"d\\ e=f"
    with superuser(InfraSettings().pg_db) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(InfraSettings().pg_db), sql.Identifier(role)
            )
        )
    try:
        settings = get_settings(Service.INTAKE).model_copy(update={"pg_user": role, "pg_password": SecretStr(password)})
        with psycopg.connect(settings.pg_conninfo(), connect_timeout=5) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (role,)
    finally:
        with superuser(InfraSettings().pg_db) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# --- the state directory wherever the repository is cloned --------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as(user: str | None) -> Callable[[list[str]], list[str]]:
    return (lambda argv: ["runuser", "-u", user, "--", *argv]) if user else (lambda argv: argv)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("user", [None, "nobody"], ids=["as-the-invoking-user", "as-an-unprivileged-user"])
def test_postgres_starts_from_a_clone_inside_a_0700_directory(
    db: None, tmp_path_factory: pytest.TempPathFactory, user: str | None
) -> None:
    """The README's commands from a clone in a private home (mode 0700): deploy/infra.sh starts PostgreSQL.

    As root the server's OS user postgres cannot enter the clone, so the cluster lives in
    /var/lib/kim; as a normal user the server runs as that user, inside the clone.
    """
    if user and os.geteuid() != 0:
        pytest.skip("running as another user needs root")
    # The other user's private home must be reachable for that user: directly under /tmp.
    home = Path(tempfile.mkdtemp(prefix="kim-home-")) if user else tmp_path_factory.mktemp("private-home")
    clone = home / "kim"
    shutil.copytree(REPO_ROOT / "deploy", clone / "deploy")
    home.chmod(0o700)
    if user:
        for path in [home, clone, *clone.rglob("*")]:
            shutil.chown(path, user)
    state = clone / ".kim"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "KIM_STATE_DIR": str(state),
        "KIM_PG_PORT": str(_free_port()),
        "KIM_PG_DB": "kim_clone",
    }
    script = str(clone / "deploy" / "infra.sh")
    run = _as(user)
    try:
        started = subprocess.run(
            run(["bash", script, "start", "postgres"]), env=env, capture_output=True, text=True, timeout=180
        )
        assert started.returncode == 0, started.stderr[-3000:]
        assert "postgres: started" in started.stdout
        cluster = (state / "postgres").resolve()
        if os.geteuid() == 0 and not user:
            assert not cluster.is_relative_to(home), "as root the cluster lives outside the clone"
        conninfo = f"host=127.0.0.1 port={env['KIM_PG_PORT']} dbname=kim_clone user=kobiz password=kobiz-dev"
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("kobiz",)
    finally:
        subprocess.run(run(["bash", script, "reset"]), env=env, capture_output=True, text=True, timeout=120)
        gone = not (state / "postgres").exists()
        if user:
            shutil.rmtree(home, ignore_errors=True)
    assert gone, "reset left the cluster behind"
