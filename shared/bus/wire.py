"""CloudEvents 1.0 in the Kafka protocol binding's binary mode.

``ce_*`` headers carry the attributes, the key is the case id (so all events of
one case keep their order in one partition) and the value is the thin
integration event as JSON. The ``id`` is derived from (service, aggregate id,
aggregate version), so a republished event carries the same id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from shared.events import EVENTS_BY_WIRE_TYPE, IntegrationEvent
from shared.policy.sharing import rule_for
from shared.service import Service

EVENT_ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:de:nrw:kim:event")
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


def event_id(service: Service, aggregate_id: UUID, version: int) -> UUID:
    """Deterministic CloudEvents id of one stored domain event."""
    return uuid5(EVENT_ID_NAMESPACE, f"{service.value}/{aggregate_id}/{version}")


def source_of(service: Service) -> str:
    """The CloudEvents ``source`` of a service."""
    return f"/kim/{service.slug}"


SERVICE_BY_SOURCE = {source_of(s): s for s in Service}


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
        "subject": str(event.case_id),
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
    model = EVENTS_BY_WIRE_TYPE.get(wire_type)
    if model is None:
        raise PoisonMessageError(f"unknown event type or version: {wire_type[:200]}")
    source = SERVICE_BY_SOURCE.get(cloud_event.get_source())
    if source is not model.owner:
        raise PoisonMessageError(f"source {cloud_event.get_source()[:100]} does not own {wire_type}")
    data = cloud_event.get_data()
    try:
        event = model.model_validate(data)
        sequence = int(cloud_event.get_extension("sequence"))
        event_uuid = UUID(cloud_event.get_id())
    except (ValidationError, TypeError, ValueError) as exc:
        raise PoisonMessageError(f"invalid {wire_type}: {_first_error(exc)}") from None
    if str(event.case_id) != cloud_event.get_subject() or (key is not None and key != str(event.case_id).encode()):
        raise PoisonMessageError("subject, key and case id disagree")
    time = cloud_event.get_time()
    if time is None:
        raise PoisonMessageError("missing time attribute")
    return Envelope(
        id=event_uuid,
        source=source,
        type=wire_type,
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
