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
