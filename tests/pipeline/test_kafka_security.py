"""Kafka authenticates every client and authorizes every request (deploy/README.md, "Security model").

Real broker, this session's topics. Refusals are asserted as the error itself, with
confluent-kafka (kafka-python only logs a TopicAuthorizationFailed and polls nothing):
the broker's authentication or authorization error code, and for a client that does not
even speak SASL, the broker's own record of the refused handshake in its log.
"""

from __future__ import annotations

import re
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic  # type: ignore[attr-defined]

from shared.bus.kafka import deprovision, make_admin, provision
from shared.service import Service
from shared.settings import (
    KAFKA_ADMIN,
    KAFKA_AUDIT,
    KAFKA_BROKER,
    InfraSettings,
    kafka_credentials,
    kafka_principal,
)

pytestmark = pytest.mark.pipeline

SERVICES = list(Service)


@pytest.fixture(scope="module")
def infra(infra_env: dict[str, str]) -> Iterator[InfraSettings]:
    """Topics, users and ACLs provisioned exactly as ``kim create-topics`` does, under a prefix of this
    module's own: the records written here never reach the session's projections or foreign client."""
    settings = InfraSettings(topic_prefix=f"{InfraSettings().topic_prefix}-security")
    provision(settings)
    yield settings
    deprovision(settings)


def sasl(principal: str, password: str | None = None) -> dict[str, str]:
    config = kafka_credentials(principal).confluent_config()
    if password is not None:
        config["sasl.password"] = password
    return config


def broker_log(infra: InfraSettings) -> Path:
    return infra.state_dir / "kafka" / "logs" / "server.log"


class LogTail:
    """What the broker logged since this object was made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size

    def text(self) -> str:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            return f.read().decode(errors="replace")

    def wait_for(self, listener: str, *needles: str, timeout: float = 15.0) -> str:
        """The first entry of ``listener`` (a log line and its continuation lines) holding every needle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in re.split(r"\n(?=\[\d{4}-)", self.text()):
                if f"listenerType={listener}" in entry and all(n in entry for n in needles):
                    return entry
            time.sleep(0.2)
        msg = f"the broker logged nothing on {listener} with {needles}; it logged:\n{self.text()[-3000:]}"
        raise AssertionError(msg)


def produce(
    infra: InfraSettings, config: dict[str, str], topic: str, timeout_ms: int = 6000
) -> tuple[list[KafkaError], list[KafkaError]]:
    """One record; returns (delivery errors, client errors). An empty first list means it was written."""
    deliveries: list[KafkaError | None] = []
    errors: list[KafkaError] = []
    producer = Producer(
        {
            "bootstrap.servers": infra.kafka_bootstrap,
            "client.id": "kim-security-test",
            "message.timeout.ms": timeout_ms,
            "error_cb": errors.append,
            "log_level": 0,
            **config,
        }
    )
    producer.produce(topic, b"must not arrive", key=b"security-test", on_delivery=lambda e, _m: deliveries.append(e))
    producer.flush(15)
    assert len(deliveries) == 1, "the delivery report never came"
    return [e for e in deliveries if e is not None], errors


def first_consumer_event(
    infra: InfraSettings, config: dict[str, str], group: str, topic: str, timeout: float = 15.0
) -> KafkaError | str:
    """Subscribe and return the first thing the consumer reports: an error, or "record"."""
    errors: list[KafkaError] = []
    consumer = Consumer(
        {
            "bootstrap.servers": infra.kafka_bootstrap,
            "group.id": group,
            "client.id": "kim-security-test",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "error_cb": errors.append,
            "log_level": 0,
            **config,
        }
    )
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if errors:
                return errors[0]
            if message is None:
                continue
            error = message.error()
            return error if error is not None else "record"
        return "nothing"
    finally:
        consumer.close()


def raw_request_without_sasl(host: str, port: int) -> bytes:
    """A DescribeCluster v0 request on a bare TCP connection; returns whatever comes back."""
    client_id = b"kim-no-sasl"
    header = struct.pack(">hhih", 60, 0, 1, len(client_id)) + client_id + b"\x00"  # key, version, id, client, tags
    body = b"\x00\x00"  # include_cluster_authorized_operations=false, no tags
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(struct.pack(">i", len(header + body)) + header + body)
        try:
            return sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            return b""


@pytest.fixture(scope="module")
def written(infra: InfraSettings) -> None:
    """One record on every service topic, written by its own relay principal (the positive control)."""
    for service in SERVICES:
        failed, _ = produce(infra, sasl(kafka_principal(service, "relay")), infra.topic(service))
        assert failed == [], f"{service} relay could not write its own topic: {failed}"


# --- authentication ----------------------------------------------------------------------------


def test_a_client_that_does_not_authenticate_gets_nothing(infra: InfraSettings) -> None:
    log = LogTail(broker_log(infra))
    assert raw_request_without_sasl(infra.kafka_host, infra.kafka_port) == b"", "the broker answered without SASL"
    log.wait_for("BROKER", "Unexpected Kafka request of type DESCRIBE_CLUSTER during SASL handshake")

    failed, errors = produce(infra, {}, infra.topic(Service.INTAKE), timeout_ms=3000)
    assert [e.code() for e in failed] == [KafkaError._MSG_TIMED_OUT], failed
    assert errors and {e.code() for e in errors} <= {KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN}, errors
    log.wait_for("BROKER", "during SASL handshake")


@pytest.mark.parametrize(
    ("principal", "password"),
    [("intake-relay", "not-its-password"), ("kim-admin", "guessed"), ("nobody-at-all", "nobody-at-all-dev")],
)
def test_a_wrong_password_or_an_unknown_user_fails_authentication(
    infra: InfraSettings, principal: str, password: str
) -> None:
    log = LogTail(broker_log(infra))
    config = {**sasl(KAFKA_ADMIN), "sasl.username": principal, "sasl.password": password}
    failed, errors = produce(infra, config, infra.topic(Service.INTAKE), timeout_ms=3000)
    assert KafkaError._AUTHENTICATION in {e.code() for e in errors}, errors
    assert failed and failed[0].code() == KafkaError._MSG_TIMED_OUT
    log.wait_for("BROKER", "Failed authentication", "invalid credentials with SASL mechanism SCRAM-SHA-256")


# --- authorization: another service's credentials --------------------------------------------


def others(service: Service) -> list[Service]:
    return [s for s in SERVICES if s is not service]


@pytest.mark.parametrize("owner", SERVICES, ids=[s.value for s in SERVICES])
def test_no_other_principal_can_write_a_services_topic(infra: InfraSettings, owner: Service, written: None) -> None:
    topic = infra.topic(owner)
    principals = [kafka_principal(s, k) for s in others(owner) for k in ("relay", "projector", "api")]
    principals += [kafka_principal(owner, "projector"), kafka_principal(owner, "api")]
    for principal in principals:
        failed, errors = produce(infra, sasl(principal), topic)
        assert [e.code() for e in failed] == [KafkaError.TOPIC_AUTHORIZATION_FAILED], (principal, failed, errors)


@pytest.mark.parametrize("reader", SERVICES, ids=[s.value for s in SERVICES])
def test_relay_and_api_principals_read_no_topic(infra: InfraSettings, reader: Service, written: None) -> None:
    # No consumer group is theirs, so they cannot even join one (not even under their own service's prefix).
    for kind in ("relay", "api"):
        for topic in (infra.topic(reader), infra.topic(others(reader)[0])):
            group = f"{infra.topic_prefix}.{reader.slug}.security-{uuid4().hex[:6]}"
            event = first_consumer_event(infra, sasl(kafka_principal(reader, kind)), group, topic)
            assert isinstance(event, KafkaError), (kind, topic, event)
            assert event.code() == KafkaError.GROUP_AUTHORIZATION_FAILED, (kind, topic, event)


def test_a_projector_reads_the_service_topics_only_in_its_own_groups(infra: InfraSettings, written: None) -> None:
    topic = infra.topic(Service.INTAKE)
    kobiz = sasl(kafka_principal(Service.KOBIZ, "projector"))
    # Every projector reads every service topic (the sharing policy filters inside it) ...
    own_group = f"{infra.topic_prefix}.kobiz.security-{uuid4().hex[:6]}"
    assert first_consumer_event(infra, kobiz, own_group, topic) == "record"
    # ... but not in another service's consumer group (it could move that projector's offsets).
    for service in others(Service.KOBIZ):
        event = first_consumer_event(infra, kobiz, f"{infra.topic_prefix}.{service.slug}.case-history", topic)
        assert isinstance(event, KafkaError) and event.code() == KafkaError.GROUP_AUTHORIZATION_FAILED, event


@pytest.fixture
def foreign_topic(infra: InfraSettings) -> Iterator[str]:
    """A topic that is no service topic (created by kim-admin, deleted again)."""
    name = f"{infra.topic_prefix}.security-{uuid4().hex[:6]}"
    admin = AdminClient({"bootstrap.servers": infra.kafka_bootstrap, **sasl(KAFKA_ADMIN)})
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    yield name
    admin.delete_topics([name])[name].result(30)


def test_a_projector_cannot_read_a_topic_that_is_not_on_its_list(infra: InfraSettings, foreign_topic: str) -> None:
    group = f"{infra.topic_prefix}.kobiz.security-{uuid4().hex[:6]}"
    event = first_consumer_event(infra, sasl(kafka_principal(Service.KOBIZ, "projector")), group, foreign_topic)
    assert isinstance(event, KafkaError) and event.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, event
    failed, _ = produce(infra, sasl(kafka_principal(Service.KOBIZ, "relay")), foreign_topic)
    assert [e.code() for e in failed] == [KafkaError.TOPIC_AUTHORIZATION_FAILED]


def test_the_api_principal_may_only_ask_whether_the_cluster_is_there(infra: InfraSettings) -> None:
    # /readyz's check (kafka-python, as the service's API does it): no ACL needed, only authentication.
    admin = make_admin(infra.kafka_bootstrap, credentials=kafka_credentials(kafka_principal(Service.INTAKE, "api")))
    try:
        assert admin.describe_cluster()["brokers"]
        assert admin.list_topics() == [], "the API principal sees no topic"
    finally:
        admin.close()


# --- the controller listener ---------------------------------------------------------------------


def controller_attempt(infra: InfraSettings, config: dict[str, str]) -> None:
    """Whatever it tries there fails (what the controller made of it is in the broker's log)."""
    admin = AdminClient({"bootstrap.servers": f"{infra.kafka_host}:{controller_port(infra)}", "log_level": 0, **config})
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=5)


def controller_port(infra: InfraSettings) -> int:
    properties = (infra.state_dir / "kafka" / "server.properties").read_text()
    voters = next(line for line in properties.splitlines() if line.startswith("controller.quorum.voters="))
    return int(voters.rsplit(":", 1)[1])


def test_the_controller_listener_refuses_anonymous_clients_and_service_credentials(infra: InfraSettings) -> None:
    port = controller_port(infra)
    log = LogTail(broker_log(infra))
    assert raw_request_without_sasl(infra.kafka_host, port) == b"", "the controller answered without SASL"
    log.wait_for("CONTROLLER", "during SASL handshake")

    log = LogTail(broker_log(infra))
    plain = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}
    controller_attempt(infra, {**plain, "sasl.username": KAFKA_BROKER, "sasl.password": "guessed-password"})
    log.wait_for("CONTROLLER", "Failed authentication", "Invalid username or password")

    log = LogTail(broker_log(infra))
    controller_attempt(infra, sasl(kafka_principal(Service.INTAKE, "relay")))  # SCRAM is not offered there
    log.wait_for("CONTROLLER", "Failed authentication", "SCRAM-SHA-256")


# --- configuration as the broker reports it -----------------------------------------------------


def test_the_broker_allows_nothing_without_an_acl_and_nobody_anonymous(infra: InfraSettings) -> None:
    admin = AdminClient({"bootstrap.servers": infra.kafka_bootstrap, **sasl(KAFKA_ADMIN)})
    resource = ConfigResource(ConfigResource.Type.BROKER, "1")
    configs = admin.describe_configs([resource])[resource].result(30)

    def value(name: str) -> Any:
        return configs[name].value

    assert value("authorizer.class.name") == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert value("listener.security.protocol.map") == "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    assert value("listener.name.client.sasl.enabled.mechanisms") == "SCRAM-SHA-256"
    # The broker masks these two (sensitive); what it was started with (and a topic without an ACL
    # that no service principal may touch, above) shows them.
    properties = (infra.state_dir / "kafka" / "server.properties").read_text().splitlines()
    assert "allow.everyone.if.no.acl.found=false" in properties
    assert "super.users=User:kim-broker;User:kim-admin" in properties

    kafka = make_admin(infra.kafka_bootstrap, credentials=infra.kafka_admin())
    try:
        from kafka.admin import ACLFilter, ACLOperation, ACLPermissionType, ResourcePatternFilter, ResourceType
        from kafka.admin import ACLResourcePatternType as Pattern

        everything = ResourcePatternFilter(ResourceType.ANY, None, Pattern.ANY)
        acls, error = kafka.describe_acls(ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, everything))
    finally:
        kafka.close()
    assert error is not None and error.errno == 0, error
    principals = {acl.principal for acl in acls}
    assert principals and "User:ANONYMOUS" not in principals and "User:*" not in principals, principals
    assert all(acl.permission_type == ACLPermissionType.ALLOW for acl in acls)


# --- the access-log topics: written by the service's relay, read by the audit principal only ----------------


@pytest.mark.parametrize("owner", SERVICES, ids=[s.value for s in SERVICES])
def test_only_the_audit_principal_reads_an_access_log_topic(infra: InfraSettings, owner: Service) -> None:
    topic = infra.access_topic(owner)
    failed, _ = produce(infra, sasl(kafka_principal(owner, "relay")), topic)
    assert failed == [], f"{owner} relay could not write its access-log topic: {failed}"
    audit_group = f"{infra.topic_prefix}.audit.security-{uuid4().hex[:6]}"
    assert first_consumer_event(infra, sasl(KAFKA_AUDIT), audit_group, topic) == "record"
    for service in SERVICES:  # no projector reads it, not even in its own consumer groups
        group = f"{infra.topic_prefix}.{service.slug}.security-{uuid4().hex[:6]}"
        event = first_consumer_event(infra, sasl(kafka_principal(service, "projector")), group, topic)
        assert isinstance(event, KafkaError) and event.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, event


@pytest.mark.parametrize("owner", SERVICES, ids=[s.value for s in SERVICES])
def test_nobody_else_writes_an_access_log_topic(infra: InfraSettings, owner: Service) -> None:
    topic = infra.access_topic(owner)
    principals = [kafka_principal(s, k) for s in others(owner) for k in ("relay", "projector", "api")]
    principals += [kafka_principal(owner, "projector"), kafka_principal(owner, "api"), KAFKA_AUDIT]
    for principal in principals:
        failed, errors = produce(infra, sasl(principal), topic)
        assert [e.code() for e in failed] == [KafkaError.TOPIC_AUTHORIZATION_FAILED], (principal, failed, errors)
