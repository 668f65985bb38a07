"""A department's own records of a file, in the shape of what its view holds.

The Perspektive of a department's own file is judged on everything the department
holds of that person: its own records (here) and, once the file belongs to a KIM
case, its view of the shared history. Own records are translated into the
published language, so the same facts derivation reads both; what never leaves
the department (convictions, deception findings, its own assessments) is added by
the caller from the file's state (for the foreign office: ``services/foreign_office/owner.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.application.base import CaseApplication
from shared.application.department import DepartmentApplication
from shared.events.base import event_id
from shared.service import Service


@dataclass(frozen=True)
class OwnRecord:
    """One of the department's own events of a file, as its published form."""

    event_id: UUID
    type: str
    data: dict[str, Any]
    source: Service
    """The department itself (a correction applies only within one source)."""


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
                    app.service,
                )
            )
    return records


def file_holdings(
    department: DepartmentApplication[Any], file_id: UUID, timeline: Callable[[UUID], Sequence[Any]]
) -> tuple[Any, list[Any]]:
    """A department's own file and everything the department holds of its person: its own records of the
    file and, once the file belongs to a KIM case, the other departments' entries of its view of the case
    (``timeline``: the case's entries in its projection)."""
    file = department.get_file(file_id)
    case_id: UUID | None = file.kim_case_id
    held: list[Any] = list(own_records(department, file_id, case_id))
    if case_id is not None:
        held += [e for e in timeline(case_id) if e.source is not department.service]
    return file, held
