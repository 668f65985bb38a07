"""An AsyncAPI 3.0 document of the published language, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.events import ALL_EVENTS
from shared.policy.sharing import rule_for
from shared.service import Service
from shared.settings import InfraSettings

CE_HEADERS = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time", "ce_sequence"],
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "UUIDv5 of (service, aggregate id, version)"},
        "ce_source": {"type": "string", "pattern": "^/kim/[a-z-]+$"},
        "ce_type": {"type": "string"},
        "ce_subject": {"type": "string", "format": "uuid", "description": "The case id (also the Kafka key)"},
        "ce_time": {"type": "string", "format": "date-time", "description": "When the event was recorded"},
        "ce_sequence": {"type": "string", "description": "Notification id in the owner's event store"},
        "ce_sensitivity": {"enum": ["normal", "art9", "art10", "social_data", "secret"]},
        "ce_legalbasis": {"type": "string", "description": "recipient=basis pairs from the sharing policy"},
        "content-type": {"const": "application/json"},
    },
}


def asyncapi_document(infra: InfraSettings | None = None) -> dict[str, Any]:
    """Channels (one per service topic), messages (one per wire type) and their schemas."""
    infra = infra or InfraSettings(topic_prefix="kim")
    _, schema = models_json_schema(
        [(model, "validation") for model in ALL_EVENTS], ref_template="#/components/schemas/{model}"
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for service in Service:
        refs = {}
        for model in (m for m in ALL_EVENTS if m.owner is service):
            rule = rule_for(model)
            assert rule is not None
            key = f"{service.slug}.{model.name}.v{model.version}"
            messages[key] = {
                "name": model.wire_type(),
                "title": model.name,
                "summary": (model.__doc__ or "").strip(),
                "contentType": "application/json",
                "headers": CE_HEADERS,
                "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
                "bindings": {"kafka": {"key": {"type": "string", "format": "uuid"}}},
                "x-sensitivity": rule.sensitivity.value,
                "x-recipients": {r.value: b.value for r, b in sorted(rule.recipients.items())},
            }
            refs[model.name] = {"$ref": f"#/components/messages/{key}"}
        channel = f"{service.slug}-events"
        channels[channel] = {"address": infra.topic(service), "messages": refs}
        operations[f"publish-{service.slug}-events"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"The {service.value} relay publishes its shareable events.",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "KIM case exchange: published events",
            "version": "1",
            "description": "CloudEvents 1.0 in Kafka binary mode; key = case id. Thin events only.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schema.get("$defs", {})},
    }


def render() -> str:
    return json.dumps(asyncapi_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
