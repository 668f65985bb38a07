"""Published language of the KIM case exchange."""

from shared.events.base import IntegrationEvent, WireModel
from shared.events.catalogue import ALL_EVENTS
from shared.events.upcasters import WIRE_UPCASTERS, upcast_wire

EVENTS_BY_WIRE_TYPE: dict[str, type[IntegrationEvent]] = {e.wire_type(): e for e in ALL_EVENTS}
"""The current wire type of every event; earlier versions are read through :func:`upcast_wire`."""

__all__ = ["ALL_EVENTS", "EVENTS_BY_WIRE_TYPE", "WIRE_UPCASTERS", "IntegrationEvent", "WireModel", "upcast_wire"]
