"""A department's own records of a file, in the shape of what its view holds.

The Perspektive of a department's own file is judged on everything the department
holds of that person: its own records (here) and, once the file belongs to a KIM
case, its view of the shared history. Own records are translated into the
published language, so the same facts derivation reads both; what never leaves
the department (convictions, deception findings) is added by the caller from the
file's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.application.base import CaseApplication
from shared.events.base import event_id


@dataclass(frozen=True)
class OwnRecord:
    """One of the department's own events of a file, as its published form."""

    event_id: UUID
    type: str
    data: dict[str, Any]


def own_records(app: CaseApplication, aggregate_id: UUID, case_id: UUID | None) -> list[OwnRecord]:
    """The published form of every event of one of the department's own aggregates (internal ones have none)."""
    records: list[OwnRecord] = []
    for stored in app.recorder.select_events(aggregate_id):
        domain_event = app.mapper.to_domain_event(stored)
        integration = app.translate(domain_event, case_id or aggregate_id)
        if integration is not None:
            records.append(
                OwnRecord(
                    event_id(app.service, aggregate_id, stored.originator_version),
                    integration.wire_type(),
                    integration.model_dump(mode="json"),
                )
            )
    return records
