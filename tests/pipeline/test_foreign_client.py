"""A consumer written with another Kafka client (confluent-kafka / librdkafka) reads the topics.

The published language is a contract with partners who do not use our code. So
this test reads the session's service topics with confluent-kafka, parses every
record with the CloudEvents SDK alone (Kafka binding, binary mode, JSON format)
and checks it against the contract: CloudEvents 1.0 with id, source, specversion,
type, subject, time and datacontenttype application/json; the ``sequence``,
``sensitivity`` and ``legalbasis`` extensions; key = subject = case id; type
``de.nrw.kim.<service>.<Event>.v<N>``; and a JSON body with nothing but the fields
of the published model - no names, notes or remarks.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat
from confluent_kafka import Consumer, KafkaError

from shared.events import EVENTS_BY_WIRE_TYPE
from shared.policy import sharing as policy
from shared.service import Service
from tests.pipeline.helpers import (
    clarify_identity,
    grant_consent,
    grant_permit,
    issue_toleration,
    open_case,
    record_counselling,
    wait_known,
)
from tests.stack import Stack

pytestmark = pytest.mark.pipeline

TYPE_PATTERN = re.compile(
    r"^de\.nrw\.kim\.(?P<service>intake|foreign-office|kobiz)\.(?P<event>[A-Z][A-Za-z]+)\.v(?P<v>[1-9]\d*)$"
)
EXPECTED = {
    "PersonRegistered",
    "CaseOpened",
    "ConsentGranted",
    "ResidenceFileLinked",
    "ToleratedStayIssued",
    "IdentityClarified",
    "ResidencePermitGranted",
    "PerspectiveCounsellingHeld",
}
FORBIDDEN_FIELDS = {
    "notes",
    "counsellor_id",
    "remarks",
    "conditions",
    "document_ref",
    "family_name",
    "given_names",
    "contact",  # the birth date is shared (identity, age limits of § 25a)
}


@dataclass(frozen=True)
class Seen:
    """A record as the foreign client received it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]


def read_with_confluent(stack: Stack, done: Any, timeout: float = 60.0) -> list[Seen]:
    """Consume every service topic from the beginning until ``done(records)`` or the deadline."""
    consumer = Consumer(
        {
            "bootstrap.servers": stack.infra_settings.kafka_bootstrap,
            "group.id": f"foreign-client-{uuid4()}",
            "client.id": "kim-foreign-client-test",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            **stack.infra_settings.kafka_test_admin().confluent_config(),
        }
    )
    records: list[Seen] = []
    try:
        consumer.subscribe([stack.topic(s) for s in Service])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done(records):
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                assert error.code() == KafkaError._PARTITION_EOF, error  # noqa: SLF001 - librdkafka's code
                continue
            headers = list(message.headers() or [])
            names = [name for name, _ in headers]
            assert len(names) == len(set(names)), f"repeated headers: {names}"
            topic, partition, offset, key, value = (
                message.topic(),
                message.partition(),
                message.offset(),
                message.key(),
                message.value(),
            )
            assert topic is not None and partition is not None and offset is not None
            assert not isinstance(key, str) and not isinstance(value, str)  # no deserialiser: bytes as sent
            header_values = {str(name): v.encode() if isinstance(v, str) else bytes(v or b"") for name, v in headers}
            records.append(Seen(topic, partition, offset, key, value or b"", header_values))
    finally:
        consumer.close()
    return records


def parse(record: Seen) -> BaseCloudEvent:
    return from_binary(KafkaMessage(headers=record.headers, key=record.key, value=record.value), JSONFormat())


def check_contract(stack: Stack, record: Seen) -> BaseCloudEvent:
    """Everything the published language promises about one record."""
    event = parse(record)
    where = f"{record.topic}/{record.partition}@{record.offset}"
    topic_service = next(s for s in Service if stack.topic(s) == record.topic)

    assert event.get_specversion() == "1.0" and record.headers["ce_specversion"] == b"1.0", where
    UUID(event.get_id())
    assert event.get_source() == f"/kim/{topic_service.slug}", where
    match = TYPE_PATTERN.match(event.get_type())
    assert match is not None, (where, event.get_type())
    assert match["service"] == topic_service.slug, (where, event.get_type())
    subject = event.get_subject()
    assert subject is not None and record.key == subject.encode(), where
    UUID(subject)
    time_ = event.get_time()
    assert time_ is not None and time_.utcoffset() == timedelta(0), where
    assert event.get_datacontenttype() == "application/json", where

    sequence = event.get_extension("sequence")
    assert isinstance(sequence, str) and sequence.isdigit() and int(sequence) > 0, where
    rule = policy.rule_for(event.get_type())
    assert rule is not None and rule.published, where
    assert event.get_extension("sensitivity") == rule.sensitivity.value, where
    legal = dict(pair.split("=", 1) for pair in str(event.get_extension("legalbasis")).split(","))
    assert legal == {str(k): str(v) for k, v in rule.recipients.items()}, where
    assert set(legal) - {topic_service.value}, "published to someone besides its owner"

    data = event.get_data()
    assert isinstance(data, dict), where
    model = EVENTS_BY_WIRE_TYPE[event.get_type()]
    assert set(data) <= set(model.model_fields), (where, set(data) - set(model.model_fields))
    assert not set(data) & FORBIDDEN_FIELDS, where
    published = model.model_validate(data)
    assert str(getattr(published, "file_id", None) or published.case_id) == subject, where
    return event


def case_of(record: Seen) -> str | None:
    """The KIM case a record belongs to (its subject and key are the department's file, if any)."""
    body = json.loads(record.value)
    return str(body.get("case_id")) if isinstance(body, dict) else None


def test_a_confluent_kafka_consumer_reads_valid_cloudevents_of_the_published_language(live_stack: Stack) -> None:
    stack = live_stack
    notes = f"Vertrauliche Notiz {uuid4()}"
    family_name = f"Fremdleser{uuid4().hex[:8]}"
    case_id, opened = open_case(stack, share_all=False, family_name=family_name, given_names="Geheim-Vorname")
    tokens = {"CaseOpened": opened, "ConsentGranted": grant_consent(stack, case_id)}
    wait_known(stack, Service.FOREIGN_OFFICE, case_id, tokens["ConsentGranted"])
    wait_known(stack, Service.KOBIZ, case_id, tokens["ConsentGranted"])
    tokens["ToleratedStayIssued"] = issue_toleration(stack, case_id)
    tokens["IdentityClarified"] = clarify_identity(stack, case_id)
    tokens["ResidencePermitGranted"] = grant_permit(stack, case_id)
    tokens["PerspectiveCounsellingHeld"] = record_counselling(stack, case_id, notes)
    for token in tokens.values():  # consumed by a projection, so it is on Kafka
        wait_known(stack, Service.INTAKE, case_id, token)

    def case_types(records: list[Seen]) -> set[str]:
        return {r.headers.get("ce_type", b"").decode().split(".")[-2] for r in records if case_of(r) == case_id}

    records = read_with_confluent(stack, lambda rs: case_types(rs) >= EXPECTED)
    assert case_types(records) >= EXPECTED, f"missing: {EXPECTED - case_types(records)}"

    # Every record on the session's topics honours the contract, whatever case it is of.
    by_id: dict[str, tuple[Any, ...]] = {}
    for record in records:
        event = check_contract(stack, record)
        fingerprint = (event.get_type(), event.get_subject(), event.get_extension("sequence"), event.get_data())
        assert by_id.setdefault(event.get_id(), fingerprint) == fingerprint, "a republished id carries the same event"

    # This case: each event once (by id), sequence = the notification id its command answered with,
    # and none of its confidential content anywhere in a record.
    ours = [r for r in records if case_of(r) == case_id]
    events = {e.get_id(): e for e in map(parse, ours)}
    assert sorted(e.get_type().split(".")[-2] for e in events.values()) == sorted(EXPECTED)
    for name, token in tokens.items():
        service, _, number = token.partition(":")
        event = next(e for e in events.values() if e.get_type().split(".")[-2] == name)
        assert event.get_source() == f"/kim/{Service(service).slug}"
        assert event.get_extension("sequence") == number, name
    for record in ours:
        raw = record.value + b"".join(k.encode() + v for k, v in record.headers.items())
        for secret in (notes, family_name, "Geheim-Vorname", "INTERN", "kobiz-test-3"):
            assert secret.encode() not in raw, secret
