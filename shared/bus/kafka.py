"""Kafka clients with every safety-relevant setting explicit.

kafka-python's defaults auto-commit, start at "latest" and, before 3.0, are not
idempotent (docs/pipeline.md §5); none of them is left to chance here.
"""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.service import Service
from shared.settings import InfraSettings

log = logging.getLogger(__name__)


def make_producer(
    bootstrap: str, *, client_id: str, linger_ms: int = 5, delivery_timeout_ms: int = 30000
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
    )


def make_consumer(
    bootstrap: str, *, group_id: str | None, client_id: str, max_poll_records: int = 500
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


def make_admin(bootstrap: str, *, client_id: str = "kim-admin", timeout_ms: int = 10000) -> KafkaAdminClient:
    """An admin client (topic creation, readiness checks)."""
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, request_timeout_ms=timeout_ms)


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


def create_topics(infra: InfraSettings) -> dict[str, str]:
    """Create every service topic with explicit settings; report created/existing."""
    admin = make_admin(infra.kafka_bootstrap)
    result: dict[str, str] = {}
    try:
        existing = set(admin.list_topics())
        for service in Service:
            name = infra.topic(service)
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
    finally:
        admin.close()
    return result


def describe_topics(infra: InfraSettings) -> list[dict[str, Any]]:
    """Partition counts of the service topics (for status output)."""
    admin = make_admin(infra.kafka_bootstrap)
    try:
        return list(admin.describe_topics([infra.topic(s) for s in Service]))
    finally:
        admin.close()
