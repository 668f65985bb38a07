"""The naturalisation procedure (Einbürgerungsbehörde)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:  # pragma: nocover
    pass

from services.foreign_office.events.file import FileEvent


class NaturalisationApplied(FileEvent):
    """An application for naturalisation."""

    applied_on: date
    basis: str
    corrects: UUID | None


class NaturalisationCertificateHandedOver(FileEvent):
    """The certificate was handed over: the person is a German citizen."""

    handed_over_on: date
    corrects: UUID | None
