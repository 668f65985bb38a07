"""Kafka clients with every safety-relevant setting explicit, and the cluster's principals and ACLs.

kafka-python's defaults auto-commit, start at "latest" and, before 3.0, are not
idempotent (docs/pipeline.md §5); none of them is left to chance here.

Every client authenticates with SASL/SCRAM-SHA-256 as one principal
(``shared.settings.KafkaCredentials``): a service's relay as ``<service>-relay``, its
projector as ``<service>-projector``, its API (readiness only) as ``<service>-api``.
:func:`provision` (``kim create-topics``, as ``kim-admin``) creates their SCRAM
credentials, the topics and the ACLs; deploy/README.md has the table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    NewTopic,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from kafka.errors import TopicAlreadyExistsError

from shared.service import Service
from shared.settings import (
    KAFKA_AUDIT,
    KAFKA_TEST_ADMIN,
    SERVICE_KAFKA_PRINCIPALS,
    InfraSettings,
    KafkaCredentials,
    kafka_credentials,
    kafka_principal,
)

log = logging.getLogger(__name__)
# kafka-python warns on every SCRAM handshake over a SASL_PLAINTEXT listener ("credentials in the
# clear"): SCRAM never sends the password itself, the listeners are loopback-only here, and TLS is
# the production answer (deploy/README.md). One warning per connection would only bury real ones.
logging.getLogger("kafka.net.sasl.scram").setLevel(logging.ERROR)

LITERAL, PREFIXED = ACLResourcePatternType.LITERAL, ACLResourcePatternType.PREFIXED
TOPIC, GROUP = ResourceType.TOPIC, ResourceType.GROUP
READ, WRITE, DESCRIBE = ACLOperation.READ, ACLOperation.WRITE, ACLOperation.DESCRIBE


def _auth(credentials: KafkaCredentials | None) -> dict[str, Any]:
    """SASL settings of a client; without explicit credentials, ``KIM_KAFKA_USERNAME``'s (tools and tests)."""
    return (credentials or InfraSettings().kafka_default_credentials()).client_config()


def make_producer(
    bootstrap: str,
    *,
    client_id: str,
    linger_ms: int = 5,
    delivery_timeout_ms: int = 30000,
    credentials: KafkaCredentials | None = None,
) -> KafkaProducer:
    """An idempotent producer that waits for all in-sync replicas."""
    request_timeout_ms = min(10000, max(1000, delivery_timeout_ms // 3))
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=5,
        retries=2**31 - 1,
        linger_ms=linger_ms,
        batch_size=256 * 1024,
        compression_type=None,
        request_timeout_ms=request_timeout_ms,
        delivery_timeout_ms=delivery_timeout_ms,
        max_block_ms=delivery_timeout_ms,
        reconnect_backoff_max_ms=2000,
        **_auth(credentials),
    )


def make_consumer(
    bootstrap: str,
    *,
    group_id: str | None,
    client_id: str,
    max_poll_records: int = 500,
    credentials: KafkaCredentials | None = None,
) -> KafkaConsumer:
    """A consumer whose offsets are owned by the projection, never auto-committed."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=max_poll_records,
        fetch_max_wait_ms=100,
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        max_poll_interval_ms=300000,
        reconnect_backoff_max_ms=2000,
        **_auth(credentials),
    )
    if group_id is not None:
        finish_started_rebalances(consumer)
    return consumer


def finish_started_rebalances(consumer: KafkaConsumer) -> None:
    """Never abandon a group rebalance half-way (works around a kafka-python 3.0.12 bug).

    When the group leader sees the topics' partitions change (always right after
    it starts: its first assignment is computed before the topic metadata has
    arrived, so it is empty), it rejoins because its assignment snapshot differs
    from the metadata snapshot. ``_perform_assignment`` then makes the snapshots
    equal *before* the SyncGroup answer is in. If ``poll(timeout_ms=...)`` runs
    out in that window, the next poll asks ``need_rejoin()``, gets False and never
    awaits the in-flight join again: the assignment is dropped, heartbeats stay
    disabled, the broker evicts the member and the consumer sits without
    partitions indefinitely (a projector that consumes nothing). A rebalance
    that was started (``rejoining``) must be finished, so ask for a rejoin until
    it is.
    """
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is None or not hasattr(coordinator, "rejoining"):
        return
    library_need_rejoin = coordinator.need_rejoin

    def need_rejoin() -> bool:
        return bool(coordinator.rejoining) or bool(library_need_rejoin())

    coordinator.need_rejoin = need_rejoin


def make_admin(
    bootstrap: str,
    *,
    client_id: str = "kim-admin",
    timeout_ms: int = 10000,
    credentials: KafkaCredentials | None = None,
) -> KafkaAdminClient:
    """An admin client (topic creation and ACLs as ``kim-admin``, readiness checks as ``<service>-api``)."""
    return KafkaAdminClient(
        bootstrap_servers=bootstrap, client_id=client_id, request_timeout_ms=timeout_ms, **_auth(credentials)
    )


def topic_config(infra: InfraSettings) -> dict[str, str]:
    """Per-topic settings: the topics are part of the record, so nothing expires."""
    return {
        "retention.ms": "-1",
        "retention.bytes": "-1",
        "cleanup.policy": "delete",
        "min.insync.replicas": str(infra.topic_min_insync_replicas),
        "unclean.leader.election.enable": "false",
        "message.timestamp.type": "CreateTime",
    }


# --- principals and ACLs ------------------------------------------------------------------


def readable_topics(infra: InfraSettings, service: Service) -> list[str]:
    """The topics a service's projector may read: every service topic (the sharing policy filters
    inside the projector). Keep in step with ``services.bootstrap.readable_topics``."""
    del service  # the same for every service today
    return [infra.topic(s) for s in Service]


def _acl(principal: str, operation: ACLOperation, kind: ResourceType, name: str, pattern: Any = LITERAL) -> ACL:
    return ACL(f"User:{principal}", "*", operation, ACLPermissionType.ALLOW, ResourcePattern(kind, name, pattern))


def service_acls(infra: InfraSettings) -> list[ACL]:
    """What the services' principals may do under ``infra.topic_prefix`` (nothing else is allowed).

    - ``<service>-relay``: WRITE and DESCRIBE on its own topic and on its access-log topic
      (WRITE on a topic also admits its idempotent producer: no cluster-wide IdempotentWrite
      is granted);
    - ``<service>-projector``: READ on the topics it may read, READ on its consumer
      groups (PREFIXED ``<prefix>.<service>.``);
    - ``<service>-api``: nothing (``/readyz``'s DescribeCluster needs only authentication);
    - ``kim-audit``: READ on every access-log topic, READ on its consumer groups
      (PREFIXED ``<prefix>.audit.``); no projector or relay reads an access-log topic.
    """
    acls: list[ACL] = [_acl(KAFKA_AUDIT, READ, GROUP, f"{infra.topic_prefix}.audit.", PREFIXED)]
    for service in Service:
        relay = kafka_principal(service, "relay")
        for own in (infra.topic(service), infra.access_topic(service)):
            acls += [_acl(relay, WRITE, TOPIC, own), _acl(relay, DESCRIBE, TOPIC, own)]
        acls.append(_acl(KAFKA_AUDIT, READ, TOPIC, infra.access_topic(service)))
        projector = kafka_principal(service, "projector")
        acls += [_acl(projector, READ, TOPIC, topic) for topic in readable_topics(infra, service)]
        acls.append(_acl(projector, READ, GROUP, f"{infra.topic_prefix}.{service.slug}.", PREFIXED))
    return acls


def test_only_acls(infra: InfraSettings) -> list[ACL]:
    """The test-only principal: read and write every topic under this session's prefix, see every
    topic's metadata, use any consumer group (the checker, the poison injector, a foreign client)."""
    prefix = f"{infra.topic_prefix}."
    return [
        *(_acl(KAFKA_TEST_ADMIN, op, TOPIC, prefix, PREFIXED) for op in (READ, WRITE, DESCRIBE)),
        _acl(KAFKA_TEST_ADMIN, DESCRIBE, TOPIC, "*"),
        _acl(KAFKA_TEST_ADMIN, READ, GROUP, "*"),
    ]


def prefix_acls(infra: InfraSettings) -> list[ACL]:
    """PREFIXED rights of the services' principals on every topic under ``infra.topic_prefix``: for
    the benchmarks' scratch topics (``bench/environment.py``), never for a deployment."""
    prefix = f"{infra.topic_prefix}."
    acls: list[ACL] = []
    for service in Service:
        relay = kafka_principal(service, "relay")
        acls += [_acl(relay, WRITE, TOPIC, prefix, PREFIXED), _acl(relay, DESCRIBE, TOPIC, prefix, PREFIXED)]
        projector = kafka_principal(service, "projector")
        acls += [_acl(projector, READ, TOPIC, prefix, PREFIXED), _acl(projector, READ, GROUP, prefix, PREFIXED)]
    return acls


@dataclass
class Provisioned:
    """What :func:`provision` did."""

    topics: dict[str, str] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    acls: int = 0


def provision(infra: InfraSettings, *, extra_acls: Iterable[ACL] = ()) -> Provisioned:
    """As ``kim-admin``: the services' SCRAM users (passwords from ``KIM_KAFKA_PASSWORD_<PRINCIPAL>``),
    their topics and their ACLs; idempotent. With ``KIM_ENVIRONMENT=test`` also the test-only
    principal; in production that principal is deleted if it exists."""
    done = Provisioned()
    admin = make_admin(infra.kafka_bootstrap, client_id="kim-provision", credentials=infra.kafka_admin())
    try:
        users = [kafka_credentials(p, infra.environment) for p in (*SERVICE_KAFKA_PRINCIPALS, KAFKA_AUDIT)]
        if infra.environment == "test":
            users.append(infra.kafka_test_admin())
        _upsert_users(admin, users)
        done.users = [u.username for u in users]
        done.topics = _create_topics(admin, infra)
        acls = [*service_acls(infra), *(test_only_acls(infra) if infra.environment == "test" else []), *extra_acls]
        _create_acls(admin, acls)
        done.acls = len(acls)
        if infra.environment == "production":
            _remove_test_admin(admin)
    finally:
        admin.close()
    return done


def _upsert_users(admin: KafkaAdminClient, users: list[KafkaCredentials]) -> None:
    changes = [
        UserScramCredentialUpsertion(u.username, ScramMechanism.SCRAM_SHA_256, u.password.get_secret_value())
        for u in users
    ]
    failed = {user: error for user, error in admin.alter_user_scram_credentials(changes).items() if error}
    if failed:
        msg = f"could not set the SCRAM credentials of {sorted(failed)}: {failed}"
        raise RuntimeError(msg)


def _create_acls(admin: KafkaAdminClient, acls: list[ACL]) -> None:
    result = admin.create_acls(acls)
    if result["failed"]:
        msg = f"could not create {len(result['failed'])} ACLs: {result['failed'][:3]}"
        raise RuntimeError(msg)


def _remove_test_admin(admin: KafkaAdminClient) -> None:
    # "does not exist" is the expected answer; nothing else can go wrong that matters here.
    admin.alter_user_scram_credentials([UserScramCredentialDeletion(KAFKA_TEST_ADMIN, ScramMechanism.SCRAM_SHA_256)])
    any_resource = ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)
    admin.delete_acls(
        [ACLFilter(f"User:{KAFKA_TEST_ADMIN}", None, ACLOperation.ANY, ACLPermissionType.ANY, any_resource)]
    )


def _create_topics(admin: KafkaAdminClient, infra: InfraSettings) -> dict[str, str]:
    result: dict[str, str] = {}
    existing = set(admin.list_topics())
    for name in [infra.topic(s) for s in Service] + [infra.access_topic(s) for s in Service]:
        if name in existing:
            result[name] = "exists"
            continue
        topic = NewTopic(
            name=name,
            num_partitions=infra.topic_partitions,
            replication_factor=infra.topic_replication_factor,
            topic_configs=topic_config(infra),
        )
        try:
            admin.create_topics([topic], validate_only=False)
            result[name] = "created"
        except TopicAlreadyExistsError:
            result[name] = "exists"
    return result


def create_topics(infra: InfraSettings) -> dict[str, str]:
    """Create every service topic (and its users and ACLs, see :func:`provision`); report created/existing."""
    return provision(infra).topics


def deprovision(infra: InfraSettings, topics: Iterable[str] = ()) -> None:
    """Remove a test session's or a benchmark's topics and every ACL on its prefix (as ``kim-admin``)."""
    prefix = f"{infra.topic_prefix}."
    patterns = [
        ResourcePatternFilter(TOPIC, prefix, PREFIXED),
        ResourcePatternFilter(GROUP, prefix, PREFIXED),
        *(ResourcePatternFilter(GROUP, f"{prefix}{s.slug}.", PREFIXED) for s in Service),
        *(ResourcePatternFilter(TOPIC, infra.topic(s), LITERAL) for s in Service),
        *(ResourcePatternFilter(TOPIC, infra.access_topic(s), LITERAL) for s in Service),
        ResourcePatternFilter(GROUP, f"{prefix}audit.", PREFIXED),
    ]
    admin = make_admin(infra.kafka_bootstrap, client_id="kim-deprovision", credentials=infra.kafka_admin())
    try:
        doomed = [t for t in admin.list_topics() if t.startswith(prefix) or t in set(topics)]
        if doomed:
            admin.delete_topics(doomed)
        admin.delete_acls([ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, p) for p in patterns])
    finally:
        admin.close()


def describe_topics(infra: InfraSettings) -> list[dict[str, Any]]:
    """Partition counts of the service topics (for status output)."""
    admin = make_admin(infra.kafka_bootstrap, credentials=infra.kafka_admin())
    try:
        return list(admin.describe_topics([infra.topic(s) for s in Service]))
    finally:
        admin.close()
