"""Validated settings: one object per service, read from the environment.

Shared infrastructure values use the ``KIM_`` prefix (``KIM_PG_PORT``); values of
one service use its own prefix (``KIM_INTAKE_HTTP_PORT``). Nothing is read at
import time: call :func:`get_settings`.

Secrets. Every password has a development default (:data:`DEV_SECRETS`, the one
list of them) so that a fresh clone runs; ``KIM_ENVIRONMENT=production`` refuses
each of them (:func:`refuse_dev_secret`). A process reads only the secrets it
uses, when it uses them: the API of a service never needs its relay's Kafka
password, and no service process needs an owner role's or an admin's password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.service import Service

REPO_ROOT = Path(__file__).resolve().parent.parent


DEFAULT_HTTP_PORTS = {Service.INTAKE: 8101, Service.FOREIGN_OFFICE: 8102, Service.KOBIZ: 8103}

ProcessKind = Literal["api", "relay", "projector"]
PROCESS_KINDS: tuple[ProcessKind, ...] = ("api", "relay", "projector")

KAFKA_BROKER = "kim-broker"
"""The broker's own principal (inter-broker and controller listeners); only deploy/infra.sh knows its password."""
KAFKA_ADMIN = "kim-admin"
"""The operator's Kafka super user: topics, SCRAM users, ACLs (``kim create-topics``); never used by a service."""
KAFKA_TEST_ADMIN = "kim-test-admin"
"""Test-only principal of the fault checker, the poison injector and the benchmarks: it exists only
while ``KIM_ENVIRONMENT=test`` provisions it, and ``kim create-topics`` deletes it in production."""


KAFKA_AUDIT = "kim-audit"
"""The audit service's principal: reads the services' access-log topics (``<prefix>.<service>.access``) only."""


def kafka_principal(service: Service, kind: ProcessKind) -> str:
    """The Kafka user of one process kind of one service (``intake-relay``, ``foreign-office-projector``)."""
    return f"{service.slug}-{kind}"


def kafka_password_variable(principal: str) -> str:
    """``KIM_KAFKA_PASSWORD_<PRINCIPAL>``: ``kim-admin`` → ``KIM_KAFKA_PASSWORD_KIM_ADMIN``."""
    return "KIM_KAFKA_PASSWORD_" + principal.upper().replace("-", "_")


SERVICE_KAFKA_PRINCIPALS = tuple(kafka_principal(s, k) for s in Service for k in PROCESS_KINDS)


def _dev_secrets() -> dict[str, str]:
    secrets = {"KIM_PG_SUPERUSER_PASSWORD": "postgres-dev"}  # deploy/compose.yml only (infra.sh uses peer)
    for service in Service:
        upper = service.value.upper()
        secrets[f"KIM_PG_PASSWORD_{upper}"] = f"{service.value}-dev"
        secrets[f"KIM_PG_OWNER_PASSWORD_{upper}"] = f"{service.value}_owner-dev"
    for principal in (KAFKA_BROKER, KAFKA_ADMIN, KAFKA_TEST_ADMIN, KAFKA_AUDIT, *SERVICE_KAFKA_PRINCIPALS):
        secrets[kafka_password_variable(principal)] = f"{principal}-dev"
    # The one Keycloak client secret a service process reads (deploy/keycloak.sh has the same default).
    secrets["KIM_KEYCLOAK_ADMIN_EVENTS_SECRET"] = "kim-admin-events-dev-secret"  # noqa: S105 - refused in production
    # The web views' OIDC client (kim-web), read by the service APIs (shared/web/settings.py).
    secrets["KIM_KEYCLOAK_WEB_SECRET"] = "kim-web-dev-secret"  # noqa: S105 - refused in production
    # The import clients' secrets, read by `kim import <service>` (deploy/keycloak.sh has the same defaults).
    for service in Service:
        secrets[f"KIM_KEYCLOAK_IMPORT_{service.value.upper()}_SECRET"] = f"kim-import-{service.slug}-dev-secret"
    return secrets


DEV_SECRETS: dict[str, str] = _dev_secrets()
"""Every development default password, by the environment variable that replaces it. deploy/infra.sh
and deploy/compose.yml use the same defaults (``<role or user>-dev``). A new secret with a dev
default is added here, so that production refuses it too."""


class ConfigurationError(ValueError):
    """A setting that must not be used as it is (names the variable, never its value)."""


def refuse_dev_secret(name: str, value: str, environment: str | None = None) -> None:
    """Refuse an empty or a known development password when ``KIM_ENVIRONMENT=production``.

    ``name`` is the variable that should hold the secret (it appears in the message, the
    value never does). Any dev default is refused for any secret, not only its own.
    """
    environment = environment or os.environ.get("KIM_ENVIRONMENT") or "development"
    if environment != "production":
        return
    if not value:
        msg = f"{name} must be set in production"
        raise ConfigurationError(msg)
    if value in DEV_SECRETS.values():
        msg = f"{name} is a development default password; set a secret one in production"
        raise ConfigurationError(msg)


def secret_from_env(name: str, environment: str | None = None) -> SecretStr:
    """The secret in environment variable ``name``, its dev default outside production."""
    value = os.environ.get(name, "")
    refuse_dev_secret(name, value, environment)
    return SecretStr(value or DEV_SECRETS[name])


@dataclass(frozen=True)
class KafkaCredentials:
    """A SASL/SCRAM-SHA-256 user; the password never appears in ``repr``."""

    username: str
    password: SecretStr

    def client_config(self) -> dict[str, Any]:
        """kafka-python keyword arguments (SASL over the loopback listener)."""
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-256",
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password.get_secret_value(),
        }

    def confluent_config(self) -> dict[str, str]:
        """librdkafka (confluent-kafka) configuration keys."""
        return {
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-256",
            "sasl.username": self.username,
            "sasl.password": self.password.get_secret_value(),
        }


def kafka_credentials(principal: str, environment: str | None = None) -> KafkaCredentials:
    """A principal's credentials from ``KIM_KAFKA_PASSWORD_<PRINCIPAL>`` (dev default outside production)."""
    return KafkaCredentials(principal, secret_from_env(kafka_password_variable(principal), environment))


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
    kafka_username: str = Field(
        "", description="Principal of Kafka clients built without explicit credentials (tools and tests)"
    )
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
        if self.kafka_username == KAFKA_TEST_ADMIN and self.environment != "test":
            msg = f"KIM_KAFKA_USERNAME={KAFKA_TEST_ADMIN} is for KIM_ENVIRONMENT=test only"
            raise ValueError(msg)
        return self

    def topic(self, service: Service) -> str:
        """The Kafka topic that carries one service's published events."""
        return f"{self.topic_prefix}.{service.slug}.events"

    def access_topic(self, service: Service) -> str:
        """The internal topic of one service's access log: only the audit principal reads it."""
        return f"{self.topic_prefix}.{service.slug}.access"

    def kafka_admin(self) -> KafkaCredentials:
        """The operator's admin principal (topics, users, ACLs)."""
        return kafka_credentials(KAFKA_ADMIN, self.environment)

    def kafka_test_admin(self) -> KafkaCredentials:
        """The test-only principal (fault checker, poison injector, benchmarks); refused outside tests."""
        if self.environment != "test":
            msg = f"{KAFKA_TEST_ADMIN} exists only with KIM_ENVIRONMENT=test"
            raise ConfigurationError(msg)
        return kafka_credentials(KAFKA_TEST_ADMIN, self.environment)

    def kafka_default_credentials(self) -> KafkaCredentials:
        """The principal named by ``KIM_KAFKA_USERNAME``, for clients built without credentials."""
        if not self.kafka_username:
            msg = "a Kafka client needs credentials: pass them, or name a principal in KIM_KAFKA_USERNAME"
            raise ConfigurationError(msg)
        return kafka_credentials(self.kafka_username, self.environment)


class ServiceSettings(BaseSettings):
    """Settings of one service's API, relay and projector."""

    model_config = SettingsConfigDict(extra="ignore", env_ignore_empty=True)

    service: Service
    http_host: str = "127.0.0.1"
    http_port: int = Field(0, ge=0, le=65535)
    pg_user: str = ""
    pg_password: SecretStr = SecretStr("")
    pg_owner_user: str = ""
    pg_schema: str = ""
    pg_pool_size: int = Field(5, ge=1, le=100)
    pg_lock_timeout_ms: int = Field(5000, ge=0)
    relay_batch_size: int = Field(500, ge=1, le=10000)
    relay_linger_ms: int = Field(5, ge=0, le=1000)
    relay_delivery_timeout_ms: int = Field(30000, ge=1000)
    projector_batch_size: int = Field(500, ge=1, le=10000)
    projector_poll_timeout_ms: int = Field(200, ge=10, le=10000)
    read_wait_max_s: float = Field(10.0, ge=0, le=60)
    read_waiters_max: int = Field(
        500, ge=1, le=10_000, description="Reads waiting for a position at once, per API process; beyond: 503"
    )
    http_body_max_bytes: int = Field(
        64 * 1024, ge=1024, le=16 * 1024 * 1024, description="Largest request body an API takes; beyond: 413"
    )
    idempotency_retention_hours: int = Field(24, ge=1, le=24 * 366, description="How long Idempotency-Keys are kept")
    infra: InfraSettings = Field(default_factory=InfraSettings)

    @model_validator(mode="after")
    def _fill_defaults(self) -> ServiceSettings:
        name = self.service.value
        self.pg_user = self.pg_user or name
        self.pg_owner_user = self.pg_owner_user or f"{name}_owner"
        self.pg_schema = self.pg_schema or name
        self.http_port = self.http_port or DEFAULT_HTTP_PORTS[self.service]
        variable = f"KIM_PG_PASSWORD_{name.upper()}"
        if not self.pg_password.get_secret_value():
            # deploy/infra.sh names the role passwords KIM_PG_PASSWORD_<SERVICE>.
            self.pg_password = SecretStr(os.environ.get(variable, ""))
        refuse_dev_secret(
            f"{variable} (or KIM_{name.upper()}_PG_PASSWORD)",
            self.pg_password.get_secret_value(),
            self.infra.environment,
        )
        if not self.pg_password.get_secret_value():
            self.pg_password = SecretStr(DEV_SECRETS[variable])
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
        return f"{self.group_prefix}case-history"

    @property
    def group_prefix(self) -> str:
        """Every consumer group of this service starts with this (its projector's PREFIXED group ACL)."""
        return f"{self.infra.topic_prefix}.{self.service.slug}."

    def kafka_credentials(self, kind: ProcessKind) -> KafkaCredentials:
        """The Kafka user of this service's ``kind`` process (``intake-relay``); dev defaults refused in production."""
        return kafka_credentials(kafka_principal(self.service, kind), self.infra.environment)

    def as_owner(self) -> ServiceSettings:
        """The same settings connecting as the service's owner role (``kim migrate``, ``kim rebuild``).

        The owner's password comes from ``KIM_PG_OWNER_PASSWORD_<SERVICE>`` and is read only here.
        """
        password = secret_from_env(f"KIM_PG_OWNER_PASSWORD_{self.service.value.upper()}", self.infra.environment)
        return self.model_copy(update={"pg_user": self.pg_owner_user, "pg_password": password})

    def pg_conninfo(self) -> str:
        """A libpq connection string for this service's role (quoted by psycopg, whatever the password holds)."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.infra.pg_host,
            port=self.infra.pg_port,
            dbname=self.infra.pg_db,
            user=self.pg_user,
            password=self.pg_password.get_secret_value(),
            options=f"-c search_path={self.pg_schema}",
            application_name=f"kim-{self.service.slug}",
        )

    def eventsourcing_env(self, *, create_table: bool = False) -> dict[str, str]:
        """The environment handed explicitly to the eventsourcing Application.

        Tables are created only by ``kim migrate`` (``create_table=True`` under the owner
        role); the service processes run with ``CREATE_TABLE=n``.
        """
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
            "CREATE_TABLE": "y" if create_table else "n",
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
