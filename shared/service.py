"""The three services (departments) that own events: intake, the foreign office and Kobiz."""

from __future__ import annotations

from enum import StrEnum


class Service(StrEnum):
    """The three departments that own events."""

    INTAKE = "intake"
    FOREIGN_OFFICE = "foreign_office"
    KOBIZ = "kobiz"

    @property
    def slug(self) -> str:
        """The service name as used in URLs, topics and CloudEvents sources."""
        return self.value.replace("_", "-")
