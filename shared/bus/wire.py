"""CloudEvents 1.0 in the Kafka protocol binding's binary mode.

``ce_*`` headers carry the attributes, the key is the event's subject (so all
events of one subject keep their order in one partition) and the value is the thin
integration event as JSON. The subject is the KIM case for intake's events and the
department's own file for the foreign office's and Kobiz's (the body names the case
the file is linked to). The ``id`` is derived from (service, aggregate id,
aggregate version), so a republished event carries the same id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from shared.events import IntegrationEvent, upcast_wire
from shared.events.base import event_id
from shared.policy.sharing import rule_for
from shared.service import Service

JSON = JSONFormat()
CONTENT_TYPE = "application/json"


class PoisonMessageError(ValueError):
    """A Kafka record that is not a valid event of the published language."""


@dataclass(frozen=True)
class Envelope:
    """A decoded, validated event with its CloudEvents context."""

    id: UUID
    source: Service
    type: str
    case_id: UUID
    time: datetime
    sequence: int
    sensitivity: str
    event: IntegrationEvent


@dataclass(frozen=True)
class WireMessage:
    """What is handed to a Kafka producer."""

    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def source_of(service: Service) -> str:
    """The CloudEvents ``source`` of a service."""
    return f"/kim/{service.slug}"


SERVICE_BY_SOURCE = {source_of(s): s for s in Service}
SERVICE_BY_SLUG = {s.slug: s for s in Service}
TOPIC_SUFFIX = ".events"


def topic_owner(topic: str) -> Service | None:
    """The service whose events a topic carries, by the service topics' names
    (``<prefix>.<slug>.events``, see ``InfraSettings.topic``); None for any other topic
    (a benchmark's or a unit test's scratch topic, which no deployment subscribes to)."""
    if not topic.endswith(TOPIC_SUFFIX):
        return None
    prefix, _, slug = topic.removesuffix(TOPIC_SUFFIX).rpartition(".")
    return SERVICE_BY_SLUG.get(slug) if prefix else None


def encode(
    event: IntegrationEvent,
    *,
    aggregate_id: UUID,
    aggregate_version: int,
    recorded_at: datetime,
    notification_id: int,
) -> WireMessage:
    """Encode an integration event as a binary-mode CloudEvent for Kafka."""
    rule = rule_for(type(event))
    if rule is None or not rule.published:
        msg = f"{event.wire_type()} is not published by the sharing policy"
        raise ValueError(msg)
    # The per-event refinement counts (e.g. a Duldung on health grounds is Art. 9 data).
    sensitivity, _category, recipients = rule.for_event(event)
    attributes: dict[str, Any] = {
        "id": str(event_id(event.owner, aggregate_id, aggregate_version)),
        "source": source_of(event.owner),
        "type": event.wire_type(),
        "subject": str(event.subject),
        "time": recorded_at.astimezone(UTC),
        "datacontenttype": CONTENT_TYPE,
        "sequence": str(notification_id),
        "sensitivity": sensitivity.value,
        "legalbasis": ",".join(f"{r}={b}" for r, b in sorted(recipients.items())),
    }
    cloud_event = CloudEvent(attributes, event.model_dump(mode="json"))
    message = ce_kafka.to_binary(cloud_event, JSON, key_mapper=lambda e: e.get_subject())
    key = message.key.encode() if isinstance(message.key, str) else message.key
    assert key is not None
    return WireMessage(key=key, value=message.value, headers=list(message.headers.items()))


def decode(headers: list[tuple[str, bytes]] | None, key: bytes | None, value: bytes | None) -> Envelope:
    """Decode and validate a Kafka record; raise PoisonMessageError if it is not valid."""
    try:
        message = ce_kafka.KafkaMessage(headers=dict(headers or []), key=key, value=value or b"")
        cloud_event = ce_kafka.from_binary(message, JSON)
    except Exception as exc:  # noqa: BLE001 - every parse failure makes a poison message
        raise PoisonMessageError(f"not a CloudEvent: {type(exc).__name__}") from None
    wire_type = cloud_event.get_type()
    # The current model, and the body upcast to it if the record is of an earlier version.
    found = upcast_wire(wire_type, cloud_event.get_data())
    if found is None:
        raise PoisonMessageError(f"unknown event type or version: {wire_type[:200]}")
    model, data = found
    source = SERVICE_BY_SOURCE.get(cloud_event.get_source())
    if source is not model.owner:
        raise PoisonMessageError(f"source {cloud_event.get_source()[:100]} does not own {wire_type}")
    try:
        event = model.model_validate(data)
        sequence = int(cloud_event.get_extension("sequence"))
        event_uuid = UUID(cloud_event.get_id())
    except (ValidationError, TypeError, ValueError) as exc:
        raise PoisonMessageError(f"invalid {wire_type}: {_first_error(exc)}") from None
    subject = str(event.subject)  # the case, or a department's file (its own key on its topic)
    if subject != cloud_event.get_subject() or (key is not None and key != subject.encode()):
        raise PoisonMessageError("subject, key and event disagree")
    time = cloud_event.get_time()
    if time is None:
        raise PoisonMessageError("missing time attribute")
    return Envelope(
        id=event_uuid,
        source=source,
        type=model.wire_type(),
        case_id=event.case_id,
        time=time,
        sequence=sequence,
        sensitivity=str(cloud_event.get_extension("sensitivity") or ""),
        event=event,
    )


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {err['type']}"
    return type(exc).__name__
