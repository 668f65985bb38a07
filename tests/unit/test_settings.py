"""Settings are validated at start and fail fast, naming the bad value."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from services.bootstrap import build_container
from shared.service import Service
from shared.settings import REPO_ROOT, InfraSettings, get_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> None:
    get_settings.cache_clear()


def test_service_defaults_follow_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIM_KOBIZ_HTTP_PORT", "9103")
    monkeypatch.setenv("KIM_TOPIC_PREFIX", "kreis-eu")
    settings = get_settings(Service.KOBIZ)
    assert (settings.pg_user, settings.pg_schema, settings.http_port) == ("kobiz", "kobiz", 9103)
    assert settings.topic == "kreis-eu.kobiz.events"
    assert get_settings(Service.FOREIGN_OFFICE).topic == "kreis-eu.foreign-office.events"
    assert "search_path=kobiz" in settings.pg_conninfo()
    assert settings.eventsourcing_env()["POSTGRES_SCHEMA"] == "kobiz"


@pytest.mark.parametrize(("milliseconds", "seconds"), [(None, "5"), ("2000", "2"), ("1500", "2"), ("200", "1")])
def test_the_lock_timeout_reaches_eventsourcing_in_seconds(
    monkeypatch: pytest.MonkeyPatch,
    milliseconds: str | None,
    seconds: str,
) -> None:
    # eventsourcing 9.5.6 runs SET LOCAL lock_timeout = '<POSTGRES_LOCK_TIMEOUT>s': handing it
    # the milliseconds made a blocked write wait 5000 s instead of 5 s (found by tests/faults).
    if milliseconds is not None:
        monkeypatch.setenv("KIM_INTAKE_PG_LOCK_TIMEOUT_MS", milliseconds)
    assert get_settings(Service.INTAKE).eventsourcing_env()["POSTGRES_LOCK_TIMEOUT"] == seconds


def test_the_idempotency_retention_reaches_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_settings(Service.INTAKE).idempotency_retention == timedelta(hours=24)
    get_settings.cache_clear()
    monkeypatch.setenv("KIM_INTAKE_IDEMPOTENCY_RETENTION_HOURS", "48")
    container = build_container(Service.INTAKE, get_settings(Service.INTAKE), in_memory=True)
    assert container.idempotency.retention == timedelta(hours=48)
    get_settings.cache_clear()
    monkeypatch.setenv("KIM_INTAKE_IDEMPOTENCY_RETENTION_HOURS", "0")
    with pytest.raises(ValueError, match="idempotency_retention_hours"):
        get_settings(Service.INTAKE)


@pytest.mark.parametrize(
    ("name", "value"),
    [("KIM_TOPIC_PARTITIONS", "0"), ("KIM_PG_PORT", "nope"), ("KIM_TOPIC_MIN_INSYNC_REPLICAS", "3")],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):  # noqa: PT011 - pydantic's ValidationError is a ValueError
        InfraSettings()


def test_production_refuses_dev_passwords_and_fault_injection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIM_ENVIRONMENT", "production")
    monkeypatch.delenv("KIM_PG_PASSWORD_INTAKE", raising=False)
    with pytest.raises(ValueError, match="KIM_INTAKE_PG_PASSWORD"):
        get_settings(Service.INTAKE)
    monkeypatch.setenv("KIM_FAULTS", "relay.after_ack")
    with pytest.raises(ValueError, match="KIM_FAULTS"):
        InfraSettings()


def test_a_process_with_a_bad_configuration_stops_with_a_clear_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "serve", "kobiz", "relay"],
        env={"PATH": "/usr/bin:/bin", "KIM_TOPIC_PARTITIONS": "-1"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Ungültige Konfiguration" in result.stdout and "topic_partitions" in result.stdout


# --- secrets, connection strings, principals ------------------------------------------------


@pytest.fixture(autouse=True)
def no_session_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the defaults: a pipeline session in the same process put its own KIM_* values
    (database, topic prefix, test environment, Kafka user) into os.environ."""
    import os

    for name in [n for n in os.environ if n.startswith("KIM_")]:
        monkeypatch.delenv(name)
    get_settings.cache_clear()


@pytest.mark.parametrize("password", ["with space", "it's", 'quo"te', "back\\slash", "a b'c\\\"d = x"])
def test_the_connection_string_is_built_by_libpq_rules_whatever_the_password_holds(
    monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    from psycopg.conninfo import conninfo_to_dict

    monkeypatch.setenv("KIM_INTAKE_PG_PASSWORD", password)
    parsed = conninfo_to_dict(get_settings(Service.INTAKE).pg_conninfo())
    assert parsed["password"] == password
    assert (parsed["user"], parsed["dbname"], parsed["options"]) == ("intake", "kim", "-c search_path=intake")


def test_every_known_dev_password_is_refused_in_production() -> None:
    from shared.settings import DEV_SECRETS, ConfigurationError, refuse_dev_secret

    assert {"KIM_PG_PASSWORD_KOBIZ", "KIM_PG_OWNER_PASSWORD_KOBIZ", "KIM_KAFKA_PASSWORD_KIM_ADMIN"} <= set(DEV_SECRETS)
    assert "KIM_KAFKA_PASSWORD_FOREIGN_OFFICE_PROJECTOR" in DEV_SECRETS
    for name, value in DEV_SECRETS.items():
        refuse_dev_secret(name, value, "development")  # fine outside production
        with pytest.raises(ConfigurationError, match=name) as refused:
            refuse_dev_secret(name, value, "production")
        assert value not in str(refused.value), "the message names the variable, never the value"
    # Another secret's dev default is refused too, and so is nothing at all.
    with pytest.raises(ConfigurationError):
        refuse_dev_secret("KIM_PG_PASSWORD_INTAKE", DEV_SECRETS["KIM_PG_PASSWORD_KOBIZ"], "production")
    with pytest.raises(ConfigurationError, match="must be set"):
        refuse_dev_secret("KIM_PG_PASSWORD_INTAKE", "", "production")
    refuse_dev_secret("KIM_PG_PASSWORD_INTAKE", "a-real-secret-3f1c9", "production")


def test_production_refuses_dev_passwords_of_runtime_and_owner_roles_and_kafka_users(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared.settings import ConfigurationError

    monkeypatch.setenv("KIM_ENVIRONMENT", "production")
    monkeypatch.setenv("KIM_PG_PASSWORD_INTAKE", "intake-dev")
    with pytest.raises(ValueError, match="KIM_PG_PASSWORD_INTAKE"):
        get_settings(Service.INTAKE)
    get_settings.cache_clear()
    monkeypatch.setenv("KIM_PG_PASSWORD_INTAKE", "s3cret intake")
    settings = get_settings(Service.INTAKE)
    with pytest.raises(ConfigurationError, match="KIM_PG_OWNER_PASSWORD_INTAKE"):
        settings.as_owner()
    with pytest.raises(ConfigurationError, match="KIM_KAFKA_PASSWORD_INTAKE_RELAY"):
        settings.kafka_credentials("relay")
    with pytest.raises(ConfigurationError, match="KIM_KAFKA_PASSWORD_KIM_ADMIN"):
        settings.infra.kafka_admin()
    monkeypatch.setenv("KIM_KAFKA_PASSWORD_INTAKE_RELAY", "intake-dev")  # another secret's default
    with pytest.raises(ConfigurationError, match="KIM_KAFKA_PASSWORD_INTAKE_RELAY"):
        settings.kafka_credentials("relay")
    monkeypatch.setenv("KIM_KAFKA_PASSWORD_INTAKE_RELAY", "relay-s3cret")
    monkeypatch.setenv("KIM_PG_OWNER_PASSWORD_INTAKE", "owner-s3cret")
    assert settings.kafka_credentials("relay").password.get_secret_value() == "relay-s3cret"
    # A process reads only its own secrets: the API needs no relay or owner password.
    assert settings.as_owner().pg_user == "intake_owner"


def test_each_process_kind_has_its_own_kafka_principal_and_the_password_stays_hidden() -> None:
    settings = get_settings(Service.FOREIGN_OFFICE)
    names = {kind: settings.kafka_credentials(kind).username for kind in ("api", "relay", "projector")}
    assert names == {
        "api": "foreign-office-api",
        "relay": "foreign-office-relay",
        "projector": "foreign-office-projector",
    }
    credentials = settings.kafka_credentials("relay")
    assert "foreign-office-relay-dev" not in repr(credentials)
    config = credentials.client_config()
    assert (config["security_protocol"], config["sasl_mechanism"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-256")
    assert settings.group_prefix == "kim.foreign-office." and settings.projection_group.startswith(
        settings.group_prefix
    )


def test_the_test_only_kafka_principal_exists_only_in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import ConfigurationError

    with pytest.raises(ConfigurationError, match="KIM_ENVIRONMENT=test"):
        InfraSettings().kafka_test_admin()
    monkeypatch.setenv("KIM_KAFKA_USERNAME", "kim-test-admin")
    with pytest.raises(ValueError, match="KIM_KAFKA_USERNAME"):
        InfraSettings()
    monkeypatch.setenv("KIM_ENVIRONMENT", "test")
    assert InfraSettings().kafka_default_credentials().username == "kim-test-admin"


def test_processes_never_create_tables_only_the_migrate_step_does() -> None:
    settings = get_settings(Service.KOBIZ)
    assert settings.eventsourcing_env()["CREATE_TABLE"] == "n"
    owner = settings.as_owner()
    env = owner.eventsourcing_env(create_table=True)
    assert (env["CREATE_TABLE"], env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == (
        "y",
        "kobiz_owner",
        "kobiz_owner-dev",
    )


def test_infra_sh_refuses_dev_passwords_in_production_without_printing_them() -> None:
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "deploy" / "infra.sh"), "start", "postgres"],
        env={"PATH": "/usr/bin:/bin", "KIM_ENVIRONMENT": "production", "KIM_STATE_DIR": "/nonexistent/kim"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "KIM_PG_PASSWORD_INTAKE is a development default" in result.stderr
    assert "intake-dev" not in result.stderr + result.stdout
