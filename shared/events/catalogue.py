"""The whole published catalogue (docs/domain.md §3), one import away.

Events that never leave their owner (IdentityDeceptionEstablished,
CriminalConvictionNotified, RemovalScheduled, NaturalisationRequirementAssessed,
counselling notes) have no integration event at all: there is nothing that
could be published by mistake.
"""

from __future__ import annotations

from shared.events.base import Code, IntegrationEvent
from shared.events.common import (
    ConferenceParticipant,
    ConsentScope,
    DataCategory,
    IsoCountry,
    IsoLanguage,
    Norm,
    PartyId,
    Purpose,
    Recipient,
    RecipientKind,
)
from shared.events.foreign_office import *  # noqa: F403 - the catalogue re-exports every event
from shared.events.foreign_office import FOREIGN_OFFICE_EVENTS
from shared.events.foreign_office_facts import *  # noqa: F403
from shared.events.foreign_office_facts import FOREIGN_OFFICE_FACT_EVENTS
from shared.events.intake import *  # noqa: F403
from shared.events.intake import INTAKE_EVENTS
from shared.events.kobiz import *  # noqa: F403
from shared.events.kobiz import KOBIZ_EVENTS
from shared.events.kobiz_facts import *  # noqa: F403
from shared.events.kobiz_facts import KOBIZ_FACT_EVENTS

ALL_EVENTS: tuple[type[IntegrationEvent], ...] = (
    INTAKE_EVENTS + FOREIGN_OFFICE_EVENTS + FOREIGN_OFFICE_FACT_EVENTS + KOBIZ_EVENTS + KOBIZ_FACT_EVENTS
)

__all__ = [
    "ALL_EVENTS",
    "Code",
    "ConferenceParticipant",
    "ConsentScope",
    "DataCategory",
    "IntegrationEvent",
    "IsoCountry",
    "IsoLanguage",
    "Norm",
    "PartyId",
    "Purpose",
    "Recipient",
    "RecipientKind",
    *(e.__name__ for e in ALL_EVENTS),
]
