"""Published language of the KIM case exchange."""

from shared.events.base import IntegrationEvent, WireModel
from shared.events.catalogue import ALL_EVENTS

EVENTS_BY_WIRE_TYPE: dict[str, type[IntegrationEvent]] = {e.wire_type(): e for e in ALL_EVENTS}

__all__ = ["ALL_EVENTS", "EVENTS_BY_WIRE_TYPE", "IntegrationEvent", "WireModel"]
