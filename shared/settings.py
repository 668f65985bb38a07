"""Validated settings: one object per service, read from the environment.

Shared infrastructure values use the ``KIM_`` prefix (``KIM_PG_PORT``); values of
one service use its own prefix (``KIM_INTAKE_HTTP_PORT``). Nothing is read at
import time: call :func:`get_settings`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.service import Service

REPO_ROOT = Path(__file__).resolve().parent.parent


DEFAULT_HTTP_PORTS = {Service.INTAKE: 8101, Service.FOREIGN_OFFICE: 8102, Service.KOBIZ: 8103}


class InfraSettings(BaseSettings):
    """Where PostgreSQL and Kafka are, and how topics are laid out."""

    model_config = SettingsConfigDict(env_prefix="KIM_", extra="ignore", env_ignore_empty=True)

    environment: str = Field("development", pattern="^(development|test|production)$")
    state_dir: Path = REPO_ROOT / ".kim"
    pg_host: str = "127.0.0.1"
    pg_port: int = Field(55432, ge=1, le=65535)
    pg_db: str = Field("kim", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    kafka_host: str = "127.0.0.1"
    kafka_port: int = Field(59092, ge=1, le=65535)
    kafka_bootstrap: str = Field("", description="host:port list; defaults to KIM_KAFKA_HOST:KIM_KAFKA_PORT")
    faults: str = Field("", description="Fault-injection points (tests only; refused in production)")
    topic_prefix: str = Field("kim", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,100}$")
    topic_partitions: int = Field(6, ge=1, le=1000)
    topic_replication_factor: int = Field(1, ge=1, le=7)
    topic_min_insync_replicas: int = Field(1, ge=1, le=7)

    @model_validator(mode="after")
    def _check_replication(self) -> InfraSettings:
        self.kafka_bootstrap = self.kafka_bootstrap or f"{self.kafka_host}:{self.kafka_port}"
        if self.faults and self.environment == "production":
            msg = "KIM_FAULTS must not be set in production"
            raise ValueError(msg)
        if self.topic_min_insync_replicas > self.topic_replication_factor:
            msg = "KIM_TOPIC_MIN_INSYNC_REPLICAS must not exceed KIM_TOPIC_REPLICATION_FACTOR"
            raise ValueError(msg)
        return self

    def topic(self, service: Service) -> str:
        """The Kafka topic that carries one service's published events."""
        return f"{self.topic_prefix}.{service.slug}.events"


class ServiceSettings(BaseSettings):
    """Settings of one service's API, relay and projector."""

    model_config = SettingsConfigDict(extra="ignore", env_ignore_empty=True)

    service: Service
    http_host: str = "127.0.0.1"
    http_port: int = Field(0, ge=0, le=65535)
    pg_user: str = ""
    pg_password: SecretStr = SecretStr("")
    pg_schema: str = ""
    pg_pool_size: int = Field(5, ge=1, le=100)
    pg_lock_timeout_ms: int = Field(5000, ge=0)
    relay_batch_size: int = Field(500, ge=1, le=10000)
    relay_linger_ms: int = Field(5, ge=0, le=1000)
    relay_delivery_timeout_ms: int = Field(30000, ge=1000)
    projector_batch_size: int = Field(500, ge=1, le=10000)
    projector_poll_timeout_ms: int = Field(200, ge=10, le=10000)
    read_wait_max_s: float = Field(10.0, ge=0, le=60)
    idempotency_retention_hours: int = Field(24, ge=1, le=24 * 366, description="How long Idempotency-Keys are kept")
    infra: InfraSettings = Field(default_factory=InfraSettings)

    @model_validator(mode="after")
    def _fill_defaults(self) -> ServiceSettings:
        name = self.service.value
        self.pg_user = self.pg_user or name
        self.pg_schema = self.pg_schema or name
        self.http_port = self.http_port or DEFAULT_HTTP_PORTS[self.service]
        if not self.pg_password.get_secret_value():
            # deploy/infra.sh names the role passwords KIM_PG_PASSWORD_<SERVICE>.
            self.pg_password = SecretStr(os.environ.get(f"KIM_PG_PASSWORD_{name.upper()}", ""))
        if not self.pg_password.get_secret_value():
            if self.infra.environment == "production":
                msg = f"KIM_{name.upper()}_PG_PASSWORD must be set in production"
                raise ValueError(msg)
            self.pg_password = SecretStr(f"{name}-dev")
        return self

    @property
    def idempotency_retention(self) -> timedelta:
        """How long an Idempotency-Key and its answer are kept."""
        return timedelta(hours=self.idempotency_retention_hours)

    @property
    def topic(self) -> str:
        """This service's own topic."""
        return self.infra.topic(self.service)

    @property
    def projection_group(self) -> str:
        """Kafka consumer group of this service's case-history projection."""
        return f"{self.infra.topic_prefix}.{self.service.slug}.case-history"

    def pg_conninfo(self) -> str:
        """A libpq connection string for this service's role."""
        return (
            f"host={self.infra.pg_host} port={self.infra.pg_port} dbname={self.infra.pg_db} "
            f"user={self.pg_user} password={self.pg_password.get_secret_value()} "
            f"options='-c search_path={self.pg_schema}' application_name=kim-{self.service.slug}"
        )

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment handed explicitly to the eventsourcing Application."""
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.infra.pg_db,
            "POSTGRES_HOST": self.infra.pg_host,
            "POSTGRES_PORT": str(self.infra.pg_port),
            "POSTGRES_USER": self.pg_user,
            "POSTGRES_PASSWORD": self.pg_password.get_secret_value(),
            "POSTGRES_SCHEMA": self.pg_schema,
            "POSTGRES_POOL_SIZE": str(self.pg_pool_size),
            "POSTGRES_MAX_OVERFLOW": "5",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_MAX_WAITING": "5",
            # A write waits at most this long for the events table's lock, then
            # fails with a retryable error instead of hanging (docs/pipeline.md §5).
            # eventsourcing 9.5.6 reads whole *seconds* (SET LOCAL lock_timeout = '<n>s'),
            # so the milliseconds are rounded up; 0 would mean waiting forever.
            "POSTGRES_LOCK_TIMEOUT": str(lock_timeout_seconds(self.pg_lock_timeout_ms)),
            # ... and fails after one lock timeout, not after the library's ten retries.
            "APPLICATION_RECORDER_TOPIC": "shared.persistence.recorder:BoundedLockApplicationRecorder",
            "CREATE_TABLE": "y",
        }


def lock_timeout_seconds(milliseconds: int) -> int:
    """eventsourcing's ``POSTGRES_LOCK_TIMEOUT`` (whole seconds, 0 = no limit) for a limit in ms."""
    return -(-milliseconds // 1000) if milliseconds > 0 else 0


def _settings_class(service: Service) -> type[ServiceSettings]:
    prefix = f"KIM_{service.value.upper()}_"
    return type(
        f"{service.value.title().replace('_', '')}Settings",
        (ServiceSettings,),
        {"model_config": SettingsConfigDict(env_prefix=prefix, extra="ignore", env_ignore_empty=True)},
    )


@cache
def get_settings(service: Service | str) -> ServiceSettings:
    """Read and validate one service's settings from the environment (cached)."""
    svc = Service(service)
    return _settings_class(svc)(service=svc)
