"""The published language: thin, versioned integration events.

An integration event is what crosses a service boundary. It carries codes, dates,
booleans and ids only; names, free text and documents stay with their owner.
Its wire type is ``de.nrw.kim.<service>.<EventName>.v<version>``, independent of
the internal persisted class.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, StringConstraints

from shared.service import Service

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$")]
"""A short machine code (no free text may cross a boundary)."""

WIRE_TYPE_PREFIX = "de.nrw.kim"
EVENT_ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:de:nrw:kim:event")


def event_id(service: Service, aggregate_id: UUID, version: int) -> UUID:
    """The id of one stored domain event, the same wherever it is published or shown (a UUIDv5)."""
    return uuid5(EVENT_ID_NAMESPACE, f"{service.value}/{aggregate_id}/{version}")


class WireModel(BaseModel):
    """A strict, immutable model that is part of the published language."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class IntegrationEvent(WireModel):
    """Base of every event that may leave its owning service."""

    owner: ClassVar[Service]
    name: ClassVar[str]
    version: ClassVar[int] = 1

    case_id: UUID
    corrects: UUID | None = None
    """The CloudEvents id of an earlier event of the same case that this one corrects."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__

    @classmethod
    def wire_type(cls) -> str:
        """The CloudEvents ``type`` of this event class."""
        return f"{WIRE_TYPE_PREFIX}.{cls.owner.slug}.{cls.name}.v{cls.version}"

    @property
    def subject(self) -> UUID:
        """What the event is about on the wire (CloudEvents ``subject``, the Kafka key): the case."""
        return self.case_id

    def valid_on(self) -> date | None:
        """The date on which the fact became true (valid time), if it has one."""
        return None


class FileEvent(IntegrationEvent):
    """An event of a department's own file on a person, published once the file belongs to a KIM case.

    Its subject (and Kafka key) is the file, so that the file's events keep their
    order on the owner's topic; ``case_id`` names the KIM case the file is linked to.
    Version 2 of every file event added the file (version 1 was keyed by the case).
    """

    version: ClassVar[int] = 2

    file_id: UUID

    @property
    def subject(self) -> UUID:
        return self.file_id
