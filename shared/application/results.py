"""What an accepted command answers: where its events sit in the service's notification log."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.service import Service


@dataclass(frozen=True)
class Position:
    """Where a stored event sits in its service's notification log."""

    service: Service
    notification_id: int
    published: bool = True
    """False for a command whose events never leave the service: nobody else will see it."""

    def __str__(self) -> str:
        return f"{self.service.value}:{self.notification_id}"


@dataclass(frozen=True)
class Saved:
    """The answer to an accepted command."""

    case_id: UUID
    version: int
    position: Position
